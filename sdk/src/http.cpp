#include <rex/sdk/http.hpp>

#include <algorithm>
#include <cctype>

REX_SDK_BEGIN

const std::string* find_header(const std::vector<HttpHeader>& headers, std::string_view name) noexcept {
    auto same = [name](const HttpHeader& h) {
        return std::equal(h.name.begin(), h.name.end(), name.begin(), name.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        });
    };
    auto it = std::find_if(headers.begin(), headers.end(), same);
    return it == headers.end() ? nullptr : &it->value;
}

bool RequestAbandon::abandoned() const noexcept {
    std::lock_guard lock(mutex_);
    return abandoned_;
}

void RequestAbandon::on_abandon(std::function<void()> action) {
    std::lock_guard lock(mutex_);
    if (!abandoned_) {
        action_ = std::move(action);
        return;
    }
    try {
        if (action) action();
    } catch (...) {
    }
}

void RequestAbandon::withdraw() noexcept {
    std::lock_guard lock(mutex_);  // waits for a running action
    action_ = nullptr;
}

void RequestAbandon::abandon() noexcept {
    std::lock_guard lock(mutex_);  // the action runs under the lock, so withdraw() waits for it
    if (abandoned_) return;
    abandoned_ = true;
    try {
        if (action_) action_();
    } catch (...) {
    }
    action_ = nullptr;
}

const std::string* HttpRequest::header(std::string_view name) const noexcept { return find_header(headers, name); }

REX_SDK_END

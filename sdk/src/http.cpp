#include <rex/sdk/http.hpp>

#include <algorithm>
#include <cctype>

REX_SDK_BEGIN

const std::string* HttpRequest::header(std::string_view name) const noexcept {
    auto same = [name](const HttpHeader& h) {
        return std::equal(h.name.begin(), h.name.end(), name.begin(), name.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        });
    };
    auto it = std::find_if(headers.begin(), headers.end(), same);
    return it == headers.end() ? nullptr : &it->value;
}

REX_SDK_END

#include "operations/delivery.hpp"

namespace rex::graphql {

bool Delivery::active() const {
    std::lock_guard lock(mutex_);
    return sink_ != nullptr;
}

template <class Call>
bool Delivery::deliver(Call&& call, bool last) {
    std::lock_guard lock(mutex_);
    if (!sink_) return false;
    auto sink = sink_;  // a stop() from inside the call must not destroy the sink under it
    try {
        call(*sink);
    } catch (...) {
        sink_.reset();  // a broken sink gets nothing more
        return false;
    }
    if (last) sink_.reset();
    return true;
}

bool Delivery::next(std::string result) {
    return deliver([&](OperationSink& s) { s.next(std::move(result)); }, false);
}

bool Delivery::error(std::string errors) {
    return deliver([&](OperationSink& s) { s.error(std::move(errors)); }, true);
}

bool Delivery::complete() {
    return deliver([](OperationSink& s) { s.complete(); }, true);
}

void Delivery::stop() {
    std::shared_ptr<OperationSink> sink;
    {
        std::lock_guard lock(mutex_);
        sink = std::move(sink_);
    }
    // `sink` is released here, outside the lock: its destructor may take the transport's locks.
}

StoppingHandle::~StoppingHandle() {
    delivery_->stop();
    std::shared_ptr<void> membership;
    {
        std::lock_guard lock(keep_->mutex);
        membership = std::move(keep_->membership);
    }
    membership.reset();  // leaves the execution (outside the lock)
    keep_.reset();
}

}  // namespace rex::graphql

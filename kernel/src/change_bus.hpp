// The in-process change bus: sequence numbers, per-subscriber filters, a bounded history so a
// subscriber that reconnects can resume from its last sequence number.
#pragma once

#include <rex/sdk/change.hpp>

#include <memory>
#include <mutex>

namespace rex {

class InMemoryChangeBus final : public ChangeBus {
public:
    explicit InMemoryChangeBus(std::size_t history = 4096);
    ~InMemoryChangeBus() override;

    std::uint64_t publish(ChangeEvent event) override;
    std::uint64_t publish_all(std::vector<ChangeEvent>& events) override;
    std::unique_ptr<ChangeSubscription> subscribe(ChangeFilter filter, std::uint64_t after_sequence,
                                                  std::function<void(const ChangeEvent&)> on_event) override;
    std::uint64_t last_sequence() const override;
    std::uint64_t first_retained() const override;

    struct Shared;  // outlives the bus while subscriptions exist

private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace rex

// The in-process change bus: sequence numbers, per-subscriber filters, a bounded history so a
// subscriber that reconnects can resume from its last sequence number.
#pragma once

#include <rex/sdk/change.hpp>

#include <functional>
#include <memory>
#include <mutex>

namespace rex {

// Where events older than the bus's memory come from again: the capture log (the capture pump
// is one). Used by a capture-numbered bus when a subscriber resumes from further back.
class ChangeHistory {
public:
    virtual ~ChangeHistory() = default;
    // The oldest sequence number it can still give (the log keeps it).
    virtual std::uint64_t first_available() const = 0;
    // Calls `deliver` for every event with after < sequence <= through, in order.
    virtual void replay(std::uint64_t after, std::uint64_t through, const std::function<void(const ChangeEvent&)>& deliver) = 0;
};

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
    bool numbered_by_log() const override;

    // Hands the numbering to a capture pump: from now on only events that carry a sequence
    // number are published (the others are dropped: the pump publishes those writes too, with
    // the log's numbers), the bus continues after `sequence` (nothing at or below it is in its
    // memory), and `history` (may be null) serves resumes from before the memory.
    void number_from_log(std::uint64_t sequence, std::shared_ptr<ChangeHistory> history);
    // Undoes number_from_log's dropping and history (the pump stopped); numbering goes on.
    void number_in_process();
    // Events dropped because they carried no number while the bus was numbered by a log.
    std::uint64_t dropped() const;

    struct Shared;  // outlives the bus while subscriptions exist

private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace rex

// The kernel's change bus as plugins see it: ordered change events with sequence numbers.
#pragma once

#include <rex/sdk/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

REX_SDK_BEGIN

enum class ChangeKind : std::uint8_t { insert, update, remove };

struct ChangeEvent {
    std::uint64_t sequence = 0;  // assigned by the bus, strictly increasing
    std::string entity;
    ChangeKind kind = ChangeKind::insert;
    Json key;                    // primary key as a JSON object
    Json data;                   // the row after the change (before, for remove)
    Timestamp at;
};

struct ChangeFilter {
    std::vector<std::string> entities;  // empty: every entity
};

class REX_SDK_API ChangeSubscription {
public:
    virtual ~ChangeSubscription();  // cancels
};

class REX_SDK_API ChangeBus {
public:
    virtual ~ChangeBus();
    // Assigns the next sequence number and delivers the event; returns the number.
    virtual std::uint64_t publish(ChangeEvent event) = 0;
    // Delivers events with sequence > after_sequence that pass the filter, first any still
    // retained, then new ones, until the subscription is destroyed.
    virtual std::unique_ptr<ChangeSubscription> subscribe(
        ChangeFilter filter, std::uint64_t after_sequence,
        std::function<void(const ChangeEvent&)> on_event) = 0;
    virtual std::uint64_t last_sequence() const = 0;
};

REX_SDK_END

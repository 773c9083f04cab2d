// The kernel's change bus as plugins see it: ordered change events with sequence numbers.
#pragma once

#include <rex/sdk/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

enum class ChangeKind : std::uint8_t { insert, update, remove };

// What every change event of one entity shares: its name, its field names and which field is
// the primary key. Made once per entity, so an event carries no per-row copies of names.
struct ChangeShape {
    std::string entity;
    std::vector<std::string> fields;
    int key_field = -1;  // index of the primary key in fields; -1 when the entity has none
};

// One written row. The values are kept as they were bound, not rendered: most events are never
// read, and a reader renders only what it needs (the kernel's key_to_json / row_to_json).
struct ChangeEvent {
    // Strictly increasing on a bus. The bus assigns the next number to an event published with
    // 0; a capture pump publishes the capture log's change number (docs/realtime.md), the same
    // on every host reading that database, so a client can resume on another host.
    std::uint64_t sequence = 0;
    ChangeKind kind = ChangeKind::insert;
    std::shared_ptr<const ChangeShape> shape;
    // The row after the change (before, for remove), one value per field. The values live in
    // `storage`, which the events of one bulk write share (one block for all their rows): a copy
    // of an event keeps that block alive.
    std::span<const Value> values;
    std::shared_ptr<const void> storage;
    // For an update, the row before it, when the writer or the capture knew it (one value per
    // field, kept alive by `storage` too); empty otherwise.
    std::span<const Value> old_values;
    Timestamp at;  // when the change became visible: its commit, or its statement
    // The capture log's position of the transaction (rex/sdk/capture.hpp), the same on every
    // host reading that database; 0 for changes published in-process by the ORM.
    std::int64_t position = 0;

    // An event that owns its row.
    static ChangeEvent of(ChangeKind kind, std::shared_ptr<const ChangeShape> shape, std::vector<Value> row) {
        auto block = std::make_shared<const std::vector<Value>>(std::move(row));
        ChangeEvent e;
        e.kind = kind;
        e.shape = std::move(shape);
        e.values = std::span<const Value>(*block);
        e.storage = std::move(block);
        return e;
    }

    const std::string& entity() const {
        static const std::string none;
        return shape ? shape->entity : none;
    }
    // The value of a field by name; nullptr when the event has no such field.
    const Value* value(std::string_view field) const {
        if (!shape) return nullptr;
        for (std::size_t i = 0; i < shape->fields.size() && i < values.size(); ++i)
            if (shape->fields[i] == field) return &values[i];
        return nullptr;
    }
    // The primary key's value; nullptr when the entity has none.
    const Value* key() const {
        if (!shape || shape->key_field < 0) return nullptr;
        const auto i = static_cast<std::size_t>(shape->key_field);
        return i < values.size() ? &values[i] : nullptr;
    }
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
    // Delivers the event with its sequence number: the one it carries (it must exceed
    // last_sequence(), else InvalidValue), or, when it carries 0, the next one. Returns the number.
    // A bus numbered by a capture pump drops events without a number (the pump publishes them).
    virtual std::uint64_t publish(ChangeEvent event) = 0;
    // Publishes events in order as if one by one (the writes of one commit), taking them
    // from the vector; returns the last sequence number, or last_sequence() when there are
    // none. The default calls publish() per event; a bus may take its locks once.
    virtual std::uint64_t publish_all(std::vector<ChangeEvent>& events);
    // Delivers events with sequence > after_sequence that pass the filter, first any still
    // retained (or, on a capture-numbered bus, read back from the log), then new ones, until the
    // subscription is destroyed. A sequence ahead of the bus (a client coming from a host that
    // was further on) is fine: nothing up to it is delivered. On a capture-numbered bus, 0 means
    // no resume point (the memory only), and a resume reads at most 65536 changes from the log
    // (when the log cannot be read, subscribe throws and nothing is subscribed).
    virtual std::unique_ptr<ChangeSubscription> subscribe(
        ChangeFilter filter, std::uint64_t after_sequence,
        std::function<void(const ChangeEvent&)> on_event) = 0;
    virtual std::uint64_t last_sequence() const = 0;
    // The oldest sequence number still retained (last_sequence() + 1 when none is); on a
    // capture-numbered bus, the oldest the log still holds. A client resuming after sequence s
    // has missed events, and must refetch, when s + 1 < this.
    virtual std::uint64_t first_retained() const;
    // Whether a capture pump numbers this bus, so that events published without a number are
    // dropped: a writer that publishes its own changes for in-process subscribers (the GraphQL
    // mutations) can then skip reading the rows. The default: false.
    virtual bool numbered_by_log() const;
};

REX_SDK_END

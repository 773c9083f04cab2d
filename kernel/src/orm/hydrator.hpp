// Fills mapped objects from a cursor's rows. Decided once per statement, from the columns'
// declared kinds: a column whose kind is its member's own representation is read straight from
// the driver's buffer (FieldModel::read, no Value per cell); any other goes through a Value.
#pragma once

#include <rex/orm/model.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rex {

class Hydrator {
public:
    // Every mapped field of `m`, in order, from the result's first column on.
    Hydrator(const EntityModel& m, const std::vector<Column>& columns) : all_(&m.fields) { plan(columns); }
    // fields[i] is the member for column i of the cursor's result (raw SQL mapped by name).
    Hydrator(std::vector<const FieldModel*> fields, const std::vector<Column>& columns) : some_(std::move(fields)) {
        plan(columns);
    }

    void fill(void* object, const Cursor& cursor) const {
        const auto n = size();
        for (std::size_t i = 0; i < n; ++i) {
            const auto& f = field(i);
            try {
                if (i < 64 && (direct_ >> i & 1) && f.read(f.key, object, cursor, i)) continue;
                f.set(object, cursor.value(i));
            } catch (const Error& e) {
                // Which member could not take the cell, and one message for a NULL whichever path
                // (and whichever driver) found it.
                const bool null = !f.info.nullable && cursor.is_null(i);
                raise({e.category(),
                       "column '" + f.info.column + "' into field '" + f.info.name +
                           "': " + (null ? std::string("NULL read for a member that is not a std::optional") : e.message()),
                       e.native_code(), e.sql()});
            }
        }
    }

private:
    std::size_t size() const { return all_ ? all_->size() : some_.size(); }
    const FieldModel& field(std::size_t i) const { return all_ ? (*all_)[i] : *some_[i]; }
    void plan(const std::vector<Column>& columns) {
        for (std::size_t i = 0; i < size() && i < 64; ++i) {
            const auto& f = field(i);
            if (i < columns.size() && f.read && columns[i].kind == f.direct_kind) direct_ |= std::uint64_t{1} << i;
        }
    }

    const std::vector<FieldModel>* all_ = nullptr;
    std::vector<const FieldModel*> some_;
    std::uint64_t direct_ = 0;  // bit i: column i takes the direct path
};

}  // namespace rex

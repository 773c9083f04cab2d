// Fills mapped objects from a cursor's rows. Decided once per statement, from the columns'
// declared kinds: a column whose kind is its member's own representation is decoded by the
// driver in one Cursor::read_row call per row and taken straight into the member
// (FieldModel::take, no Value per cell); any other goes through a Value.
#pragma once

#include <rex/orm/model.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
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
    // The plan points into the hydrator itself.
    Hydrator(const Hydrator&) = delete;
    Hydrator& operator=(const Hydrator&) = delete;

    // Not thread-safe: the row's cells are kept in the hydrator (see integer()).
    void fill(void* object, const Cursor& cursor) const {
        read_cells(cursor);
        take_cells(object, cursor);
    }
    // fill() in two steps, so that a caller can look at the row's cells (integer()) before it
    // decides which object to fill.
    void read_cells(const Cursor& cursor) const { cursor.read_row(kinds_, cells_); }
    void take_cells(void* object, const Cursor& cursor) const {
        const Cell* const cells = cells_.data();
        const Step* const steps = steps_.data();
        const auto decoded = cells_.size();
        std::size_t i = 0;
        try {
            for (; i < decoded; ++i) {
                const Step& s = steps[i];
                if (!s.take || !s.take(s.field->key, object, cells[i])) s.field->set(object, cursor.value(i));
            }
            // Fields past the result's columns: value() names the missing column.
            for (const auto n = size(); i < n; ++i) field(i).set(object, cursor.value(i));
        } catch (const Error& e) {
            raise_for(field(i), i, cursor, e);
        }
    }

    // Column `column` of the row last read, when it was decoded as an integer.
    std::optional<std::int64_t> integer(std::size_t column) const {
        if (column < cells_.size() && kinds_[column] == ValueKind::int64 && cells_[column].state == CellState::ready)
            return cells_[column].integer;
        return std::nullopt;
    }

private:
    std::size_t size() const { return all_ ? all_->size() : some_.size(); }
    const FieldModel& field(std::size_t i) const { return all_ ? (*all_)[i] : *some_[i]; }
    // Up to `inline_columns` columns need no allocation: find() makes a hydrator per call.
    void plan(const std::vector<Column>& columns) {
        const auto n = std::min(size(), columns.size());
        // Not initialised: the loop below sets every kind and step, read_row sets every cell's
        // state, and a cell's values are read only when it is ready. All three are aggregates of
        // scalars, so the byte arrays give them life.
        if (n <= inline_columns) {
            kinds_ = {std::launder(reinterpret_cast<ValueKind*>(kinds_inline_)), n};
            steps_ = {std::launder(reinterpret_cast<Step*>(steps_inline_)), n};
            cells_ = {std::launder(reinterpret_cast<Cell*>(cells_inline_)), n};
        } else {
            heap_ = std::make_unique<Heap>();
            heap_->kinds.resize(n);
            heap_->steps.resize(n);
            heap_->cells.resize(n);
            kinds_ = heap_->kinds;
            steps_ = heap_->steps;
            cells_ = heap_->cells;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const auto& f = field(i);
            const bool direct = f.take && columns[i].kind == f.direct_kind;
            kinds_[i] = direct ? f.direct_kind : ValueKind::null;
            steps_[i] = {direct ? f.take : nullptr, &f};
        }
    }
    // Which member could not take the cell, and one message for a NULL whichever path (and
    // whichever driver) found it.
    [[noreturn]] static void raise_for(const FieldModel& f, std::size_t column, const Cursor& cursor, const Error& e) {
        const bool null = !f.info.nullable && column < cursor.columns().size() && cursor.is_null(column);
        raise({e.category(),
               "column '" + f.info.column + "' into field '" + f.info.name +
                   "': " + (null ? std::string("NULL read for a member that is not a std::optional") : e.message()),
               e.native_code(), e.sql()});
    }

    // How column i reaches its member: `take` from the decoded cell, or (null) field->set()
    // with the cell's Value.
    struct Step {
        bool (*take)(const MemberKey&, void*, const Cell&);
        const FieldModel* field;
    };
    struct Heap {
        std::vector<ValueKind> kinds;
        std::vector<Step> steps;
        std::vector<Cell> cells;
    };

    static constexpr std::size_t inline_columns = 16;
    static_assert(std::is_aggregate_v<Cell> && std::is_trivially_destructible_v<Cell>);
    static_assert(std::is_aggregate_v<Step> && std::is_trivially_destructible_v<Step>);
    const std::vector<FieldModel>* all_ = nullptr;
    std::vector<const FieldModel*> some_;
    std::span<ValueKind> kinds_;  // kinds_[i]: how column i is decoded (null: through a Value)
    std::span<Step> steps_;
    std::span<Cell> cells_;       // the row being filled (mutable through the span)
    alignas(ValueKind) std::byte kinds_inline_[inline_columns * sizeof(ValueKind)];
    alignas(Step) std::byte steps_inline_[inline_columns * sizeof(Step)];
    alignas(Cell) std::byte cells_inline_[inline_columns * sizeof(Cell)];
    std::unique_ptr<Heap> heap_;  // more than inline_columns columns
};

}  // namespace rex

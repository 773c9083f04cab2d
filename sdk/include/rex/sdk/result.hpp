// Query results: named, typed columns; a forward-only Cursor and a materialised ResultSet.
#pragma once

#include <rex/sdk/value.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

struct Column {
    std::string name;
    ValueKind kind = ValueKind::null;  // declared kind; ValueKind::null when the database gives none
    std::string native_type;           // the database's own type name, e.g. "int8", "VARCHAR(20)"
};

using Row = std::vector<Value>;

struct REX_SDK_API ResultSet {
    std::vector<Column> columns;
    std::vector<Row> rows;
    std::int64_t affected_rows = 0;              // for INSERT / UPDATE / DELETE
    std::optional<std::int64_t> last_insert_id;  // where the database reports one

    std::size_t size() const noexcept { return rows.size(); }
    bool empty() const noexcept { return rows.empty(); }
    // Index of a column by name; throws NotFoundError listing the available names.
    std::size_t column_index(std::string_view name) const;
    const Value& at(std::size_t row, std::string_view column) const;
};

// How Cursor::read_row left a cell.
enum class CellState : std::uint8_t {
    ready,     // decoded as the kind asked for
    null,      // SQL NULL
    fallback,  // not decoded (a kind read_row does not decode, or a value that does not fit it): read value()
};

// One cell of the current row as Cursor::read_row decoded it: `integer` for ValueKind::int64,
// `real` for float64, `text` for text (valid until next() or the cursor's destruction).
struct Cell {
    std::int64_t integer = 0;
    double real = 0;
    std::string_view text;
    CellState state = CellState::fallback;
};

// A forward-only view of a running statement's rows. Valid until destroyed; destroy it
// before the next statement on the same connection. Typed getters let hot paths (the ORM's
// hydration) read straight from the driver's buffers without building a Value per cell.
class REX_SDK_API Cursor {
public:
    virtual ~Cursor();
    virtual const std::vector<Column>& columns() const = 0;
    // Advances to the next row; false when there are no more.
    virtual bool next() = 0;
    virtual Value value(std::size_t column) const = 0;
    virtual bool is_null(std::size_t column) const;
    virtual std::int64_t int64(std::size_t column) const;
    virtual double float64(std::size_t column) const;
    // Text (or raw bytes) of the cell, empty for NULL; valid until next() or the cursor's destruction.
    virtual std::string_view text(std::size_t column) const = 0;
    // Reads columns 0 .. cells.size()-1 of the current row in one call, column i decoded as
    // kinds[i] (int64, float64 or text; a cell asked as any other kind is left `fallback`, or
    // `null` where the driver sees a NULL anyway). Hydration
    // reads rows through this: one call per row instead of one or two per cell. The default goes
    // through the typed getters; drivers override it to read their buffers directly.
    virtual void read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const;
    virtual std::int64_t affected_rows() const = 0;
    // How many rows the result has, when the driver knows before they are read (PostgreSQL and
    // MySQL receive whole results); 0 when it does not. Used to reserve memory, nothing else.
    virtual std::size_t size_hint() const { return 0; }
    virtual std::optional<std::int64_t> last_insert_id() const { return std::nullopt; }
};

// What one run of a statement did, for each parameter row of Connection::execute_batch.
struct StatementOutcome {
    std::int64_t affected_rows = 0;              // matched rows for UPDATE (MySQL: CLIENT_FOUND_ROWS)
    std::optional<std::int64_t> last_insert_id;  // where the database reports one
};

// Drains a cursor into a ResultSet.
REX_SDK_API ResultSet collect(Cursor& cursor);

REX_SDK_END

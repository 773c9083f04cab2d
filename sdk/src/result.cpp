#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>

REX_SDK_BEGIN

Cursor::~Cursor() = default;

bool Cursor::is_null(std::size_t column) const { return value(column).is_null(); }
std::int64_t Cursor::int64(std::size_t column) const { return value(column).as_int64(); }
double Cursor::float64(std::size_t column) const { return value(column).as_double(); }

void Cursor::read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const {
    for (std::size_t i = 0; i < cells.size(); ++i) {
        auto& cell = cells[i];
        cell.state = CellState::fallback;
        const auto kind = i < kinds.size() ? kinds[i] : ValueKind::null;
        if (kind != ValueKind::int64 && kind != ValueKind::float64 && kind != ValueKind::text) continue;
        if (is_null(i)) {
            cell.state = CellState::null;
            continue;
        }
        try {
            if (kind == ValueKind::int64)
                cell.integer = int64(i);
            else if (kind == ValueKind::float64)
                cell.real = float64(i);
            else
                cell.text = text(i);
            cell.state = CellState::ready;
        } catch (const Error&) {
            // Left `fallback`: value() gives the caller the cell as it is, or the error.
        }
    }
}

ResultSet collect(Cursor& cursor) {
    ResultSet out;
    out.columns = cursor.columns();
    const auto width = out.columns.size();
    while (cursor.next()) {
        Row row;
        row.reserve(width);
        for (std::size_t i = 0; i < width; ++i) row.push_back(cursor.value(i));
        out.rows.push_back(std::move(row));
    }
    out.affected_rows = cursor.affected_rows();
    out.last_insert_id = cursor.last_insert_id();
    return out;
}

std::size_t ResultSet::column_index(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].name == name) return i;
    std::string names;
    for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c.name;
    raise({ErrorCategory::not_found, "no column '" + std::string(name) + "' in result (columns: " + names + ")",
           {}, {}});
}

const Value& ResultSet::at(std::size_t row, std::string_view column) const {
    if (row >= rows.size())
        raise({ErrorCategory::not_found,
               "row " + std::to_string(row) + " out of range (" + std::to_string(rows.size()) + " rows)", {}, {}});
    return rows[row][column_index(column)];
}

REX_SDK_END

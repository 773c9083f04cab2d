// The adapters' common step of a capture log read: rows into transaction batches.
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/capture.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>

REX_SDK_BEGIN

ChangeKind capture_kind(std::string_view op) {
    if (op == "I") return ChangeKind::insert;
    if (op == "U") return ChangeKind::update;
    if (op == "D") return ChangeKind::remove;
    raise({ErrorCategory::invalid_value, "capture log: unknown operation '" + std::string(op) + "' (expected I, U or D)", {}, {}});
}

namespace {

std::optional<Json> json_cell(const Value& v) {
    if (v.is_null()) return std::nullopt;
    if (const auto* j = v.get_if<Json>()) return *j;
    return Json{v.as_text()};
}

Timestamp time_cell(const Value& v) {
    if (const auto* ts = v.get_if<Timestamp>()) return *ts;
    if (v.is_null()) return {};
    return parse_timestamp(v.as_text());
}

}  // namespace

std::int64_t first_integer(const ResultSet& rows) {
    if (rows.rows.empty() || rows.rows[0].empty() || rows.rows[0][0].is_null()) return 0;
    return rows.rows[0][0].as_int64();
}

void read_capture_counts(const ResultSet& rows, CaptureStatus& status) {
    const auto cell = [&](std::size_t i) {
        const auto& v = rows.rows.at(0).at(i);
        return v.is_null() ? 0 : v.as_int64();
    };
    status.oldest_position = cell(0);
    status.last_position = cell(1);
    status.kept_changes = cell(2);
    status.pruned_through = cell(3);
}

std::vector<CaptureBatch> capture_batches(const ResultSet& rows) {
    std::vector<CaptureBatch> out;
    for (const auto& row : rows.rows) {
        if (row.size() < 7) raise({ErrorCategory::invalid_value, "capture log: a row has fewer than 7 columns", {}, {}});
        const auto position = row[0].as_int64();
        if (out.empty() || out.back().position != position) {
            out.emplace_back();
            out.back().position = position;
            out.back().committed_at = time_cell(row[1]);
        }
        CapturedChange change;
        change.table = row[2].as_text();
        change.kind = capture_kind(row[3].as_text());
        change.key = json_cell(row[4]).value_or(Json{"{}"});
        change.old_row = json_cell(row[5]);
        change.new_row = json_cell(row[6]);
        out.back().changes.push_back(std::move(change));
    }
    return out;
}

void read_change_log_counts(Connection& c, CaptureStatus& status) {
    read_capture_counts(c.execute("SELECT (SELECT MIN(id) FROM rex_changes), (SELECT MAX(id) FROM rex_changes), "
                                  "(SELECT COUNT(*) FROM rex_changes), (SELECT pruned_through FROM rex_capture_meta WHERE id = 1)"),
                        status);
}

// Backquotes: MariaDB's quoting, which SQLite accepts too.
std::vector<CaptureBatch> read_change_log(Connection& c, std::int64_t after, std::size_t max_batches) {
    return capture_batches(c.execute("SELECT id, committed_at, table_name, op, `key`, old_row, new_row FROM rex_changes "
                                     "WHERE id > ? ORDER BY id LIMIT ?",
                                     {Value(after), Value(static_cast<std::int64_t>(max_batches))}));
}

REX_SDK_END

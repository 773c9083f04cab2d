#include "commands.hpp"
#include "exit_codes.hpp"
#include "json_output.hpp"
#include "query_parameters.hpp"
#include "table_printer.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <iostream>

namespace rex::cli {

namespace {

bool looks_like_url(const std::string& text) {
    const auto scheme = url_scheme(text);
    return !scheme.empty() && text.find_first_of(" \t\n") > text.find(':');
}

bool is_numeric(ValueKind kind) {
    return kind == ValueKind::int64 || kind == ValueKind::float64 || kind == ValueKind::decimal;
}

}  // namespace

int run_query(CliContext& context, const QueryOptions& options) {
    auto args = options.positional;
    std::string url;
    if (!args.empty() && looks_like_url(args.front())) {
        url = args.front();
        args.erase(args.begin());
    } else if (auto configured = context.database_url()) {
        url = *configured;
    } else {
        raise({ErrorCategory::configuration,
               "no database URL: pass one (rex query <url> \"<sql>\"), or use --url, a config file or REX_DATABASE_URL",
               {}, {}});
    }
    if (args.empty()) raise({ErrorCategory::configuration, "no SQL given: rex query <url> \"<sql>\" [params...]", {}, {}});
    const std::string sql = args.front();
    Params params;
    for (std::size_t i = 1; i < args.size(); ++i) params.push_back(parse_parameter(args[i], i, options.all_text, std::cin));

    context.calling_adapter_for(url);
    auto connection = context.kernel().connect(url);
    const auto result = connection->execute(sql, params);

    if (options.json) {
        nlohmann::ordered_json out;
        if (result.columns.empty()) {
            out = {{"affected_rows", result.affected_rows}};
            if (result.last_insert_id) out["last_insert_id"] = *result.last_insert_id;
        } else {
            out = rows_to_json(result);
        }
        std::cout << dump_json(out) << '\n';
        return exit_ok;
    }
    if (result.columns.empty()) {
        std::cout << result.affected_rows << (result.affected_rows == 1 ? " row" : " rows") << " affected";
        if (result.last_insert_id) std::cout << " (last insert id " << *result.last_insert_id << ")";
        std::cout << '\n';
        return exit_ok;
    }
    std::vector<std::string> headers;
    std::vector<bool> right;
    for (const auto& c : result.columns) headers.push_back(c.name);
    right.resize(result.columns.size(), false);
    for (const auto& row : result.rows)
        for (std::size_t i = 0; i < row.size(); ++i)
            if (is_numeric(row[i].kind())) right[i] = true;
    TablePrinter table(headers);
    table.set_right_aligned(right);
    for (const auto& row : result.rows) {
        std::vector<std::string> cells;
        for (const auto& v : row) cells.push_back(v.to_display());
        table.add_row(std::move(cells));
    }
    table.print(std::cout);
    std::cout << '(' << result.rows.size() << (result.rows.size() == 1 ? " row)" : " rows)") << '\n';
    return exit_ok;
}

}  // namespace rex::cli

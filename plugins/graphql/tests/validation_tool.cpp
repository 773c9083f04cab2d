// graphql_validate_tool: Rex's side of the graphql-js comparison (tests/js/corpus.test.mjs).
//   graphql_validate_tool sdl                  the test schema as SDL (print_schema)
//   graphql_validate_tool execute < query      answers an introspection-only query as {"data": ...}
//   graphql_validate_tool corpus FILE...       parses and validates every case of the corpus files,
//                                              printing one JSON document with Rex's verdicts
// A corpus file holds cases, each starting with a line `### valid: what` or `### invalid: what`.
#include "introspection/introspection.hpp"
#include "introspection/sdl.hpp"
#include "language/parser.hpp"
#include "language/prepare.hpp"
#include "test_schema.hpp"
#include "validation/validate.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

using namespace rex::graphql;

namespace {

std::string read_all(std::istream& in) { return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}; }

void append_errors(std::string& out, const std::vector<GraphqlError>& errors) {
    out += '[';
    for (std::size_t i = 0; i < errors.size(); ++i) {
        if (i) out += ',';
        out += "{\"message\":";
        append_quoted(out, errors[i].message);
        out += ",\"locations\":[";
        for (std::size_t j = 0; j < errors[i].locations.size(); ++j) {
            if (j) out += ',';
            out += "{\"line\":" + std::to_string(errors[i].locations[j].line) +
                   ",\"column\":" + std::to_string(errors[i].locations[j].column) + "}";
        }
        out += "]}";
    }
    out += ']';
}

int execute() {
    const Schema& schema = testing::chinook_schema();
    GraphqlRequest request{read_all(std::cin), std::nullopt, InputValue::null()};
    auto result = prepare(schema, request);
    std::string out;
    if (!result.operation) {
        out = "{\"errors\":";
        append_errors(out, result.errors);
        out += "}";
    } else {
        out = "{\"data\":{";
        bool first = true;
        for (const auto& f : result.operation->fields) {
            if (!first) out += ',';
            first = false;
            append_quoted(out, f.response_key);
            out += ':';
            if (f.name == "__typename") append_quoted(out, f.parent_type);
            else if (f.name == "__schema" || f.name == "__type") write_introspection(schema, f, out);
            else out += "null";  // data fields need the executor
        }
        out += "}}";
    }
    std::cout << out << '\n';
    return 0;
}

int corpus(int argc, char** argv) {
    const Schema& schema = testing::chinook_schema();
    std::string out = "[";
    bool first = true;
    for (int a = 2; a < argc; ++a) {
        std::ifstream file(argv[a], std::ios::binary);
        if (!file) {
            std::cerr << "graphql_validate_tool: cannot read " << argv[a] << '\n';
            return 2;
        }
        std::istringstream lines(read_all(file));
        struct Case {
            std::size_t line;
            std::string expect, title, document;
        };
        std::vector<Case> cases;
        std::string line;
        for (std::size_t n = 1; std::getline(lines, line); ++n) {
            if (line.starts_with("### ")) {
                auto colon = line.find(':');
                std::string expect = line.substr(4, colon == std::string::npos ? std::string::npos : colon - 4);
                if (expect != "valid" && expect != "invalid") {
                    std::cerr << argv[a] << ":" << n << ": a case starts with `### valid:` or `### invalid:`\n";
                    return 2;
                }
                cases.push_back({n, expect, colon == std::string::npos ? "" : line.substr(colon + 2), ""});
            } else if (!cases.empty()) {
                cases.back().document += line + "\n";
            }
        }
        for (const auto& c : cases) {
            std::vector<GraphqlError> errors;
            auto parsed = parse_document(c.document);
            if (auto* e = std::get_if<GraphqlError>(&parsed)) errors.push_back(*e);
            else errors = validate(schema, std::get<ast::Document>(parsed));
            if (!first) out += ",\n";
            first = false;
            out += "{\"file\":";
            append_quoted(out, argv[a]);
            out += ",\"line\":" + std::to_string(c.line) + ",\"expect\":";
            append_quoted(out, c.expect);
            out += ",\"title\":";
            append_quoted(out, c.title);
            out += ",\"document\":";
            append_quoted(out, c.document);
            out += ",\"errors\":";
            append_errors(out, errors);
            out += '}';
        }
    }
    out += "]\n";
    std::cout << out;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "sdl") {
        std::cout << print_schema(testing::chinook_schema()) << '\n';
        return 0;
    }
    if (mode == "execute") return execute();
    if (mode == "corpus") return corpus(argc, argv);
    std::cerr << "usage: graphql_validate_tool sdl | execute < query | corpus FILE...\n";
    return 2;
}

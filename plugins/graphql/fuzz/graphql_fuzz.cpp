// libFuzzer entry: any bytes as a GraphQL document, through the parser, validation against the test
// schema, prepare() (operation selection, coercion, field collection, limits), the introspection
// writer, and a second prepare() that must hit the document cache and answer the same.
#include "introspection/introspection.hpp"
#include "language/parser.hpp"
#include "language/prepare.hpp"
#include "test_schema.hpp"
#include "validation/validate.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace rex::graphql;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Schema& schema = testing::chinook_schema();
    std::string text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_document(text, ParseOptions{20000});
    if (auto* doc = std::get_if<ast::Document>(&parsed)) (void)validate(schema, *doc);

    Limits limits;
    limits.max_tokens = 20000;
    limits.max_depth = 12;
    GraphqlRequest request{text, std::nullopt, InputValue::null()};
    auto first = prepare(schema, request, limits);
    if (first.operation) {
        std::string out;
        for (const auto& f : first.operation->fields)
            if (f.name == "__schema" || f.name == "__type") write_introspection(schema, f, out);
    }
    auto again = prepare(schema, request, limits);
    if (first.operation.has_value() != again.operation.has_value() || first.errors.size() != again.errors.size())
        std::abort();  // the cached answer must equal the first
    return 0;
}

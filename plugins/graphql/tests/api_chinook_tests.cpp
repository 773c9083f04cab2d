// Chinook (../shared/data/chinook) on the three engines, its catalog read from each database: with
// `camel` naming the PascalCase (SQLite, MariaDB) and snake_case (PostgreSQL) copies give one
// schema, and the same nested queries answer byte for byte alike.
#include "api_support.hpp"

#include "../../../tests/conformance/chinook_loader.hpp"

#include "introspection/sdl.hpp"

#include <rex/schema.hpp>

#include "subprocess.hpp"

#include <algorithm>
#include <fstream>
#include <set>

using namespace rex;
using namespace rex::graphql::test;

namespace {

// The catalog an introspecting host would build: foreign keys -> belongs_to (named after the
// referenced table) and has_many (the referencing table, plural); a table whose primary key is
// two foreign keys -> many_to_many both ways.
std::vector<EntityInfo> entities_from(const std::vector<TableSchema>& tables) {
    std::vector<EntityInfo> out;
    for (const auto& t : tables) {
        EntityInfo e;
        e.name = e.table = t.name;
        for (const auto& c : t.columns) {
            if (!c.type) continue;
            FieldInfo f;
            f.name = f.column = c.name;
            f.type = *c.type;
            f.nullable = c.nullable;
            f.primary_key = c.primary_key;
            f.generated = c.generated;
            e.fields.push_back(f);
        }
        for (const auto& i : t.indexes)
            if (i.unique) e.indexes.push_back({i.name, i.columns, true});
        out.push_back(std::move(e));
    }
    const auto find = [&](const std::string& name) -> EntityInfo& {
        return *std::find_if(out.begin(), out.end(), [&](const EntityInfo& e) { return e.name == name; });
    };
    for (const auto& t : tables) {
        std::vector<const ForeignKeySchema*> fks;
        for (const auto& fk : t.foreign_keys)
            if (fk.columns.size() == 1) fks.push_back(&fk);
        for (const auto* fk : fks) {
            auto& source = find(t.name);
            RelationInfo belongs{fk->referenced_table, RelationKind::belongs_to, fk->referenced_table, fk->columns[0], {}, {}, {}};
            if (source.relation(belongs.name) || source.field(belongs.name)) belongs.name += "_" + fk->columns[0];
            source.relations.push_back(belongs);
            auto& target = find(fk->referenced_table);
            RelationInfo many{t.name + "s", RelationKind::has_many, t.name, fk->columns[0], {}, {}, {}};
            if (target.relation(many.name)) many.name += "_" + fk->columns[0];
            target.relations.push_back(many);
        }
        std::size_t key_columns = 0;
        for (const auto& c : t.columns) key_columns += c.primary_key;
        if (fks.size() == 2 && key_columns == 2) {
            for (int side = 0; side < 2; ++side) {
                const auto* from = fks[side];
                const auto* to = fks[1 - side];
                RelationInfo m{to->referenced_table + "s", RelationKind::many_to_many, to->referenced_table, {}, t.name, from->columns[0], to->columns[0]};
                find(from->referenced_table).relations.push_back(m);
            }
        }
    }
    return out;
}

const std::vector<std::string> queries{
    "{ artist(orderBy: {artistId: asc}, limit: 3) { artistId name albums(orderBy: {albumId: asc}) { title"
    "  tracks(orderBy: {trackId: asc}, limit: 2) { name unitPrice milliseconds bytes genre { name } mediaType { name } } } } }",
    "{ albumByPk(albumId: 1) { title artist { name } tracksAggregate { aggregate { count sum { milliseconds unitPrice } max { unitPrice } avg { milliseconds } } } } }",
    "{ playlist(where: {playlistId: {_lt: 4}}) { name tracks(limit: 3, orderBy: {trackId: desc}) { trackId } tracksAggregate { aggregate { count } } } }",
    "{ playlistTrackByPk(playlistId: 1, trackId: 3402) { playlist { name } track { name composer } } }",
    "{ invoice(limit: 3, orderBy: {invoiceDate: desc}) { invoiceId invoiceDate total billingPostalCode customer { firstName lastName }"
    "  invoiceLines(orderBy: {invoiceLineId: asc}) { unitPrice quantity track { name } } } }",
    "{ track(where: {_and: [{name: {_ilike: \"%love%\"}}, {album: {artist: {name: {_like: \"A%\"}}}}]}, orderBy: {trackId: asc}) { trackId name } }",
    "{ track(where: {composer: {_is_null: true}, milliseconds: {_gt: 1000000}}, orderBy: [{milliseconds: desc}], limit: 5, offset: 1) { trackId milliseconds } }",
    "{ employee(orderBy: {employeeId: asc}) { lastName hireDate birthDate customers(limit: 1) { email } } }",
    "{ trackAggregate(where: {genreId: {_in: [1, 3]}}) { aggregate { count(columns: [albumId], distinct: true) sum { milliseconds } max { milliseconds } } } }",
};

const std::filesystem::path js_dir = std::filesystem::path(REX_TEST_SOURCE_DIR) / "plugins" / "graphql" / "tests" / "js";

std::string node_program() {
    for (const char* p : {"/usr/bin/node", "/usr/local/bin/node"})
        if (std::filesystem::exists(p)) return p;
    return {};
}

// graphql-js builds and validates the schema from Rex's SDL and from Rex's introspection answer
// (buildClientSchema + validateSchema), and both print alike. Skipped (WARN) without node or the
// npm packages (tests/js: npm ci).
void check_with_graphql_js(const std::string& name, const std::string& sdl, graphql::GraphqlExecutor& executor) {
    const auto node = node_program();
    if (node.empty() || !std::filesystem::exists(js_dir / "node_modules" / "graphql")) {
        WARN("graphql-js check skipped: node or " << (js_dir / "node_modules" / "graphql") << " is missing");
        return;
    }
    test::ProcessOptions options;
    options.working_directory = js_dir.string();
    const auto query = test::run_process({node, "-e", "process.stdout.write(require('graphql').getIntrospectionQuery())"}, options);
    REQUIRE(query.exit_code == 0);
    const auto dir = std::filesystem::temp_directory_path();
    const auto sdl_file = dir / ("rex-graphql-" + name + "-" + std::to_string(::getpid()) + ".graphql");
    const auto json_file = dir / ("rex-graphql-" + name + "-" + std::to_string(::getpid()) + ".json");
    std::ofstream(sdl_file) << sdl;
    std::ofstream(json_file) << post(executor, query.out);
    const auto check = test::run_process({node, "api_schema_check.cjs", sdl_file.string(), json_file.string()}, options);
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    std::filesystem::remove(sdl_file);
    std::filesystem::remove(json_file);
}

}  // namespace

TEST_CASE("camel naming: the three Chinook copies answer byte for byte alike", "[graphql][api][chinook]") {
    // ../shared beside the checkout, or beside the worktrees' directory (/work/wt/<name> -> /work/shared).
    auto dir = chinook_loader::chinook_dir;
    if (!std::filesystem::exists(dir)) dir = std::filesystem::path(REX_TEST_SOURCE_DIR) / ".." / ".." / "shared" / "data" / "chinook";
    if (!std::filesystem::exists(dir)) {
        WARN("Chinook skipped: " << chinook_loader::chinook_dir << " is absent");
        return;
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> answers;
    std::vector<std::string> schemas;
    for (const auto& b : chinook_loader::backends()) {
        INFO("backend " << b.name);
        KernelContext context(b.url);
        auto c = context.kernel().connect(b.url);
        const auto& d = context.dialect();
        chinook_loader::drop_chinook(*c, d, b);
        c->execute_script(chinook_loader::load_script(dir / b.script));
        std::set<std::string> chinook;
        for (const auto& t : chinook_loader::tables) chinook.insert(b.snake_case ? chinook_loader::snake(t) : t);
        std::vector<TableSchema> tables;
        for (auto& t : inspect_schema(*c, d))
            if (chinook.count(t.name)) tables.push_back(std::move(t));
        REQUIRE(tables.size() == chinook.size());
        for (auto& e : entities_from(tables)) context.kernel().register_entity(std::move(e));
        graphql::ExecutorOptions options;
        options.api.naming = graphql::Naming::camel;
        graphql::GraphqlExecutor executor(context, options);
        std::vector<std::string> bodies;
        for (const auto& q : queries) {
            bodies.push_back(post(executor, q));
            INFO(q << "\n-> " << bodies.back());
            CHECK(bodies.back().starts_with("{\"data\":{"));
            CHECK(bodies.back().find("\"errors\"") == std::string::npos);
        }
        answers.emplace_back(b.name, std::move(bodies));
        schemas.push_back(graphql::print_schema(graphql::build_api(context.catalog(), options.api)->schema));
        check_with_graphql_js(b.name + "-camel", schemas.back(), executor);
        graphql::GraphqlExecutor as_is(context, {});
        check_with_graphql_js(b.name + "-as-is", graphql::print_schema(graphql::build_api(context.catalog(), {})->schema), as_is);
        chinook_loader::drop_chinook(*c, d, b);
    }
    for (std::size_t i = 1; i < answers.size(); ++i)
        for (std::size_t q = 0; q < queries.size(); ++q) {
            INFO(answers[0].first << " against " << answers[i].first << ": " << queries[q]);
            CHECK(answers[i].second[q] == answers[0].second[q]);
        }
    // One schema on the servers; SQLite's INTEGER columns are 64-bit, so its keys are bigint there.
    if (schemas.size() == 3) CHECK(schemas[1] == schemas[2]);
    CHECK(answers[0].second[0].starts_with(R"({"data":{"artist":[{"artistId":1,"name":"AC/DC","albums":[{"title":"For Those About To Rock We Salute You")"));
}

// Autogenerate: the catalog diffed against the live database, written as a migration, applied;
// the next diff is empty. The same on every backend.
#include "../conformance/context.hpp"

#include <rex/migrate.hpp>
#include <rex/orm.hpp>
#include <rex/schema.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace rex;
namespace fs = std::filesystem;

namespace {

struct Shelf {
    std::int64_t id{};
    std::string name;
    std::optional<std::string> room;  // added by the second version of the models
};
struct Label {
    std::int64_t id{};
    std::string text;
};
struct Book {
    std::int64_t id{};
    std::int64_t shelf_id{};
    std::string title;
    std::optional<std::string> subtitle;
    int pages = 0;
    std::int64_t isbn13{};
    double weight = 0;
    Decimal price{"0"};
    bool lent = false;
    Bytes cover;
    Date published{};
    Time shelved_at{};
    Timestamp added{};
    Uuid ref{};
    Json extra{"{}"};
    std::string status = "new";
    std::optional<Shelf> shelf;
    std::vector<Label> labels;
};

std::string suffix() { return "_" + std::to_string(::getpid()); }

Entity<Shelf> shelf_mapping(bool with_room) {
    auto e = entity<Shelf>("ag_shelves" + suffix()).named("shelves").id(&Shelf::id).field(&Shelf::name, "name", varchar(60).unique());
    if (with_room) e.field(&Shelf::room, "room", varchar(30)).index("ag_shelves_room" + suffix(), &Shelf::room);
    return e;
}

Entity<Book> book_mapping(bool with_isbn) {
    auto e = entity<Book>("ag_books" + suffix()).named("books").id(&Book::id);
    e.field(&Book::shelf_id, "shelf_id")
        .field(&Book::title, "title", varchar(200))
        .field(&Book::subtitle, "subtitle", text())
        .field(&Book::pages, "pages", FieldOptions{}.default_sql("0"))
        .field(&Book::weight, "weight")
        .field(&Book::price, "price", decimal(10, 2))
        .field(&Book::lent, "lent")
        .field(&Book::cover, "cover")
        .field(&Book::published, "published")
        .field(&Book::shelved_at, "shelved_at")
        .field(&Book::added, "added")
        .field(&Book::ref, "ref")
        .field(&Book::extra, "extra")
        .field(&Book::status, "status", varchar(20).default_sql("'new'"))
        .index("ag_books_title" + suffix(), &Book::title, &Book::pages)
        .belongs_to("shelf", &Book::shelf, &Book::shelf_id)
        .many_to_many("labels", &Book::labels, "ag_book_labels" + suffix(), "book_id", "label_id");
    if (with_isbn) e.field(&Book::isbn13, "isbn13");
    return e;
}

Entity<Label> label_mapping() { return entity<Label>("ag_labels" + suffix()).named("labels").id(&Label::id).field(&Label::text, "text"); }

struct Models {
    Kernel kernel{LogLevel::off};
    std::unique_ptr<Database> db;
    explicit Models(bool second_version) {
        kernel.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
        db = std::make_unique<Database>(kernel, conformance::backend().url);
        db->map(shelf_mapping(second_version)).map(book_mapping(second_version)).map(label_mapping());
    }
};

std::vector<std::string> ours(const std::vector<TableSchema>& tables) {
    std::vector<std::string> names;
    for (const auto& t : tables) names.push_back(t.name);
    return names;
}

// The live schema of the tables the models name (other tests share the database).
std::vector<TableSchema> live_tables(const std::vector<std::string>& names) {
    auto c = conformance::connect();
    std::vector<TableSchema> out;
    for (auto& t : inspect_schema(*c, conformance::dialect()))
        if (std::find(names.begin(), names.end(), t.name) != names.end()) out.push_back(std::move(t));
    return out;
}

std::string summaries(const std::vector<SchemaChange>& changes) {
    std::string out;
    for (const auto& c : changes) out += c.summary + (c.warning.empty() ? "" : " [" + c.warning + "]") + "\n";
    return out;
}

struct Cleanup {
    std::vector<std::string> tables;
    fs::path dir;
    std::string history;
    ~Cleanup() {
        tables.push_back(history);
        // Foreign keys decide the order; a few passes drop everything.
        for (int pass = 0; pass < 4 && !tables.empty(); ++pass) {
            std::vector<std::string> left;
            for (const auto& t : tables) {
                try {
                    conformance::drop_table(*conformance::connect(), t);
                } catch (...) {
                    left.push_back(t);
                }
            }
            tables = std::move(left);
        }
        fs::remove_all(dir);
    }
};

}  // namespace

TEST_CASE("autogenerate: diff, apply, and the second diff is empty; destructive steps need a flag", "[migrate][autogenerate]") {
    if (!conformance::available()) return;
    Models v1(false);
    const auto desired = schema_from_catalog(v1.kernel.catalog());
    const auto names = ours(desired);
    REQUIRE(names.size() == 4);  // books, shelves, labels, and the join table
    Cleanup cleanup{{}, fs::temp_directory_path() / ("rex-autogen" + suffix()), conformance::table("aghist")};
    for (const auto& t : names) cleanup.tables.push_back(t);
    {
        auto c = conformance::connect();
        for (const auto& t : names) conformance::drop_table(*c, t);
    }
    fs::create_directories(cleanup.dir);
    const auto& d = conformance::dialect();
    MigrationOptions options;
    options.history_table = cleanup.history;
    auto apply = [&](const std::string& name, const MigrationScripts& scripts) {
        create_migration(cleanup.dir, name, scripts.up, scripts.down);
        return MigrationRunner(v1.kernel, conformance::backend().url, read_migrations(cleanup.dir), options).up();
    };

    // 1. Everything is new: tables in dependency order (shelves and labels before books' join table).
    const auto first = diff_schema(live_tables(names), desired, d);
    INFO(summaries(first));
    REQUIRE(first.size() == 4);
    for (const auto& c : first) CHECK(c.summary.rfind("create table", 0) == 0);
    const auto scripts = migration_scripts(first, false);
    CHECK(scripts.skipped.empty());
    CHECK(apply("a_create", scripts).size() == 1);

    const auto second = diff_schema(live_tables(names), desired, d);
    INFO("second diff:\n" << summaries(second));
    CHECK(second.empty());

    // 2. The models grow: a column with an index on shelves, a column on books.
    Models v2(true);
    const auto grown = schema_from_catalog(v2.kernel.catalog());
    const auto growth = diff_schema(live_tables(names), grown, d);
    INFO(summaries(growth));
    CHECK(growth.size() == 3);
    CHECK(summaries(growth).find("add column ag_books" + suffix() + ".isbn13") != std::string::npos);
    CHECK(apply("b_grow", migration_scripts(growth, false)).size() == 1);
    const auto after_growth = diff_schema(live_tables(names), grown, d);
    INFO("after growth:\n" << summaries(after_growth));
    CHECK(after_growth.empty());

    // 3. Back to the first models: dropping columns is destructive and left out without the flag.
    const auto shrink = diff_schema(live_tables(names), desired, d);
    const auto careful = migration_scripts(shrink, false);
    CHECK(careful.included == 1);  // dropping the index loses no data
    CHECK(careful.skipped.size() == 2);
    for (const auto& c : shrink)
        if (c.summary.rfind("drop column", 0) == 0) CHECK(c.destructive);
    CHECK(careful.up.find("NOT INCLUDED: drop column") != std::string::npos);
    // Rolling the growth back with its own down script gets the first schema back.
    MigrationRunner(v1.kernel, conformance::backend().url, read_migrations(cleanup.dir), options).down();
    const auto rolled_back = diff_schema(live_tables(names), desired, d);
    INFO("after down:\n" << summaries(rolled_back));
    CHECK(rolled_back.empty());

    // 4. A table the catalog does not know is dropped only on request.
    {
        auto c = conformance::connect();
        const auto stale = conformance::table("agstale");
        cleanup.tables.push_back(stale);
        c->execute("CREATE TABLE " + d.quote_identifier(stale) + " (x INT)");
        auto names_with_stale = names;
        names_with_stale.push_back(stale);
        const auto drop = diff_schema(live_tables(names_with_stale), desired, d);
        REQUIRE(drop.size() == 1);
        CHECK(drop[0].destructive);
        CHECK(drop[0].summary == "drop table " + stale);
        CHECK(migration_scripts(drop, true).included == 1);
    }
}

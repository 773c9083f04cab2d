// rex generate models on Chinook, on every backend: the generated header compiles, maps every
// table and reads all the data back (eager loading included), writes rows with Chinook's
// assigned and composite keys and with text and uuid keys (two tables of the test's own); the
// JSON model file loads and matches the database (rex migrate diff finds nothing to change).
#include "../conformance/chinook_loader.hpp"
#include "subprocess.hpp"

#include <rex/model_file.hpp>
#include <rex/schema.hpp>

#include <catch2/catch.hpp>

using namespace rex;
using namespace rex::chinook_loader;

namespace {

const std::string rex_bin = std::string(REX_TEST_BIN_DIR) + "/rex";

// Reads every entity through the generated mappings and prints "<struct> <rows>" lines.
constexpr const char* program = R"cpp(
#include "models.hpp"
#include <iostream>
template <class T> void count(rex::Database& db, const char* name) { std::cout << name << " " << db.select<T>().all().size() << "\n"; }
int main(int, char** argv) try {
    rex::Kernel kernel(rex::LogLevel::warn);
    kernel.load_plugins(std::filesystem::path(argv[1]));
    rex::Database db(kernel, argv[2]);
    chinook::map_all(db);
    count<chinook::Album>(db, "Album"); count<chinook::Artist>(db, "Artist"); count<chinook::Customer>(db, "Customer");
    count<chinook::Employee>(db, "Employee"); count<chinook::Genre>(db, "Genre"); count<chinook::Invoice>(db, "Invoice");
    count<chinook::InvoiceLine>(db, "InvoiceLine"); count<chinook::MediaType>(db, "MediaType");
    count<chinook::Playlist>(db, "Playlist"); count<chinook::PlaylistTrack>(db, "PlaylistTrack"); count<chinook::Track>(db, "Track");
    std::size_t tracks = 0;
    for (const auto& artist : db.select<chinook::Artist>().with(&chinook::Artist::albums, &chinook::Album::tracks).all())
        for (const auto& album : artist.albums) tracks += album.tracks.size();
    std::cout << "tracks through artists " << tracks << "\n";
    auto track = db.find<chinook::Track>(1).value();
    track.name = track.name + " (remastered)";
    db.update(track);
    std::cout << "round trip " << db.find<chinook::Track>(1)->name << "\n";
    // Chinook's keys are assigned (plain INT columns); playlist_track's is composite.
    chinook::Artist artist; artist.artist_id = 9001; artist.name = "Rex Quartet";
    db.insert(artist);
    std::cout << "artist " << db.find<chinook::Artist>(9001)->name.value() << "\n";
    chinook::PlaylistTrack entry; entry.playlist_id = 2; entry.track_id = 1;
    db.insert(entry);
    std::cout << "playlist entry " << db.exists<chinook::PlaylistTrack>({2, 1}) << "\n";
    db.remove(entry); db.remove(artist);
    // Text and uuid keys, and relations over them.
    chinook::RexGenCountry fr; fr.code = "FR"; fr.name = "France";
    db.insert(fr);
    chinook::RexGenDocument doc; doc.id = rex::parse_uuid("0b9e7c3a-3c1e-4d2a-9f00-5a1b2c3d4e5f"); doc.country_code = "FR"; doc.title = "Spec";
    db.insert(doc);
    const auto countries = db.select<chinook::RexGenCountry>().with(&chinook::RexGenCountry::rex_gen_documents).all();
    std::cout << "documents of FR " << countries.at(0).rex_gen_documents.size() << "\n";
    const auto docs = db.select<chinook::RexGenDocument>().with(&chinook::RexGenDocument::country_code_rel).all();
    std::cout << "country of " << db.find<chinook::RexGenDocument>(doc.id)->title << " " << docs.at(0).country_code_rel->name << "\n";
    db.remove(doc); db.remove(fr);
    return 0;
} catch (const std::exception& e) { std::cerr << "error: " << e.what() << "\n"; return 1; }
)cpp";

// Tables with a text key and a uuid key (referring to the text one), beside Chinook's.
const std::vector<TableSchema> extra_tables = [] {
    TableSchema country{"rex_gen_country", {}, {}, {}};
    country.columns.push_back({"code", {}, ColumnType(LogicalType::string, 2), false, std::nullopt, true, false});
    country.columns.push_back({"name", {}, ColumnType(LogicalType::string, 80), false, std::nullopt, false, false});
    TableSchema document{"rex_gen_document", {}, {}, {}};
    document.columns.push_back({"id", {}, ColumnType(LogicalType::uuid), false, std::nullopt, true, false});
    document.columns.push_back({"country_code", {}, ColumnType(LogicalType::string, 2), false, std::nullopt, false, false});
    document.columns.push_back({"title", {}, ColumnType(LogicalType::string, 80), false, std::nullopt, false, false});
    document.foreign_keys.push_back({"fk_rex_gen_document_country", {"country_code"}, "rex_gen_country", {"code"}});
    return std::vector<TableSchema>{country, document};
}();

}  // namespace

TEST_CASE("generated models from Chinook compile and read the data on every backend", "[generate][chinook]") {
    if (!fs::exists(chinook_dir / "Chinook_Sqlite.sql")) {
        WARN("skipped: the Chinook sample data is not at " << chinook_dir.string());
        return;
    }
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
    const auto work = fs::temp_directory_path() / ("rex-generate-" + std::to_string(::getpid()));
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        auto c = kernel.connect(b.url);
        const auto dialect = kernel.dialect(c->dialect());
        load_chinook(*c, *dialect, b);
        for (const auto& t : extra_tables) c->execute("DROP TABLE IF EXISTS " + dialect->quote_identifier(t.name));
        for (const auto& statement : create_tables_sql(extra_tables, *dialect)) c->execute(statement);
        const auto out = work / b.name;
        std::string names = "rex_gen_country,rex_gen_document";  // the database is shared with other tests
        for (const auto& t : tables) names += "," + (b.snake_case ? snake(t) : t);
        const auto gen = rex::test::run_process({rex_bin, "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", b.url, "generate", "models",
                                                 "--out", out.string(), "--namespace", "chinook", "--tables", names});
        INFO(gen.out << gen.err);
        REQUIRE(gen.exit_code == 0);
        CHECK(gen.out.find("(13 entities)") != std::string::npos);

        // The JSON model file describes the same database: it loads, and diff finds nothing.
        Kernel models(LogLevel::off);
        CHECK(load_model_file(models, out / "models.json").size() == 13);
        const auto diff = rex::test::run_process({rex_bin, "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", b.url, "migrate", "diff",
                                                  "--models", (out / "models.json").string(), "--dir", (out / "migrations").string(),
                                                  "--dry-run"});
        INFO(diff.out << diff.err);
        CHECK(diff.exit_code == 0);
        CHECK(diff.out.find("no changes to write") != std::string::npos);
        CHECK(diff.out.find(" + ") == std::string::npos);

        // The header compiles with the installed-style include paths and reads everything.
        std::ofstream(out / "main.cpp") << program;
        const auto compile = rex::test::run_process(
            {REX_TEST_CXX, "-std=c++20", "-O0", "-Wall", "-Wextra", "-Werror", "-DBOOST_DLL_USE_STD_FS", "-I" REX_TEST_KERNEL_INCLUDE,
             "-I" REX_TEST_SDK_INCLUDE, (out / "main.cpp").string(), "-o", (out / "reader").string(), "-L" REX_TEST_LIB_DIR,
             "-Wl,-rpath," REX_TEST_LIB_DIR, "-lrex-kernel", "-lrex-sdk"},
            {.env = {}, .working_directory = {}, .stdin_text = {}, .timeout_seconds = 240});
        INFO(compile.err.substr(0, 4000));
        REQUIRE(compile.exit_code == 0);
        const auto read = rex::test::run_process({(out / "reader").string(), REX_TEST_PLUGIN_DIR, b.url});
        INFO(read.err);
        REQUIRE(read.exit_code == 0);
        CHECK(read.out ==
              "Album 347\nArtist 275\nCustomer 59\nEmployee 8\nGenre 25\nInvoice 412\nInvoiceLine 2240\nMediaType 5\nPlaylist 18\n"
              "PlaylistTrack 8715\nTrack 3503\ntracks through artists 3503\n"
              "round trip For Those About To Rock (We Salute You) (remastered)\nartist Rex Quartet\nplaylist entry 1\n"
              "documents of FR 1\ncountry of Spec France\n");
        drop_chinook(*c, *dialect, b);
        for (auto t = extra_tables.rbegin(); t != extra_tables.rend(); ++t) c->execute("DROP TABLE " + dialect->quote_identifier(t->name));
    }
    fs::remove_all(work);
}

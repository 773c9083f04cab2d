// Keys users have, on every backend: assigned (natural) keys of text and uuid, composite keys,
// relations over non-integer keys, generated keys read back without guessing, and the DDL
// create_tables writes (one path with `rex migrate diff`).
#include "../conformance/chinook_loader.hpp"
#include "../conformance/context.hpp"

#include <rex/orm.hpp>
#include <rex/schema.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

using namespace rex;

namespace {

std::string suffix() { return "_" + std::to_string(::getpid()); }

// Mutually referring models: the one holding a std::vector of the other comes first (a vector
// may name an incomplete type, a std::optional may not).
struct City;
struct Country {
    std::string code;  // assigned text key
    std::string name;
    std::vector<City> cities;  // has_many over a text key
};
struct City {
    std::int64_t id{};  // generated key
    std::string country_code;
    std::string name;
    std::optional<Country> country;  // belongs_to over a text key
};

struct Label {
    std::string slug;  // assigned text key
    std::string title;
};
struct Document {
    Uuid id{};  // assigned uuid key, made by the client
    std::string title;
    std::vector<Label> labels;  // many_to_many between a uuid key and a text key
};

// A composite key of two assigned parts, like Chinook's playlist_track.
struct Membership {
    std::string country_code;
    std::int64_t seat{};
    std::string holder;
};

Entity<Country> country_mapping() {
    return entity<Country>("rex_key_countries" + suffix())
        .named("key_countries")
        .key(&Country::code, "code", varchar(2), length(2, 2))
        .field(&Country::name, "name", varchar(80).unique())
        .has_many("cities", &Country::cities, &City::country_code);
}
Entity<City> city_mapping() {
    return entity<City>("rex_key_cities" + suffix())
        .named("key_cities")
        .id(&City::id)
        .field(&City::country_code, "country_code", varchar(2))
        .field(&City::name, "name", varchar(80))
        .belongs_to("country", &City::country, &City::country_code);
}
Entity<Label> label_mapping() {
    return entity<Label>("rex_key_labels" + suffix()).named("key_labels").key(&Label::slug, "slug", varchar(40)).field(&Label::title, "title");
}
Entity<Document> document_mapping() {
    return entity<Document>("rex_key_documents" + suffix())
        .named("key_documents")
        .key(&Document::id, "id")
        .field(&Document::title, "title", varchar(80))
        .many_to_many("labels", &Document::labels, "rex_key_document_labels" + suffix(), "document_id", "label_slug");
}
Entity<Membership> membership_mapping() {
    return entity<Membership>("rex_key_memberships" + suffix())
        .named("key_memberships")
        .key(&Membership::country_code, "country_code", varchar(2))
        .key(&Membership::seat, "seat")
        .field(&Membership::holder, "holder", varchar(80), not_empty());
}

struct Keys {
    Database db;
    explicit Keys(DatabaseOptions options = {}) : db(conformance::kernel(), conformance::backend().url, std::move(options)) {
        db.map(country_mapping()).map(city_mapping()).map(label_mapping()).map(document_mapping()).map(membership_mapping());
        db.drop_tables();
        db.create_tables();
    }
    ~Keys() {
        try {
            db.drop_tables();
        } catch (...) {
        }
    }
};

Uuid uuid(const char* text) { return parse_uuid(text); }

const TableSchema& table_named(const std::vector<TableSchema>& tables, const std::string& name) {
    const auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.name == name; });
    REQUIRE(it != tables.end());
    return *it;
}

bool has_fk(const TableSchema& t, const std::string& column, const std::string& target, const std::string& target_column) {
    return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const auto& fk) {
        return fk.columns == std::vector<std::string>{column} && fk.referenced_table == target &&
               fk.referenced_columns == std::vector<std::string>{target_column};
    });
}

}  // namespace

TEST_CASE("assigned text and uuid keys: insert writes them, find / update / remove go by them", "[orm][keys]") {
    if (!conformance::available()) return;
    Keys t;
    Country fr{"FR", "France", {}};
    t.db.insert(fr);  // the key is written as given, not left to the database
    Country de{"DE", "Germany", {}};
    t.db.insert(de);
    CHECK(t.db.find<Country>("FR")->name == "France");
    CHECK_FALSE(t.db.find<Country>("XX").has_value());
    Country again{"FR", "France again", {}};
    CHECK_THROWS_AS(t.db.insert(again), UniqueViolation);

    de.name = "Deutschland";
    t.db.update(de);
    CHECK(t.db.find<Country>("DE")->name == "Deutschland");

    // A tracked object may change its assigned key: the row is found by the key it was read with.
    auto tracked = t.db.find_tracked<Country>("DE").value();
    tracked->code = "GE";
    CHECK(t.db.update(tracked));
    CHECK_FALSE(t.db.exists<Country>("DE"));
    CHECK(t.db.find<Country>("GE")->name == "Deutschland");
    CHECK_FALSE(t.db.update(tracked));  // nothing changed since

    Document doc{uuid("0b9e7c3a-3c1e-4d2a-9f00-5a1b2c3d4e5f"), "Spec", {}};
    t.db.insert(doc);
    CHECK(t.db.find<Document>(doc.id)->title == "Spec");
    doc.title = "Spec v2";
    t.db.update(doc);
    CHECK(t.db.find<Document>(doc.id)->title == "Spec v2");
    t.db.remove(doc);
    CHECK_FALSE(t.db.exists<Document>(doc.id));
    CHECK_THROWS_AS(t.db.remove(doc), NotFoundError);

    // Rules apply to key members too, before any SQL.
    Country bad{"FRA", "Too long a code", {}};
    CHECK_THROWS_AS(t.db.insert(bad), ValidationError);

    // Repository::save cannot tell from an assigned key whether the row exists: it looks.
    Repository<Country> countries(t.db);
    Country it{"IT", "Italy", {}};
    countries.save(it);
    it.name = "Italia";
    countries.save(it);
    CHECK(countries.get("IT").name == "Italia");
    CHECK(countries.count() == 3);
}

TEST_CASE("composite keys: find, update, update_many, remove and pages by every part", "[orm][keys]") {
    if (!conformance::available()) return;
    Keys t;
    std::vector<Membership> seats;
    for (std::int64_t seat = 1; seat <= 4; ++seat) seats.push_back({"FR", seat, "fr" + std::to_string(seat)});
    for (std::int64_t seat = 1; seat <= 3; ++seat) seats.push_back({"DE", seat, "de" + std::to_string(seat)});
    t.db.insert_many(seats);
    CHECK(t.db.count<Membership>() == 7);

    CHECK(t.db.find<Membership>({"FR", 2})->holder == "fr2");
    CHECK(t.db.find<Membership>({"DE", 2})->holder == "de2");
    CHECK_FALSE(t.db.find<Membership>({"DE", 4}).has_value());
    CHECK(t.db.exists<Membership>({"DE", 3}));
    // A key of the wrong length is one clear error naming the key's fields.
    try {
        t.db.find<Membership>("FR");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("key of 2 fields (country_code, seat); got 1 value") != std::string::npos);
    }

    Membership m = *t.db.find<Membership>({"DE", 2});
    m.holder = "changed";
    t.db.update(m);  // only the row with both parts matching
    CHECK(t.db.find<Membership>({"DE", 2})->holder == "changed");
    CHECK(t.db.find<Membership>({"FR", 2})->holder == "fr2");

    auto both = t.db.select<Membership>().where(col(&Membership::seat) == 1).all();
    REQUIRE(both.size() == 2);
    for (auto& b : both) b.holder += "!";
    t.db.update_many(both);
    CHECK(t.db.find<Membership>({"FR", 1})->holder == "fr1!");
    CHECK(t.db.find<Membership>({"DE", 1})->holder == "de1!");
    CHECK(t.db.find<Membership>({"FR", 3})->holder == "fr3");

    auto tracked = t.db.find_tracked<Membership>({"FR", 4}).value();
    tracked->seat = 9;  // a key part changes: written, found by the old key
    CHECK(t.db.update(tracked));
    CHECK(t.db.exists<Membership>({"FR", 9}));
    CHECK_FALSE(t.db.exists<Membership>({"FR", 4}));

    t.db.remove(m);
    CHECK_FALSE(t.db.exists<Membership>({"DE", 2}));
    CHECK(t.db.exists<Membership>({"FR", 2}));
    Membership gone{"DE", 2, "x"};
    try {
        t.db.remove(gone);
        FAIL("expected NotFoundError");
    } catch (const NotFoundError& e) {
        CHECK(std::string(e.what()).find("country_code = DE, seat = 2") != std::string::npos);
    }

    // Pages are ordered by every key part.
    Repository<Membership> repo(t.db);
    const auto page = repo.page(1, 3);
    CHECK(page.total == 6);
    REQUIRE(page.items.size() == 3);
    CHECK(page.items[0].country_code == "DE");
    CHECK(page.items[0].seat == 1);
    CHECK(page.items[1].seat == 3);
    CHECK(page.items[2].country_code == "FR");
    CHECK(repo.get({"FR", 9}).holder == "fr4");
    Membership fresh{"DE", 7, "new"};
    repo.save(fresh);  // not there: inserted
    CHECK(repo.exists({"DE", 7}));
}

TEST_CASE("relations over text and uuid keys load eagerly and lazily", "[orm][keys][relations]") {
    if (!conformance::available()) return;
    Keys t;
    Country fr{"FR", "France", {}}, de{"DE", "Germany", {}};
    t.db.insert(fr);
    t.db.insert(de);
    std::vector<City> cities{{0, "FR", "Paris", {}}, {0, "FR", "Lyon", {}}, {0, "DE", "Berlin", {}}};
    t.db.insert_many(cities);

    const auto countries = t.db.select<Country>().with(&Country::cities).order_by(&Country::code).all();
    REQUIRE(countries.size() == 2);
    REQUIRE(countries[0].cities.size() == 1);
    CHECK(countries[0].cities[0].name == "Berlin");
    REQUIRE(countries[1].cities.size() == 2);
    CHECK(countries[1].cities[0].name == "Paris");  // by the cities' key
    CHECK(countries[1].cities[1].name == "Lyon");

    auto loaded = t.db.select<City>().with(&City::country).order_by(&City::name).all();
    REQUIRE(loaded.size() == 3);
    REQUIRE(loaded[0].country);
    CHECK(loaded[0].country->name == "Germany");
    CHECK(loaded[2].country->code == "FR");

    Document spec{uuid("11111111-2222-4333-8444-555555555555"), "Spec", {}};
    Document memo{uuid("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), "Memo", {}};
    t.db.insert(spec);
    t.db.insert(memo);
    Label urgent{"urgent", "Urgent"}, draft{"draft", "Draft"};
    t.db.insert(urgent);
    t.db.insert(draft);
    t.db.link(spec, &Document::labels, urgent);
    t.db.link(spec, &Document::labels, draft);
    t.db.link(memo, &Document::labels, urgent);
    auto docs = t.db.select<Document>().with(&Document::labels).order_by(&Document::title).all();
    REQUIRE(docs.size() == 2);
    REQUIRE(docs[0].labels.size() == 1);
    CHECK(docs[0].labels[0].slug == "urgent");
    REQUIRE(docs[1].labels.size() == 2);
    CHECK(docs[1].labels[0].slug == "draft");  // by the labels' key
    t.db.unlink(spec, &Document::labels, draft);
    Document lazy = *t.db.find<Document>(spec.id);
    t.db.load(lazy, &Document::labels);
    REQUIRE(lazy.labels.size() == 1);
    CHECK(lazy.labels[0].title == "Urgent");
    // The join table's rows go with what they link.
    t.db.remove(memo);
    t.db.load(lazy, &Document::labels);
    CHECK(lazy.labels.size() == 1);
}

TEST_CASE("a generated key and assigned keys do not mix", "[orm][keys]") {
    struct Odd {
        std::int64_t id{};
        std::string code;
    };
    CHECK_THROWS_AS(entity<Odd>("odd").id(&Odd::id).key(&Odd::code, "code"), ConfigurationError);
    CHECK_THROWS_AS(entity<Odd>("odd").key(&Odd::code, "code").id(&Odd::id), ConfigurationError);
}

TEST_CASE("insert_many reads every generated key back, without assuming they are consecutive", "[orm][keys][bulk]") {
    if (!conformance::available()) return;
    const auto check_keys = [](Database& db) {
        Country fr{"FR", "France", {}};
        db.insert(fr);
        auto s = db.session();
        const bool mysql = conformance::backend().name == "mysql";
        // Keys that step by 7 (as concurrent writers or a cluster's offsets make them): a
        // guess of "first key + row number" would give most objects another row's key.
        if (mysql) s.execute("SET SESSION auto_increment_increment = 7");
        std::vector<City> cities;
        for (int i = 0; i < 25; ++i) cities.push_back({0, "FR", "city" + std::to_string(i), {}});
        try {
            s.insert_many(cities, 10);
        } catch (...) {
            if (mysql) s.execute("SET SESSION auto_increment_increment = 1");
            throw;
        }
        if (mysql) s.execute("SET SESSION auto_increment_increment = 1");
        for (const auto& c : cities) {
            INFO(c.name << " got key " << c.id);
            const auto back = db.find<City>(c.id);
            REQUIRE(back);
            CHECK(back->name == c.name);
        }
        CHECK(db.count<City>() == 25);
    };
    SECTION("as the server reports them (RETURNING on PostgreSQL, SQLite, MariaDB 10.5+)") {
        Keys t;
        check_keys(t.db);
    }
    SECTION("one statement per row, each reporting its last insert id (MySQL 8, MariaDB < 10.5, SQLite < 3.35)") {
        Keys t(DatabaseOptions{{}, {}, GeneratedKeyStyle::last_insert_id});
        if (conformance::backend().name != "postgres") {
            check_keys(t.db);
        } else {  // PostgreSQL reports no last insert id: a clear error, never a key left at 0
            std::vector<City> cities{{0, "FR", "a", {}}, {0, "FR", "b", {}}};
            Country fr{"FR", "France", {}};
            t.db.insert(fr);
            CHECK_THROWS_WITH(t.db.insert_many(cities), Catch::Contains("reported no generated key for 'id'"));
            CHECK(t.db.count<City>() == 0);  // the transaction rolled back
        }
    }
}

TEST_CASE("dialects say from the server's version how it reports generated keys", "[orm][keys]") {
    auto& kernel = conformance::kernel();
    const auto& d = conformance::dialect();
    if (conformance::backend().name == "mysql") {
        CHECK(d.generated_keys("8.0.36") == GeneratedKeyStyle::last_insert_id);
        CHECK(d.generated_keys("10.4.32-MariaDB") == GeneratedKeyStyle::last_insert_id);
        CHECK(d.generated_keys("10.5.0-MariaDB") == GeneratedKeyStyle::returning);
        CHECK(d.generated_keys("5.5.5-10.11.6-MariaDB-0+deb12u1") == GeneratedKeyStyle::returning);
        CHECK(d.generated_keys("11.4.2-MariaDB") == GeneratedKeyStyle::returning);
        CHECK(d.upsert_updated_existing(2));
        CHECK_FALSE(d.upsert_updated_existing(1));
        CHECK(d.upsert_clause({{"k"}, {"v"}, "id"}).find("`id` = LAST_INSERT_ID(`id`)") != std::string::npos);
    } else if (conformance::backend().name == "sqlite") {
        CHECK(d.generated_keys("3.34.1") == GeneratedKeyStyle::last_insert_id);
        CHECK(d.generated_keys("3.35.0") == GeneratedKeyStyle::returning);
        CHECK(d.generated_keys("3.40.1") == GeneratedKeyStyle::returning);
    } else {
        CHECK(d.generated_keys("16.2") == GeneratedKeyStyle::returning);
        CHECK(d.upsert_clause({{"k"}, {"v"}, "id"}).find("LAST_INSERT_ID") == std::string::npos);
    }
    (void)kernel;
    // The live server: the test servers run MariaDB 10.11 / current SQLite / PostgreSQL.
    if (!conformance::available()) return;
    const auto c = conformance::connect();
    CHECK(d.generated_keys(c->server_version()) == GeneratedKeyStyle::returning);
}

TEST_CASE("create_tables writes the DDL migrate diff would: keys, unique constraints, a foreign key per relation", "[orm][keys][schema]") {
    if (!conformance::available()) return;
    Keys t;
    const auto c = conformance::connect();
    const auto& d = conformance::dialect();
    const auto live = inspect_schema(*c, d);
    const auto cities = table_named(live, "rex_key_cities" + suffix());
    CHECK(has_fk(cities, "country_code", "rex_key_countries" + suffix(), "code"));
    const auto join = table_named(live, "rex_key_document_labels" + suffix());
    CHECK(has_fk(join, "document_id", "rex_key_documents" + suffix(), "id"));
    CHECK(has_fk(join, "label_slug", "rex_key_labels" + suffix(), "slug"));
    const auto countries = table_named(live, "rex_key_countries" + suffix());
    CHECK(std::any_of(countries.indexes.begin(), countries.indexes.end(),
                      [](const auto& i) { return i.unique && i.columns == std::vector<std::string>{"name"}; }));
    const auto memberships = table_named(live, "rex_key_memberships" + suffix());
    CHECK(memberships.column("country_code")->primary_key);
    CHECK(memberships.column("seat")->primary_key);
    CHECK_FALSE(memberships.column("holder")->primary_key);

    // One DDL path: what the ORM created is what a migration from the same models wants.
    std::vector<TableSchema> mine;
    for (const auto& table : live)
        if (table.name.starts_with("rex_key_") && table.name.ends_with(suffix())) mine.push_back(table);
    const auto changes = diff_schema(mine, t.db.tables(), d);
    std::string listed;
    for (const auto& change : changes) listed += change.summary + "\n";
    INFO(listed);
    CHECK(changes.empty());

    // The keys hold: a city of a country that does not exist is refused.
    City nowhere{0, "ZZ", "Nowhere", {}};
    CHECK_THROWS_AS(t.db.insert(nowhere), ForeignKeyViolation);
}

TEST_CASE("Chinook: rows with assigned and composite keys are inserted, found, updated and removed", "[orm][keys][chinook]") {
    using namespace rex::chinook_loader;
    if (!conformance::available()) return;
    if (!fs::exists(chinook_dir / "Chinook_Sqlite.sql")) {
        WARN("skipped: the Chinook sample data is not at " << chinook_dir.string());
        return;
    }
    const auto& backend = conformance::backend();
    const bool snake_case = backend.name == "postgres";
    const std::string script = backend.name == "postgres" ? "Chinook_PostgreSql.sql"
                               : backend.name == "mysql"  ? "Chinook_MySql.sql"
                                                          : "Chinook_Sqlite.sql";
    Backend b{backend.name, backend.url, script, snake_case};
    // The SQLite script inserts children before their parents, as SQLite allows by default.
    const auto c = conformance::kernel().connect(backend.name == "sqlite" ? backend.url + "?foreign_keys=off" : backend.url);
    const auto& d = conformance::dialect();
    load_chinook(*c, d, b);
    const auto name = [&](const std::string& pascal) { return snake_case ? chinook_loader::snake(pascal) : pascal; };

    struct Artist {
        std::int32_t id{};
        std::optional<std::string> name;
    };
    struct PlaylistTrack {
        std::int32_t playlist_id{};
        std::int32_t track_id{};
    };
    Database db(conformance::kernel(), backend.url);
    db.map(entity<Artist>(name("Artist")).key(&Artist::id, name("ArtistId")).field(&Artist::name, name("Name")));
    db.map(entity<PlaylistTrack>(name("PlaylistTrack"))
               .key(&PlaylistTrack::playlist_id, name("PlaylistId"))
               .key(&PlaylistTrack::track_id, name("TrackId")));

    // Chinook's keys are plain INT columns: the application assigns them.
    Artist artist{9001, std::string("Rex Quartet")};
    db.insert(artist);
    CHECK(db.find<Artist>(9001)->name == "Rex Quartet");
    CHECK(db.count<PlaylistTrack>() == 8715);
    CHECK(db.exists<PlaylistTrack>({1, 3402}));
    PlaylistTrack added{1, 1};
    CHECK_THROWS_AS(db.insert(added), UniqueViolation);  // already on playlist 1
    added = {2, 1};
    db.insert(added);
    CHECK(db.exists<PlaylistTrack>({2, 1}));
    auto moved = db.find_tracked<PlaylistTrack>({2, 1}).value();
    moved->playlist_id = 3;
    CHECK(db.update(moved));
    CHECK_FALSE(db.exists<PlaylistTrack>({2, 1}));
    db.remove(*moved);
    CHECK_FALSE(db.exists<PlaylistTrack>({3, 1}));
    CHECK(db.count<PlaylistTrack>() == 8715);
    drop_chinook(*c, d, b);
}

namespace {
// Tables that refer to each other: a department's head is one of its staff.
struct Staff;
struct Department {
    std::int64_t id{};
    std::string name;
    std::optional<std::int64_t> head_id;
    std::vector<Staff> members;  // has_many by Staff::department_id
};
struct Staff {
    std::int64_t id{};
    std::int64_t department_id{};
    std::string name;
    std::vector<Department> headed;  // has_many by Department::head_id
};
}  // namespace

TEST_CASE("create_tables and drop_tables handle tables that refer to each other", "[orm][keys][schema]") {
    if (!conformance::available()) return;
    const auto departments = "rex_key_departments" + suffix(), staff = "rex_key_staff" + suffix();
    Database db(conformance::kernel(), conformance::backend().url);
    db.map(entity<Department>(departments)
               .named("key_departments")
               .id(&Department::id)
               .field(&Department::name, "name", varchar(40))
               .field(&Department::head_id, "head_id")
               .has_many("members", &Department::members, &Staff::department_id));
    db.map(entity<Staff>(staff)
               .named("key_staff")
               .id(&Staff::id)
               .field(&Staff::department_id, "department_id")
               .field(&Staff::name, "name", varchar(40))
               .has_many("headed", &Staff::headed, &Department::head_id));
    db.drop_tables();
    db.create_tables();
    db.create_tables();  // the tables are there: nothing to do
    const auto c = conformance::connect();
    const auto live = inspect_schema(*c, conformance::dialect());
    CHECK(has_fk(table_named(live, staff), "department_id", departments, "id"));
    CHECK(has_fk(table_named(live, departments), "head_id", staff, "id"));

    Department lab{0, "Lab", std::nullopt, {}};
    db.insert(lab);
    Staff ada{0, lab.id, "Ada", {}};
    db.insert(ada);
    lab.head_id = ada.id;
    db.update(lab);
    const auto loaded = db.select<Department>().with(&Department::members).all();
    REQUIRE(loaded.size() == 1);
    REQUIRE(loaded[0].members.size() == 1);
    CHECK(loaded[0].members[0].name == "Ada");
    CHECK(db.select<Staff>().with(&Staff::headed).all().at(0).headed.at(0).name == "Lab");
    Staff stray{0, lab.id + 100, "Stray", {}};
    CHECK_THROWS_AS(db.insert(stray), ForeignKeyViolation);

    // SQLite deletes the rows of a dropped table and checks their keys: rows referring to each
    // other across the cycle are unlinked first there (PostgreSQL and MySQL drop the keys first).
    lab.head_id.reset();
    db.update(lab);
    db.drop_tables();
    const auto after = inspect_schema(*c, conformance::dialect());
    CHECK(std::none_of(after.begin(), after.end(), [&](const auto& t) { return t.name == departments || t.name == staff; }));
}

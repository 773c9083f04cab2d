#include "api_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace rex::graphql::test {

namespace {

FieldInfo field(std::string name, ColumnType type, bool nullable = false, bool key = false) {
    FieldInfo f;
    f.column = name;
    f.name = std::move(name);
    f.type = type;
    f.nullable = nullable;
    f.primary_key = key;
    return f;
}

RelationInfo relation(std::string name, RelationKind kind, std::string target, std::string foreign_key) {
    RelationInfo r;
    r.name = std::move(name);
    r.kind = kind;
    r.target = std::move(target);
    r.foreign_key = std::move(foreign_key);
    return r;
}

RelationInfo many_to_many(std::string name, std::string target, std::string through, std::string source_key, std::string target_key) {
    RelationInfo r = relation(std::move(name), RelationKind::many_to_many, std::move(target), {});
    r.through = std::move(through);
    r.through_source_key = std::move(source_key);
    r.through_target_key = std::move(target_key);
    return r;
}

std::vector<EntityInfo> chinook_entities() {
    std::vector<EntityInfo> out;
    EntityInfo artist{"artist", "artist", {field("artist_id", LogicalType::int32, false, true), field("name", {LogicalType::string, 120}, true)}, {}, {}, {}};
    artist.fields[0].generated = true;
    artist.fields[0].type.auto_increment = true;
    artist.relations.push_back(relation("albums", RelationKind::has_many, "album", "artist_id"));
    artist.rules.push_back({"name", "length", "1..120"});
    out.push_back(artist);

    EntityInfo album{"album", "album",
                     {field("album_id", LogicalType::int32, false, true), field("title", {LogicalType::string, 160}), field("artist_id", LogicalType::int32)},
                     {}, {}, {}};
    album.relations.push_back(relation("artist", RelationKind::belongs_to, "artist", "artist_id"));
    album.relations.push_back(relation("tracks", RelationKind::has_many, "track", "album_id"));
    out.push_back(album);

    EntityInfo genre{"genre", "genre", {field("genre_id", LogicalType::int32, false, true), field("name", {LogicalType::string, 120}, true)}, {}, {}, {}};
    genre.relations.push_back(relation("tracks", RelationKind::has_many, "track", "genre_id"));
    genre.indexes.push_back({"genre_name_key", {"name"}, true});
    genre.rules.push_back({"name", "not_empty", ""});
    out.push_back(genre);

    EntityInfo track{"track", "track",
                     {field("track_id", LogicalType::int32, false, true), field("name", {LogicalType::string, 200}), field("album_id", LogicalType::int32, true),
                      field("genre_id", LogicalType::int32, true), field("milliseconds", LogicalType::int32), field("bytes", LogicalType::int64, true),
                      field("unit_price", ColumnType::decimal(10, 2)), field("created", LogicalType::timestamp, true),
                      field("released", LogicalType::date, true), field("explicit", LogicalType::boolean, true), field("ratio", LogicalType::float64, true)},
                     {}, {}, {}};
    track.relations.push_back(relation("album", RelationKind::belongs_to, "album", "album_id"));
    track.relations.push_back(relation("genre", RelationKind::belongs_to, "genre", "genre_id"));
    track.relations.push_back(many_to_many("playlists", "playlist", "playlist_track", "track_id", "playlist_id"));
    track.rules.push_back({"milliseconds", "range", "0..100000000"});
    out.push_back(track);

    EntityInfo playlist{"playlist", "playlist", {field("playlist_id", LogicalType::int32, false, true), field("name", {LogicalType::string, 120}, true)}, {}, {}, {}};
    playlist.relations.push_back(many_to_many("tracks", "track", "playlist_track", "playlist_id", "track_id"));
    out.push_back(playlist);

    EntityInfo playlist_track{"playlist_track", "playlist_track",
                              {field("playlist_id", LogicalType::int32, false, true), field("track_id", LogicalType::int32, false, true)}, {}, {}, {}};
    playlist_track.relations.push_back(relation("playlist", RelationKind::belongs_to, "playlist", "playlist_id"));
    playlist_track.relations.push_back(relation("track", RelationKind::belongs_to, "track", "track_id"));
    out.push_back(playlist_track);
    return out;
}

bool required() {
    const char* r = std::getenv("REX_REQUIRE_SERVERS");
    return r && std::string(r) == "1";
}

std::string rewrite_placeholders(const Dialect& d, const std::string& text) {
    std::string out;
    std::size_t n = 0;
    for (char c : text) {
        if (c == '?') out += d.placeholder(++n);
        else out += c;
    }
    return out;
}

}  // namespace

std::vector<Backend> backends() {
    std::vector<Backend> out;
    const auto file = std::filesystem::temp_directory_path() / ("rex-graphql-api-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    out.push_back({"sqlite", "sqlite:" + file.string()});
    for (const auto& [name, variable] : {std::pair{"postgres", "REX_TEST_POSTGRES_URL"}, std::pair{"mysql", "REX_TEST_MYSQL_URL"}}) {
        const char* url = std::getenv(variable);
        if (url && *url) out.push_back({name, url});
        else if (required()) FAIL(variable << " is not set but REX_REQUIRE_SERVERS=1");
        else WARN(name << " skipped: " << variable << " is not set");
    }
    return out;
}

void RecordingLogger::write(LogLevel, std::string_view component, std::string_view message) {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(component, message);
}

std::vector<std::string> RecordingLogger::take(std::string_view component) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto& [c, m] : lines_)
        if (c == component) out.push_back(std::move(m));
    lines_.clear();
    return out;
}

KernelContext::KernelContext(const std::string& url) : kernel_(LogLevel::warn) {
    kernel_.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    pool_ = kernel_.make_pool(url);
    dialect_ = kernel_.dialect(kernel_.adapter_for_url(url)->dialect());
}

Fixture::Fixture(const Backend& backend, ExecutorOptions options) : KernelContext(backend.url), backend_(backend) {
    // Tables are named gq_<entity>: the API shows entity names, and the Chinook tests' tables
    // (artist, album, ... on PostgreSQL) stay apart from these.
    auto entities = chinook_entities();
    for (auto& e : entities) {
        e.table = "gq_" + e.name;
        for (auto& r : e.relations)
            if (!r.through.empty()) r.through = "gq_" + r.through;
    }
    for (auto e : entities) kernel_.register_entity(e);
    auto c = kernel_.connect(backend.url);
    const auto& d = *dialect_;
    for (auto it = entities.rbegin(); it != entities.rend(); ++it) c->execute("DROP TABLE IF EXISTS " + d.quote_identifier(it->table));
    for (const auto& e : entities) {
        std::string ddl = "CREATE TABLE " + d.quote_identifier(e.table) + " (";
        std::vector<std::string> key;
        for (const auto& f : e.fields) {
            auto type = f.type;
            type.auto_increment = f.generated;  // artist_id: the database makes keys the seed leaves out
            ddl += d.quote_identifier(f.column) + " " + d.column_type(type) + (f.nullable ? "" : " NOT NULL") + ", ";
            if (f.primary_key) key.push_back(d.quote_identifier(f.column));
        }
        ddl += "PRIMARY KEY (";
        for (std::size_t i = 0; i < key.size(); ++i) ddl += (i ? ", " : "") + key[i];
        ddl += "))";
        c->execute(ddl);
        for (const auto& index : e.indexes)
            c->execute("CREATE UNIQUE INDEX " + d.quote_identifier(index.name) + " ON " + d.quote_identifier(e.table) + " (" +
                       d.quote_identifier(index.fields.at(0)) + ")");
    }
    executor_ = std::make_shared<GraphqlExecutor>(*this, std::move(options));
    seed();
}

std::shared_ptr<Connection> KernelContext::acquire() {
    auto holder = std::make_shared<PooledConnection>(pool_->acquire());
    return std::shared_ptr<Connection>(holder, holder->get());
}

ResultSet KernelContext::sql(const std::string& text, const Params& params) {
    auto c = acquire();
    return c->execute(rewrite_placeholders(*dialect_, text), params);
}

void Fixture::seed() {
    auto c = acquire();
    for (const char* t : {"playlist_track", "playlist", "track", "genre", "album", "artist"}) c->execute("DELETE FROM " + dialect_->quote_identifier(std::string("gq_") + t));
    const auto insert = [&](const std::string& table, std::vector<std::string> columns, std::vector<Params> rows) {
        std::string sql = "INSERT INTO " + dialect_->quote_identifier("gq_" + table) + " (";
        std::string values;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            sql += (i ? ", " : "") + dialect_->quote_identifier(columns[i]);
            values += (i ? ", " : "") + dialect_->placeholder(i + 1);
        }
        sql += ") VALUES (" + values + ")";
        for (const auto& row : rows) c->execute(sql, row);
    };
    insert("artist", {"artist_id", "name"}, {{1, "AC/DC"}, {2, "Accept"}, {3, "Aerosmith"}, {4, nullptr}});
    insert("album", {"album_id", "title", "artist_id"},
           {{1, "For Those About To Rock", 1}, {2, "Balls to the Wall", 2}, {3, "Restless and Wild", 2}, {4, "Let There Be Rock", 1}});
    insert("genre", {"genre_id", "name"}, {{1, "Rock"}, {2, "Jazz"}, {3, "Metal"}});
    const auto ts = [](const char* t) { return Value(parse_timestamp(t)); };
    const auto day = [](const char* t) { return Value(parse_date(t)); };
    const auto dec = [](const char* t) { return Value(Decimal{t}); };
    insert("track", {"track_id", "name", "album_id", "genre_id", "milliseconds", "bytes", "unit_price", "created", "released", "explicit", "ratio"},
           {{1, "For Those About To Rock", 1, 1, 343719, std::int64_t{11170334}, dec("0.99"), ts("2024-01-31T12:00:00Z"), day("2024-01-31"), true, 0.5},
            {2, "Balls to the Wall", 2, 1, 342562, std::int64_t{5510424}, dec("0.99"), ts("2024-02-01T08:30:00.25Z"), nullptr, false, nullptr},
            {3, "Fast As a Shark", 3, 3, 230619, nullptr, dec("1.99"), nullptr, day("2023-12-25"), nullptr, 1.25},
            {4, "Restless and Wild", 3, nullptr, 252051, std::int64_t{4331779}, dec("0.99"), ts("2023-06-01T00:00:00Z"), day("2023-06-01"), true, 2.0},
            {5, "Put The Finger On You", 1, 1, 205662, std::int64_t{6713451}, dec("1.50"), ts("2024-03-15T23:59:59.5Z"), day("2024-03-15"), false, 0.25},
            {6, "Lonely 100%_done", nullptr, 2, 1000, std::int64_t{9007199254740993}, dec("10.00"), nullptr, nullptr, nullptr, -1.5}});
    insert("playlist", {"playlist_id", "name"}, {{1, "Music"}, {2, "Empty"}});
    // PostgreSQL's identity does not follow explicit keys (SQLite and MariaDB continue after the largest).
    if (dialect_->name() == "postgresql") c->execute("SELECT setval(pg_get_serial_sequence('gq_artist', 'artist_id'), 4)");
    insert("playlist_track", {"playlist_id", "track_id"}, {{1, 1}, {1, 3}, {1, 5}});
}

HttpResponse Fixture::request(const std::string& method, const std::string& body, const std::string& query_string, std::vector<HttpHeader> headers) {
    HttpRequest r;
    r.method = method;
    r.path = "/graphql";
    r.query = query_string;
    r.target = "/graphql" + (query_string.empty() ? "" : "?" + query_string);
    r.body = body;
    r.headers = std::move(headers);
    return executor_->execute(r);
}

std::string post(RequestExecutor& executor, const std::string& query, const std::string& variables_json) {
    std::string body = "{\"query\":";
    // The test queries hold no characters that need escaping other than quotes and newlines.
    std::string q = "\"";
    for (char ch : query) {
        if (ch == '"') q += "\\\"";
        else if (ch == '\n') q += "\\n";
        else if (ch == '\\') q += "\\\\";
        else q += ch;
    }
    body += q + "\"";
    if (!variables_json.empty()) body += ",\"variables\":" + variables_json;
    body += "}";
    HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/graphql";
    r.body = body;
    r.headers = {{"Content-Type", "application/json"}};
    return executor.execute(r).body;
}

}  // namespace rex::graphql::test

// What only the SQLite adapter has: files, WAL, busy timeouts, open modes, URL options.
#include <rex/kernel.hpp>
#include <rex/orm.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace rex;

namespace {

Kernel& kernel() {
    static Kernel k(LogLevel::off);
    static const bool loaded = [] {
        k.load_plugins(fs::path(REX_TEST_PLUGIN_DIR) / "rex-sqlite.so");
        return true;
    }();
    (void)loaded;
    return k;
}

struct DbFile {
    fs::path path = fs::temp_directory_path() / ("rex-sqlite-" + std::to_string(::getpid()) + "-" + std::to_string(next()) + ".db");
    DbFile() { remove(); }
    ~DbFile() { remove(); }
    void remove() {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path.string() + suffix);
    }
    std::string url(const std::string& options = "") const { return "sqlite:" + path.string() + options; }
    static int next() {
        static int n = 0;
        return n++;
    }
};

}  // namespace

TEST_CASE("a file database is created, in WAL mode, and shared by connections", "[sqlite]") {
    DbFile db;
    auto a = kernel().connect(db.url());
    CHECK(fs::exists(db.path));
    CHECK(a->execute("PRAGMA journal_mode").rows[0][0] == Value("wal"));
    CHECK(a->execute("PRAGMA foreign_keys").rows[0][0] == Value(1));
    a->execute("CREATE TABLE t (x INTEGER)");
    a->execute("INSERT INTO t VALUES (?1)", {Value(5)});
    auto b = kernel().connect("sqlite://" + db.path.string());  // sqlite:///abs/path form
    CHECK(b->execute("SELECT x FROM t").rows[0][0] == Value(5));
    DbFile other;  // the journal mode of a file in use by others cannot change
    CHECK(kernel().connect(other.url("?journal=delete"))->execute("PRAGMA journal_mode").rows[0][0] == Value("delete"));
}

TEST_CASE("in-memory databases are private to their connection", "[sqlite]") {
    auto a = kernel().connect("sqlite::memory:");
    auto b = kernel().connect("sqlite::memory:");
    a->execute("CREATE TABLE t (x INTEGER)");
    CHECK_THROWS_AS(b->execute("SELECT * FROM t"), SyntaxError);
    CHECK(a->server_version().starts_with("3."));
}

TEST_CASE("a writer blocked by another past busy_timeout gets a timeout error", "[sqlite]") {
    DbFile db;
    auto a = kernel().connect(db.url());
    a->execute("CREATE TABLE t (x INTEGER)");
    auto b = kernel().connect(db.url("?busy_timeout=100"));
    a->begin({IsolationLevel::serializable, false});  // BEGIN IMMEDIATE: holds the write lock
    a->execute("INSERT INTO t VALUES (1)");
    const auto start = std::chrono::steady_clock::now();
    try {
        b->execute("INSERT INTO t VALUES (2)");
        FAIL("the second writer was not blocked");
    } catch (const TimeoutError& e) {
        CHECK(e.category() == ErrorCategory::timeout);
        CHECK_THAT(e.native_code(), Catch::StartsWith("SQLITE_BUSY"));
        CHECK(e.sql() == "INSERT INTO t VALUES (2)");
    }
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(100));
    // Readers are not blocked in WAL mode.
    CHECK(b->execute("SELECT COUNT(*) FROM t").rows[0][0] == Value(0));
    a->commit();
    b->execute("INSERT INTO t VALUES (2)");
    CHECK(b->execute("SELECT COUNT(*) FROM t").rows[0][0] == Value(2));
}

TEST_CASE("a COMMIT refused as busy is rolled back once, and the session goes on", "[sqlite][transactions]") {
    DbFile file;
    // With a rollback journal, COMMIT needs every reader gone: an open cursor keeps it busy.
    Database db(kernel(), file.url("?journal=delete&busy_timeout=100"));
    auto s = db.session();
    s.execute("CREATE TABLE t (x INTEGER)");
    s.execute("INSERT INTO t VALUES (1), (2)");
    auto reader = kernel().connect(file.url("?journal=delete"));
    auto cursor = reader->query("SELECT x FROM t", {});
    REQUIRE(cursor->next());
    CHECK_THROWS_AS(s.transaction([](Session& tx) { tx.execute("INSERT INTO t VALUES (3)"); }), TimeoutError);
    CHECK(s.transaction_depth() == 0);
    CHECK_FALSE(s.connection().in_transaction());
    cursor.reset();
    s.transaction([](Session& tx) {
        tx.execute("INSERT INTO t VALUES (4)");
        tx.transaction([](Session& inner) { inner.execute("INSERT INTO t VALUES (5)"); });
    });
    CHECK(s.transaction_depth() == 0);
    CHECK(s.execute("SELECT SUM(x) FROM t").rows[0][0] == Value(12));  // 1 + 2 + 4 + 5: the busy 3 is gone
}

TEST_CASE("read-only mode refuses writes; rw mode does not create files", "[sqlite]") {
    DbFile db;
    kernel().connect(db.url())->execute("CREATE TABLE t (x INTEGER)");
    auto ro = kernel().connect(db.url("?mode=ro"));
    CHECK(ro->execute("SELECT COUNT(*) FROM t").rows[0][0] == Value(0));
    CHECK_THROWS_AS(ro->execute("INSERT INTO t VALUES (1)"), DatabaseError);

    DbFile missing;
    CHECK_THROWS_AS(kernel().connect(missing.url("?mode=rw")), ConnectionError);
    CHECK_FALSE(fs::exists(missing.path));
}

TEST_CASE("bad sqlite URLs are configuration errors naming the problem", "[sqlite]") {
    CHECK_THROWS_WITH(kernel().connect("sqlite:"), "invalid sqlite URL 'sqlite:': no database path (use sqlite::memory: or sqlite:path/to/file.db)");
    CHECK_THROWS_WITH(kernel().connect("sqlite://host/x.db"),
                      Catch::Contains("a host is not allowed"));
    CHECK_THROWS_WITH(kernel().connect("sqlite:x.db?busy_timeout=soon"),
                      "invalid sqlite URL 'sqlite:x.db?busy_timeout=soon': option busy_timeout=soon must be a number of milliseconds");
    CHECK_THROWS_WITH(kernel().connect("sqlite:x.db?mode=wx"), Catch::Contains("option mode=wx must be ro, rw or rwc"));
    CHECK_THROWS_WITH(kernel().connect("sqlite:x.db?capture_poll=0"),
                      Catch::Contains("option capture_poll=0 must be a number of milliseconds (at least 1)"));
}

TEST_CASE("the WAL is still checkpointed: the commit wake-up's hook does SQLite's auto-checkpoint", "[sqlite]") {
    DbFile file;
    auto c = kernel().connect(file.url());
    c->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)");
    const std::string page(3000, 'x');
    // 3000 commits of about two pages each: without checkpoints the WAL would pass 20 MB; with
    // them (every 1000 pages) it is reused from its start and stays near 4 MB.
    for (int i = 0; i < 3000; ++i) c->execute("INSERT INTO t (data) VALUES (?)", {Value(page)});
    CHECK(fs::file_size(file.path.string() + "-wal") < 8'000'000);
}

TEST_CASE("one statement per query; scripts run several", "[sqlite]") {
    auto c = kernel().connect("sqlite::memory:");
    CHECK_THROWS_WITH(c->execute("CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER)"),
                      "sqlite: query() runs one statement; use execute_script() for several");
    c->execute_script("CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);");
    CHECK(c->execute("SELECT x FROM a").rows[0][0] == Value(1));
    CHECK(c->execute("SELECT 1; -- a trailing comment is fine").rows.size() == 1);
}

TEST_CASE("declared types decide how stored values read back", "[sqlite]") {
    auto c = kernel().connect("sqlite::memory:");
    c->execute("CREATE TABLE t (d DATE, ts TIMESTAMP, b BOOLEAN, u UUID, n NUMERIC, free)");
    c->execute("INSERT INTO t VALUES ('not a date', 86400, 1, randomblob(16), 2.5, 'x')");
    const auto r = c->execute("SELECT d, ts, b, u, n, free FROM t");
    CHECK(r.rows[0][0] == Value("not a date"));           // unparsable text stays text
    CHECK(r.rows[0][1] == Value(Timestamp{86'400'000'000}));  // INTEGER in TIMESTAMP: Unix seconds
    CHECK(r.rows[0][2] == Value(true));
    CHECK(r.rows[0][3].kind() == ValueKind::uuid);          // 16-byte blob in a UUID column
    CHECK(r.rows[0][4] == Value(Decimal{"2.5"}));
    CHECK(r.rows[0][5] == Value("x"));
    CHECK(r.columns[5].kind == ValueKind::null);  // no declared type
}

TEST_CASE("cached statements: two open cursors of one SQL, schema changes, typed reads", "[sqlite]") {
    auto c = kernel().connect("sqlite::memory:");
    c->execute("CREATE TABLE t (id INTEGER, name TEXT, price REAL)");
    c->execute("INSERT INTO t VALUES (1, 'a', 1.5), (2, '', NULL), (3, NULL, 0)");
    const std::string sql = "SELECT * FROM t ORDER BY id";
    {
        // The second cursor cannot share the first one's statement: it gets its own.
        auto outer = c->query(sql);
        REQUIRE(outer->next());
        auto inner = c->query(sql);
        REQUIRE(inner->next());
        REQUIRE(inner->next());
        CHECK(outer->int64(0) == 1);
        CHECK(inner->int64(0) == 2);
        CHECK(outer->text(1) == "a");
        CHECK(outer->float64(2) == 1.5);
        // Empty text and NULL both read as "", is_null tells them apart.
        CHECK(inner->text(1).empty());
        CHECK_FALSE(inner->is_null(1));
        REQUIRE(inner->next());
        CHECK(inner->text(1).empty());
        CHECK(inner->is_null(1));
        CHECK(inner->float64(2) == 0.0);
        CHECK_THROWS_WITH(c->query("SELECT name FROM t WHERE id = 3")->int64(0), Catch::Contains("not on a row"));
    }
    // Both statements went back; the SQL runs again from the cache, and sees a new column.
    CHECK(c->execute(sql).rows.size() == 3);
    c->execute("ALTER TABLE t ADD COLUMN qty INTEGER DEFAULT 7");
    const auto after = c->execute(sql);
    REQUIRE(after.columns.size() == 4);
    CHECK(after.columns[3].name == "qty");
    CHECK(after.columns[3].kind == ValueKind::int64);
    CHECK(after.rows[0][3] == Value(7));
    // A REAL in an INTEGER column is not truncated by the typed read.
    c->execute("INSERT INTO t (id) VALUES (4.5)");
    auto cursor = c->query("SELECT id FROM t WHERE id > 4");
    REQUIRE(cursor->next());
    CHECK_THROWS_AS(cursor->int64(0), InvalidValue);
}

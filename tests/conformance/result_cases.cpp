// Result shapes: column names and kinds, affected rows, generated keys, streaming cursors.
#include "context.hpp"

#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace rex;
using namespace rex::conformance;

TEST_CASE("affected rows and generated keys", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("gen");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (" + backend().auto_id_column + ", label VARCHAR(20))");

    std::vector<std::int64_t> ids;
    for (const char* label : {"a", "b", "c"}) {
        const auto insert = sql("INSERT INTO " + q + " (label) VALUES (?)");
        if (dialect().features().generated_keys == GeneratedKeyStyle::returning) {
            const auto r = c->execute(insert + dialect().returning_clause({"id"}), {Value(label)});
            REQUIRE(r.rows.size() == 1);
            ids.push_back(r.rows[0][0].as_int64());
        } else {
            const auto r = c->execute(insert, {Value(label)});
            REQUIRE(r.last_insert_id);
            CHECK(r.affected_rows == 1);
            ids.push_back(*r.last_insert_id);
        }
    }
    CHECK(ids[0] < ids[1]);
    CHECK(ids[1] < ids[2]);

    const auto update = c->execute(sql("UPDATE " + q + " SET label = ? WHERE id >= ?"), {Value("z"), Value(ids[1])});
    CHECK(update.affected_rows == 2);
    CHECK(update.columns.empty());
    const auto del = c->execute(sql("DELETE FROM " + q + " WHERE id = ?"), {Value(ids[0])});
    CHECK(del.affected_rows == 1);
    const auto none = c->execute(sql("DELETE FROM " + q + " WHERE id = ?"), {Value(-1)});
    CHECK(none.affected_rows == 0);
    drop_table(*c, name);
}

TEST_CASE("column names and kinds of a result", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("cols");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (id " + dialect().column_type({LogicalType::int64}) + " PRIMARY KEY, title " +
               dialect().column_type({LogicalType::string, 50}) + ", at " + dialect().column_type({LogicalType::timestamp}) + ")");
    c->execute(sql("INSERT INTO " + q + " (id, title, at) VALUES (?, ?, ?)"), {Value(1), Value("x"), Value(Timestamp{0})});
    const auto r = c->execute("SELECT id, title AS heading, at FROM " + q);
    REQUIRE(r.columns.size() == 3);
    CHECK(r.columns[0].name == "id");
    CHECK(r.columns[1].name == "heading");
    CHECK(r.columns[0].kind == ValueKind::int64);
    CHECK(r.columns[1].kind == ValueKind::text);
    CHECK(r.columns[2].kind == ValueKind::timestamp);
    CHECK(r.at(0, "heading") == Value("x"));
    CHECK_THROWS_AS(r.at(0, "missing"), NotFoundError);
    drop_table(*c, name);
}

TEST_CASE("a cursor streams many rows with typed getters", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("stream");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY, label VARCHAR(20), score " +
               dialect().column_type({LogicalType::float64}) + ")");
    c->begin();
    for (int i = 0; i < 1000; ++i)
        c->execute(sql("INSERT INTO " + q + " (k, label, score) VALUES (?, ?, ?)"),
                   {Value(i), Value("row " + std::to_string(i)), i % 10 ? Value(i * 0.5) : Value()});
    c->commit();

    auto cursor = c->query("SELECT k, label, score FROM " + q + " ORDER BY k");
    // Servers send whole results, so their cursors know the count; SQLite steps, and does not.
    CHECK(cursor->size_hint() == (backend().name == "sqlite" ? 0u : 1000u));
    std::int64_t n = 0;
    while (cursor->next()) {
        CHECK(cursor->int64(0) == n);
        CHECK(cursor->text(1) == "row " + std::to_string(n));
        if (n % 10) {
            CHECK(cursor->float64(2) == n * 0.5);
        } else {
            CHECK(cursor->is_null(2));
            CHECK(cursor->text(2).empty());  // NULL reads as empty text
        }
        ++n;
    }
    CHECK(n == 1000);
    CHECK_FALSE(cursor->next());
    cursor.reset();
    CHECK(c->execute("SELECT COUNT(*) FROM " + q).rows[0][0].as_int64() == 1000);
    drop_table(*c, name);
}

TEST_CASE("read_row decodes a whole row in one call, as each column is asked", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("cells");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY, label VARCHAR(20), score " +
               dialect().column_type({LogicalType::float64}) + ", amount " + dialect().column_type(ColumnType::decimal(10, 2)) +
               ", note VARCHAR(20))");
    c->execute(sql("INSERT INTO " + q + " (k, label, score, amount, note) VALUES (?, ?, ?, ?, ?)"),
               {Value(7), Value("seven"), Value(3.5), Value(Decimal{"12.50"}), Value()});
    c->execute(sql("INSERT INTO " + q + " (k, label, score, amount, note) VALUES (?, ?, ?, ?, ?)"),
               {Value(-8), Value(""), Value(), Value(), Value("not a number")});

    // Columns asked as their own kinds, one as a kind no driver decodes (decimal), and the last
    // asked as an integer although it holds text: that cell is left for value().
    const std::vector<ValueKind> kinds{ValueKind::int64, ValueKind::text, ValueKind::float64, ValueKind::decimal, ValueKind::int64};
    std::vector<Cell> cells(kinds.size());
    auto cursor = c->query("SELECT k, label, score, amount, note FROM " + q + " ORDER BY k DESC");
    REQUIRE(cursor->next());
    cursor->read_row(kinds, cells);
    CHECK(cells[0].state == CellState::ready);
    CHECK(cells[0].integer == 7);
    CHECK(cells[1].state == CellState::ready);
    CHECK(cells[1].text == "seven");
    CHECK(cells[2].state == CellState::ready);
    CHECK(cells[2].real == 3.5);
    CHECK(cells[3].state == CellState::fallback);
    CHECK(std::stod(cursor->value(3).to_display()) == 12.5);
    CHECK(cells[4].state == CellState::null);

    REQUIRE(cursor->next());
    cursor->read_row(kinds, cells);
    CHECK(cells[0].state == CellState::ready);
    CHECK(cells[0].integer == -8);
    CHECK(cells[1].state == CellState::ready);  // empty text is not NULL
    CHECK(cells[1].text.empty());
    CHECK(cells[2].state == CellState::null);
    CHECK(cells[3].state == CellState::null);
    CHECK(cells[4].state == CellState::fallback);
    CHECK(cursor->value(4) == Value("not a number"));

    // Fewer cells than columns read only those; more than the columns is a clear error.
    std::vector<Cell> one(1);
    cursor->read_row(kinds, one);
    CHECK(one[0].integer == -8);
    std::vector<Cell> too_many(6);
    CHECK_THROWS_AS(cursor->read_row(kinds, too_many), NotFoundError);
    CHECK_FALSE(cursor->next());
    CHECK_THROWS(cursor->read_row(kinds, one));  // not on a row
    cursor.reset();
    drop_table(*c, name);
}

TEST_CASE("a cursor from query() outlives the SQL text it was given", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("outlive");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (k INTEGER, label VARCHAR(20))");
    c->execute(sql("INSERT INTO " + q + " (k, label) VALUES (?, ?)"), {Value(1), Value("one")});
    const std::string text = sql("SELECT k, label FROM " + q + " WHERE k = ?");
    std::unique_ptr<Cursor> cursor;
    for (int run = 0; run < 3; ++run) {  // the first run and later ones (a cached or named statement)
        std::string caller = text;
        cursor = c->query(caller, {Value(1)});
        caller.assign(caller.size(), 'x');  // the caller's text is gone
        caller.shrink_to_fit();
        REQUIRE(cursor->next());
        CHECK(cursor->int64(0) == 1);
        CHECK(cursor->text(1) == "one");
        CHECK(cursor->affected_rows() == 0);  // a SELECT writes nothing
        CHECK_FALSE(cursor->next());
        try {
            (void)cursor->int64(0);
            FAIL("reading past the last row did not raise");
        } catch (const Error& e) {
            CHECK(e.sql() == text);  // the error names the statement as it was run
        }
        cursor.reset();
    }
    drop_table(*c, name);
}

TEST_CASE("one statement text runs again while its earlier rows are still being read", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("rerun");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY, label " + dialect().column_type(ColumnType{LogicalType::text}) + ")");
    // Values of very different sizes through one statement (drivers that fetch into buffers
    // kept between runs must grow and shrink them).
    const std::vector<std::string> labels{"a", std::string(1000, 'b'), std::string(200'000, 'c')};
    for (int k = 1; k <= 3; ++k) c->execute(sql("INSERT INTO " + q + " (k, label) VALUES (?, ?)"), {Value(k), Value(labels[k - 1])});
    const std::string select = sql("SELECT label FROM " + q + " WHERE k = ?");
    auto label_of = [&](int k) { return c->execute(select, {Value(k)}).rows.at(0).at(0).as_text(); };
    for (int k : {1, 2, 3, 1, 3, 2, 1}) {
        INFO("k = " << k);
        CHECK(label_of(k) == labels[k - 1]);
    }

    // A cursor from query() not yet read while the same text runs again.
    auto pending = c->query(select, {Value(3)});
    CHECK(label_of(2) == labels[1]);
    REQUIRE(pending->next());
    CHECK(pending->text(0) == labels[2]);
    pending.reset();

    // A visitor that runs the same text while its own row is current.
    struct Nested {
        Connection* c;
        const std::string* select;
        std::string inner, outer_after;
    } nested{c.get(), &select, {}, {}};
    const RowVisitor visitor{&nested, [](void* context, Cursor& row) {
                                 auto& n = *static_cast<Nested*>(context);
                                 n.inner = n.c->execute(*n.select, {Value(1)}).rows.at(0).at(0).as_text();
                                 n.outer_after = std::string(row.text(0));  // still this row's value
                                 return true;
                             }};
    const Value three(3);
    CHECK(c->visit_rows(select, std::span<const Value>(&three, 1), visitor) == 1);
    CHECK(nested.inner == labels[0]);
    CHECK(nested.outer_after == labels[2]);
    CHECK(label_of(2) == labels[1]);
    drop_table(*c, name);
}

TEST_CASE("a statement run before and after ALTER TABLE reads the table's new columns", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("altered");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY, a INTEGER)");
    c->execute(sql("INSERT INTO " + q + " (k, a) VALUES (?, ?)"), {Value(1), Value(10)});
    const std::string all = sql("SELECT * FROM " + q + " WHERE k = ?");
    for (int run = 0; run < 2; ++run) CHECK(c->execute(all, {Value(1)}).columns.size() == 2);  // cached by now
    c->execute("ALTER TABLE " + q + " ADD COLUMN b VARCHAR(20) DEFAULT 'x'");
    for (int run = 0; run < 2; ++run) {
        const auto r = c->execute(all, {Value(1)});
        REQUIRE(r.columns.size() == 3);
        CHECK(r.columns[2].name == "b");
        CHECK(r.rows.at(0) == Row{Value(1), Value(10), Value("x")});
    }
    drop_table(*c, name);
}

TEST_CASE("execute_batch runs one statement per row of values, through a parameter map", "[conformance][results][batch]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("batch");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (" + backend().auto_id_column + ", label VARCHAR(20) NOT NULL, n INTEGER)");

    // Rows as an object would give them, in one block: id, label, n. The INSERT binds label and n.
    std::vector<Value> rows;
    for (int i = 0; i < 50; ++i) rows.insert(rows.end(), {Value(0), Value("row" + std::to_string(i)), Value(i)});
    const auto inserted = c->execute_batch(sql("INSERT INTO " + q + " (label, n) VALUES (?, ?)"), {rows, 3}, {1, 2});
    REQUIRE(inserted.size() == 50);
    for (const auto& o : inserted) CHECK(o.affected_rows == 1);
    if (dialect().features().generated_keys == GeneratedKeyStyle::last_insert_id || backend().name == "sqlite") {
        // Each run reports its own key, in order.
        REQUIRE(inserted[0].last_insert_id);
        for (std::size_t i = 1; i < inserted.size(); ++i) CHECK(*inserted[i].last_insert_id == *inserted[i - 1].last_insert_id + 1);
    }
    const auto keys = c->execute("SELECT id FROM " + q + " ORDER BY id");
    REQUIRE(keys.size() == 50);
    for (std::size_t i = 0; i < 50; ++i) rows[3 * i] = keys.rows[i][0];

    // UPDATE ... SET label = ?, n = ? WHERE id = ?: the map picks label, n, then the key.
    for (std::size_t i = 0; i < 50; ++i) rows[3 * i + 2] = Value(rows[3 * i + 2].as_int64() * 10);
    rows.insert(rows.end(), {Value(-1), Value("nobody"), Value(0)});  // matches no row
    const auto updated = c->execute_batch(sql("UPDATE " + q + " SET label = ?, n = ? WHERE id = ?"), {rows, 3}, {1, 2, 0});
    REQUIRE(updated.size() == 51);
    for (std::size_t i = 0; i < 50; ++i) CHECK(updated[i].affected_rows == 1);
    CHECK(updated[50].affected_rows == 0);
    const auto ns = c->execute("SELECT n FROM " + q + " ORDER BY id");
    REQUIRE(ns.size() == 50);
    for (std::size_t i = 0; i < 50; ++i) CHECK(ns.rows[i][0].as_int64() == static_cast<std::int64_t>(10 * i));

    // Without a map, a row is the parameters as they are.
    const std::vector<Value> two_keys{keys.rows[0][0], keys.rows[1][0]};
    const auto removed = c->execute_batch(sql("DELETE FROM " + q + " WHERE id = ?"), {two_keys, 1});
    CHECK(removed.size() == 2);
    CHECK(removed[1].affected_rows == 1);
    CHECK(c->execute_batch(sql("DELETE FROM " + q + " WHERE id = ?"), {}).empty());

    // The first failure stops the batch and names its row; the runs before it are done.
    const std::vector<Value> bad{Value("ok1"), Value("ok2"), Value(), Value("never")};
    try {
        c->execute_batch(sql("INSERT INTO " + q + " (label) VALUES (?)"), {bad, 1});
        FAIL("expected a ConstraintViolation");
    } catch (const ConstraintViolation& e) {
        CHECK(std::string(e.what()).rfind("parameter row 2: ", 0) == 0);
    }
    CHECK(c->execute("SELECT COUNT(*) AS n FROM " + q + " WHERE label LIKE 'ok%'").rows[0][0].as_int64() == 2);
    CHECK(c->execute("SELECT COUNT(*) AS n FROM " + q + " WHERE label = 'never'").rows[0][0].as_int64() == 0);

    // A map naming a value the row does not have is an error, not a read past the row.
    const std::vector<Value> one{Value(1)};
    CHECK_THROWS_AS(c->execute_batch(sql("DELETE FROM " + q + " WHERE id = ?"), {one, 1}, {3}), InvalidValue);
    drop_table(*c, name);
}

TEST_CASE("visit_rows shows each row to a visitor and stops when it says so", "[conformance][results]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("visit");
    const auto q = dialect().quote_identifier(name);
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (id INTEGER PRIMARY KEY, label VARCHAR(20))");
    std::vector<Value> rows;
    for (int i = 1; i <= 10; ++i) rows.insert(rows.end(), {Value(i), Value("r" + std::to_string(i))});
    c->execute_batch(sql("INSERT INTO " + q + " (id, label) VALUES (?, ?)"), {rows, 2});

    struct Seen {
        std::vector<std::string> labels;
        std::size_t stop_after = 0;
    } seen;
    const RowVisitor visitor{&seen, [](void* context, Cursor& row) {
                                 auto& s = *static_cast<Seen*>(context);
                                 s.labels.emplace_back(row.text(1));
                                 return s.labels.size() < s.stop_after;
                             }};
    const std::string select = sql("SELECT id, label FROM " + q + " WHERE id > ? ORDER BY id");
    {
        const Value after(std::int64_t{4});
        seen.stop_after = 100;
        CHECK(c->visit_rows(select, std::span<const Value>(&after, 1), visitor) == 6);
        CHECK(seen.labels == std::vector<std::string>{"r5", "r6", "r7", "r8", "r9", "r10"});
    }
    // Stopping early leaves the connection ready for the next statement.
    seen.labels.clear();
    seen.stop_after = 2;
    const Value zero(std::int64_t{0});
    CHECK(c->visit_rows(select, std::span<const Value>(&zero, 1), visitor) == 2);
    CHECK(seen.labels == std::vector<std::string>{"r1", "r2"});
    CHECK(c->execute("SELECT COUNT(*) AS n FROM " + q).rows[0][0].as_int64() == 10);
    // An error in the statement surfaces as the SDK error, and the connection stays usable.
    CHECK_THROWS_AS(c->visit_rows("SELECT nope FROM " + q, {}, visitor), SyntaxError);
    seen.labels.clear();
    CHECK(c->visit_rows(select, std::span<const Value>(&zero, 1), visitor) == 2);
    drop_table(*c, name);
}

namespace {

// Many runs in a transaction (PostgreSQL pipelines them in chunks), a failing run in the middle
// of a later chunk, and the connection afterwards.
void batch_in_transaction(Connection& c, const std::string& q) {
    c.begin();
    std::vector<Value> rows;  // label, n
    for (int i = 0; i < 600; ++i) rows.insert(rows.end(), {Value("b" + std::to_string(i)), Value(i)});
    const auto inserted = c.execute_batch(sql("INSERT INTO " + q + " (label, n) VALUES (?, ?)"), {rows, 2});
    REQUIRE(inserted.size() == 600);
    CHECK(std::all_of(inserted.begin(), inserted.end(), [](const auto& o) { return o.affected_rows == 1; }));
    for (int i = 0; i < 600; ++i) rows[2 * i + 1] = Value(i * 2);
    rows.insert(rows.end(), {Value("nobody"), Value(7)});
    const auto updated = c.execute_batch(sql("UPDATE " + q + " SET n = ? WHERE label = ?"), {rows, 2}, {1, 0});
    REQUIRE(updated.size() == 601);
    CHECK(updated[0].affected_rows == 1);
    CHECK(updated[599].affected_rows == 1);
    CHECK(updated[600].affected_rows == 0);
    c.commit();
    CHECK(c.execute("SELECT n FROM " + q + " WHERE label = 'b599'").rows.at(0).at(0).as_int64() == 1198);

    c.begin();
    std::vector<Value> bad;
    for (int i = 0; i < 400; ++i) bad.push_back(i == 300 ? Value() : Value("c" + std::to_string(i)));
    try {
        c.execute_batch(sql("INSERT INTO " + q + " (label) VALUES (?)"), {bad, 1});
        FAIL("expected a ConstraintViolation");
    } catch (const ConstraintViolation& e) {
        CHECK(std::string(e.what()).rfind("parameter row 300: ", 0) == 0);
    }
    c.rollback();
    CHECK_FALSE(c.in_transaction());
    CHECK(c.execute("SELECT COUNT(*) AS n FROM " + q).rows.at(0).at(0).as_int64() == 600);
}

}  // namespace

TEST_CASE("execute_batch in a transaction: many runs, and a failure that names its row", "[conformance][results][batch]") {
    if (!available()) return;
    const auto name = table("batch_tx");
    const auto q = dialect().quote_identifier(name);
    auto c = connect();
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q + " (" + backend().auto_id_column + ", label VARCHAR(20) NOT NULL, n INTEGER)");
    batch_in_transaction(*c, q);
    if (backend().name == "postgres") {
        // Without named statements (PgBouncer in transaction mode), each run is sent unnamed.
        c->execute("DELETE FROM " + q);
        auto unnamed = kernel().connect(backend().url + (backend().url.find('?') == std::string::npos ? "?" : "&") +
                                        "prepared_statements=off");
        batch_in_transaction(*unnamed, q);
    }
    drop_table(*c, name);
}

// Result shapes: column names and kinds, affected rows, generated keys, streaming cursors.
#include "context.hpp"

#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

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

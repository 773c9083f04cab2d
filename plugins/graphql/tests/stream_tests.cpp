// Streaming subscriptions (`genre_stream`) on every backend: the rows after the cursor's initial
// value in batches, then the rows of later changes in sequence order — including a row whose
// cursor value is below the last one sent (a late commit Hasura's cursor would skip) — resuming
// after a message's sequence, a write between the stream's sequence and its first page shown
// once, and bad cursors.
#include "operation_support.hpp"

#include "operations/sent_rows.hpp"

using namespace rex;
using namespace rex::graphql::test;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const ChangeShape> genre_shape() {
    auto shape = std::make_shared<ChangeShape>();
    shape->entity = "genre";
    shape->fields = {"genre_id", "name"};
    shape->key_field = 0;
    return shape;
}

// Writes and publishes as the ORM does.
std::uint64_t write(WorkerFixture& f, ChangeKind kind, int id, const std::string& name) {
    if (kind == ChangeKind::insert) f.sql("INSERT INTO gq_genre (genre_id, name) VALUES (?, ?)", {id, name});
    else if (kind == ChangeKind::update) f.sql("UPDATE gq_genre SET name = ? WHERE genre_id = ?", {name, id});
    else f.sql("DELETE FROM gq_genre WHERE genre_id = ?", {id});
    return f.changes().publish(ChangeEvent::of(kind, genre_shape(), {Value(id), Value(name)}));
}

std::string stream(const std::string& cursor, int batch = 2, const std::string& where = "{genre_id: {_lt: 100}}") {
    return "subscription { genre_stream(batch_size: " + std::to_string(batch) + ", cursor: " + cursor + ", where: " + where + ") { genre_id name } }";
}

}  // namespace

TEST_CASE("stream: initial rows in batches, then changes in sequence order, late rows included, resume", "[graphql][subscriptions][stream]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b);
        auto ops = f.executor().operations();
        auto sink = std::make_shared<RecordingSink>();
        const auto start = f.changes().last_sequence();
        auto handle = ops->start(operation(stream("{initial_value: {genre_id: 0}}")), sink);
        CHECK(data_of(sink->text(0)) == R"(next {"data":{"genre_stream":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"}]}})");
        CHECK(data_of(sink->text(1)) == R"(next {"data":{"genre_stream":[{"genre_id":3,"name":"Metal"}]}})");
        CHECK(sequence_of(sink->text(0)) == start);
        CHECK(sequence_of(sink->text(1)) == start);

        const auto s4 = write(f, ChangeKind::insert, 4, "Blues");
        CHECK(data_of(sink->text(2)) == R"(next {"data":{"genre_stream":[{"genre_id":4,"name":"Blues"}]}})");
        CHECK(sequence_of(sink->text(2)) == s4);
        write(f, ChangeKind::insert, 0, "Late");         // below the cursor's last value: still sent
        CHECK(data_of(sink->text(3)) == R"(next {"data":{"genre_stream":[{"genre_id":0,"name":"Late"}]}})");
        write(f, ChangeKind::insert, 500, "Filtered");   // outside `where`
        write(f, ChangeKind::remove, 3, "Metal");        // a deleted row is no row
        const auto s2 = write(f, ChangeKind::update, 2, "Free Jazz");
        CHECK(data_of(sink->text(4)) == R"(next {"data":{"genre_stream":[{"genre_id":2,"name":"Free Jazz"}]}})");
        CHECK(sequence_of(sink->text(4)) == s2);
        std::this_thread::sleep_for(100ms);
        CHECK(sink->messages().size() == 5);

        // Resume after the message of genre 4: the late row and the update follow, nothing else.
        auto resumed = std::make_shared<RecordingSink>();
        auto h2 = ops->start(operation(stream("{initial_value: {genre_id: 0}, after_sequence: " + std::to_string(s4) + "}", 10)), resumed);
        CHECK(data_of(resumed->text(0)) == R"(next {"data":{"genre_stream":[{"genre_id":0,"name":"Late"},{"genre_id":2,"name":"Free Jazz"}]}})");
        CHECK(sequence_of(resumed->text(0)) == s2);

        // Descending from 3: 2, 1, 0 (0 was inserted above).
        auto down = std::make_shared<RecordingSink>();
        auto h3 = ops->start(operation(stream("{initial_value: {genre_id: 3}, ordering: DESC}", 5)), down);
        CHECK(data_of(down->text(0)) == R"(next {"data":{"genre_stream":[{"genre_id":2,"name":"Free Jazz"},{"genre_id":1,"name":"Rock"},{"genre_id":0,"name":"Late"}]}})");
    }
}

TEST_CASE("stream: a write between the stream's sequence and its first page is shown once", "[graphql][subscriptions][stream]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b);
        auto ops = f.executor().operations();
        // Post 1 runs the request; post 2, made by the stream after it took its sequence and
        // subscribed, is the first page: the write lands in between.
        // Set once and left: post() may call it from a worker while this thread runs.
        f.on_post = [&](int n) {
            if (n == 2) write(f, ChangeKind::insert, 7, "Between");
        };
        auto sink = std::make_shared<RecordingSink>();
        auto handle = ops->start(operation(stream("{initial_value: {genre_id: 0}}", 10)), sink);
        CHECK(data_of(sink->text(0)) ==
              R"(next {"data":{"genre_stream":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"},{"genre_id":7,"name":"Between"}]}})");
        std::this_thread::sleep_for(150ms);
        CHECK(sink->messages().size() == 1);  // its change event brought the same row: not sent again
        write(f, ChangeKind::update, 7, "Changed");
        CHECK(data_of(sink->text(1)) == R"(next {"data":{"genre_stream":[{"genre_id":7,"name":"Changed"}]}})");
    }
}

TEST_CASE("stream: bad cursors", "[graphql][subscriptions][stream]") {
    const auto b = backends().front();
    WorkerFixture f(b);
    auto ops = f.executor().operations();
    const auto error_of = [&](const std::string& query) {
        auto sink = std::make_shared<RecordingSink>();
        auto handle = ops->start(operation(query), sink);
        return sink->text(0);
    };
    CHECK(error_of(stream("{initial_value: {genre_id: 0, name: \"a\"}}")) ==
          R"(error [{"message":"initial_value must name exactly one column","extensions":{"code":"BAD_USER_INPUT"}}])");
    CHECK(error_of(stream("[]")) == R"(error [{"message":"cursor must hold exactly one cursor","extensions":{"code":"BAD_USER_INPUT"}}])");
    CHECK(error_of(stream("{initial_value: {genre_id: 0}}", 0)) == R"(error [{"message":"batch_size must be between 1 and 100000","extensions":{"code":"BAD_USER_INPUT"}}])");
    CHECK(error_of(stream("{initial_value: {genre_id: 0}, after_sequence: 99999}")).starts_with(
        R"(error [{"message":"after_sequence 99999 is ahead of this server's change bus)"));
}

TEST_CASE("stream: the first pages' rows, 16 bytes each, forgotten at their first change or after the window", "[graphql][subscriptions][stream]") {
    using graphql::SentRows;
    const auto t0 = SentRows::Clock::now();
    SentRows sent(std::chrono::seconds(60));
    sent.add("[1]", R"({"genre_id":1,"name":"Rock"})");
    sent.add("[2]", R"({"genre_id":2,"name":"Jazz"})");
    sent.add("[3]", R"({"genre_id":3,"name":"Metal"})");
    sent.add("[2]", R"({"genre_id":2,"name":"Free Jazz"})");  // moved to a later page by its cursor: the last text counts
    CHECK(!sent.take_same("[1]", R"({"genre_id":1,"name":"Rock"})", t0));  // not sealed: the pages are still being read
    sent.seal(t0);
    CHECK(sent.size() == 3);
    CHECK(sent.take_same("[1]", R"({"genre_id":1,"name":"Rock"})", t0));
    CHECK(!sent.take_same("[1]", R"({"genre_id":1,"name":"Rock"})", t0));  // only the first change can repeat a page
    CHECK(!sent.take_same("[2]", R"({"genre_id":2,"name":"Jazz"})", t0));
    CHECK(!sent.take_same("[9]", R"({"genre_id":9,"name":"New"})", t0));
    CHECK(sent.size() == 1);  // the taken ones are dropped once they are half
    CHECK(!sent.take_same("[3]", R"({"genre_id":3,"name":"Metal"})", t0 + std::chrono::seconds(60)));
    CHECK(sent.size() == 0);
    CHECK(sent.capacity_bytes() == 0);

    SentRows many;
    for (int i = 0; i < 100000; ++i) many.add("[" + std::to_string(i) + "]", R"({"genre_id":)" + std::to_string(i) + R"(,"name":"a name of some length"})");
    many.seal(t0);
    CHECK(many.capacity_bytes() == 100000 * 16);
    CHECK(many.take_same("[99999]", R"({"genre_id":99999,"name":"a name of some length"})", t0 + std::chrono::seconds(59)));
}

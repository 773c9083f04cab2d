// Two kernels in one process share nothing: no static registry, no shared catalog or bus.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

TEST_CASE("two kernels in one process stay isolated", "[kernel]") {
    rex::Kernel a(rex::LogLevel::off);
    rex::Kernel b(rex::LogLevel::off);
    a.load_plugins(std::filesystem::path(REX_TEST_FIXTURE_DIR) / "rex-fixture-good.so");

    CHECK(a.plugins().size() == 1);
    CHECK(b.plugins().empty());
    CHECK_NOTHROW(a.dialect("fixture"));
    CHECK_THROWS_AS(b.dialect("fixture"), rex::NotFoundError);

    // Loading the same file into the second kernel creates its own objects.
    b.load_plugins(std::filesystem::path(REX_TEST_FIXTURE_DIR) / "rex-fixture-good.so");
    CHECK(b.dialect("fixture") != a.dialect("fixture"));

    // Change buses are separate.
    int seen_by_b = 0;
    auto sub = b.changes().subscribe({}, 0, [&](const rex::ChangeEvent&) { ++seen_by_b; });
    auto event = rex::ChangeEvent::of(rex::ChangeKind::insert,
                                      std::make_shared<rex::ChangeShape>(rex::ChangeShape{"users", {"id"}, 0}), {rex::Value(1)});
    a.changes().publish(std::move(event));
    CHECK(seen_by_b == 0);
    CHECK(a.changes().last_sequence() == 1);
    CHECK(b.changes().last_sequence() == 0);
}

TEST_CASE("lookups of unknown names say what is loaded", "[kernel]") {
    rex::Kernel kernel(rex::LogLevel::off);
    try {
        kernel.adapter_for_url("postgres://localhost/db");
        FAIL("expected NotFoundError");
    } catch (const rex::NotFoundError& e) {
        CHECK(std::string(e.what()) == "no adapter is loaded for URL scheme 'postgres' (schemes loaded: none)");
    }
    CHECK_THROWS_AS(kernel.connect("no-scheme-here"), rex::ConfigurationError);
    CHECK_THROWS_WITH(kernel.adapter("sqlite"), "no adapter named 'sqlite' is loaded (loaded: none)");
}

TEST_CASE("the change bus numbers events, filters them and replays from a sequence", "[kernel][changes]") {
    rex::Kernel kernel(rex::LogLevel::off);
    auto& bus = kernel.changes();
    const auto users_shape = std::make_shared<const rex::ChangeShape>(rex::ChangeShape{"users", {}, -1});
    const auto posts_shape = std::make_shared<const rex::ChangeShape>(rex::ChangeShape{"posts", {}, -1});
    auto event = [](rex::ChangeKind kind, std::shared_ptr<const rex::ChangeShape> shape) {
        return rex::ChangeEvent::of(kind, std::move(shape), {});
    };
    for (int i = 0; i < 3; ++i) bus.publish(event(rex::ChangeKind::insert, i % 2 ? posts_shape : users_shape));

    std::vector<std::uint64_t> users;
    auto sub = bus.subscribe({{"users"}}, 0, [&](const rex::ChangeEvent& e) { users.push_back(e.sequence); });
    CHECK(users == std::vector<std::uint64_t>{1, 3});  // replayed backlog, filtered

    std::vector<std::uint64_t> resumed;
    auto resume = bus.subscribe({}, 2, [&](const rex::ChangeEvent& e) { resumed.push_back(e.sequence); });
    CHECK(resumed == std::vector<std::uint64_t>{3});

    CHECK(bus.publish(event(rex::ChangeKind::update, users_shape)) == 4);
    CHECK(users == std::vector<std::uint64_t>{1, 3, 4});
    sub.reset();
    bus.publish(event(rex::ChangeKind::remove, users_shape));
    CHECK(users.size() == 3);  // cancelled
    CHECK(resumed == std::vector<std::uint64_t>{3, 4, 5});
}

TEST_CASE("the change bus publishes a commit's events together, numbered as if one by one", "[kernel][changes]") {
    rex::Kernel kernel(rex::LogLevel::off);
    auto& bus = kernel.changes();
    const auto shape = std::make_shared<const rex::ChangeShape>(rex::ChangeShape{"items", {"id"}, 0});
    auto batch = [&](std::size_t n, std::int64_t first_key) {
        std::vector<rex::ChangeEvent> events(n);
        for (std::size_t i = 0; i < n; ++i)
            events[i] = rex::ChangeEvent::of(rex::ChangeKind::insert, shape, {rex::Value(first_key + static_cast<std::int64_t>(i))});
        return events;
    };
    std::vector<rex::ChangeEvent> none;
    CHECK(bus.publish_all(none) == 0);

    // Longer than the history (4096) with nobody listening: every event takes its number and
    // a later subscriber replays the newest 4096, in order.
    auto big = batch(5000, 1);
    CHECK(bus.publish_all(big) == 5000);
    CHECK(big.empty());
    CHECK(bus.last_sequence() == 5000);
    std::vector<std::pair<std::uint64_t, std::int64_t>> replayed;
    auto sub = bus.subscribe({}, 0, [&](const rex::ChangeEvent& e) { replayed.emplace_back(e.sequence, e.key()->as_int64()); });
    REQUIRE(replayed.size() == 4096);
    CHECK(replayed.front() == std::pair<std::uint64_t, std::int64_t>{905, 905});
    CHECK(replayed.back() == std::pair<std::uint64_t, std::int64_t>{5000, 5000});

    // With a subscriber, every event of the batch reaches it.
    replayed.clear();
    auto small = batch(3, 9001);
    CHECK(bus.publish_all(small) == 5003);
    CHECK(replayed == std::vector<std::pair<std::uint64_t, std::int64_t>>{{5001, 9001}, {5002, 9002}, {5003, 9003}});
    CHECK(bus.publish_all(none) == 5003);
}

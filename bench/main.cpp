// rex-bench: PK lookups, selects, inserts, updates and eager loading through the raw C APIs,
// Rex's typed ORM and SOCI, on SQLite, PostgreSQL and MariaDB, in one run on one machine.
//
//   rex-bench [--reps N] [--backends sqlite,postgres,mysql] [--plugins DIR]
//             [--postgres URL] [--mysql URL] [--profile IMPL:WORKLOAD [--profile-seconds S]]
//             [--rex-session]
//
// The server URLs default to $REX_TEST_POSTGRES_URL and $REX_TEST_MYSQL_URL (tools/test-servers.sh);
// a server backend without a URL is skipped. Output: one JSON line per backend, workload and
// implementation on stdout, then a summary against the targets (lines starting with '#').
// tools/bench.sh builds this and runs it against the throwaway test servers.
#include "bench.hpp"

#include <rex/kernel.hpp>
#include <rex/orm.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <malloc.h>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

#ifndef REX_BENCH_PLUGIN_DIR
#define REX_BENCH_PLUGIN_DIR "plugins"
#endif

namespace bench {

namespace {

// ---- Rex ---------------------------------------------------------------------------------------

class RexRunner final : public Runner {
public:
    // one_session: the reads run on one Session held for the whole workload (diagnostic
    // --rex-session) instead of the Database's calls, which borrow a pooled connection each.
    RexRunner(rex::Kernel& kernel, const std::string& url, const Tables& t, bool one_session)
        : db_(kernel, url), one_session_(one_session) {
        db_.map(rex::entity<Item>(t.items)
                    .id(&Item::id)
                    .field(&Item::name, "name", rex::varchar(100))
                    .field(&Item::qty, "qty")
                    .field(&Item::price, "price"));
        db_.map(rex::entity<Parent>(t.parents)
                    .id(&Parent::id)
                    .field(&Parent::name, "name", rex::varchar(100))
                    .has_many("children", &Parent::children, &Child::parent_id));
        db_.map(rex::entity<Child>(t.children)
                    .id(&Child::id)
                    .field(&Child::parent_id, "parent_id")
                    .field(&Child::name, "name", rex::varchar(100)));
    }

    rex::Database& db() { return db_; }

    std::string method(Workload w) const override {
        switch (w) {
            case Workload::pk_lookup: return one_session_ ? "session.find<Item>(id) on one Session" : "db.find<Item>(id)";
            case Workload::select_rows: return one_session_ ? "session.select<Item>().all()" : "db.select<Item>().all()";
            case Workload::insert_rows:
                return db_.dialect().features().in_process
                           ? "db.insert_many(items) (one prepared single-row INSERT run per item, in one transaction, ids filled)"
                           : "db.insert_many(items) (500-row INSERTs in one transaction, ids filled)";
            case Workload::update_rows: return "db.update_many(items) (one prepared UPDATE run per item, in one transaction)";
            case Workload::eager_load:
                return one_session_ ? "session.select<Parent>().with(&Parent::children).all()"
                                    : "db.select<Parent>().with(&Parent::children).all()";
        }
        return "";
    }

    std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) override {
        std::int64_t sum = 0;
        if (one_session_) {
            auto s = db_.session();
            for (auto id : ids)
                if (auto it = s.find<Item>(id)) sum += it->qty;
            return sum;
        }
        for (auto id : ids)
            if (auto it = db_.find<Item>(id)) sum += it->qty;
        return sum;
    }

    std::vector<Item> select_rows() override {
        if (one_session_) {
            auto s = db_.session();
            return s.select<Item>().all();
        }
        return db_.select<Item>().all();
    }

    void insert_rows(std::vector<Item>& items) override { db_.insert_many(items); }

    void update_rows(std::vector<Item>& items) override { db_.update_many(items); }

    std::vector<Parent> eager_load() override {
        if (one_session_) {
            auto s = db_.session();
            return s.select<Parent>().with(&Parent::children).all();
        }
        return db_.select<Parent>().with(&Parent::children).all();
    }

private:
    rex::Database db_;
    bool one_session_;
};

// ---- measuring ---------------------------------------------------------------------------------

struct Options {
    int reps = 7;              // timed runs at least, per implementation and workload
    int max_rounds = 40;       // at most, for workloads that take a few milliseconds
    double min_seconds = 3.0;  // more runs (up to max_rounds) while a workload took less than this
    std::size_t rows = 10'000;
    std::size_t lookups = 10'000;
    std::size_t parents = 1'000;
    std::size_t children_per_parent = 10;
    std::vector<std::string> backends{"sqlite", "postgres", "mysql"};
    std::string plugins = REX_BENCH_PLUGIN_DIR;
    std::string postgres_url;
    std::string mysql_url;
    int processes = 1;    // fresh processes to run the whole benchmark in (figures: their medians)
    std::string profile;  // IMPL:WORKLOAD
    double profile_seconds = 5;
    bool rex_session = false;
    std::string rex_options;  // appended to Rex's URL only (its own options, which libpq would reject)
};

struct Result {
    std::string backend, workload, impl, method;
    double ops_per_s = 0;
    double ratio_to_raw = 0;
    double paired_ratio = 0;  // median over rounds of (this run's time / raw's run in the same round)
    double cpu_us_per_op = 0;  // median over rounds of this thread's CPU time per operation, in µs
    // Rex's line only: median over rounds of (soci's run's time / rex's in the same round), 0
    // when SOCI was not run. Compares the two directly rather than through raw.
    double speed_vs_soci = 0;
};

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of this thread (user and system), in seconds: the client's own cost of a run, which
// a round-trip-bound workload's wall clock hides. The servers' CPU is not counted.
double thread_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// One timed stretch of a run: its wall-clock and this thread's CPU seconds.
struct Timing {
    double wall = 0;
    double cpu = 0;
};

template <class F>
Timing timed(F&& f) {
    const auto wall = std::chrono::steady_clock::now();
    const auto cpu = thread_cpu_seconds();
    f();
    return {seconds_since(wall), thread_cpu_seconds() - cpu};
}

// Rex's "paired_speed_vs_soci" JSON field (with its comma), or nothing when SOCI was not run.
std::string speed_vs_soci_field(double speed) {
    if (speed <= 0) return {};
    char buf[64];
    std::snprintf(buf, sizeof buf, "\"paired_speed_vs_soci\":%.2f,", speed);
    return buf;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void require(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("check failed: " + what);
}

struct Impl {
    std::string name;
    Runner* runner;
};

class BackendBench {
public:
    BackendBench(std::string backend, const Options& o, RexRunner& rex) : backend_(std::move(backend)), o_(o), rex_(rex) {}

    // The implementations to compare, raw first.
    void set_impls(std::vector<Impl> impls) { impls_ = std::move(impls); }

    void seed() {
        auto& db = rex_.db();
        db.drop_tables();
        db.create_tables();
        // A realistic schema has the foreign key indexed.
        const auto& d = db.dialect();
        const auto children = db.model(typeid(Child)).table;
        db.session().execute("CREATE INDEX " + d.quote_identifier(children + "_parent") + " ON " + d.quote_identifier(children) +
                             " (" + d.quote_identifier("parent_id") + ")");
        items_ = make_items("item");
        db.insert_many(items_);
        std::vector<Parent> parents(o_.parents);
        for (std::size_t i = 0; i < parents.size(); ++i) parents[i].name = "parent-" + std::to_string(i);
        db.insert_many(parents);
        std::vector<Child> kids;
        for (const auto& p : parents)
            for (std::size_t j = 0; j < o_.children_per_parent; ++j)
                kids.push_back(Child{0, p.id, "child-" + std::to_string(p.id) + "-" + std::to_string(j)});
        db.insert_many(kids);
        require(db.count<Item>() == static_cast<std::int64_t>(o_.rows), "seeded items");
        require(db.count<Child>() == static_cast<std::int64_t>(kids.size()), "seeded children");
        // Fresh statistics, so that the server plans every implementation's queries from the
        // same numbers rather than from whatever autovacuum has or has not gathered yet.
        const bool mysql = d.name() == "mysql";
        for (const auto* type : {&typeid(Item), &typeid(Parent), &typeid(Child)})
            db.session().execute(std::string(mysql ? "ANALYZE TABLE " : "ANALYZE ") + d.quote_identifier(db.model(*type).table));
    }

    // Random existing ids, the same sequence for every implementation, and the sum of their qty.
    std::pair<std::vector<std::int64_t>, std::int64_t> lookup_ids() const {
        std::mt19937_64 random(42);
        std::uniform_int_distribution<std::size_t> pick(0, items_.size() - 1);
        std::vector<std::int64_t> ids;
        std::int64_t expected_sum = 0;
        for (std::size_t i = 0; i < o_.lookups; ++i) {
            const auto& it = items_[pick(random)];
            ids.push_back(it.id);
            expected_sum += it.qty;
        }
        return {ids, expected_sum};
    }

    // --profile IMPL:WORKLOAD: runs one implementation's workload over and over for a few
    // seconds and nothing else, for `perf record` (nothing is printed on stdout).
    void profile(const std::string& impl, const std::string& workload, double seconds) {
        Runner* r = nullptr;
        for (auto& i : impls_)
            if (i.name == impl) r = i.runner;
        if (!r) throw std::runtime_error("--profile: no implementation '" + impl + "' on " + backend_);
        const auto [ids, sum] = lookup_ids();
        auto items = items_;
        const auto started = std::chrono::steady_clock::now();
        int runs = 0;
        while (seconds_since(started) < seconds) {
            if (workload == "pk_lookup") r->pk_lookup(ids);
            else if (workload == "select_rows") r->select_rows();
            else if (workload == "eager_load") r->eager_load();
            else if (workload == "update_rows") r->update_rows(items);
            else if (workload == "insert_rows") {
                clear_items();
                auto fresh = make_items("new");
                r->insert_rows(fresh);
            } else {
                throw std::runtime_error("--profile: unknown workload '" + workload + "'");
            }
            ++runs;
        }
        std::cerr << "rex-bench: profiled " << impl << " " << workload << " on " << backend_ << ": " << runs << " runs in "
                  << seconds_since(started) << " s\n";
    }

    void run_all(std::vector<Result>& results) {
        const auto [ids, expected_sum] = lookup_ids();
        measure(results, Workload::pk_lookup, o_.lookups, nullptr, [&](Runner& r) {
            require(r.pk_lookup(ids) == expected_sum, "pk_lookup sum");
        });

        measure(results, Workload::select_rows, o_.rows, nullptr, [&](Runner& r) {
            std::vector<Item> rows;
            const auto took = timed([&] { rows = r.select_rows(); });
            check_items(rows, items_);
            return took;
        });

        measure(results, Workload::eager_load, o_.parents, nullptr, [&](Runner& r) {
            std::vector<Parent> parents;
            const auto took = timed([&] { parents = r.eager_load(); });
            require(parents.size() == o_.parents, "eager_load parents");
            for (const auto& p : parents) {
                require(p.children.size() == o_.children_per_parent, "eager_load children per parent");
                for (std::size_t i = 0; i < p.children.size(); ++i) {
                    require(p.children[i].parent_id == p.id, "eager_load child's parent");
                    require(i == 0 || p.children[i - 1].id < p.children[i].id, "eager_load children in id order");
                }
            }
            return took;
        });

        // Every update run writes values of its own, checked afterwards through the raw runner.
        int round = 0;
        std::vector<Item> updated;
        measure(results, Workload::update_rows, o_.rows,
                [&] {
                    ++round;
                    updated = items_;
                    for (auto& it : updated) {
                        it.name = "upd" + std::to_string(round) + "-" + std::to_string(it.id);
                        it.qty = it.qty + round;
                        it.price = it.price + round * 0.5;
                    }
                },
                [&](Runner& r) {
                    const auto took = timed([&] { r.update_rows(updated); });
                    check_items(impls_.front().runner->select_rows(), updated);
                    return took;
                });

        std::vector<Item> fresh;
        measure(results, Workload::insert_rows, o_.rows,
                [&] {
                    clear_items();  // every insert run starts from an empty table (not timed)
                    fresh = make_items("new");
                },
                [&](Runner& r) {
                    const auto took = timed([&] { r.insert_rows(fresh); });
                    require(rex_.db().count<Item>() == static_cast<std::int64_t>(o_.rows), "inserted rows");
                    return took;
                });
    }

    void drop() { rex_.db().drop_tables(); }

private:
    void clear_items() {
        const auto& d = rex_.db().dialect();
        rex_.db().session().execute((backend_ == "sqlite" ? "DELETE FROM " : "TRUNCATE TABLE ") +
                                    d.quote_identifier(rex_.db().model(typeid(Item)).table));
    }

    std::vector<Item> make_items(const std::string& prefix) const {
        std::vector<Item> items(o_.rows);
        for (std::size_t i = 0; i < items.size(); ++i) {
            items[i].name = prefix + "-" + std::to_string(i);
            items[i].qty = static_cast<std::int64_t>(i);
            items[i].price = static_cast<double>(i) * 0.25;
        }
        return items;
    }

    static void check_items(std::vector<Item> got, const std::vector<Item>& want) {
        require(got.size() == want.size(), "row count " + std::to_string(got.size()) + " != " + std::to_string(want.size()));
        std::sort(got.begin(), got.end(), [](const Item& a, const Item& b) { return a.id < b.id; });
        std::map<std::int64_t, const Item*> by_id;
        for (const auto& w : want) by_id[w.id] = &w;
        for (const auto& g : got) {
            auto it = by_id.find(g.id);
            require(it != by_id.end(), "unknown id " + std::to_string(g.id));
            require(g.name == it->second->name && g.qty == it->second->qty && g.price == it->second->price,
                    "row " + std::to_string(g.id) + " differs");
        }
    }

    // Runs one workload: a warm-up run of every implementation, then `reps` rounds in which each
    // implementation runs once (in rotating order); the best (shortest) run of each counts.
    // `body` returns the Timing of its timed part itself (so its checks are not timed), or
    // nothing, in which case the whole call is timed.
    template <class Prepare, class Body>
    void measure(std::vector<Result>& results, Workload w, std::size_t ops, Prepare&& prepare, Body&& body) {
        auto once = [&](Runner& r) -> Timing {
            if constexpr (!std::is_same_v<std::decay_t<Prepare>, std::nullptr_t>) prepare();
            if constexpr (std::is_void_v<std::invoke_result_t<Body, Runner&>>)
                return timed([&] { body(r); });
            else
                return body(r);
        };
        std::vector<double> best(impls_.size(), 1e300);
        std::vector<std::vector<double>> times(impls_.size()), cpu(impls_.size());
        for (auto& impl : impls_) once(*impl.runner);  // warm-up
        // Rounds run the implementations in every order in turn. A rotation would keep the cyclic
        // order (raw always right after soci, rex after raw), and whatever one run leaves behind
        // (a heap full of freed rows, a cold cache) would always weigh on the same successor.
        std::vector<std::size_t> order(impls_.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::vector<std::vector<std::size_t>> orders;
        do orders.push_back(order);
        while (std::next_permutation(order.begin(), order.end()));
        // At least `reps` rounds; fast workloads get more (up to max_rounds) until the timed runs
        // add up to min_seconds, so that a best-of over a few milliseconds is not left to chance.
        const auto started = std::chrono::steady_clock::now();
        int rounds = 0;
        while (rounds < o_.reps || (rounds < o_.max_rounds && seconds_since(started) < o_.min_seconds)) {
            for (const auto i : orders[static_cast<std::size_t>(rounds) % orders.size()]) {
                const auto t = once(*impls_[i].runner);
                times[i].push_back(t.wall);
                cpu[i].push_back(t.cpu);
                best[i] = std::min(best[i], t.wall);
            }
            ++rounds;
        }
        // Runs of one round are next to each other in time: their ratio to raw shares the
        // machine's state, and the median over rounds ignores a round that a slow moment split.
        auto paired = [&](std::size_t i, std::size_t to) {
            std::vector<double> ratios;
            for (std::size_t k = 0; k < static_cast<std::size_t>(rounds); ++k) ratios.push_back(times[i][k] / times[to][k]);
            return median(std::move(ratios));
        };
        auto index_of = [&](const std::string& name) {
            for (std::size_t i = 0; i < impls_.size(); ++i)
                if (impls_[i].name == name) return i;
            return impls_.size();
        };
        const auto rex = index_of("rex"), soci = index_of("soci");
        const double raw_ops = static_cast<double>(ops) / best[0];
        for (std::size_t i = 0; i < impls_.size(); ++i) {
            Result r{backend_, workload_name(w), impls_[i].name, impls_[i].runner->method(w), static_cast<double>(ops) / best[i], 0};
            r.ratio_to_raw = raw_ops / r.ops_per_s;
            r.paired_ratio = paired(i, 0);
            r.cpu_us_per_op = median(cpu[i]) / static_cast<double>(ops) * 1e6;
            if (i == rex && soci < impls_.size()) r.speed_vs_soci = paired(soci, rex);
            std::printf("{\"backend\":\"%s\",\"workload\":\"%s\",\"impl\":\"%s\",\"ops_per_s\":%.0f,\"ratio_to_raw\":%.2f,"
                        "\"paired_ratio\":%.2f,%s\"cpu_us_per_op\":%.3f,\"runs\":%d,\"method\":\"%s\"}\n",
                        r.backend.c_str(), r.workload.c_str(), r.impl.c_str(), r.ops_per_s, r.ratio_to_raw, r.paired_ratio,
                        speed_vs_soci_field(r.speed_vs_soci).c_str(), r.cpu_us_per_op, rounds, json_escape(r.method).c_str());
            std::fflush(stdout);
            results.push_back(std::move(r));
        }
    }

    std::string backend_;
    const Options& o_;
    RexRunner& rex_;
    std::vector<Impl> impls_;  // raw first
    std::vector<Item> items_;  // the seeded rows, with their ids
};

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, ',');)
        if (!part.empty()) out.push_back(part);
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    if (const char* u = std::getenv("REX_TEST_POSTGRES_URL")) o.postgres_url = u;
    if (const char* u = std::getenv("REX_TEST_MYSQL_URL")) o.mysql_url = u;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--reps") o.reps = std::max(1, std::stoi(value()));
        else if (a == "--backends") o.backends = split(value());
        else if (a == "--plugins") o.plugins = value();
        else if (a == "--postgres") o.postgres_url = value();
        else if (a == "--mysql") o.mysql_url = value();
        else if (a == "--profile") o.profile = value();
        else if (a == "--rex-session") o.rex_session = true;
        else if (a == "--rex-url-options") o.rex_options = value();
        else if (a == "--profile-seconds") o.profile_seconds = std::stod(value());
        else if (a == "--processes") o.processes = std::max(1, std::stoi(value()));
        else if (a == "-h" || a == "--help") {
            std::cout << "usage: rex-bench [--reps N] [--backends sqlite,postgres,mysql] [--plugins DIR] [--postgres URL] [--mysql URL]\n"
                         "                 [--profile raw|rex|soci:WORKLOAD [--profile-seconds S]]   (one workload in a loop, for perf)\n"
                         "                 [--rex-session]   (diagnostic: Rex reads on one Session instead of db.find/db.select)\n"
                         "                 [--rex-url-options K=V&...]   (diagnostic: options for Rex's URL only, e.g. binary_results=off)\n"
                         "                 [--processes N]   (the whole benchmark in N fresh processes; targets judged by the medians)\n";
            std::exit(0);
        } else {
            throw std::runtime_error("unknown argument " + a + " (see --help)");
        }
    }
    return o;
}

const Result* find(const std::vector<Result>& results, const std::string& backend, const std::string& workload,
                   const std::string& impl) {
    for (const auto& r : results)
        if (r.backend == backend && r.workload == workload && r.impl == impl) return &r;
    return nullptr;
}

// The targets of the benchmark; returns whether all that could be checked are met.
bool summary(const std::vector<Result>& results, const Options& o) {
    const std::vector<std::string> reads{"pk_lookup", "select_rows", "eager_load"};
    const std::vector<std::string> all{"pk_lookup", "select_rows", "insert_rows", "update_rows", "eager_load"};
    bool met = true;
    bool checked = false;
    std::printf("# summary: best of %d to %d runs per implementation and workload (\"runs\"); ratio = raw ops/s / impl ops/s\n",
                o.reps, std::max(o.reps, o.max_rounds));
    std::printf("# targets are judged by the paired ratio (median over rounds of the run's time / raw's in the same round),\n"
                "# which a slow moment of a shared machine does not decide; the best-of ratio is shown beside it\n");
    for (const auto& [backend, limit] : std::vector<std::pair<std::string, double>>{{"sqlite", 1.15}, {"postgres", 1.05}}) {
        if (!find(results, backend, "pk_lookup", "rex")) {
            std::printf("# %s: not run\n", backend.c_str());
            continue;
        }
        checked = true;
        std::string line;
        bool ok = true;
        for (const auto& w : reads) {
            const auto* r = find(results, backend, w, "rex");
            if (!r) continue;
            const bool pass = r->paired_ratio <= limit;
            ok = ok && pass;
            char buf[128];
            std::snprintf(buf, sizeof buf, " %s %.2f (best-of %.2f)%s", w.c_str(), r->paired_ratio, r->ratio_to_raw,
                          pass ? "" : " (MISSED)");
            line += buf;
        }
        std::printf("# target rex within %.2fx of raw on %s reads: %s --%s\n", limit, backend.c_str(), ok ? "MET" : "NOT MET",
                    line.c_str());
        met = met && ok;
        line.clear();
        ok = true;
        for (const auto& w : all) {
            const auto* rex = find(results, backend, w, "rex");
            const auto* soci = find(results, backend, w, "soci");
            if (!rex || !soci) continue;
            const double speed = rex->speed_vs_soci;
            const bool pass = speed > 1.0;
            ok = ok && pass;
            char buf[128];
            std::snprintf(buf, sizeof buf, " %s %.2fx (best-of %.2fx)%s", w.c_str(), speed, rex->ops_per_s / soci->ops_per_s,
                          pass ? "" : " (MISSED)");
            line += buf;
        }
        std::printf("# target rex faster than soci on every %s workload: %s -- rex/soci speed, paired (median over rounds of soci time / rex time):%s\n", backend.c_str(),
                    ok ? "MET" : "NOT MET", line.c_str());
        met = met && ok;
    }
    if (find(results, "mysql", "pk_lookup", "rex")) {
        std::string line;
        for (const auto& w : all)
            if (const auto* r = find(results, "mysql", w, "rex")) {
                char buf[96];
                std::snprintf(buf, sizeof buf, " %s %.2f (best-of %.2f)", w.c_str(), r->paired_ratio, r->ratio_to_raw);
                line += buf;
            }
        std::printf("# mysql (no target; SOCI not measured): rex/raw ratio:%s\n", line.c_str());
    }
    // Not a target: the client's own CPU per operation, which the wall clock of a workload bound
    // by round trips to a server does not show.
    for (const std::string backend : {"sqlite", "postgres", "mysql"}) {
        std::string line;
        for (const auto& w : all) {
            std::string cell;
            for (const char* impl : {"raw", "rex", "soci"})
                if (const auto* r = find(results, backend, w, impl)) {
                    char buf[48];
                    std::snprintf(buf, sizeof buf, "%s%.2f", cell.empty() ? "" : " / ", r->cpu_us_per_op);
                    cell += buf;
                }
            if (!cell.empty()) line += " " + w + " " + cell;
        }
        if (!line.empty())
            std::printf("# %s client cpu per op, us (median; raw / rex%s):%s\n", backend.c_str(),
                        find(results, backend, "pk_lookup", "soci") ? " / soci" : "", line.c_str());
    }
    if (!checked) std::printf("# no target could be checked (SQLite and PostgreSQL were not run)\n");
    return met && checked;
}

// ---- several processes ---------------------------------------------------------------------------
// One process's figures depend on where its code and heap landed: on the development VM the
// same binary gave select_rows 1.07 in one process and 1.40 in the next. --processes N runs the
// benchmark in N fresh processes, one after another, prints every process's lines (with
// "process": k) and then one line per figure with the medians, by which the targets are judged.

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The value of "key" in one of our JSON lines (flat, no nesting; strings without escapes but \").
std::string json_field(const std::string& line, const std::string& key) {
    const auto at = line.find("\"" + key + "\":");
    if (at == std::string::npos) return {};
    auto i = at + key.size() + 3;
    if (i < line.size() && line[i] == '"') {
        std::string out;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] == '\\' && i + 1 < line.size()) ++i;
            out += line[i];
        }
        return out;
    }
    const auto end = line.find_first_of(",}", i);
    return line.substr(i, end - i);
}

int run_processes(int argc, char** argv, const Options& o) {
    std::string command = shell_quote(std::filesystem::read_symlink("/proc/self/exe").string());
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--processes") {
            ++i;
            continue;
        }
        command += " " + shell_quote(argv[i]);
    }
    struct Samples {
        Result first;
        std::vector<double> ops, ratio, paired, speed_vs_soci, cpu;
    };
    std::vector<Samples> figures;
    bool failed = false;
    for (int k = 1; k <= o.processes; ++k) {
        std::cerr << "rex-bench: process " << k << " of " << o.processes << "\n";
        std::FILE* child = ::popen(command.c_str(), "r");
        if (!child) throw std::runtime_error("cannot start " + command);
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, child)) {
            std::string line(buffer);
            if (!line.starts_with("{")) continue;  // the child's own summary: only the medians are judged
            std::printf("{\"process\":%d,%s", k, line.c_str() + 1);
            std::fflush(stdout);
            Result r{json_field(line, "backend"), json_field(line, "workload"), json_field(line, "impl"), json_field(line, "method"), 0, 0, 0};
            auto it = std::find_if(figures.begin(), figures.end(), [&](const Samples& f) {
                return f.first.backend == r.backend && f.first.workload == r.workload && f.first.impl == r.impl;
            });
            if (it == figures.end()) it = figures.insert(figures.end(), Samples{r, {}, {}, {}, {}, {}});
            it->ops.push_back(std::stod(json_field(line, "ops_per_s")));
            it->ratio.push_back(std::stod(json_field(line, "ratio_to_raw")));
            it->paired.push_back(std::stod(json_field(line, "paired_ratio")));
            if (const auto speed = json_field(line, "paired_speed_vs_soci"); !speed.empty()) it->speed_vs_soci.push_back(std::stod(speed));
            if (const auto cpu = json_field(line, "cpu_us_per_op"); !cpu.empty()) it->cpu.push_back(std::stod(cpu));
        }
        if (::pclose(child) != 0) failed = true;
    }
    std::vector<Result> results;
    for (const auto& f : figures) {
        auto r = f.first;
        r.ops_per_s = median(f.ops);
        r.ratio_to_raw = median(f.ratio);
        r.paired_ratio = median(f.paired);
        r.speed_vs_soci = median(f.speed_vs_soci);
        r.cpu_us_per_op = median(f.cpu);
        std::printf("{\"process\":\"median of %zu\",\"backend\":\"%s\",\"workload\":\"%s\",\"impl\":\"%s\",\"ops_per_s\":%.0f,"
                    "\"ratio_to_raw\":%.2f,\"paired_ratio\":%.2f,%s\"cpu_us_per_op\":%.3f,\"method\":\"%s\"}\n",
                    f.ops.size(), r.backend.c_str(), r.workload.c_str(), r.impl.c_str(), r.ops_per_s, r.ratio_to_raw, r.paired_ratio,
                    speed_vs_soci_field(r.speed_vs_soci).c_str(), r.cpu_us_per_op, json_escape(r.method).c_str());
        results.push_back(std::move(r));
    }
    std::printf("# figures below: medians over %d processes of each process's figure\n", o.processes);
    const bool met = summary(results, o);
    std::printf("# %s\n", met ? "all targets met" : "not all targets met (see docs/performance.md)");
    return failed ? 1 : 0;
}

int run(int argc, char** argv) {
    const auto o = parse(argc, argv);
    if (o.processes > 1 && o.profile.empty()) return run_processes(argc, argv, o);
    const auto suffix = "_" + std::to_string(::getpid());
    const Tables tables{"bench_items" + suffix, "bench_parents" + suffix, "bench_children" + suffix};

    rex::Kernel kernel(rex::LogLevel::warn);
    const auto report = kernel.load_plugins(std::filesystem::path(o.plugins));
    for (const auto& f : report.failures) std::cerr << "rex-bench: plugin " << f.file << " not loaded: " << f.reason << "\n";

    std::cerr << "rex-bench: sqlite " << sqlite_version() << ", libpq " << libpq_version() << ", libmariadb "
              << mariadb_client_version() << ", SOCI " << soci_version() << "; " << o.reps << "-" << std::max(o.reps, o.max_rounds) << " timed runs per measurement\n";

    std::vector<Result> results;
    bool failed = false;
    const auto temp = std::filesystem::temp_directory_path() / ("rex-bench" + suffix);
    for (const auto& backend : o.backends) {
        try {
            std::unique_ptr<RexRunner> rex;
            std::unique_ptr<Runner> raw, soci;
            std::string url;
            if (backend == "sqlite") {
                // A file in a temp directory, in WAL mode (as Rex opens files), not :memory:.
                std::filesystem::create_directories(temp);
                url = (temp / "bench.db").string();
            } else if (backend == "postgres" || backend == "mysql") {
                url = backend == "postgres" ? o.postgres_url : o.mysql_url;
                if (url.empty()) {
                    std::cerr << "rex-bench: " << backend << " skipped (no URL: eval \"$(tools/test-servers.sh start)\")\n";
                    continue;
                }
            } else {
                throw std::runtime_error("unknown backend (use sqlite, postgres, mysql)");
            }
            std::cerr << "rex-bench: " << backend << " ...\n";
            std::string rex_url = backend == "sqlite" ? "sqlite:" + url : url;
            if (!o.rex_options.empty()) rex_url += (rex_url.find('?') == std::string::npos ? "?" : "&") + o.rex_options;
            rex = std::make_unique<RexRunner>(kernel, rex_url, tables, o.rex_session);
            BackendBench bench(backend, o, *rex);
            // The other connections close before the tables are dropped, also on failure.
            auto finish = [&] {
                soci.reset();
                raw.reset();
                try {
                    bench.drop();
                } catch (const std::exception& e) {
                    std::cerr << "rex-bench: " << backend << ": dropping the tables failed: " << e.what() << "\n";
                }
            };
            try {
                bench.seed();
                if (backend == "sqlite") {
                    raw = make_raw_sqlite(url, tables);
                    soci = make_soci_sqlite(url, tables);
                } else if (backend == "postgres") {
                    raw = make_raw_postgres(url, tables);
                    soci = make_soci_postgres(url, tables);
                } else {
                    raw = make_raw_mysql(url, tables);  // no SOCI on MariaDB (not asked for)
                }
                std::vector<Impl> impls{{"raw", raw.get()}, {"rex", rex.get()}};
                if (soci) impls.push_back({"soci", soci.get()});
                bench.set_impls(std::move(impls));
                if (const auto colon = o.profile.find(':'); colon != std::string::npos)
                    bench.profile(o.profile.substr(0, colon), o.profile.substr(colon + 1), o.profile_seconds);
                else
                    bench.run_all(results);
            } catch (...) {
                finish();
                throw;
            }
            finish();
        } catch (const std::exception& e) {
            std::cerr << "rex-bench: " << backend << " failed: " << e.what() << "\n";
            failed = true;
        }
    }
    std::filesystem::remove_all(temp);
    if (!o.profile.empty()) return failed ? 1 : 0;
    const bool met = summary(results, o);
    std::printf("# %s\n", met ? "all targets met" : "not all targets met (see docs/performance.md)");
    return failed ? 1 : 0;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    // Keep freed memory in the process: otherwise a 10k-row vector may come from fresh pages
    // (mmap, or a heap that was trimmed) in one run and from reused ones in the next, and page
    // faults decide which implementation looks faster. Applies to all of them alike.
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    try {
        return bench::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "rex-bench: " << e.what() << "\n";
        return 2;
    }
}

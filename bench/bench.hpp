// rex-bench: the same workloads through the raw C APIs, Rex's typed ORM and SOCI.
//
// Every implementation is a Runner over the same tables; the driver (main.cpp) times them,
// interleaved, and prints one JSON line per backend/workload/implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

// The rows the workloads read and write. Rex maps exactly these structs; the raw and SOCI
// runners fill the same structs by hand.
struct Item {
    std::int64_t id{};
    std::string name;
    std::int64_t qty{};
    double price{};
};

struct Child {
    std::int64_t id{};
    std::int64_t parent_id{};
    std::string name;
};

struct Parent {
    std::int64_t id{};
    std::string name;
    std::vector<Child> children;
};

// Table names carry the process id so that a run never touches the tables of the test suites
// (or of another run) on the shared servers.
struct Tables {
    std::string items;
    std::string parents;
    std::string children;
};

enum class Workload { pk_lookup, select_rows, insert_rows, update_rows, eager_load };

inline const char* workload_name(Workload w) {
    switch (w) {
        case Workload::pk_lookup: return "pk_lookup";
        case Workload::select_rows: return "select_rows";
        case Workload::insert_rows: return "insert_rows";
        case Workload::update_rows: return "update_rows";
        case Workload::eager_load: return "eager_load";
    }
    return "?";
}

// One implementation (raw / rex / soci) on one backend, holding its own connection.
// The timed calls return what they read so the driver can check that every implementation
// did the same work (and so that nothing is optimised away); checking is not timed.
class Runner {
public:
    virtual ~Runner() = default;
    // How the workload is done, for the output ("prepared statement", "multi-row insert", ...).
    virtual std::string method(Workload w) const = 0;
    // Finds each id (all exist) and returns the sum of the qty of the items found.
    virtual std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) = 0;
    // Every row of the items table.
    virtual std::vector<Item> select_rows() = 0;
    // Inserts the items in one transaction; implementations that can fill the generated ids do.
    virtual void insert_rows(std::vector<Item>& items) = 0;
    // Updates name, qty and price of every item by id, in one transaction. (Not const: Rex's
    // update may run before_update hooks, which can change the object.)
    virtual void update_rows(std::vector<Item>& items) = 0;
    // Every parent with its children (children in id order), with two queries.
    virtual std::vector<Parent> eager_load() = 0;
};

// Raw C API runners (raw.cpp).
std::unique_ptr<Runner> make_raw_sqlite(const std::string& path, const Tables& tables);
std::unique_ptr<Runner> make_raw_postgres(const std::string& url, const Tables& tables);
std::unique_ptr<Runner> make_raw_mysql(const std::string& url, const Tables& tables);

// SOCI runners (soci.cpp).
std::unique_ptr<Runner> make_soci_sqlite(const std::string& path, const Tables& tables);
std::unique_ptr<Runner> make_soci_postgres(const std::string& url, const Tables& tables);
// "SOCI 4.0.3" style version text of the SOCI the program was built with.
std::string soci_version();

// Version strings of the C client libraries (raw.cpp).
std::string sqlite_version();
std::string libpq_version();
std::string mariadb_client_version();

// scheme://user:password@host:port/database[?options], the form of the test servers' URLs (no
// percent-escapes: they need none). Options are dropped.
struct ServerUrl {
    std::string user, password, host, database;
    unsigned port = 0;
};

inline ServerUrl parse_server_url(const std::string& url, const std::string& scheme) {
    const auto prefix = scheme + "://";
    if (url.rfind(prefix, 0) != 0) throw std::runtime_error("not a " + prefix + " URL");
    ServerUrl u;
    std::string rest = url.substr(prefix.size());
    if (auto q = rest.find('?'); q != std::string::npos) rest.resize(q);
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        const auto credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = credentials.find(':');
        u.user = credentials.substr(0, colon);
        if (colon != std::string::npos) u.password = credentials.substr(colon + 1);
    }
    const auto slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    if (slash != std::string::npos) u.database = rest.substr(slash + 1);
    if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
        u.port = static_cast<unsigned>(std::stoul(hostport.substr(colon + 1)));
        hostport.resize(colon);
    }
    u.host = hostport;
    return u;
}

// Builds "(1,2,3)" from integer ids: a competent raw user inlines integer keys of an IN list.
inline std::string in_list(const std::vector<std::int64_t>& ids) {
    std::string s = "(";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(ids[i]);
    }
    s += ')';
    return s;
}

}  // namespace bench

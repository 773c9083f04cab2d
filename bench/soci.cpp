// The SOCI 4 runners (SQLite3 and PostgreSQL backends), written the way SOCI's documentation
// recommends for speed: prepared statements reused across calls, bulk (vector) into/use.
#include "bench.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <soci/version.h>

#include <unordered_map>

namespace bench {

namespace {

constexpr std::size_t chunk = 1000;  // rows per bulk fetch

class SociRunner final : public Runner {
public:
    SociRunner(const soci::backend_factory& factory, const std::string& connect, const Tables& t, bool sqlite)
        : t_(t), sql_(factory, connect) {
        // The same settings as Rex's SQLite adapter: WAL, synchronous=NORMAL.
        if (sqlite) {
            sql_ << "PRAGMA journal_mode = WAL";
            sql_ << "PRAGMA synchronous = NORMAL";
        }
    }

    std::string method(Workload w) const override {
        switch (w) {
            case Workload::pk_lookup: return "prepared statement with into()/use(), execute(true) per id";
            case Workload::select_rows: return "prepared statement, bulk into(std::vector) 1000 rows per fetch";
            case Workload::insert_rows: return "bulk use(std::vector) INSERT in one soci::transaction (ids not fetched)";
            case Workload::update_rows: return "bulk use(std::vector) UPDATE by id in one soci::transaction";
            case Workload::eager_load: return "bulk SELECT parents; bulk SELECT children WHERE parent_id IN (literal ids) ORDER BY id";
        }
        return "";
    }

    std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) override {
        long long key = 0, id = 0, qty = 0;
        std::string name;
        double price = 0;
        soci::statement st = (sql_.prepare << "SELECT id, name, qty, price FROM " + t_.items + " WHERE id = :id", soci::into(id),
                              soci::into(name), soci::into(qty), soci::into(price), soci::use(key));
        std::int64_t sum = 0;
        for (auto k : ids) {
            key = k;
            st.execute(true);
            if (st.got_data()) {
                Item it{id, name, qty, price};
                sum += it.qty;
            }
        }
        return sum;
    }

    std::vector<Item> select_rows() override {
        std::vector<long long> ids(chunk), qtys(chunk);
        std::vector<std::string> names(chunk);
        std::vector<double> prices(chunk);
        soci::statement st = (sql_.prepare << "SELECT id, name, qty, price FROM " + t_.items, soci::into(ids), soci::into(names),
                              soci::into(qtys), soci::into(prices));
        st.execute();
        std::vector<Item> out;
        while (st.fetch()) {
            for (std::size_t i = 0; i < ids.size(); ++i) out.push_back(Item{ids[i], std::move(names[i]), qtys[i], prices[i]});
            ids.resize(chunk);
            names.resize(chunk);
            qtys.resize(chunk);
            prices.resize(chunk);
        }
        return out;
    }

    void insert_rows(std::vector<Item>& items) override {
        std::vector<std::string> names;
        std::vector<long long> qtys;
        std::vector<double> prices;
        names.reserve(items.size());
        qtys.reserve(items.size());
        prices.reserve(items.size());
        for (const auto& it : items) {
            names.push_back(it.name);
            qtys.push_back(it.qty);
            prices.push_back(it.price);
        }
        soci::transaction tr(sql_);
        sql_ << "INSERT INTO " + t_.items + " (name, qty, price) VALUES (:n, :q, :p)", soci::use(names), soci::use(qtys),
            soci::use(prices);
        tr.commit();
    }

    void update_rows(std::vector<Item>& items) override {
        std::vector<std::string> names;
        std::vector<long long> qtys, ids;
        std::vector<double> prices;
        names.reserve(items.size());
        qtys.reserve(items.size());
        ids.reserve(items.size());
        prices.reserve(items.size());
        for (const auto& it : items) {
            names.push_back(it.name);
            qtys.push_back(it.qty);
            prices.push_back(it.price);
            ids.push_back(it.id);
        }
        soci::transaction tr(sql_);
        sql_ << "UPDATE " + t_.items + " SET name = :n, qty = :q, price = :p WHERE id = :id", soci::use(names), soci::use(qtys),
            soci::use(prices), soci::use(ids);
        tr.commit();
    }

    std::vector<Parent> eager_load() override {
        std::vector<Parent> parents;
        std::unordered_map<std::int64_t, std::size_t> at;
        std::vector<std::int64_t> keys;
        {
            std::vector<long long> ids(chunk);
            std::vector<std::string> names(chunk);
            soci::statement st = (sql_.prepare << "SELECT id, name FROM " + t_.parents, soci::into(ids), soci::into(names));
            st.execute();
            while (st.fetch()) {
                for (std::size_t i = 0; i < ids.size(); ++i) {
                    at.emplace(ids[i], parents.size());
                    keys.push_back(ids[i]);
                    parents.push_back(Parent{ids[i], std::move(names[i]), {}});
                }
                ids.resize(chunk);
                names.resize(chunk);
            }
        }
        if (keys.empty()) return parents;
        std::vector<long long> ids(chunk), parent_ids(chunk);
        std::vector<std::string> names(chunk);
        soci::statement st = (sql_.prepare << "SELECT id, parent_id, name FROM " + t_.children + " WHERE parent_id IN " +
                                                  in_list(keys) + " ORDER BY id",
                              soci::into(ids), soci::into(parent_ids), soci::into(names));
        st.execute();
        while (st.fetch()) {
            for (std::size_t i = 0; i < ids.size(); ++i) {
                auto it = at.find(parent_ids[i]);
                if (it != at.end()) parents[it->second].children.push_back(Child{ids[i], parent_ids[i], std::move(names[i])});
            }
            ids.resize(chunk);
            parent_ids.resize(chunk);
            names.resize(chunk);
        }
        return parents;
    }

private:
    Tables t_;
    soci::session sql_;
};

}  // namespace

std::unique_ptr<Runner> make_soci_sqlite(const std::string& path, const Tables& tables) {
    return std::make_unique<SociRunner>(*soci::factory_sqlite3(), "db=" + path + " timeout=5", tables, true);
}

std::unique_ptr<Runner> make_soci_postgres(const std::string& url, const Tables& tables) {
    // SOCI's PostgreSQL backend wants libpq's keyword=value form, not a URL.
    const auto u = parse_server_url(url, url.rfind("postgresql://", 0) == 0 ? "postgresql" : "postgres");
    std::string connect = "host=" + u.host + " dbname=" + u.database + " user=" + u.user;
    if (u.port) connect += " port=" + std::to_string(u.port);
    if (!u.password.empty()) connect += " password=" + u.password;
    return std::make_unique<SociRunner>(*soci::factory_postgresql(), connect, tables, false);
}

std::string soci_version() {
    return std::to_string(SOCI_VERSION / 100000) + "." + std::to_string(SOCI_VERSION / 100 % 1000) + "." +
           std::to_string(SOCI_VERSION % 100);
}

}  // namespace bench

// Database and Session: the ORM's entry points.
//
//   rex::Database db(kernel, "sqlite:app.db");
//   db.map(users);
//   User ada{.name = "Ada"};
//   db.insert(ada);                       // validates, fills ada.id
//   auto found = db.find<User>(ada.id);
//   db.transaction([&](rex::Session& s) { s.insert(a); s.insert(b); });  // commit, or roll back on throw
#pragma once

#include <rex/kernel.hpp>
#include <rex/orm/entity.hpp>
#include <rex/orm/query.hpp>

#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

namespace rex {

class StatementTimer;
struct TableSchema;

class Database;

// The rows of a bulk write in one block, row after row (`width` values each): bound as a
// batch, then shared by the write's change events.
struct RowBlock {
    std::shared_ptr<std::vector<Value>> values;
    std::size_t width = 0;

    std::size_t size() const noexcept { return width ? values->size() / width : 0; }
    Value& at(std::size_t row, std::size_t field) { return (*values)[row * width + field]; }
    ValueRows view() const noexcept { return {*values, width}; }
};

// Where a query's objects go: add() makes room for one more, default-constructed, and returns
// it to be filled in place.
class ObjectSink {
public:
    virtual void* add() = 0;
    // Room for `n` more objects, when the result says how many it has.
    virtual void reserve(std::size_t n) = 0;

protected:
    ~ObjectSink() = default;
};

namespace detail {
template <class T>
class VectorSink final : public ObjectSink {
public:
    explicit VectorSink(std::vector<T>& out) : out_(out) {}
    void* add() override { return &out_.emplace_back(); }
    void reserve(std::size_t n) override { out_.reserve(out_.size() + n); }

private:
    std::vector<T>& out_;
};
}  // namespace detail

// The query log: every statement the ORM runs, with its parameters, duration and row count, at
// debug level; statements slower than the threshold at warn level.
struct QueryLogOptions {
    bool redact_parameters = false;  // log "?" instead of values (personal data, secrets)
    std::chrono::milliseconds slow_threshold{500};
};

struct DatabaseOptions {
    PoolOptions pool;
    QueryLogOptions log;
    // How inserts read generated keys back; unset: as the dialect says for the server's version
    // (Dialect::generated_keys). last_insert_id makes insert_many write one row per statement,
    // each reporting its own key. Set it where the version misleads (a proxy in between).
    std::optional<GeneratedKeyStyle> generated_keys;
};

// An object read with find_tracked (or handed to Database::track): it remembers the values it
// had, so that update() writes only the columns that changed, and nothing when none did.
template <class T>
class Tracked {
public:
    T* operator->() { return &object_; }
    const T* operator->() const { return &object_; }
    T& operator*() { return object_; }
    const T& operator*() const { return object_; }
    const T& get() const { return object_; }

private:
    friend class Session;
    friend class Database;
    Tracked(T object, std::vector<Value> snapshot) : object_(std::move(object)), snapshot_(std::move(snapshot)) {}
    T object_;
    std::vector<Value> snapshot_;  // the mapped fields' values when read or last saved
};

// A connection borrowed from the database's pool, with the ORM's operations on it. Not shared
// between threads. Transactions nest: inner ones are savepoints.
class REX_KERNEL_API Session {
public:
    Session(Database& database, PooledConnection connection);
    Session(Session&&) noexcept;
    friend class Database;
    ~Session();

    template <class T>
    void insert(T& object) {
        insert_object(typeid(T), &object);
    }
    // Many objects in few statements (batches of `batch_size` rows); all are validated first and
    // every failure is reported with the object's index. Generated keys are filled.
    template <class T>
    void insert_many(std::vector<T>& objects, std::size_t batch_size = 500) {
        std::vector<void*> pointers;
        for (auto& o : objects) pointers.push_back(&o);
        insert_objects(typeid(T), pointers, batch_size);
    }
    // Inserts, or updates every other column when a row with the same values of the `conflict`
    // members exists (ON CONFLICT ... DO UPDATE / ON DUPLICATE KEY UPDATE). Fills the key.
    template <class T, class... M>
    void upsert(T& object, M T::*... conflict) {
        static_assert(sizeof...(M) > 0, "name the unique member(s) that identify the row");
        upsert_object(typeid(T), &object, {MemberKey::of(conflict)...});
    }
    // Writes every mapped column (after the before_update hooks and validation).
    template <class T>
    void update(T& object) {
        update_object(typeid(T), &object, nullptr, {});
    }
    // Writes only the named members: s.update(user, &User::name, &User::age).
    template <class T, class... M>
        requires(sizeof...(M) > 0)
    void update(T& object, M T::*... members) {
        update_object(typeid(T), &object, nullptr, {MemberKey::of(members)...});
    }
    // Writes every mapped column of each object by its key, as one prepared statement run per
    // object (a batch: one round trip per object at most, none on SQLite). The before_update
    // hooks and validation run for all objects first and every failure is reported with the
    // object's index; an object whose row does not exist fails the call (not_found).
    template <class T>
    void update_many(std::vector<T>& objects) {
        std::vector<void*> pointers;
        pointers.reserve(objects.size());
        for (auto& o : objects) pointers.push_back(&o);
        update_objects(typeid(T), pointers);
    }
    // Writes only the columns that changed since the object was read or last saved; returns
    // false (and sends no SQL) when none did. A changed assigned key is written too: the row is
    // found by the key it had.
    template <class T>
    bool update(Tracked<T>& tracked) {
        return update_object(typeid(T), &tracked.object_, &tracked.snapshot_, {});
    }
    template <class T>
    void remove(const T& object) {
        remove_object(typeid(T), &object);
    }
    // The object with this key: find<User>(7), or find<PlaylistTrack>({1, 3402}) for a
    // composite key (values in key order).
    template <class T>
    std::optional<T> find(const Key& id) {
        std::optional<T> found(std::in_place);  // filled in place and returned without a move
        if (!find_object(typeid(T), id.parts(), std::addressof(*found))) found.reset();
        return found;
    }
    template <class T>
    bool exists(const Key& id) {
        return exists_object(typeid(T), id.parts());
    }
    template <class T>
    std::optional<Tracked<T>> find_tracked(const Key& id) {
        auto found = find<T>(id);
        if (!found) return std::nullopt;
        auto snapshot = snapshot_of(typeid(T), &*found);
        return Tracked<T>(std::move(*found), std::move(snapshot));
    }
    template <class T>
    Select<T, Scope<T>> select() {
        SelectState state;
        state.root = typeid(T);
        return Select<T, Scope<T>>(*this, std::move(state));
    }
    template <class T>
    std::int64_t count() {
        return select<T>().count();
    }
    // Rows of any SQL mapped into T by column name; unknown columns are an error.
    template <class T>
    std::vector<T> raw(std::string_view sql, const Params& params = {}) {
        std::vector<T> out;
        detail::VectorSink<T> sink(out);
        query_objects(typeid(T), sql, params, sink);
        return out;
    }
    // Lazy loading: fills a relation (and optionally relations of what it loads) of objects
    // already read, with one query per level for all of them: s.load(users, &User::posts).
    template <class T, class First, class... Rest>
        requires(detail::relation_path<T, First, Rest...>())
    void load(T& object, First relation, Rest... nested) {
        load_relations(typeid(T), {&object}, {{MemberKey::of(relation), MemberKey::of(nested)...}});
    }
    template <class T, class First, class... Rest>
        requires(detail::relation_path<T, First, Rest...>())
    void load(std::vector<T>& objects, First relation, Rest... nested) {
        std::vector<void*> pointers;
        for (auto& o : objects) pointers.push_back(&o);
        load_relations(typeid(T), pointers, {{MemberKey::of(relation), MemberKey::of(nested)...}});
    }
    // Adds / removes the join-table row of a many-to-many relation (both objects must be saved).
    template <class T, class C>
    void link(const T& owner, std::vector<C> T::*relation, const C& related) {
        link_objects(typeid(T), &owner, MemberKey::of(relation), &related, true);
    }
    template <class T, class C>
    void unlink(const T& owner, std::vector<C> T::*relation, const C& related) {
        link_objects(typeid(T), &owner, MemberKey::of(relation), &related, false);
    }

    // Every rule failure of the object, all at once; empty when it is valid.
    template <class T>
    std::vector<FieldError> validate(const T& object) const {
        return validate_object(typeid(T), &object);
    }

    // Runs body(*this) in a transaction (a savepoint when one is open): commits when it returns,
    // rolls back and rethrows when it throws.
    template <class F>
    decltype(auto) transaction(F&& body, const TransactionOptions& options = {}) {
        begin(options);
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F, Session&>>) {
                body(*this);
                commit();
            } else {
                decltype(auto) result = body(*this);
                commit();
                return result;
            }
        } catch (...) {
            rollback();
            throw;
        }
    }

    ResultSet execute(std::string_view sql, const Params& params = {});
    ResultSet execute(const sql::CompiledQuery& query) { return execute(query.sql, query.params); }
    Connection& connection() { return *connection_; }
    Database& database() { return *database_; }
    int transaction_depth() const { return depth_; }

    // Used by Select.
    void query_objects(std::type_index type, std::string_view sql, const Params& params, ObjectSink& sink);
    void select_objects(const SelectState& state, ObjectSink& sink);
    void select_rows(const SelectState& state, const std::function<void(Cursor&)>& each);
    std::int64_t count_objects(const SelectState& state);
    sql::CompiledQuery compile_select(const SelectState& state, bool count) const;
    void load_relations(std::type_index type, const std::vector<void*>& objects,
                        const std::vector<std::vector<MemberKey>>& paths);

private:
    // Runs a query and hands each row (up to max_rows) to `each(Cursor&)`, logging it. Defined
    // and instantiated in database.cpp only.
    template <class Each>
    void for_each_row(std::string_view sql, std::span<const Value> params, Each&& each,
                      std::int64_t max_rows = std::numeric_limits<std::int64_t>::max());
    // How this database reports generated keys (DatabaseOptions::generated_keys, else the
    // dialect's answer for the server's version, asked once per Database).
    GeneratedKeyStyle key_style();
    void insert_object(std::type_index type, void* object);
    // INSERT of `rows` rows of these columns, cached per shape.
    const std::string& insert_sql(const EntityModel& m, const std::vector<const FieldModel*>& columns, std::size_t rows,
                                  bool returning_key);
    void insert_objects(std::type_index type, const std::vector<void*>& objects, std::size_t batch_size);
    void update_objects(std::type_index type, const std::vector<void*>& objects);
    // UPDATE ... SET the columns (parameters 1..n) WHERE the key's columns = parameters n + 1...
    const std::string& update_sql(const EntityModel& model, const std::vector<const FieldModel*>& columns);
    // Runs `sql` once per row (Connection::execute_batch), logged as one statement.
    std::vector<StatementOutcome> execute_batch(std::string_view sql, ValueRows rows,
                                                const std::vector<std::size_t>& parameter_map);
    // Every mapped field's value of each object, in one block.
    static RowBlock rows_of(const EntityModel& model, const std::vector<void*>& objects);
    // Validates the objects' rows; raises one error naming each failure with the object's index
    // ("[2].email"), in object order.
    static void validate_rows(const EntityModel& model, ValueRows rows);
    // One event per row, sharing the block, published together (or kept for the commit). With
    // `old_rows_follow` the block's second half holds each row's values before the change.
    void record_changes(const EntityModel& model, ChangeKind kind, RowBlock& rows, bool old_rows_follow = false);
    void upsert_object(std::type_index type, void* object, const std::vector<MemberKey>& conflict);
    bool update_object(std::type_index type, void* object, std::vector<Value>* snapshot, const std::vector<MemberKey>& only);
    std::vector<Value> snapshot_of(std::type_index type, const void* object) const;
    // Every mapped field's value, in field order.
    static std::vector<Value> values_of(const EntityModel& model, const void* object);
    // Change events wait for the outermost commit; a rollback drops those of its scope.
    // `old_row` (an update of a tracked object: the row as read) becomes the event's old_values.
    void record_change(const EntityModel& model, ChangeKind kind, std::vector<Value> row, std::vector<Value> old_row = {});
    void remove_object(std::type_index type, const void* object);
    bool find_object(std::type_index type, std::span<const Value> key, void* object);
    bool exists_object(std::type_index type, std::span<const Value> key);
    std::vector<FieldError> validate_object(std::type_index type, const void* object) const;
    std::vector<void*> load_relation(const EntityModel& owner, const RelationModel& relation, const std::vector<void*>& objects);
    void link_objects(std::type_index type, const void* owner, const MemberKey& relation, const void* related, bool link);
    void begin(const TransactionOptions& options);
    void commit();
    void rollback();

    Database* database_;
    PooledConnection connection_;
    int depth_ = 0;
    // Events waiting for the outermost commit, and the scope depth of each; depths never
    // decrease along the list (an inner scope's events follow its outer scope's).
    std::vector<ChangeEvent> pending_;
    std::vector<int> pending_depth_;
};

class REX_KERNEL_API Database {
public:
    // Uses the kernel's adapter and dialect for the URL's scheme; connections are pooled. The kernel
    // must outlive the Database (its logger, catalog and change bus are used on every call).
    Database(Kernel& kernel, std::string_view url, DatabaseOptions options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    template <class T>
    Database& map(const Entity<T>& mapping) {
        add_model(mapping.model());
        return *this;
    }

    Session session();

    template <class T>
    void insert(T& object) {
        session().insert(object);
    }
    template <class T>
    void insert_many(std::vector<T>& objects, std::size_t batch_size = 500) {
        auto s = session();
        s.transaction([&](Session& tx) { tx.insert_many(objects, batch_size); });
    }
    // Session::update_many in one transaction: all objects are written, or none.
    template <class T>
    void update_many(std::vector<T>& objects) {
        auto s = session();
        s.transaction([&](Session& tx) { tx.update_many(objects); });
    }
    template <class T, class... M>
    void upsert(T& object, M T::*... conflict) {
        session().upsert(object, conflict...);
    }
    template <class T, class... M>
    void update(T& object, M T::*... members) {
        session().update(object, members...);
    }
    template <class T>
    bool update(Tracked<T>& tracked) {
        return session().update(tracked);
    }
    template <class T>
    std::optional<Tracked<T>> find_tracked(const Key& id) {
        return session().template find_tracked<T>(id);
    }
    // Starts tracking an object already in hand (e.g. just inserted).
    template <class T>
    Tracked<T> track(T object) {
        auto snapshot = session().snapshot_of(typeid(T), &object);
        return Tracked<T>(std::move(object), std::move(snapshot));
    }
    template <class T>
    void remove(const T& object) {
        session().remove(object);
    }
    template <class T>
    std::optional<T> find(const Key& id) {
        return session().find<T>(id);
    }
    template <class T>
    Select<T, Scope<T>> select() {
        SelectState state;
        state.root = typeid(T);
        return Select<T, Scope<T>>(*this, std::move(state));
    }
    template <class T>
    std::int64_t count() {
        return session().count<T>();
    }
    template <class T>
    bool exists(const Key& id) {
        return session().exists<T>(id);
    }
    template <class T>
    std::vector<T> raw(std::string_view sql, const Params& params = {}) {
        return session().raw<T>(sql, params);
    }
    template <class T>
    std::vector<FieldError> validate(const T& object) {
        return session().validate(object);
    }
    template <class Objects, class... Path>
    void load(Objects& objects, Path... path) {
        session().load(objects, path...);
    }
    template <class T, class C>
    void link(const T& owner, std::vector<C> T::*relation, const C& related) {
        session().link(owner, relation, related);
    }
    template <class T, class C>
    void unlink(const T& owner, std::vector<C> T::*relation, const C& related) {
        session().unlink(owner, relation, related);
    }
    template <class F>
    decltype(auto) transaction(F&& body, const TransactionOptions& options = {}) {
        auto s = session();
        return s.transaction(std::forward<F>(body), options);
    }

    // Runs body in a transaction and runs it again (up to `attempts` times in all, with a short
    // growing pause) when it fails with a serialization failure or a deadlock.
    template <class F>
    decltype(auto) retry_transaction(F&& body, int attempts = 3, const TransactionOptions& options = {}) {
        for (int attempt = 1;; ++attempt) {
            try {
                return transaction(body, options);
            } catch (const TransactionConflict&) {
                if (attempt >= attempts) throw;
                pause_before_retry(attempt);
            }
        }
    }

    // CREATE TABLE for every mapped class that has no table yet, and the join tables of
    // many-to-many relations, with the DDL of rex::schema_from_entities (what `rex migrate
    // diff` writes): primary and unique keys, indexes, and a foreign key for every relation.
    // Referenced tables are created first.
    void create_tables();
    // DROP TABLE IF EXISTS for the same tables, those that refer to others first (and the keys
    // closing a cycle before them; on SQLite, which cannot drop a key, rows that refer to each
    // other across a cycle must be unlinked first).
    void drop_tables();
    // The tables create_tables makes, as schema data.
    std::vector<TableSchema> tables() const;

    const Dialect& dialect() const;
    ConnectionPool& pool();
    Kernel& kernel() const;
    // The model of a mapped class; NotFoundError naming it when unmapped.
    const EntityModel& model(std::type_index type) const;
    const ColumnResolver& resolver() const;

private:
    // A timer for one statement, precise when statements are logged at debug level.
    StatementTimer time_statement() const;
    // Writes one timed statement to the query log, if it is to be logged: at debug level when the
    // timer began with debug logging on, at warn when it took the slow-query threshold or more.
    // A batch (runs > 0) shows the first run's parameters and how many runs there were.
    void log_statement(std::string_view sql, std::span<const Value> params, const StatementTimer& timer, std::int64_t rows,
                       std::size_t runs = 0) const;
    friend class Session;
    void add_model(EntityModel model);
    static void pause_before_retry(int attempt);

    struct State;
    std::unique_ptr<State> state_;
};

// ---- Select's execution, now that Session and Database are complete ---------------------------

template <class T, class S, class O>
Select<T, S, O>::Select(Database& database, SelectState state) : database_(&database), state_(std::move(state)) {}

template <class T, class S, class O>
std::vector<T> Select<T, S, O>::all() const {
    auto run = [&](Session& s) {
        std::vector<T> out;
        detail::VectorSink<T> sink(out);
        s.select_objects(state_, sink);
        if (!state_.with.empty()) {
            std::vector<void*> pointers;
            for (auto& o : out) pointers.push_back(&o);
            s.load_relations(typeid(T), pointers, state_.with);
        }
        return out;
    };
    if (session_) return run(*session_);
    auto s = database_->session();
    return run(s);
}

template <class T, class S, class O>
std::optional<T> Select<T, S, O>::first() const {
    auto copy = *this;
    copy.state_.limit = 1;
    auto rows = copy.all();
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

template <class T, class S, class O>
std::int64_t Select<T, S, O>::count() const {
    if (session_) return session_->count_objects(state_);
    return database_->session().count_objects(state_);
}

template <class T, class S, class O>
sql::CompiledQuery Select<T, S, O>::to_sql() const {
    if (session_) return session_->compile_select(state_, false);
    return database_->session().compile_select(state_, false);
}

template <class Row>
Row read_row(Cursor& cursor) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return Row{ValueTraits<std::tuple_element_t<I, Row>>::from_value(cursor.value(I))...};
    }(std::make_index_sequence<std::tuple_size_v<Row>>{});
}

template <class T, class S, class O, class Row>
std::vector<Row> Projection<T, S, O, Row>::all() const {
    std::vector<Row> out;
    auto run = [&](Session& s) { s.select_rows(state_, [&](Cursor& c) { out.push_back(read_row<Row>(c)); }); };
    if (session_) {
        run(*session_);
    } else {
        auto s = database_->session();
        run(s);
    }
    return out;
}

template <class T, class S, class O, class Row>
std::optional<Row> Projection<T, S, O, Row>::first() const {
    auto copy = *this;
    copy.state_.limit = 1;
    auto rows = copy.all();
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

template <class T, class S, class O, class Row>
sql::CompiledQuery Projection<T, S, O, Row>::to_sql() const {
    if (session_) return session_->compile_select(state_, false);
    return database_->session().compile_select(state_, false);
}

}  // namespace rex

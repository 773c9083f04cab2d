// A repository: the usual operations on one mapped class, for code that wants a narrow,
// injectable object instead of the whole Database.
//
//   rex::Repository<User> users(db);
//   auto page = users.page(2, 20);           // items 21..40 by id, with the total
//   users.save(u);                           // insert when the key is unset, else update
#pragma once

#include <rex/orm/database.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace rex {

template <class T>
struct Page {
    std::vector<T> items;
    std::int64_t number = 1;    // 1-based
    std::int64_t per_page = 0;
    std::int64_t total = 0;     // rows matching, over all pages
    std::int64_t pages() const { return per_page > 0 ? (total + per_page - 1) / per_page : 0; }
};

template <class T>
class Repository {
public:
    explicit Repository(Database& database) : db_(&database) {}

    std::optional<T> find(const Value& id) { return db_->find<T>(id); }
    // The object with that key; NotFoundError naming it when there is none.
    T get(const Value& id) {
        auto found = find(id);
        if (!found)
            raise({ErrorCategory::not_found, db_->model(typeid(T)).name + ": no row with key " + id.to_display(), {}, {}});
        return std::move(*found);
    }
    bool exists(const Value& id) { return db_->exists<T>(id); }
    std::int64_t count() { return db_->count<T>(); }
    std::vector<T> all() { return query().all(); }
    Select<T, Scope<T>> query() { return db_->select<T>(); }

    // Page `number` (1-based) of `per_page` rows ordered by key, optionally filtered.
    Page<T> page(std::int64_t number, std::int64_t per_page) { return page(number, per_page, Condition<Scope<>>{}); }
    template <class C>
        requires scope_within<C, Scope<T>>::value
    Page<T> page(std::int64_t number, std::int64_t per_page, const Condition<C>& filter) {
        if (number < 1 || per_page < 1)
            raise({ErrorCategory::invalid_value, "page number and size start at 1 (got " + std::to_string(number) + ", " +
                                                     std::to_string(per_page) + ")", {}, {}});
        auto s = db_->session();
        auto base = s.select<T>();
        if (filter.build) base = std::move(base).where(filter);
        Page<T> out;
        out.number = number;
        out.per_page = per_page;
        out.total = base.count();
        out.items = std::move(base).order_by(id_expression()).limit(per_page).offset((number - 1) * per_page).all();
        return out;
    }

    void create(T& object) { db_->insert(object); }
    void create_many(std::vector<T>& objects) { db_->insert_many(objects); }
    void update(T& object) { db_->update(object); }
    void update_many(std::vector<T>& objects) { db_->update_many(objects); }
    bool update(Tracked<T>& object) { return db_->update(object); }
    void remove(const T& object) { db_->remove(object); }
    // Inserts when the generated key is unset (0 or NULL), updates otherwise.
    void save(T& object) {
        const auto& m = db_->model(typeid(T));
        const auto key = m.id_field >= 0 ? m.fields[static_cast<std::size_t>(m.id_field)].get(&object) : Value();
        if (is_unset_key(key))
            create(object);
        else
            update(object);
    }

private:
    // The key column as an ordering expression, found from the mapping at run time.
    TypedExpr<Scope<T>, std::int64_t> id_expression() const {
        const auto& m = db_->model(typeid(T));
        if (m.id_field < 0) raise({ErrorCategory::configuration, m.name + " has no id to page by", {}, {}});
        const auto key = m.fields[static_cast<std::size_t>(m.id_field)].key;
        return {[key](const ColumnResolver& r) { return sql::make(r.column(key)); }};
    }

    Database* db_;
};

}  // namespace rex

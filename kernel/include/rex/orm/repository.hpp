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
#include <span>
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

    // By key: find(7), or find({1, 3402}) for a composite key.
    std::optional<T> find(const Key& id) { return db_->find<T>(id); }
    // The object with that key; NotFoundError naming it when there is none.
    T get(const Key& id) {
        auto found = find(id);
        if (!found)
            raise({ErrorCategory::not_found, db_->model(typeid(T)).name + ": no row with key " + id.to_display(), {}, {}});
        return std::move(*found);
    }
    bool exists(const Key& id) { return db_->exists<T>(id); }
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
        for (const auto& key : key_order()) base = std::move(base).order_by(key);
        out.items = std::move(base).limit(per_page).offset((number - 1) * per_page).all();
        return out;
    }

    void create(T& object) { db_->insert(object); }
    void create_many(std::vector<T>& objects) { db_->insert_many(objects); }
    void update(T& object) { db_->update(object); }
    void update_many(std::vector<T>& objects) { db_->update_many(objects); }
    bool update(Tracked<T>& object) { return db_->update(object); }
    void remove(const T& object) { db_->remove(object); }
    // Inserts when the generated key is unset (0 or NULL), updates otherwise. An assigned key
    // says nothing: the row is looked up by it, in the same transaction as the write.
    void save(T& object) {
        const auto& m = db_->model(typeid(T));
        if (const auto* generated = m.generated_key()) {
            if (is_unset_key(generated->get(&object)))
                create(object);
            else
                update(object);
            return;
        }
        std::vector<Value> key;
        for (const auto i : m.key_fields) key.push_back(m.fields[i].get(&object));
        db_->transaction([&](Session& s) {
            if (s.exists<T>(Key(std::span<const Value>(key))))
                s.update(object);
            else
                s.insert(object);
        });
    }

private:
    // The key's columns as ordering expressions, found from the mapping at run time.
    std::vector<TypedExpr<Scope<T>, Value>> key_order() const {
        const auto& m = db_->model(typeid(T));
        if (m.key_fields.empty()) raise({ErrorCategory::configuration, m.name + " has no key to page by", {}, {}});
        std::vector<TypedExpr<Scope<T>, Value>> out;
        for (const auto i : m.key_fields) {
            const auto key = m.fields[i].key;
            out.push_back({[key](const ColumnResolver& r) { return sql::make(r.column(key)); }});
        }
        return out;
    }

    Database* db_;
};

}  // namespace rex

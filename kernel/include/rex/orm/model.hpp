// The type-erased description of a mapped class: what the non-template parts of the ORM (SQL
// building, hydration, validation) work with. Typed mappings (entity.hpp) produce it.
#pragma once

#include <rex/orm/rules.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/result.hpp>

#include <array>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <typeindex>
#include <vector>

namespace rex {

// Identifies a data member: its class and the member pointer's bytes. Compared, never called.
struct MemberKey {
    std::type_index owner = typeid(void);
    std::array<unsigned char, 16> bits{};

    // The member pointer back, for a key made by of<T, M>.
    template <class T, class M>
    M T::*member() const {
        M T::*out;
        std::memcpy(&out, bits.data(), sizeof(out));
        return out;
    }

    template <class T, class M>
    static MemberKey of(M T::*member) {
        static_assert(sizeof(member) <= 16);
        MemberKey key{typeid(T), {}};
        std::memcpy(key.bits.data(), &member, sizeof(member));
        return key;
    }
    friend bool operator==(const MemberKey& a, const MemberKey& b) { return a.owner == b.owner && a.bits == b.bits; }
};

// The key of one row, as find() and exists() take it: one value (find<User>(7)), or one per
// part of a composite key in key order (find<PlaylistTrack>({1, 3402})). It refers to values
// the caller passed, so it lives only for the call it is an argument of.
class Key {
public:
    Key(const Value& value) : parts_(&value, 1) {}
    template <class V>
        requires(std::constructible_from<Value, V &&> && !std::same_as<std::remove_cvref_t<V>, Value> &&
                 !std::same_as<std::remove_cvref_t<V>, Key>)
    Key(V&& value) : own_(std::forward<V>(value)), parts_(&own_, 1) {}
    Key(std::initializer_list<Value> parts) : parts_(parts.begin(), parts.size()) {}
    Key(std::span<const Value> parts) : parts_(parts) {}
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;

    std::span<const Value> parts() const noexcept { return parts_; }
    std::string to_display() const {
        std::string out;
        for (const auto& p : parts_) out += (out.empty() ? "" : ", ") + p.to_display();
        return parts_.size() == 1 ? out : "(" + out + ")";
    }

private:
    Value own_;
    std::span<const Value> parts_;
};

// A generated key the database has not filled yet: NULL or 0.
inline bool is_unset_key(const Value& v) { return v.is_null() || (v.kind() == ValueKind::int64 && v.as_int64() == 0); }

struct FieldModel {
    FieldInfo info;
    MemberKey key;
    std::function<Value(const void*)> get;
    std::function<void(void*, Value&&)> set;  // takes the value: text moves into the member
    // Hydration without a Value (see DirectRead): takes a cell that Cursor::read_row decoded as
    // direct_kind, for columns declared with that kind; false means "use set() with the cell's
    // Value instead". A plain function (the member pointer comes back from `key`): called for
    // every cell.
    ValueKind direct_kind = ValueKind::null;
    bool (*take)(const MemberKey& member, void* object, const Cell& cell) = nullptr;
    std::vector<Rule> rules;
};

// A relation of a mapped class, type-erased. `member` is the struct member holding the related
// object(s) (std::vector<C> or std::optional<C>); `key` is the foreign-key member: on the target
// for has_one / has_many, on this class for belongs_to, unused for many_to_many (join table).
struct RelationModel {
    RelationInfo info;  // target and foreign_key are filled when the Database knows both models
    std::type_index target = typeid(void);
    MemberKey member;
    MemberKey key;
    std::function<void(void*)> reset;                                          // empties the member
    std::function<void(void* owner, void* related, bool move)> attach;         // adds one related object
    // Adds a default related object to the owner's member and returns it, for eager loading to
    // fill in place. A plain function (the member pointer comes back from `member`): called per row.
    void* (*emplace)(const MemberKey& member, void* owner) = nullptr;
    std::function<void(void* owner, const std::function<void(void*)>&)> each;  // visits the related objects
};

// Lifecycle hooks: before_* run before validation and SQL (and may change the object or throw to
// stop the operation); after_* run after the statement, inside the caller's transaction if any.
struct EntityHooks {
    using Hook = std::function<void(void*)>;
    std::vector<Hook> before_create, after_create, before_update, after_update, before_remove, after_remove;
};

struct EntityModel {
    std::type_index type = typeid(void);
    std::string name;   // entity name (the table's, unless given)
    std::string table;
    std::vector<FieldModel> fields;
    std::vector<RelationModel> relations;
    std::vector<IndexInfo> indexes;  // by field name
    EntityHooks hooks;
    // The primary key's fields (indexes into fields), in key order: one for a key of one column
    // (generated by .id() or assigned by .key()), several for a composite key (.key() each).
    std::vector<std::size_t> key_fields;
    int id_field = -1;  // the key's field when it has exactly one, else -1
    std::shared_ptr<const ChangeShape> change_shape;  // set by Database::map; shared by its change events
    // SELECT of every field by key (one parameter): set by Database::map when there is a
    // key, so find() neither builds nor looks up its SQL.
    std::string find_sql;
    std::function<std::shared_ptr<void>()> make;  // a default-constructed object
    // Makes an object default again (T{} assigned); empty for classes that cannot be assigned.
    // Eager loading reads every row into one scratch object, moved out and reset per row.
    std::function<void(void*)> reset;

    // The key field the database generates (.id()), or null: then every key part is assigned.
    const FieldModel* generated_key() const {
        return id_field >= 0 && fields[static_cast<std::size_t>(id_field)].info.generated ? &fields[static_cast<std::size_t>(id_field)]
                                                                                         : nullptr;
    }
    const FieldModel* find(const MemberKey& key) const {
        for (const auto& f : fields)
            if (f.key == key) return &f;
        return nullptr;
    }
    const RelationModel* find_relation(const MemberKey& member) const {
        for (const auto& r : relations)
            if (r.member == member) return &r;
        return nullptr;
    }
    EntityInfo info() const;
};

}  // namespace rex

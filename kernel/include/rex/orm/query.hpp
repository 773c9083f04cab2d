// Typed SELECT queries over mapped classes. The classes in scope are part of the query's type:
// where(), order_by() and join conditions only accept columns of classes in scope.
//
//   auto adults = db.select<User>().where(rex::col(&User::age) >= 18).order_by(&User::name).limit(10).all();
#pragma once

#include <rex/orm/expr.hpp>
#include <rex/sql/compiler.hpp>

#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

namespace rex {

class Session;
class Database;

// The untyped state of a select; Session turns it into SQL and rows.
struct SelectState {
    std::type_index root = typeid(void);
    struct JoinPart {
        sql::JoinKind kind;
        std::type_index entity;
        ExprBuilder on;
    };
    std::vector<JoinPart> joins;
    std::vector<ExprBuilder> where;
    struct OrderPart {
        ExprBuilder expr;
        bool descending;
    };
    std::vector<OrderPart> order;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
    bool distinct = false;
    // Relations to load after the rows, each a path from the root class (eager loading).
    std::vector<std::vector<MemberKey>> with;
};

namespace detail {
template <class H>
struct related_of {};
template <class C>
struct related_of<std::vector<C>> {
    using type = C;
};
template <class C>
struct related_of<std::optional<C>> {
    using type = C;
};
template <class P>
struct member_of {};
template <class C, class M>
struct member_of<M C::*> {
    using owner = C;
    using type = M;
};

// True when each member is a relation holder (vector / optional) of the class the previous one holds.
template <class Owner>
constexpr bool relation_path() {
    return true;
}
template <class Owner, class First, class... Rest>
constexpr bool relation_path() {
    if constexpr (requires { typename related_of<typename member_of<First>::type>::type; }) {
        if constexpr (std::is_same_v<typename member_of<First>::owner, Owner>)
            return relation_path<typename related_of<typename member_of<First>::type>::type, Rest...>();
        else
            return false;
    } else {
        return false;
    }
}
}  // namespace detail

template <class T, class S>
class Select {
public:
    Select(Session& session, SelectState state) : session_(&session), state_(std::move(state)) {}
    Select(Database& database, SelectState state);

    template <class C>
        requires scope_within<C, S>::value
    Select where(const Condition<C>& condition) && {
        state_.where.push_back(condition.build);
        return std::move(*this);
    }

    template <class U, class C>
        requires scope_within<C, scope_union_t<S, Scope<U>>>::value
    Select<T, scope_union_t<S, Scope<U>>> join(const Condition<C>& on) && {
        state_.joins.push_back({sql::JoinKind::inner, typeid(U), on.build});
        return rebind<scope_union_t<S, Scope<U>>>();
    }

    template <class U, class C>
        requires scope_within<C, scope_union_t<S, Scope<U>>>::value
    Select<T, scope_union_t<S, Scope<U>>> left_join(const Condition<C>& on) && {
        state_.joins.push_back({sql::JoinKind::left, typeid(U), on.build});
        return rebind<scope_union_t<S, Scope<U>>>();
    }

    template <class E, class V>
        requires scope_has<E, S>::value
    Select order_by(V E::*member, bool descending = false) && {
        state_.order.push_back({col(member).builder(), descending});
        return std::move(*this);
    }

    template <class E, class V>
        requires scope_has<E, S>::value
    Select order_by_desc(V E::*member) && {
        return std::move(*this).order_by(member, true);
    }

    // Loads a relation of the results, and optionally relations of what it loads, with one
    // query per level: .with(&User::posts), .with(&User::posts, &Post::tags).
    template <class First, class... Rest>
        requires(detail::relation_path<T, First, Rest...>())
    Select with(First relation, Rest... nested) && {
        state_.with.push_back({MemberKey::of(relation), MemberKey::of(nested)...});
        return std::move(*this);
    }

    Select limit(std::int64_t n) && {
        state_.limit = n;
        return std::move(*this);
    }
    Select offset(std::int64_t n) && {
        state_.offset = n;
        return std::move(*this);
    }
    Select distinct() && {
        state_.distinct = true;
        return std::move(*this);
    }

    std::vector<T> all() const;
    std::optional<T> first() const;
    std::int64_t count() const;
    sql::CompiledQuery to_sql() const;
    const SelectState& state() const { return state_; }

private:
    template <class, class>
    friend class Select;
    template <class S2>
    Select<T, S2> rebind() {
        Select<T, S2> next = session_ ? Select<T, S2>(*session_, std::move(state_)) : Select<T, S2>(*database_, std::move(state_));
        return next;
    }

    Session* session_ = nullptr;
    Database* database_ = nullptr;
    SelectState state_;
};

}  // namespace rex

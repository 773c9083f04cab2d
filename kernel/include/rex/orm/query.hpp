// Typed SELECT queries over mapped classes. The classes in scope are part of the query's type:
// where(), order_by() and join conditions only accept columns of classes in scope.
//
//   auto adults = db.select<User>().where(rex::col(&User::age) >= 18).order_by(&User::name).limit(10).all();
#pragma once

#include <rex/orm/expr.hpp>
#include <rex/sql/compiler.hpp>

#include <cstdint>
#include <optional>
#include <tuple>
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
        sql::NullsOrder nulls = sql::NullsOrder::database_default;
    };
    std::vector<OrderPart> order;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
    bool distinct = false;
    std::vector<ExprBuilder> columns;  // a projection (Select::columns); empty: the root's fields
    std::vector<ExprBuilder> group_by;
    std::vector<ExprBuilder> having;
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

// Where NULLs sort (where the database lets you choose).
using Nulls = sql::NullsOrder;
inline constexpr bool descending = true;

namespace detail {
template <class X>
auto as_expression(const X& x) {
    if constexpr (std::is_member_object_pointer_v<X>)
        return col(x);
    else
        return x;
}
template <class X>
using expression_t = decltype(as_expression(std::declval<X>()));
}  // namespace detail

template <class T, class S, class O, class Row>
class Projection;

// T: the class whose rows come back; S: the classes in scope (T, joined ones, outer ones);
// O: the classes of an enclosing query this one refers to (subqueries, see outer()).
template <class T, class S, class O = Scope<>>
class Select {
public:
    using outer_scope = O;
    using row_type = std::tuple<T>;

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
    Select<T, scope_union_t<S, Scope<U>>, O> join(const Condition<C>& on) && {
        return std::move(*this).template add_join<U>(sql::JoinKind::inner, on.build);
    }
    template <class U, class C>
        requires scope_within<C, scope_union_t<S, Scope<U>>>::value
    Select<T, scope_union_t<S, Scope<U>>, O> left_join(const Condition<C>& on) && {
        return std::move(*this).template add_join<U>(sql::JoinKind::left, on.build);
    }
    // RIGHT JOIN: SQLite 3.39+, PostgreSQL, MariaDB. Rows of T may then be absent; use columns().
    template <class U, class C>
        requires scope_within<C, scope_union_t<S, Scope<U>>>::value
    Select<T, scope_union_t<S, Scope<U>>, O> right_join(const Condition<C>& on) && {
        return std::move(*this).template add_join<U>(sql::JoinKind::right, on.build);
    }

    // Makes U's columns usable in a subquery that the query over U will enclose.
    template <class U>
    Select<T, scope_union_t<S, Scope<U>>, scope_union_t<O, Scope<U>>> outer() && {
        return rebind<scope_union_t<S, Scope<U>>, scope_union_t<O, Scope<U>>>();
    }

    // order_by(&User::name), order_by(&User::age, rex::descending, rex::Nulls::last),
    // order_by(rex::count(), rex::descending) in a grouped query.
    template <class X>
        requires scope_within<typename detail::expression_t<X>::scope, S>::value
    Select order_by(const X& expression, bool descending = false, Nulls nulls = Nulls::database_default) && {
        state_.order.push_back({detail::as_expression(expression).builder(), descending, nulls});
        return std::move(*this);
    }
    template <class X>
        requires scope_within<typename detail::expression_t<X>::scope, S>::value
    Select order_by_desc(const X& expression) && {
        return std::move(*this).order_by(expression, true);
    }

    template <class... X>
        requires(sizeof...(X) > 0 && (scope_within<typename detail::expression_t<X>::scope, S>::value && ...))
    Select group_by(const X&... expressions) && {
        (state_.group_by.push_back(detail::as_expression(expressions).builder()), ...);
        return std::move(*this);
    }
    template <class C>
        requires scope_within<C, S>::value
    Select having(const Condition<C>& condition) && {
        state_.having.push_back(condition.build);
        return std::move(*this);
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

    // Chosen columns and expressions instead of whole objects; rows come back as tuples:
    //   for (auto [name, posts] : db.select<User>().join<Post>(...).group_by(&User::name)
    //                                  .columns(&User::name, rex::count()).all())
    template <class... X>
        requires(sizeof...(X) > 0 && (scope_within<typename detail::expression_t<X>::scope, S>::value && ...))
    Projection<T, S, O, std::tuple<typename detail::expression_t<X>::value_type...>> columns(const X&... expressions) && {
        (state_.columns.push_back(detail::as_expression(expressions).builder()), ...);
        using P = Projection<T, S, O, std::tuple<typename detail::expression_t<X>::value_type...>>;
        return session_ ? P(*session_, std::move(state_)) : P(*database_, std::move(state_));
    }

    std::vector<T> all() const;
    std::optional<T> first() const;
    std::int64_t count() const;
    bool exists() const { return count() > 0; }
    sql::CompiledQuery to_sql() const;
    const SelectState& state() const { return state_; }

private:
    template <class, class, class>
    friend class Select;
    template <class S2, class O2 = O>
    Select<T, S2, O2> rebind() {
        return session_ ? Select<T, S2, O2>(*session_, std::move(state_)) : Select<T, S2, O2>(*database_, std::move(state_));
    }
    template <class U>
    Select<T, scope_union_t<S, Scope<U>>, O> add_join(sql::JoinKind kind, ExprBuilder on) && {
        state_.joins.push_back({kind, typeid(U), std::move(on)});
        return rebind<scope_union_t<S, Scope<U>>>();
    }

    Session* session_ = nullptr;
    Database* database_ = nullptr;
    SelectState state_;
};

// A select of chosen columns: rows are std::tuple<V...> of the expressions' types.
template <class T, class S, class O, class Row>
class Projection {
public:
    using outer_scope = O;
    using row_type = Row;

    Projection(Session& session, SelectState state) : session_(&session), state_(std::move(state)) {}
    Projection(Database& database, SelectState state) : database_(&database), state_(std::move(state)) {}

    std::vector<Row> all() const;
    std::optional<Row> first() const;
    sql::CompiledQuery to_sql() const;
    const SelectState& state() const { return state_; }

private:
    Session* session_ = nullptr;
    Database* database_ = nullptr;
    SelectState state_;
};

}  // namespace rex

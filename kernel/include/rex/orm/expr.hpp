// Typed conditions over mapped members. A column knows its class and value type, so comparing
// it with a value of another type, or using it in a query that does not have its class in scope,
// does not compile.
//
//   rex::col(&User::age) >= 18 && rex::col(&User::name).like("A%")
#pragma once

#include <rex/orm/model.hpp>
#include <rex/orm/value_traits.hpp>
#include <rex/sql/ast.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace rex {

// ---- a compile-time set of mapped classes --------------------------------------------------
template <class... Es>
struct Scope {};

template <class E, class S>
struct scope_has;
template <class E, class... Es>
struct scope_has<E, Scope<Es...>> : std::bool_constant<(std::same_as<E, Es> || ...)> {};

template <class A, class B>
struct scope_within;  // every class of A is in B
template <class... As, class B>
struct scope_within<Scope<As...>, B> : std::bool_constant<(scope_has<As, B>::value && ...)> {};

template <class A, class B>
struct scope_union;
template <class... As, class... Bs>
struct scope_union<Scope<As...>, Scope<Bs...>> {
    using type = Scope<As..., Bs...>;  // duplicates are harmless for membership tests
};
template <class A, class B>
using scope_union_t = typename scope_union<A, B>::type;

// ---- resolving members to table columns at query time ----------------------------------------
struct SelectState;

class ColumnResolver {
public:
    virtual ~ColumnResolver() = default;
    // The (table alias, column) of a member; throws NotFoundError for an unmapped member.
    virtual sql::ColumnRef column(const MemberKey& key) const = 0;
    // The AST of a nested select (subqueries).
    virtual sql::SelectPtr subquery(const SelectState& state) const = 0;
};

using ExprBuilder = std::function<sql::ExprPtr(const ColumnResolver&)>;

// ---- which values a column of type V may be compared with -----------------------------------
namespace detail {
template <class V, class U>
consteval bool comparable() {
    using A = unwrap_optional_t<std::remove_cvref_t<V>>;
    using B = unwrap_optional_t<std::remove_cvref_t<std::decay_t<U>>>;
    if constexpr (std::same_as<A, bool> || std::same_as<B, bool>) return std::same_as<A, B>;
    else if constexpr (std::is_arithmetic_v<A>) return std::is_arithmetic_v<B>;
    else if constexpr (std::same_as<A, std::string>) return std::is_convertible_v<B, std::string_view>;
    else return std::same_as<A, B>;
}
}  // namespace detail

template <class V, class U>
concept comparable_with = detail::comparable<V, U>();

template <class S>
struct Condition {
    using scope = S;
    ExprBuilder build;
};

// A typed SQL expression that is not a plain column: an aggregate, a scalar subquery. S is the
// set of classes it refers to, V the C++ type of its value.
template <class S, class V>
struct TypedExpr {
    using scope = S;
    using value_type = V;
    ExprBuilder build;
    ExprBuilder builder() const { return build; }
};

template <class E, class V>
struct Col {
    using entity = E;
    using scope = Scope<E>;
    using value_type = V;
    MemberKey key;

    ExprBuilder builder() const {
        return [k = key](const ColumnResolver& r) { return sql::make(r.column(k)); };
    }

    template <class U>
        requires comparable_with<V, U> && std::convertible_to<U, std::string_view> && std::same_as<unwrap_optional_t<V>, std::string>
    Condition<Scope<E>> like(const U& pattern) const {
        return like_op(sql::BinaryOp::like, std::string(std::string_view(pattern)));
    }
    template <class U>
        requires comparable_with<V, U> && std::convertible_to<U, std::string_view> && std::same_as<unwrap_optional_t<V>, std::string>
    Condition<Scope<E>> not_like(const U& pattern) const {
        return like_op(sql::BinaryOp::not_like, std::string(std::string_view(pattern)));
    }
    Condition<Scope<E>> is_null() const {
        return {[b = builder()](const ColumnResolver& r) { return sql::make(sql::Unary{sql::UnaryOp::is_null, b(r)}); }};
    }
    Condition<Scope<E>> is_not_null() const {
        return {[b = builder()](const ColumnResolver& r) { return sql::make(sql::Unary{sql::UnaryOp::is_not_null, b(r)}); }};
    }
    template <class U>
        requires comparable_with<V, U>
    Condition<Scope<E>> between(const U& low, const U& high) const {
        return {[b = builder(), lo = to_value(low), hi = to_value(high)](const ColumnResolver& r) {
            return sql::make(sql::Between{b(r), sql::make(sql::Literal{lo}), sql::make(sql::Literal{hi}), false});
        }};
    }
    template <class U>
        requires comparable_with<V, U>
    Condition<Scope<E>> in(const std::vector<U>& values) const {
        return in_list(values, false);
    }
    template <class U>
        requires comparable_with<V, U>
    Condition<Scope<E>> not_in(const std::vector<U>& values) const {
        return in_list(values, true);
    }
    // in / not_in a one-column subquery: see Select::columns and Select::outer.
    template <class Q>
        requires(std::tuple_size_v<typename Q::row_type> == 1 &&
                 comparable_with<V, std::tuple_element_t<0, typename Q::row_type>>)
    Condition<scope_union_t<Scope<E>, typename Q::outer_scope>> in(const Q& subquery) const {
        return in_subquery<scope_union_t<Scope<E>, typename Q::outer_scope>>(subquery.state(), false);
    }
    template <class Q>
        requires(std::tuple_size_v<typename Q::row_type> == 1 &&
                 comparable_with<V, std::tuple_element_t<0, typename Q::row_type>>)
    Condition<scope_union_t<Scope<E>, typename Q::outer_scope>> not_in(const Q& subquery) const {
        return in_subquery<scope_union_t<Scope<E>, typename Q::outer_scope>>(subquery.state(), true);
    }

    Condition<Scope<E>> like_op(sql::BinaryOp op, std::string pattern) const {
        return {[b = builder(), op, p = std::move(pattern)](const ColumnResolver& r) {
            return sql::make(sql::Binary{op, b(r), sql::make(sql::Literal{Value(p)})});
        }};
    }
    template <class U>
    Condition<Scope<E>> in_list(const std::vector<U>& values, bool negated) const {
        std::vector<Value> vs;
        for (const auto& v : values) vs.push_back(to_value(v));
        return {[b = builder(), vs, negated](const ColumnResolver& r) {
            std::vector<sql::ExprPtr> items;
            for (const auto& v : vs) items.push_back(sql::make(sql::Literal{v}));
            return sql::make(sql::InList{b(r), std::move(items), negated});
        }};
    }
    template <class Scope2, class State>
    Condition<Scope2> in_subquery(const State& state, bool negated) const {
        return {[b = builder(), state, negated](const ColumnResolver& r) {
            return sql::make(sql::InSubquery{b(r), r.subquery(state), negated});
        }};
    }

    template <class U>
    static Value to_value(const U& v) {
        if constexpr (std::is_convertible_v<U, std::string_view> && !std::same_as<U, std::nullptr_t>)
            return Value(std::string(std::string_view(v)));
        else
            return ValueTraits<U>::to_value(v);
    }
};

template <class E, class V>
Col<E, V> col(V E::*member) {
    return {MemberKey::of(member)};
}

// Anything usable where a value expression goes: columns and typed expressions.
template <class X>
concept typed_expression = requires(const X& x) {
    typename X::scope;
    typename X::value_type;
    { x.builder() } -> std::convertible_to<ExprBuilder>;
};

namespace detail {

template <class S>
Condition<S> compare(sql::BinaryOp op, ExprBuilder left, ExprBuilder right) {
    return {[op, l = std::move(left), r = std::move(right)](const ColumnResolver& res) {
        return sql::make(sql::Binary{op, l(res), r(res)});
    }};
}

template <class U>
Value literal_value(const U& v) {
    if constexpr (std::is_convertible_v<U, std::string_view> && !std::same_as<U, std::nullptr_t>)
        return Value(std::string(std::string_view(v)));
    else
        return ValueTraits<U>::to_value(v);
}

template <class X, class U>
Condition<typename X::scope> compare_value(sql::BinaryOp op, const X& x, const U& value) {
    return compare<typename X::scope>(op, x.builder(), [v = literal_value(value)](const ColumnResolver&) {
        return sql::make(sql::Literal{v});
    });
}

}  // namespace detail

#define REX_ORM_COMPARISON(OP, CODE)                                                                       \
    template <typed_expression X, class U>                                                                 \
        requires(!typed_expression<U> && comparable_with<typename X::value_type, U>)                       \
    Condition<typename X::scope> operator OP(const X& x, const U& value) {                                 \
        return detail::compare_value(sql::BinaryOp::CODE, x, value);                                       \
    }                                                                                                      \
    template <typed_expression X, typed_expression Y>                                                      \
        requires comparable_with<typename X::value_type, typename Y::value_type>                           \
    Condition<scope_union_t<typename X::scope, typename Y::scope>> operator OP(const X& a, const Y& b) {    \
        return detail::compare<scope_union_t<typename X::scope, typename Y::scope>>(sql::BinaryOp::CODE,  \
                                                                                    a.builder(), b.builder()); \
    }

REX_ORM_COMPARISON(==, eq)
REX_ORM_COMPARISON(!=, ne)
REX_ORM_COMPARISON(<, lt)
REX_ORM_COMPARISON(<=, le)
REX_ORM_COMPARISON(>, gt)
REX_ORM_COMPARISON(>=, ge)
#undef REX_ORM_COMPARISON

template <class A, class B>
Condition<scope_union_t<A, B>> operator&&(const Condition<A>& a, const Condition<B>& b) {
    return detail::compare<scope_union_t<A, B>>(sql::BinaryOp::and_, a.build, b.build);
}

template <class A, class B>
Condition<scope_union_t<A, B>> operator||(const Condition<A>& a, const Condition<B>& b) {
    return detail::compare<scope_union_t<A, B>>(sql::BinaryOp::or_, a.build, b.build);
}

template <class A>
Condition<A> operator!(const Condition<A>& a) {
    return {[b = a.build](const ColumnResolver& r) { return sql::make(sql::Unary{sql::UnaryOp::not_, b(r)}); }};
}

// A trusted SQL fragment with bound parameters, for what the builder cannot say:
//   .where(rex::raw_sql("lower(name) = lower(?)", {rex::Value("ADA")}))
// It names no classes, so it fits any query; its column names are not checked.
inline Condition<Scope<>> raw_sql(std::string sql, std::vector<Value> params = {}) {
    return {[f = sql::RawSql{std::move(sql), std::move(params)}](const ColumnResolver&) { return sql::make(f); }};
}

// ---- aggregates ---------------------------------------------------------------------------
// COUNT gives an int64; SUM, AVG, MIN and MAX are NULL over no rows, hence optional.
namespace detail {
template <class S, class V>
TypedExpr<S, V> aggregate(sql::Aggregate f, ExprBuilder argument, bool distinct = false) {
    return {[f, a = std::move(argument), distinct](const ColumnResolver& r) {
        return sql::make(sql::AggregateCall{f, a ? a(r) : nullptr, distinct});
    }};
}
template <class V>
using sum_t = std::conditional_t<std::is_integral_v<unwrap_optional_t<V>> && !std::is_same_v<unwrap_optional_t<V>, bool>,
                                 std::int64_t, unwrap_optional_t<V>>;
}  // namespace detail

inline TypedExpr<Scope<>, std::int64_t> count() { return detail::aggregate<Scope<>, std::int64_t>(sql::Aggregate::count, nullptr); }
template <class E, class V>
TypedExpr<Scope<E>, std::int64_t> count(V E::*member) {
    return detail::aggregate<Scope<E>, std::int64_t>(sql::Aggregate::count, col(member).builder());
}
template <class E, class V>
TypedExpr<Scope<E>, std::int64_t> count_distinct(V E::*member) {
    return detail::aggregate<Scope<E>, std::int64_t>(sql::Aggregate::count, col(member).builder(), true);
}
template <class E, class V>
    requires std::is_arithmetic_v<unwrap_optional_t<V>> || std::same_as<unwrap_optional_t<V>, Decimal>
TypedExpr<Scope<E>, std::optional<detail::sum_t<V>>> sum(V E::*member) {
    return detail::aggregate<Scope<E>, std::optional<detail::sum_t<V>>>(sql::Aggregate::sum, col(member).builder());
}
template <class E, class V>
    requires std::is_arithmetic_v<unwrap_optional_t<V>> || std::same_as<unwrap_optional_t<V>, Decimal>
TypedExpr<Scope<E>, std::optional<double>> avg(V E::*member) {
    return detail::aggregate<Scope<E>, std::optional<double>>(sql::Aggregate::avg, col(member).builder());
}
template <class E, class V>
TypedExpr<Scope<E>, std::optional<unwrap_optional_t<V>>> min(V E::*member) {
    return detail::aggregate<Scope<E>, std::optional<unwrap_optional_t<V>>>(sql::Aggregate::min, col(member).builder());
}
template <class E, class V>
TypedExpr<Scope<E>, std::optional<unwrap_optional_t<V>>> max(V E::*member) {
    return detail::aggregate<Scope<E>, std::optional<unwrap_optional_t<V>>>(sql::Aggregate::max, col(member).builder());
}

// ---- subqueries ---------------------------------------------------------------------------
// A subquery may use the classes of the query around it once it names them with outer<U>():
//   rex::exists(db.select<Post>().outer<User>().where(rex::col(&Post::user_id) == rex::col(&User::id)))
template <class Q>
Condition<typename Q::outer_scope> exists(const Q& subquery) {
    return {[state = subquery.state()](const ColumnResolver& r) {
        return sql::make(sql::Unary{sql::UnaryOp::exists, sql::make(sql::SubqueryExpr{r.subquery(state)})});
    }};
}
template <class Q>
Condition<typename Q::outer_scope> not_exists(const Q& subquery) {
    return {[state = subquery.state()](const ColumnResolver& r) {
        return sql::make(sql::Unary{sql::UnaryOp::not_exists, sql::make(sql::SubqueryExpr{r.subquery(state)})});
    }};
}
// The single value of a one-column subquery (NULL when it has no row).
template <class Q>
    requires(std::tuple_size_v<typename Q::row_type> == 1)
TypedExpr<typename Q::outer_scope, std::optional<unwrap_optional_t<std::tuple_element_t<0, typename Q::row_type>>>> scalar(
    const Q& subquery) {
    return {[state = subquery.state()](const ColumnResolver& r) { return sql::make(sql::SubqueryExpr{r.subquery(state)}); }};
}

}  // namespace rex

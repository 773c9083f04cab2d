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
#include <string_view>
#include <type_traits>

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
class ColumnResolver {
public:
    virtual ~ColumnResolver() = default;
    // The (table alias, column) of a member; throws NotFoundError for an unmapped member.
    virtual sql::ColumnRef column(const MemberKey& key) const = 0;
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

template <class E, class V>
struct Col {
    using entity = E;
    using value_type = V;
    MemberKey key;

    ExprBuilder builder() const {
        return [k = key](const ColumnResolver& r) { return sql::make(r.column(k)); };
    }

    template <class U>
        requires comparable_with<V, U> && std::convertible_to<U, std::string_view> && std::same_as<unwrap_optional_t<V>, std::string>
    Condition<Scope<E>> like(const U& pattern) const {
        return {[b = builder(), p = std::string(std::string_view(pattern))](const ColumnResolver& r) {
            return sql::make(sql::Binary{sql::BinaryOp::like, b(r), sql::make(sql::Literal{Value(p)})});
        }};
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
        std::vector<Value> vs;
        for (const auto& v : values) vs.push_back(to_value(v));
        return {[b = builder(), vs](const ColumnResolver& r) {
            std::vector<sql::ExprPtr> items;
            for (const auto& v : vs) items.push_back(sql::make(sql::Literal{v}));
            return sql::make(sql::InList{b(r), std::move(items), false});
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

namespace detail {

template <class S>
Condition<S> compare(sql::BinaryOp op, ExprBuilder left, ExprBuilder right) {
    return {[op, l = std::move(left), r = std::move(right)](const ColumnResolver& res) {
        return sql::make(sql::Binary{op, l(res), r(res)});
    }};
}

template <class E, class V, class U>
Condition<Scope<E>> compare_value(sql::BinaryOp op, const Col<E, V>& c, const U& value) {
    return compare<Scope<E>>(op, c.builder(), [v = Col<E, V>::to_value(value)](const ColumnResolver&) {
        return sql::make(sql::Literal{v});
    });
}

}  // namespace detail

#define REX_ORM_COMPARISON(OP, CODE)                                                              \
    template <class E, class V, class U>                                                          \
        requires comparable_with<V, U>                                                            \
    Condition<Scope<E>> operator OP(const Col<E, V>& c, const U& value) {                         \
        return detail::compare_value(sql::BinaryOp::CODE, c, value);                              \
    }                                                                                             \
    template <class E1, class V1, class E2, class V2>                                             \
        requires comparable_with<V1, V2>                                                          \
    Condition<Scope<E1, E2>> operator OP(const Col<E1, V1>& a, const Col<E2, V2>& b) {            \
        return detail::compare<Scope<E1, E2>>(sql::BinaryOp::CODE, a.builder(), b.builder());     \
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

}  // namespace rex

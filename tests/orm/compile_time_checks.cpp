// Compile-time guarantees of the typed API: these static_asserts are the negative tests. A
// regression that made a wrong comparison or an out-of-scope column compile breaks the build.
#include "models.hpp"

#include <catch2/catch.hpp>

using namespace rex;
using orm_test::Post;
using orm_test::User;

namespace {

template <class L, class R>
concept can_eq = requires(L l, R r) { l == r; };
template <class L, class R>
concept can_ge = requires(L l, R r) { l >= r; };
template <class Q, class C>
concept can_where = requires(Q q, C c) { std::move(q).where(c); };
template <class Q, class M>
concept can_order_by = requires(Q q, M m) { std::move(q).order_by(m); };

template <class E, class M>
concept can_id = requires(E e, M m) { e.id(m); };
template <class E, class M>
concept can_key = requires(E e, M m) { e.key(m, "k"); };

// A generated key is an integer; an assigned key may be any mapped type but not optional.
static_assert(can_id<Entity<User>, std::int64_t User::*>);
static_assert(!can_id<Entity<User>, std::string User::*>);
static_assert(can_key<Entity<User>, std::string User::*>);
static_assert(can_key<Entity<User>, std::int64_t User::*>);
static_assert(!can_key<Entity<User>, std::optional<int> User::*>);
static_assert(!can_key<Entity<User>, std::string Post::*>);

using AgeCol = Col<User, std::optional<int>>;
using NameCol = Col<User, std::string>;
using ActiveCol = Col<User, bool>;
using UserQuery = Select<User, Scope<User>>;
using JoinedQuery = Select<User, Scope<User, Post>>;

// Comparing a column with a value of the right type compiles...
static_assert(can_ge<AgeCol, int>);
static_assert(can_ge<AgeCol, double>);
static_assert(can_eq<NameCol, const char*>);
static_assert(can_eq<NameCol, std::string>);
static_assert(can_eq<ActiveCol, bool>);
static_assert(can_eq<Col<Post, std::int64_t>, Col<User, std::int64_t>>);
// ...and with a value of the wrong type does not.
static_assert(!can_ge<AgeCol, std::string>);
static_assert(!can_ge<AgeCol, const char*>);
static_assert(!can_eq<NameCol, int>);
static_assert(!can_eq<ActiveCol, int>);
static_assert(!can_eq<AgeCol, Timestamp>);
static_assert(!can_eq<Col<Post, std::int64_t>, NameCol>);

// A column of an entity that is not in the query's scope does not compile...
static_assert(can_where<UserQuery, Condition<Scope<User>>>);
static_assert(!can_where<UserQuery, Condition<Scope<Post>>>);
static_assert(!can_where<UserQuery, Condition<Scope<User, Post>>>);
static_assert(!can_order_by<UserQuery, double Post::*>);
// ...until a join brings it in.
static_assert(can_where<JoinedQuery, Condition<Scope<Post>>>);
static_assert(can_order_by<JoinedQuery, double Post::*>);

// Mapping only accepts members of the mapped class.
template <class E, class M>
concept can_map_field = requires(E e, M m) { e.field(m, "x"); };
static_assert(can_map_field<Entity<User>, std::string User::*>);
static_assert(!can_map_field<Entity<User>, std::string Post::*>);

// with() takes a path of relations, each one starting where the previous one ends.
template <class Q, class... Path>
concept can_with = requires(Q q, Path... p) { std::move(q).with(p...); };
using orm_test::Tag;
static_assert(can_with<UserQuery, std::vector<Post> User::*>);
static_assert(can_with<UserQuery, std::vector<Post> User::*, std::vector<Tag> Post::*>);
static_assert(can_with<UserQuery, std::vector<Post> User::*, std::optional<User> Post::*, std::vector<Post> User::*>);
static_assert(!can_with<UserQuery, std::vector<Tag> Post::*>);                             // not a relation of User
static_assert(!can_with<UserQuery, std::string User::*>);                                  // not a relation at all
static_assert(!can_with<UserQuery, std::vector<Post> User::*, std::vector<Post> User::*>);  // Post has no posts

// Aggregates and projections are typed too.
template <class Q, class... X>
concept can_columns = requires(Q q, X... x) { std::move(q).columns(x...); };
template <class Q, class X>
concept can_group_by = requires(Q q, X x) { std::move(q).group_by(x); };
static_assert(can_ge<decltype(rex::count()), int>);
static_assert(!can_ge<decltype(rex::count()), std::string>);
static_assert(can_ge<decltype(rex::max(&User::name)), const char*>);
static_assert(!can_ge<decltype(rex::max(&User::name)), int>);
static_assert(std::is_same_v<decltype(rex::sum(&User::age))::value_type, std::optional<std::int64_t>>);
static_assert(std::is_same_v<decltype(rex::avg(&Post::score))::value_type, std::optional<double>>);
static_assert(can_columns<UserQuery, std::string User::*, decltype(rex::count())>);
static_assert(!can_columns<UserQuery, double Post::*>);                         // Post is not joined
static_assert(!can_columns<UserQuery, decltype(rex::sum(&Post::score))>);
static_assert(can_columns<JoinedQuery, decltype(rex::sum(&Post::score))>);
static_assert(!can_group_by<UserQuery, double Post::*>);
template <class M>
concept can_sum = requires(M m) { rex::sum(m); };
static_assert(!can_sum<std::string User::*>);  // SUM of text does not compile

// Subqueries: a correlated one needs outer<User>() to name User's columns, and then only fits a
// query that has User in scope.
using PostQuery = Select<Post, Scope<Post>>;
using PostsOfUser = Select<Post, Scope<Post, User>, Scope<User>>;
static_assert(!can_where<PostQuery, Condition<Scope<Post, User>>>);
static_assert(can_where<PostsOfUser, Condition<Scope<Post, User>>>);
static_assert(std::is_same_v<decltype(rex::exists(std::declval<PostsOfUser>())), Condition<Scope<User>>>);
static_assert(can_where<UserQuery, decltype(rex::exists(std::declval<PostsOfUser>()))>);
static_assert(!can_where<PostQuery, decltype(rex::exists(std::declval<PostsOfUser>()))>);
using UserIds = Projection<Post, Scope<Post>, Scope<>, std::tuple<std::int64_t>>;
using Titles = Projection<Post, Scope<Post>, Scope<>, std::tuple<std::string>>;
template <class C, class Q>
concept can_in = requires(C c, Q q) { c.in(q); };
static_assert(can_in<Col<User, std::int64_t>, UserIds>);
static_assert(!can_in<Col<User, std::int64_t>, Titles>);  // int64 IN (text): does not compile

}  // namespace

TEST_CASE("the typed API's compile-time checks hold (see the static_asserts)", "[orm][compile-time]") {
    SUCCEED("compiled");
}

// The models the ORM suite maps, as an application would write them.
#pragma once

#include <rex/orm.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unistd.h>

namespace orm_test {

struct User {
    std::int64_t id{};
    std::string name;
    std::string email;
    std::optional<int> age;
    bool active = true;
    std::optional<rex::Timestamp> joined;
};

struct Post {
    std::int64_t id{};
    std::int64_t user_id{};
    std::string title;
    double score = 0;
};

inline std::string suffix() { return "_" + std::to_string(::getpid()); }

inline rex::Entity<User> user_mapping() {
    return rex::entity<User>("rex_orm_users" + suffix())
        .named("users")
        .id(&User::id)
        .field(&User::name, "name", rex::varchar(100), rex::not_empty(), rex::length(1, 100))
        .field(&User::email, "email", rex::varchar(200).unique(), rex::email())
        .field(&User::age, "age", rex::range(0, 150))
        .field(&User::active, "active")
        .field(&User::joined, "joined");
}

inline rex::Entity<Post> post_mapping() {
    return rex::entity<Post>("rex_orm_posts" + suffix())
        .named("posts")
        .id(&Post::id)
        .field(&Post::user_id, "user_id")
        .field(&Post::title, "title", rex::varchar(200), rex::not_empty())
        .field(&Post::score, "score");
}

}  // namespace orm_test

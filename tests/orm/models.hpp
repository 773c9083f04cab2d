// The models the ORM suite maps, as an application would write them.
#pragma once

#include <rex/orm.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <unistd.h>

namespace orm_test {

struct Post;

struct Profile {
    std::int64_t id{};
    std::int64_t user_id{};
    std::string bio;
};

struct User {
    std::int64_t id{};
    std::string name;
    std::string email;
    std::optional<int> age;
    bool active = true;
    std::optional<rex::Timestamp> joined;
    std::vector<Post> posts;          // has_many
    std::optional<Profile> profile;   // has_one
};

struct Tag {
    std::int64_t id{};
    std::string label;
};

struct Post {
    std::int64_t id{};
    std::int64_t user_id{};
    std::string title;
    double score = 0;
    std::optional<User> author;  // belongs_to
    std::vector<Tag> tags;       // many_to_many
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
        .field(&User::joined, "joined")
        .has_many("posts", &User::posts, &Post::user_id)
        .has_one("profile", &User::profile, &Profile::user_id);
}

inline rex::Entity<Post> post_mapping() {
    return rex::entity<Post>("rex_orm_posts" + suffix())
        .named("posts")
        .id(&Post::id)
        .field(&Post::user_id, "user_id")
        .field(&Post::title, "title", rex::varchar(200), rex::not_empty())
        .field(&Post::score, "score")
        .index("rex_orm_posts_by_user" + suffix(), &Post::user_id, &Post::score)
        .belongs_to("author", &Post::author, &Post::user_id)
        .many_to_many("tags", &Post::tags, "rex_orm_post_tags" + suffix(), "post_id", "tag_id");
}

inline rex::Entity<Tag> tag_mapping() {
    return rex::entity<Tag>("rex_orm_tags" + suffix()).named("tags").id(&Tag::id).field(&Tag::label, "label", rex::varchar(50))
        .unique_index("rex_orm_tags_label" + suffix(), &Tag::label);
}

inline rex::Entity<Profile> profile_mapping() {
    return rex::entity<Profile>("rex_orm_profiles" + suffix())
        .named("profiles")
        .id(&Profile::id)
        .field(&Profile::user_id, "user_id")
        .field(&Profile::bio, "bio");
}

}  // namespace orm_test

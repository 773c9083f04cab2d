// A small blog on Rex's ORM: models, validation, relations, queries, transactions, raw SQL and
// change events. docs/guide.md walks through it; CI builds it against the installed package and
// runs it on SQLite, PostgreSQL and MariaDB, comparing the output with expected_output.txt.
//
//   REX_PLUGIN_PATH=<prefix>/lib/rex/plugins ./blog sqlite:blog.db
#include <rex/orm.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

// ---- 1. Models: plain structs ----------------------------------------------------------------
struct Post;

struct Author {
    std::int64_t id{};
    std::string name;
    std::string email;
    std::optional<int> born;
    std::vector<Post> posts;  // filled only when asked for (with / load)
};

struct Tag {
    std::int64_t id{};
    std::string label;
};

struct Post {
    std::int64_t id{};
    std::int64_t author_id{};
    std::string title;
    int likes = 0;
    std::optional<Author> author;
    std::vector<Tag> tags;
};

// ---- 2. Mappings: member pointers, checked at compile time -----------------------------------
rex::Entity<Author> author_mapping() {
    return rex::entity<Author>("blog_authors")
        .named("authors")
        .id(&Author::id)
        .field(&Author::name, "name", rex::varchar(100), rex::not_empty())
        .field(&Author::email, "email", rex::varchar(200).unique(), rex::email())
        .field(&Author::born, "born", rex::range(1800, 2100))
        .has_many("posts", &Author::posts, &Post::author_id);
}

rex::Entity<Post> post_mapping() {
    return rex::entity<Post>("blog_posts")
        .named("posts")
        .id(&Post::id)
        .field(&Post::author_id, "author_id")
        .field(&Post::title, "title", rex::varchar(200), rex::length(3, 200))
        .field(&Post::likes, "likes", rex::range(0, 1'000'000))
        .belongs_to("author", &Post::author, &Post::author_id)
        .many_to_many("tags", &Post::tags, "blog_post_tags", "post_id", "tag_id");
}

rex::Entity<Tag> tag_mapping() {
    return rex::entity<Tag>("blog_tags").named("tags").id(&Tag::id).field(&Tag::label, "label", rex::varchar(40).unique());
}

int main(int argc, char** argv) try {
    const std::string url = argc > 1 ? argv[1] : "sqlite:blog.db";

    // ---- 3. A kernel with its plugins, and a database ---------------------------------------
    rex::Kernel kernel;
    kernel.load_default_plugins();  // REX_PLUGIN_PATH, then lib/rex/plugins beside the kernel library
    rex::Database db(kernel, url);
    db.map(author_mapping()).map(post_mapping()).map(tag_mapping());
    db.drop_tables();  // a fresh start on every run
    db.create_tables();

    // Every committed change is published on the kernel's change bus.
    int changes = 0;
    auto subscription = kernel.changes().subscribe({{"authors"}}, kernel.changes().last_sequence(),
                                                   [&](const rex::ChangeEvent&) { ++changes; });

    // ---- 4. Create: generated keys are filled in --------------------------------------------
    Author ada{.name = "Ada", .email = "ada@example.com", .born = 1815};
    Author alan{.name = "Alan", .email = "alan@example.com", .born = 1912};
    Author grace{.name = "Grace", .email = "grace@example.com", .born = std::nullopt};
    db.insert(ada);
    db.insert(alan);
    db.insert(grace);
    std::cout << "authors: " << db.count<Author>() << ", ada has id " << (ada.id > 0 ? "set" : "missing") << "\n";

    // Many rows in few statements.
    std::vector<Post> posts{{.author_id = ada.id, .title = "Notes on the Engine", .likes = 120},
                            {.author_id = ada.id, .title = "Poetical Science", .likes = 45},
                            {.author_id = alan.id, .title = "Computable Numbers", .likes = 300}};
    db.insert_many(posts);
    // Every column of each, by its key, as one prepared statement run per post.
    for (auto& p : posts) p.likes += 1;
    db.update_many(posts);
    Tag math{.label = "math"}, history{.label = "history"};
    db.insert(math);
    db.insert(history);
    db.link(posts[0], &Post::tags, math);
    db.link(posts[0], &Post::tags, history);
    db.link(posts[2], &Post::tags, math);

    // ---- 5. Validation: every failure at once, before any SQL --------------------------------
    Author nobody{.name = "", .email = "not-an-email", .born = 1700};
    try {
        db.insert(nobody);
    } catch (const rex::ValidationError& e) {
        std::cout << "rejected: " << e.what() << "\n";
    }

    // ---- 6. Queries: typed columns, so a wrong type or an unjoined table does not compile ----
    using rex::col;
    for (const auto& a : db.select<Author>().where(col(&Author::born) < 1900 || col(&Author::born).is_null()).order_by(&Author::name).all())
        std::cout << "old or unknown: " << a.name << "\n";
    std::cout << "popular: " << db.select<Post>().where(col(&Post::likes) >= 100).count() << " posts\n";
    std::cout << "sql: " << db.select<Author>().where(col(&Author::name).like("A%")).limit(5).to_sql().sql << "\n";

    // Aggregates come back as typed tuples.
    for (auto [name, count, likes] : db.select<Author>()
                                         .join<Post>(col(&Post::author_id) == col(&Author::id))
                                         .group_by(&Author::name)
                                         .order_by(&Author::name)
                                         .columns(&Author::name, rex::count(), rex::sum(&Post::likes))
                                         .all())
        std::cout << name << ": " << count << " posts, " << likes.value_or(0) << " likes\n";

    // ---- 7. Relations: one query per level, never one per row --------------------------------
    for (const auto& a : db.select<Author>().with(&Author::posts, &Post::tags).order_by(&Author::name).all()) {
        std::cout << a.name << " wrote " << a.posts.size() << ":";
        for (const auto& p : a.posts) {
            std::cout << " [" << p.title;
            for (const auto& t : p.tags) std::cout << " #" << t.label;
            std::cout << "]";
        }
        std::cout << "\n";
    }
    auto first = *db.find<Post>(posts[0].id);
    db.load(first, &Post::author);  // lazy, on request
    std::cout << "'" << first.title << "' is by " << first.author->name << "\n";

    // ---- 8. Transactions: commit on return, roll back on exception, nest as savepoints --------
    try {
        db.transaction([&](rex::Session& s) {
            Author temp{.name = "Temp", .email = "temp@example.com", .born = 2000};
            s.insert(temp);
            throw std::runtime_error("changed my mind");
        });
    } catch (const std::runtime_error& e) {
        std::cout << "rolled back (" << e.what() << "), authors: " << db.count<Author>() << "\n";
    }

    // ---- 9. Updates write what changed ---------------------------------------------------------
    auto tracked = db.find_tracked<Author>(grace.id);
    (*tracked)->born = 1906;
    std::cout << "grace updated: " << std::boolalpha << db.update(*tracked) << ", again: " << db.update(*tracked) << "\n";

    // ---- 10. Raw SQL, still with bound parameters ----------------------------------------------
    const auto& d = db.dialect();
    const auto sql = "SELECT id, name, email FROM " + d.quote_identifier("blog_authors") + " WHERE born > " + d.placeholder(1) +
                     " ORDER BY name";
    for (const auto& a : db.raw<Author>(sql, {rex::Value(1900)})) std::cout << "born after 1900: " << a.name << "\n";

    std::cout << "author changes published: " << changes << "\n";
    db.drop_tables();
    return 0;
} catch (const std::exception& e) {
    std::cerr << "blog: " << e.what() << "\n";
    return 1;
}

// How database names become GraphQL names: as they are (Hasura's default), or `camel` (types
// PascalCase and singular, fields and arguments camelCase), which gives Chinook's PascalCase
// (SQLite, MariaDB) and snake_case (PostgreSQL) tables one schema.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rex::graphql {

enum class Naming : unsigned char { as_is, camel };

std::optional<Naming> parse_naming(std::string_view text) noexcept;  // "as-is", "camel"

class Names {
public:
    explicit Names(Naming naming = Naming::as_is) : naming_(naming) {}
    Naming naming() const noexcept { return naming_; }

    // The object type of an entity: "artist" / "Artist"; "playlist_tracks" -> "PlaylistTrack" (camel).
    std::string type(std::string_view entity) const;
    // A type derived from an entity's type: ("artist", "bool_exp") -> "artist_bool_exp" / "ArtistBoolExp".
    std::string derived(std::string_view type_name, std::string_view suffix) const;
    // A field, argument or input field: "artist_id" / "ArtistId" -> "artistId" (camel).
    std::string field(std::string_view name) const;
    // A root field: ("insert", "artist", "one") -> "insert_artist_one" / "insertArtistOne".
    std::string root(std::string_view prefix, std::string_view entity, std::string_view suffix = {}) const;

private:
    Naming naming_;
};

// Replaces every character GraphQL names do not allow by '_' (and a leading digit).
std::string graphql_name(std::string_view text);

}  // namespace rex::graphql

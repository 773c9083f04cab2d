// Splitting migration scripts into statements, so that each can be run, counted and named
// when it fails.
#include <rex/migrate.hpp>

#include <cctype>

namespace rex {

namespace {

bool word_at(std::string_view text, std::size_t i, std::string_view word) {
    if (i + word.size() > text.size()) return false;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_')) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
        if (std::toupper(static_cast<unsigned char>(text[i + k])) != word[k]) return false;
    const auto after = i + word.size();
    return after == text.size() || !(std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '_');
}

bool blank(std::string_view s) {
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

// True when the statement so far is a CREATE ... TRIGGER, whose body holds ';'.
bool is_trigger(std::string_view statement) {
    std::size_t i = 0;
    while (i < statement.size() && std::isspace(static_cast<unsigned char>(statement[i]))) ++i;
    if (!word_at(statement, i, "CREATE")) return false;
    const auto end = std::min(statement.size(), i + 80);  // CREATE [OR REPLACE] [TEMP] TRIGGER
    for (std::size_t k = i; k < end; ++k)
        if (word_at(statement, k, "TRIGGER")) return true;
    return false;
}

}  // namespace

ScriptSyntax script_syntax_for(std::string_view dialect_name) noexcept {
    return dialect_name == "mysql" || dialect_name == "mariadb" ? ScriptSyntax::mysql : ScriptSyntax::standard;
}

std::vector<ScriptStatement> split_sql_script(std::string_view script, ScriptSyntax syntax) {
    std::vector<ScriptStatement> out;
    std::size_t start = 0;
    int line = 1;
    int start_line = 1;
    int block_depth = 0;  // BEGIN ... END inside a trigger
    auto flush = [&](std::size_t end) {
        auto text = script.substr(start, end - start);
        // Leading blanks and comments are not part of the statement; its line is that of its
        // first token.
        int first_line = start_line;
        std::size_t k = 0;
        for (;;) {
            while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) first_line += text[k++] == '\n';
            if (text.substr(k, 2) == "--") {
                while (k < text.size() && text[k] != '\n') ++k;
            } else if (text.substr(k, 2) == "/*") {
                const auto close = text.find("*/", k + 2);
                const auto stop = close == std::string_view::npos ? text.size() : close + 2;
                for (; k < stop; ++k) first_line += text[k] == '\n';
            } else {
                break;
            }
        }
        if (!blank(text.substr(k))) {
            auto trimmed = text.substr(k);
            while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
            out.push_back({std::string(trimmed), first_line});
        }
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (c == '\n') {
            ++line;
        } else if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
            while (i < script.size() && script[i] != '\n') ++i;
            if (i < script.size()) ++line;
        } else if (c == '/' && i + 1 < script.size() && script[i + 1] == '*') {
            for (i += 2; i < script.size() && !(script[i] == '*' && i + 1 < script.size() && script[i + 1] == '/'); ++i)
                line += script[i] == '\n';
            ++i;
        } else if (c == '\'' || c == '"' || c == '`') {
            // Backslash escapes: MySQL's quoted strings; elsewhere only PostgreSQL's E'...' strings
            // (standard strings take a backslash literally: 'a\' is a whole literal there).
            const bool escapes = c != '`' && (syntax == ScriptSyntax::mysql
                                                  ? true
                                                  : c == '\'' && i > 0 && (script[i - 1] == 'E' || script[i - 1] == 'e') &&
                                                        (i < 2 || !(std::isalnum(static_cast<unsigned char>(script[i - 2])) || script[i - 2] == '_')));
            for (++i; i < script.size(); ++i) {
                line += script[i] == '\n';
                if (script[i] == c) {
                    if (i + 1 < script.size() && script[i + 1] == c) {
                        ++i;  // doubled quote
                        continue;
                    }
                    break;
                }
                if (escapes && script[i] == '\\' && i + 1 < script.size()) line += script[++i] == '\n';
            }
        } else if (c == '$') {
            // $tag$ ... $tag$ (PostgreSQL); a lone $1 is a parameter.
            auto close = script.find('$', i + 1);
            if (close == std::string_view::npos) continue;
            const auto tag = script.substr(i, close - i + 1);
            bool valid = true;
            for (char t : tag.substr(1, tag.size() - 2)) valid = valid && (std::isalnum(static_cast<unsigned char>(t)) || t == '_');
            if (!valid || (tag.size() > 2 && std::isdigit(static_cast<unsigned char>(tag[1])))) continue;
            const auto end = script.find(tag, close + 1);
            const auto stop = end == std::string_view::npos ? script.size() : end + tag.size();
            for (auto k = i; k < stop; ++k) line += script[k] == '\n';
            i = stop - 1;
        } else if (word_at(script, i, "BEGIN") && is_trigger(script.substr(start, i - start))) {
            ++block_depth;
        } else if (block_depth > 0 && word_at(script, i, "CASE")) {
            ++block_depth;  // CASE ... END inside the body
        } else if (block_depth > 0 && word_at(script, i, "END")) {
            --block_depth;
        } else if (c == ';' && block_depth == 0) {
            flush(i);
            start = i + 1;
            start_line = line;
        }
    }
    flush(script.size());
    return out;
}

}  // namespace rex

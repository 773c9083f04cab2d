#include "parser.hpp"

#include "lexer.hpp"

namespace rex::graphql {

namespace {

class Parser {
public:
    Parser(std::string_view source, const ParseOptions& options)
        : lexer_(source, options.max_tokens), max_nesting_(options.max_nesting) {
        advance();
    }

    ast::Document document() {
        ast::Document doc;
        if (tok_.kind == TokenKind::eof) unexpected();
        while (tok_.kind != TokenKind::eof) definition(doc);
        doc.token_count = lexer_.token_count();
        return doc;
    }

private:
    // Recursion guard for every nested production.
    struct Nest {
        Parser& p;
        explicit Nest(Parser& parser) : p(parser) {
            if (++p.nesting_ > p.max_nesting_)
                p.fail("Document nesting exceeds " + std::to_string(p.max_nesting_) + " levels.", p.tok_.location);
        }
        ~Nest() { --p.nesting_; }
    };

    void advance() {
        tok_ = lexer_.next();
        if (tok_.kind == TokenKind::string || tok_.kind == TokenKind::block_string) string_ = lexer_.string_value();
    }
    [[noreturn]] void fail(std::string message, SourceLocation at) { throw SyntaxError{std::move(message), at}; }

    std::string token_text() const {
        std::string d(describe(tok_.kind));
        if (tok_.kind == TokenKind::name || tok_.kind == TokenKind::int_value || tok_.kind == TokenKind::float_value)
            d += " \"" + std::string(tok_.text) + "\"";
        else if (tok_.kind == TokenKind::string || tok_.kind == TokenKind::block_string)
            d += " \"" + string_.substr(0, 100) + "\"";
        return d;
    }
    [[noreturn]] void unexpected() { fail("Unexpected " + token_text() + ".", tok_.location); }
    void expect(TokenKind kind) {
        if (tok_.kind != kind) fail("Expected " + std::string(describe(kind)) + ", found " + token_text() + ".", tok_.location);
        advance();
    }
    bool skip(TokenKind kind) {
        if (tok_.kind != kind) return false;
        advance();
        return true;
    }
    bool peek_keyword(std::string_view word) const { return tok_.kind == TokenKind::name && tok_.text == word; }
    std::string name() {
        if (tok_.kind != TokenKind::name) fail("Expected Name, found " + token_text() + ".", tok_.location);
        std::string n(tok_.text);
        advance();
        return n;
    }

    static bool is_type_system_keyword(std::string_view w) {
        return w == "schema" || w == "scalar" || w == "type" || w == "interface" || w == "union" || w == "enum" ||
               w == "input" || w == "directive" || w == "extend";
    }

    void definition(ast::Document& doc) {
        if (tok_.kind == TokenKind::brace_l) {
            ast::Operation op;
            op.location = tok_.location;
            op.selection = selection_set();
            doc.operations.push_back(std::move(op));
            return;
        }
        bool described = tok_.kind == TokenKind::string || tok_.kind == TokenKind::block_string;
        if (described) {
            SourceLocation at = tok_.location;
            advance();
            if (tok_.kind != TokenKind::name || !is_type_system_keyword(tok_.text) || tok_.text == "extend")
                fail("Unexpected description, descriptions are supported only on type definitions.", at);
            non_executable(doc, at);
            return;
        }
        if (tok_.kind != TokenKind::name) unexpected();
        if (tok_.text == "query" || tok_.text == "mutation" || tok_.text == "subscription") {
            doc.operations.push_back(operation());
        } else if (tok_.text == "fragment") {
            doc.fragments.push_back(fragment());
        } else if (is_type_system_keyword(tok_.text)) {
            non_executable(doc, tok_.location);
        } else {
            unexpected();
        }
    }

    // A type-system definition: skipped over (brackets balanced), remembered for the
    // executable-definitions rule, which rejects it.
    void non_executable(ast::Document& doc, SourceLocation at) {
        std::string keyword(tok_.text);
        advance();
        if (keyword == "extend") {
            if (tok_.kind != TokenKind::name || !is_type_system_keyword(tok_.text) || tok_.text == "extend") unexpected();
            keyword = std::string(tok_.text);
            advance();
        }
        ast::NonExecutable def{"schema", at};
        if (keyword == "directive") expect(TokenKind::at);
        if (keyword != "schema") def.description = "\"" + name() + "\"";
        std::size_t depth = 0;
        for (;;) {
            switch (tok_.kind) {
                case TokenKind::eof:
                    if (depth) unexpected();
                    doc.non_executable.push_back(std::move(def));
                    return;
                case TokenKind::brace_l:
                case TokenKind::paren_l:
                case TokenKind::bracket_l: ++depth; break;
                case TokenKind::brace_r:
                case TokenKind::paren_r:
                case TokenKind::bracket_r:
                    if (depth == 0) unexpected();
                    if (--depth == 0 && tok_.kind == TokenKind::brace_r) {
                        advance();
                        doc.non_executable.push_back(std::move(def));
                        return;
                    }
                    break;
                case TokenKind::name:
                case TokenKind::string:
                case TokenKind::block_string:
                    if (depth == 0 && (tok_.kind != TokenKind::name || is_type_system_keyword(tok_.text) ||
                                       tok_.text == "query" || tok_.text == "mutation" ||
                                       tok_.text == "subscription" || tok_.text == "fragment")) {
                        doc.non_executable.push_back(std::move(def));
                        return;
                    }
                    break;
                default: break;
            }
            advance();
        }
    }

    ast::Operation operation() {
        ast::Operation op;
        op.location = tok_.location;
        op.kind = tok_.text == "query" ? OperationKind::query
                  : tok_.text == "mutation" ? OperationKind::mutation
                                            : OperationKind::subscription;
        advance();
        if (tok_.kind == TokenKind::name) op.name = name();
        if (skip(TokenKind::paren_l)) {
            do op.variables.push_back(variable_definition());
            while (!skip(TokenKind::paren_r));
        }
        op.directives = directives(false);
        op.selection = selection_set();
        return op;
    }

    ast::VariableDefinition variable_definition() {
        ast::VariableDefinition v;
        v.location = tok_.location;
        expect(TokenKind::dollar);
        v.name = name();
        expect(TokenKind::colon);
        v.type_location = tok_.location;
        v.type = type_ref();
        if (skip(TokenKind::equals)) {
            v.default_location = tok_.location;
            v.default_value = value(true);
        }
        v.directives = directives(true);
        return v;
    }

    TypeRef type_ref() {
        Nest nest(*this);
        TypeRef t;
        if (skip(TokenKind::bracket_l)) {
            t = type_ref().list();
            expect(TokenKind::bracket_r);
        } else {
            t = TypeRef::named(name());
        }
        if (skip(TokenKind::bang)) t = t.non_null();
        return t;
    }

    ast::Fragment fragment() {
        ast::Fragment f;
        f.location = tok_.location;
        advance();
        if (peek_keyword("on")) unexpected();
        f.name = name();
        if (!peek_keyword("on")) fail("Expected \"on\", found " + token_text() + ".", tok_.location);
        advance();
        f.type_location = tok_.location;
        f.type_condition = name();
        f.directives = directives(false);
        f.selection = selection_set();
        return f;
    }

    ast::SelectionSet selection_set() {
        Nest nest(*this);
        expect(TokenKind::brace_l);
        ast::SelectionSet set;
        do set.push_back(selection());
        while (!skip(TokenKind::brace_r));
        return set;
    }

    ast::Selection selection() {
        ast::Selection s;
        s.location = tok_.location;
        if (skip(TokenKind::spread)) {
            if (tok_.kind == TokenKind::name && tok_.text != "on") {
                s.kind = ast::Selection::Kind::fragment_spread;
                s.name = name();
                s.directives = directives(false);
                return s;
            }
            s.kind = ast::Selection::Kind::inline_fragment;
            if (peek_keyword("on")) {
                advance();
                s.type_condition = name();
            }
            s.directives = directives(false);
            s.selection = selection_set();
            return s;
        }
        s.name = name();
        if (skip(TokenKind::colon)) {
            s.alias = std::move(s.name);
            s.name = name();
        }
        s.arguments = arguments(false);
        s.directives = directives(false);
        if (tok_.kind == TokenKind::brace_l) s.selection = selection_set();
        return s;
    }

    std::vector<ast::Argument> arguments(bool constant) {
        std::vector<ast::Argument> args;
        if (!skip(TokenKind::paren_l)) return args;
        do {
            ast::Argument a;
            a.location = tok_.location;
            a.name = name();
            expect(TokenKind::colon);
            a.value_location = tok_.location;
            a.value = value(constant);
            args.push_back(std::move(a));
        } while (!skip(TokenKind::paren_r));
        return args;
    }

    std::vector<ast::Directive> directives(bool constant) {
        std::vector<ast::Directive> ds;
        while (tok_.kind == TokenKind::at) {
            ast::Directive d;
            d.location = tok_.location;
            advance();
            d.name = name();
            d.arguments = arguments(constant);
            ds.push_back(std::move(d));
        }
        return ds;
    }

    InputValue value(bool constant) {
        switch (tok_.kind) {
            case TokenKind::bracket_l: {
                Nest nest(*this);
                advance();
                InputList items;
                while (!skip(TokenKind::bracket_r)) items.push_back(value(constant));
                return InputValue::list(std::move(items));
            }
            case TokenKind::brace_l: {
                Nest nest(*this);
                advance();
                InputObject fields;
                while (!skip(TokenKind::brace_r)) {
                    std::string n = name();
                    expect(TokenKind::colon);
                    fields.emplace_back(std::move(n), value(constant));
                }
                return InputValue::object(std::move(fields));
            }
            case TokenKind::int_value:
            case TokenKind::float_value: {
                auto v = InputValue::number(std::string(tok_.text), tok_.kind == TokenKind::float_value);
                advance();
                return v;
            }
            case TokenKind::string:
            case TokenKind::block_string: {
                auto v = InputValue::string(std::move(string_));
                advance();
                return v;
            }
            case TokenKind::name: {
                InputValue v;
                if (tok_.text == "true" || tok_.text == "false") v = InputValue::boolean(tok_.text == "true");
                else if (tok_.text != "null") v = InputValue::enumeration(std::string(tok_.text));
                advance();
                return v;
            }
            case TokenKind::dollar:
                if (!constant) {
                    advance();
                    return InputValue::variable(name());
                }
                {
                    SourceLocation at = tok_.location;
                    advance();
                    if (tok_.kind == TokenKind::name)
                        fail("Unexpected variable \"$" + std::string(tok_.text) + "\" in constant value.", at);
                    unexpected();
                }
            default: unexpected();
        }
    }

    Lexer lexer_;
    Token tok_;
    std::string string_;
    std::size_t nesting_ = 0;
    std::size_t max_nesting_;
};

void append_value(std::string& out, const InputValue& v) {
    if (v.is_null()) {
        out += "null";
    } else if (const bool* b = v.as_bool()) {
        out += *b ? "true" : "false";
    } else if (const auto* n = v.as_number()) {
        out += n->text;
    } else if (const auto* s = v.as_string()) {
        append_quoted(out, *s);
    } else if (const auto* e = v.as_enum()) {
        out += e->name;
    } else if (const auto* var = v.as_variable()) {
        out += '$';
        out += var->name;
    } else if (const auto* l = v.as_list()) {
        out += '[';
        for (std::size_t i = 0; i < l->size(); ++i) {
            if (i) out += ", ";
            append_value(out, (*l)[i]);
        }
        out += ']';
    } else if (const auto* o = v.as_object()) {
        out += '{';
        for (std::size_t i = 0; i < o->size(); ++i) {
            if (i) out += ", ";
            out += (*o)[i].first;
            out += ": ";
            append_value(out, (*o)[i].second);
        }
        out += '}';
    }
}

}  // namespace

std::variant<ast::Document, GraphqlError> parse_document(std::string_view source, const ParseOptions& options) {
    try {
        Parser parser(source, options);
        return parser.document();
    } catch (SyntaxError& e) {
        GraphqlError err;
        err.message = "Syntax Error: " + std::move(e.message);
        err.locations.push_back(e.location);
        err.code = "GRAPHQL_PARSE_FAILED";
        return err;
    }
}

std::string print_value(const InputValue& value) {
    std::string out;
    append_value(out, value);
    return out;
}

// As graphql-js printString: valid JSON too (C0 and C1 controls escaped).
void append_quoted(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    auto unicode_escape = [&](unsigned c) {
        out += "\\u00";
        out += hex[(c >> 4) & 0xF];
        out += hex[c & 0xF];
    };
    out += '"';
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    unicode_escape(c);
                } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
                    unicode_escape(static_cast<unsigned char>(text[++i]));  // U+0080..U+009F
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

}  // namespace rex::graphql

#include "executor/executor.hpp"

#include "api/role_api.hpp"
#include "custom/resolve.hpp"
#include "custom/resolver_writes.hpp"
#include "executor/console_page.hpp"
#include "executor/sha256.hpp"
#include "executor/variables.hpp"
#include "introspection/introspection.hpp"
#include "language/prepare.hpp"
#include "operations/operations.hpp"
#include "sql/access.hpp"
#include "sql/mutation.hpp"

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <thread>

namespace rex::graphql {

namespace {

using json = nlohmann::json;

constexpr std::string_view graphql_response_type = "application/graphql-response+json";
constexpr std::string_view json_type = "application/json";

struct ErrorOut {
    GraphqlError error;
    std::string field;  // validation-failed: the field that failed
};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

// The media type without parameters, lower case: "application/json; charset=utf-8" -> "application/json".
std::string media_type(std::string_view header) { return lower(trim(header.substr(0, header.find(';')))); }

// Errors keep the spec's member order: message, locations, path, extensions.
nlohmann::ordered_json error_json(const ErrorOut& e) {
    nlohmann::ordered_json out;
    out["message"] = e.error.message;
    if (!e.error.locations.empty()) {
        out["locations"] = nlohmann::ordered_json::array();
        for (const auto& l : e.error.locations) out["locations"].push_back({{"line", l.line}, {"column", l.column}});
    }
    if (!e.error.path.empty()) {
        out["path"] = nlohmann::ordered_json::array();
        for (const auto& p : e.error.path) std::visit([&](const auto& v) { out["path"].push_back(v); }, p);
    }
    nlohmann::ordered_json extensions;
    extensions["code"] = e.error.code.empty() ? "internal" : e.error.code;
    if (!e.field.empty()) extensions["field"] = e.field;
    out["extensions"] = std::move(extensions);
    return out;
}

std::string errors_body(const std::vector<ErrorOut>& errors, bool with_null_data) {
    nlohmann::ordered_json out;
    out["errors"] = nlohmann::ordered_json::array();
    for (const auto& e : errors) out["errors"].push_back(error_json(e));
    std::string body = out.dump(-1, ' ', false, json::error_handler_t::replace);
    if (with_null_data) body.insert(1, "\"data\":null,");
    return body;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out += ' ';
        else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else out += s[i];
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        const auto eq = part.find('=');
        out.emplace_back(percent_decode(part.substr(0, eq)), eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1)));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

// Estimated rows a selection may produce: each list multiplies by its limit (or the default
// page size; a list with neither counts as one row).
double estimate_nodes(const std::vector<SelectedField>& selection, const CompileLimits& pages, double factor) {
    double total = 0;
    for (const auto& f : selection) {
        if (f.selection.empty()) continue;
        double rows = 1;
        if (const auto* l = f.argument("limit"); l && l->as_number())
            rows = std::max(1.0, std::strtod(l->as_number()->text.c_str(), nullptr));
        else if (f.definition && f.definition->type.is_list() && pages.default_limit)
            rows = static_cast<double>(*pages.default_limit);
        total += factor * rows + estimate_nodes(f.selection, pages, factor * rows);
    }
    return total;
}

class Failure : public std::runtime_error {
public:
    explicit Failure(std::vector<ErrorOut> errors) : std::runtime_error("request failed"), errors(std::move(errors)) {}
    std::vector<ErrorOut> errors;
};

// The client hung up before this field ran (RequestAbandon): nothing more is run.
class ClientGone : public std::runtime_error {
public:
    ClientGone() : std::runtime_error("the client went away") {}
};

std::vector<ErrorOut> describe(const SelectedField& field, Logger& logger) {
    const auto one = [&](std::string message, std::string code) {
        ErrorOut e;
        e.error.message = std::move(message);
        e.error.code = std::move(code);
        e.error.locations = {field.location};
        e.error.path = {field.response_key};
        return std::vector<ErrorOut>{std::move(e)};
    };
    try {
        throw;
    } catch (const InputError& e) {
        return one(e.what(), "BAD_USER_INPUT");
    } catch (const ResolverFailed& e) {
        return one(e.what(), "resolver-error");
    } catch (const PermissionDenied& e) {
        return one(e.what(), "permission-error");
    } catch (const ValidationFailed& e) {
        std::vector<ErrorOut> out;
        for (const auto& f : e.failures) {
            auto error = one(f.field + ": " + f.message, "validation-failed");
            error.front().field = f.field;
            out.push_back(std::move(error.front()));
        }
        return out;
    } catch (const UniqueViolation&) {
        return one("Uniqueness violation: a row with the same key already exists", "constraint-violation");
    } catch (const ForeignKeyViolation&) {
        return one("Foreign key violation: a referenced row is missing, or other rows still refer to this one", "constraint-violation");
    } catch (const NotNullViolation&) {
        return one("Not-null violation: a required field has no value", "constraint-violation");
    } catch (const ConstraintViolation&) {
        return one("Check constraint violation", "constraint-violation");
    } catch (const ClientGone&) {
        return one("The client went away: the request was cancelled", "cancelled");
    } catch (const TimeoutError&) {
        return one("The query took too long and was cancelled", "timeout");
    } catch (const PoolExhausted&) {
        return one("No database connection is free: try again", "unavailable");
    } catch (const Error& e) {
        // The database's own message may quote SQL or values: it goes to the log only.
        logger.log(LogLevel::warn, "graphql", "field " + field.response_key + ": " + std::string(to_string(e.category())) + ": " + e.message());
        return one("A database error occurred", "database-error");
    } catch (const std::exception& e) {
        logger.log(LogLevel::error, "graphql", "field " + field.response_key + ": " + e.what());
        return one("Internal error", "internal");
    }
}

}  // namespace

GraphqlExecutor::GraphqlExecutor(ExecutorContext& context, ExecutorOptions options) : context_(context), options_(std::move(options)) {
    // First on the change bus (it delivers in subscription order): an answer is dropped before any
    // later subscriber, such as a live query, reacts to the same event.
    if (options_.cache.enabled) cache_ = std::make_unique<ResponseCache>(options_.cache, context_.changes());
    // A custom field that is malformed or clashes is refused now, not at the first request.
    if (!options_.api.queries.empty() || !context_.catalog().resolvers().empty()) api();
}

GraphqlExecutor::~GraphqlExecutor() = default;

std::shared_ptr<OperationExecutor> GraphqlExecutor::operations() {
    {
        std::lock_guard lock(mutex_);
        if (!operations_) operations_ = std::make_unique<GraphqlOperations>(*this);
    }
    return std::shared_ptr<OperationExecutor>(shared_from_this(), operations_.get());  // keeps this executor alive
}

std::shared_ptr<const Api> GraphqlExecutor::api() {
    const auto& catalog = context_.catalog();
    std::vector<std::shared_ptr<const EntityInfo>> entities;
    for (const auto& name : catalog.entity_names()) entities.push_back(catalog.find_entity(name));
    auto resolvers = catalog.resolvers();
    std::lock_guard lock(mutex_);
    if (!built_ || built_->entities != entities || built_->resolvers != resolvers) {
        auto built = std::make_shared<Built>();
        built->entities = std::move(entities);
        built->resolvers = std::move(resolvers);
        built->api = build_api(catalog, options_.api);
        built_ = std::move(built);
    }
    return built_->api;
}

GraphqlExecutor::Viewed GraphqlExecutor::view_for(const std::shared_ptr<const Api>& full, const Identity& who) {
    if (who.admin) return {full, nullptr};
    static const auto no_rules = std::make_shared<const RoleRules>();
    const auto rules = who.rules ? who.rules : no_rules;
    std::lock_guard lock(mutex_);
    auto& view = roles_[who.role];
    if (view.full != full || view.rules != rules) view = {full, rules, role_api(*full, *rules, who.role), std::make_shared<const ParsedRules>(*rules)};
    return {view.api, view.parsed};
}

std::shared_ptr<const Api> GraphqlExecutor::api_for(const std::shared_ptr<const Api>& full, const Identity& who) { return view_for(full, who).api; }

namespace {

// A query whose root fields each compile to one statement (no introspection, no __typename, no
// custom resolver): its compiled SQL may be kept (executor/plan_cache.hpp).
bool plannable(const Api& api, const PreparedOperation& op) {
    if (op.kind != OperationKind::query || op.fields.empty()) return false;
    return std::all_of(op.fields.begin(), op.fields.end(), [&](const SelectedField& f) {
        return !f.name.starts_with("__") && !api.custom(false, f.name) && api.root(false, f.name);
    });
}

// A refusal of the requester's credentials (HTTP 401).
GraphqlExecutor::Result unauthenticated(std::string refusal) {
    GraphqlExecutor::Result result;
    ErrorOut e;
    e.error.message = std::move(refusal);
    e.error.code = "invalid-jwt";
    result.body = errors_body({e}, false);
    result.request_error = result.unauthenticated = true;
    return result;
}

}  // namespace

GraphqlExecutor::Preparation GraphqlExecutor::prepare_request(const GraphqlRequest& request, std::shared_ptr<const Identity> who) {
    Preparation out;
    if (!who) {
        auto identified = context_.identify({});
        if (!identified.identity) {
            out.refused = unauthenticated(std::move(identified.refusal));
            return out;
        }
        who = std::move(identified.identity);
    }
    // Permissions: the request is validated against (and introspection shows) the role's API;
    // root fields compile against the full one, with the role's rows (sql/access.hpp).
    out.requester.full = this->api();
    auto viewed = view_for(out.requester.full, *who);
    out.api = std::move(viewed.api);
    out.requester.parsed = std::move(viewed.parsed);
    out.requester.who = std::move(who);
    auto prepared = prepare(out.api->schema, request, options_.limits);
    if (!prepared.operation) {
        std::vector<ErrorOut> errors;
        for (auto& e : prepared.errors) errors.push_back({std::move(e), {}});
        out.refused.body = errors_body(errors, false);
        out.refused.request_error = true;
        return out;
    }
    out.operation = std::move(prepared.operation);
    out.refused.kind = out.operation->kind;
    return out;
}

GraphqlExecutor::Result GraphqlExecutor::run(const GraphqlRequest& request, bool allow_mutation, std::shared_ptr<const Identity> who) {
    if (!who) {
        auto identified = context_.identify({});
        if (!identified.identity) return unauthenticated(std::move(identified.refusal));
        who = std::move(identified.identity);
    }
    ResponseCache::Miss miss;
    if (cache_) {
        if (auto hit = cache_->find(request, cache_scope(*who), this->api(), miss)) {
            Result result;
            result.body = std::move(*hit);
            return result;
        }
    }
    // A query seen before from the same requester, with the same variables, runs its compiled SQL
    // while the API and the role's rules it was compiled against are still the current ones. The
    // response cache, when on, answers repeated queries already.
    std::optional<std::string> plan_key;
    if (!cache_) plan_key = PlanCache::key(request, *who);
    if (plan_key) {
        if (auto plan = plans_.find(*plan_key)) {
            auto full = this->api();
            auto viewed = view_for(full, *who);
            if (plan->full == full && plan->api == viewed.api && plan->parsed == viewed.parsed) {
                Requester requester{std::move(full), std::move(who), std::move(viewed.parsed)};
                Compiled compiled{&plan->statements, {}};
                return run_prepared(*plan->api, plan->operation, &request, &requester, &compiled);
            }
        }
    }
    auto prepared = prepare_request(request, std::move(who));
    if (!prepared.operation) return std::move(prepared.refused);
    const bool has_variables = PlanCache::has_variables(request);
    if (plan_key && plannable(*prepared.api, *prepared.operation) && plans_.admit(*plan_key, has_variables)) {
        Compiled compiled;
        compiled.literal = !has_variables && options_.inline_integers;
        auto result = run_prepared(*prepared.api, *prepared.operation, &request, &prepared.requester, &compiled);
        if (!result.failed && !result.request_error && compiled.made.size() == prepared.operation->fields.size())
            plans_.store(std::move(*plan_key), std::make_shared<const QueryPlan>(QueryPlan{
                                                  prepared.requester.full, prepared.api, prepared.requester.parsed,
                                                  std::move(*prepared.operation), std::move(compiled.made)}));
        return result;
    }
    const bool mutation = prepared.operation->kind == OperationKind::mutation;
    if (prepared.operation->kind == OperationKind::subscription || (mutation && !allow_mutation)) {
        ErrorOut e;
        e.error.message = mutation ? "Mutations are not allowed over GET: use POST" : "Subscriptions are served over WebSocket or SSE";
        e.error.code = "BAD_REQUEST";
        prepared.refused.body = errors_body({e}, false);
        prepared.refused.request_error = true;
        return std::move(prepared.refused);
    }
    auto result = run_prepared(*prepared.api, *prepared.operation, &request, &prepared.requester);
    if (cache_ && prepared.operation->kind == OperationKind::query && !result.failed && !result.request_error)
        cache_->store(std::move(miss), prepared.api, entities_of(*prepared.api, *prepared.operation), result.body);
    return result;
}

GraphqlExecutor::Result GraphqlExecutor::run_prepared(const Api& api_ref, const PreparedOperation& op, const GraphqlRequest* request,
                                                      const Requester* requester, Compiled* compiled) {
    Result result;
    result.kind = op.kind;
    const auto* api = &api_ref;
    // Root fields compile against the full API with the role's rows; the admin's view is the full one.
    const Api* full = requester && requester->full ? requester->full.get() : api;
    std::optional<Access> access;
    auto pages = options_.pages;
    if (requester && requester->who && !requester->who->admin) pages.access = &access.emplace(*full, requester->who, requester->parsed.get());
    const bool mutation = op.kind == OperationKind::mutation;
    if (options_.max_nodes) {
        const double nodes = estimate_nodes(op.fields, options_.pages, 1);
        if (nodes > static_cast<double>(options_.max_nodes)) {
            ErrorOut e;
            e.error.message = "The query may select about " + std::to_string(static_cast<std::int64_t>(nodes)) + " rows, above the limit of " +
                              std::to_string(options_.max_nodes) + " (max_nodes): ask for smaller pages";
            e.error.code = "limit-exceeded";
            result.body = errors_body({e}, false);
            result.request_error = true;
            return result;
        }
    }

    std::shared_ptr<Connection> connection;
    std::optional<SqlRunner> runner;
    // A client that hangs up cancels the running statement; the cancel is withdrawn before the
    // connection goes back to the pool (this guard is destroyed first).
    struct Withdraw {
        RequestAbandon* abandon = nullptr;
        // PQcancel and KILL QUERY open a connection of their own: that is not work for the
        // host's I/O thread, which reports the hang-up, so the cancel runs on a thread of its own.
        std::thread canceller;
        ~Withdraw() {
            if (abandon) abandon->withdraw();  // after this, no canceller is started any more
            if (canceller.joinable()) canceller.join();
        }
    } withdraw;
    const auto& dialect = context_.dialect();
    const auto engine = engine_of(dialect);
    const bool local_timeout = options_.statement_timeout.count() > 0 && engine == Engine::postgres;
    // A read replica (the host's database.replicas) may answer a client's query: not a mutation,
    // not a subscription's run (request == nullptr: it must reflect the bus position it was
    // taken at), not a custom resolver (it may write), not a result the response cache would keep
    // (an invalidation followed by a lagging read would keep a stale answer).
    const bool replica_read = !mutation && request && !cache_ &&
                              std::none_of(op.fields.begin(), op.fields.end(), [&](const SelectedField& f) { return api->custom(false, f.name); });
    const auto open = [&]() -> SqlRunner& {
        if (!runner) {
            connection = replica_read ? context_.acquire_read() : context_.acquire();
            runner.emplace(*connection, &context_.logger());
            if (request && request->abandon) {
                withdraw.abandon = request->abandon.get();
                request->abandon->on_abandon([&withdraw, c = connection.get()] { withdraw.canceller = std::thread([c] { c->cancel(); }); });
            }
            // PostgreSQL: the timeout is transaction-local (SET LOCAL in the request's own
            // transaction, sent with its BEGIN in one round trip), so nothing outlives the request:
            // behind PgBouncer in transaction mode a session SET would stay on the server
            // connection for other clients. MariaDB has no pooler in between: the session
            // setting stays on rex's own connection, where every request sets it again.
            if (options_.statement_timeout.count() > 0 && engine == Engine::mysql)
                connection->execute("SET SESSION max_statement_time = " + std::to_string(options_.statement_timeout.count() / 1000.0));
            if (local_timeout) connection->execute_script("BEGIN; SET LOCAL statement_timeout = " + std::to_string(options_.statement_timeout.count()));
            else if (mutation) connection->begin();
        }
        return *runner;
    };

    // What a custom resolver learns of the requester: the identity's role and session variables.
    std::optional<rex::Requester> custom_who;
    const auto custom_requester = [&]() -> const rex::Requester* {
        if (requester && requester->who) {
            if (!custom_who) custom_who = rex::Requester{requester->who->role, requester->who->variables, requester->who->admin};
            return &*custom_who;
        }
        return request ? request->requester : nullptr;
    };

    // The rows the mutation fields write, published once the transaction committed — unless a
    // capture pump numbers the bus: it publishes every write itself (and drops unnumbered events).
    std::vector<ChangeEvent> written;
    const bool publish_writes = mutation && !context_.changes().numbered_by_log();

    std::string data = "{";
    try {
        for (std::size_t i = 0; i < op.fields.size(); ++i) {
            const auto& field = op.fields[i];
            if (i) data += ',';
            data += '"';
            data += field.response_key;
            data += "\":";
            try {
                if (request && request->abandon && request->abandon->abandoned()) throw ClientGone();
                if (field.name == "__typename") {
                    data += mutation ? "\"mutation_root\"" : "\"" + api->schema.query_type + "\"";
                } else if (field.name == "__schema" || field.name == "__type") {
                    write_introspection(api->schema, field, data);
                } else if (const auto* custom = api->custom(mutation, field.name)) {
                    auto& r = open();
                    std::optional<ResolverWrites> writes;
                    if (mutation) writes.emplace(*full, dialect, r, field.name, publish_writes ? &written : nullptr);
                    resolve_custom(*custom, field, {*api, dialect, r, request ? request->headers : nullptr, custom_requester(), writes ? &*writes : nullptr}, data);
                    if (writes) writes->finish();
                } else if (const auto* root = api->root(mutation, field.name) ? full->root(mutation, field.name) : nullptr) {
                    auto& r = open();
                    if (mutation) {
                        data += run_mutation(*full, dialect, r, *root, field, pages, publish_writes ? &written : nullptr);
                    } else {
                        std::optional<std::string> json;
                        if (compiled && compiled->reuse) {
                            json = r.json(compiled->reuse->at(i));
                        } else {
                            auto statement = compile_query(*full, dialect, *root, field, pages);
                            json = r.json(statement);
                            // What the plan cache keeps runs from the document's second sending
                            // on: with its integers as literals (CompileLimits::literal_integers),
                            // so a document sent once never adds a statement to the database's.
                            if (compiled && compiled->literal && engine == Engine::postgres) {
                                auto literal = pages;
                                literal.literal_integers = true;
                                statement = compile_query(*full, dialect, *root, field, literal);
                            }
                            if (compiled) compiled->made.push_back(std::move(statement));
                        }
                        append_compact_json(json ? *json : std::string_view("null"), data);
                    }
                } else {
                    throw InputError("field '" + field.name + "' not found in type: '" + (mutation ? "mutation_root" : api->schema.query_type) + "'");
                }
            } catch (...) {
                throw Failure(describe(field, context_.logger()));
            }
        }
        if (connection && (mutation || local_timeout)) {
            try {
                connection->commit();
            } catch (...) {  // the commit itself failed (a full disk, a deferred constraint): no field's error
                auto errors = describe(op.fields.back(), context_.logger());
                for (auto& e : errors) e.error.locations.clear(), e.error.path.clear();
                throw Failure(std::move(errors));
            }
        }
        if (!written.empty()) {
            const Timestamp committed_at{std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
            for (auto& e : written) e.at = committed_at;
            context_.changes().publish_all(written);
        }
        if (cache_ && mutation) cache_->invalidate(entities_of(*api, op));
    } catch (const Failure& f) {
        if (connection && connection->in_transaction()) {
            try {
                connection->rollback();
            } catch (...) {
            }
        }
        result.body = errors_body(f.errors, true);
        result.failed = true;
        result.unavailable = std::any_of(f.errors.begin(), f.errors.end(), [](const ErrorOut& e) { return e.error.code == "unavailable"; });
        return result;
    }
    data += '}';
    result.body.reserve(data.size() + 9);
    result.body = "{\"data\":";
    result.body += data;
    result.body += '}';
    return result;
}

HttpResponse GraphqlExecutor::execute(const HttpRequest& request) {
    HttpResponse response;
    const auto fail = [&](int status, std::string message) {
        response.status = status;
        response.content_type = "application/json; charset=utf-8";
        ErrorOut e;
        e.error.message = std::move(message);
        e.error.code = "BAD_REQUEST";
        response.body = errors_body({e}, false);
        return response;
    };
    if (auto page = console_page(request, options_.console)) return std::move(*page);
    try {
        // Media type of the answer: the first acceptable one the client lists.
        std::string answer_type;
        const auto* accept = request.header("accept");
        if (!accept || trim(*accept).empty()) {
            answer_type = json_type;
        } else {
            std::string_view rest = *accept;
            while (answer_type.empty()) {
                const auto comma = rest.find(',');
                const auto type = media_type(rest.substr(0, comma));
                if (type == graphql_response_type) answer_type = graphql_response_type;
                // A wildcard gets application/json, as a missing Accept does: the spec's advice until
                // its watershed, which every client reads (graphql-http audit 47DE).
                else if (type == json_type || type == "application/*" || type == "*/*") answer_type = json_type;
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            if (answer_type.empty()) return fail(406, "Not acceptable: answers are application/graphql-response+json or application/json");
        }
        GraphqlRequest gql;
        gql.headers = &request.headers;
        gql.abandon = request.abandon;
        const bool get = request.method == "GET";
        if (request.method != "GET" && request.method != "POST") {
            response.headers.push_back({"Allow", "GET, POST"});
            return fail(405, "Method not allowed: use GET or POST");
        }
        json document;
        if (get) {
            document = json::object();
            for (auto& [k, v] : query_parameters(request.query)) {
                if (k == "query" || k == "operationName") document[k] = v;
                else if (k == "variables" || k == "extensions") {
                    if (v.empty()) continue;
                    auto parsed = json::parse(v, nullptr, false);
                    if (parsed.is_discarded()) return fail(400, "The " + k + " parameter is not valid JSON");
                    document[k] = std::move(parsed);
                }
            }
        } else {
            const auto* type = request.header("content-type");
            if (!type || media_type(*type) != json_type) return fail(415, "Unsupported media type: send application/json");
            if (const auto charset = lower(*type).find("charset="); charset != std::string::npos) {
                auto value = trim(lower(*type).substr(charset + 8));
                value = value.substr(0, value.find(';'));
                if (value != "utf-8" && value != "\"utf-8\"") return fail(415, "Unsupported charset: send UTF-8");
            }
            if (request.body.size() > options_.max_body)
                return fail(413, "The request body is larger than " + std::to_string(options_.max_body) + " bytes");
            document = json::parse(request.body, nullptr, false);
            if (document.is_discarded()) return fail(400, "The request body is not valid JSON");
        }
        if (!document.is_object()) return fail(400, "The request must be a JSON object");
        const auto query = document.find("query");
        const bool has_query = query != document.end() && query->is_string();
        if (query != document.end() && !query->is_null() && !has_query) return fail(400, "query must be a string");
        if (auto ext = document.find("extensions"); ext != document.end() && !ext->is_null() && !ext->is_object())
            return fail(400, "extensions must be an object");
        // Persisted queries: extensions.persistedQuery.sha256Hash names the query (allow-list mode:
        // only those run); a query sent with its hash must have that hash.
        std::string hash;
        if (auto ext = document.find("extensions"); ext != document.end() && ext->is_object())
            if (auto pq = ext->find("persistedQuery"); pq != ext->end() && pq->is_object())
                if (auto h = pq->find("sha256Hash"); h != pq->end() && h->is_string()) hash = h->get<std::string>();
        const auto refuse = [&](std::string message, std::string code) {
            ErrorOut e;
            e.error.message = std::move(message);
            e.error.code = std::move(code);
            response.content_type = answer_type + "; charset=utf-8";
            response.status = answer_type == graphql_response_type ? 400 : 200;
            response.body = errors_body({e}, false);
            return response;
        };
        if (has_query && !hash.empty() && sha256_hex(query->get<std::string>()) != hash)
            return fail(400, "extensions.persistedQuery.sha256Hash is not the sha256 of the query");
        if (options_.persisted_queries) {
            if (hash.empty()) return refuse("Only persisted queries run here: send extensions.persistedQuery.sha256Hash", "PERSISTED_QUERY_REQUIRED");
            const auto known = options_.persisted_queries->find(hash);
            if (known == options_.persisted_queries->end()) return refuse("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND");
            gql.query = known->second;
        } else if (has_query) {
            gql.query = query->get<std::string>();
        } else if (!hash.empty()) {
            return refuse("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND");
        } else {
            return fail(400, "The request has no query string");
        }
        if (auto name = document.find("operationName"); name != document.end() && !name->is_null()) {
            if (!name->is_string()) return fail(400, "operationName must be a string");
            gql.operation_name = name->get<std::string>();
        }
        if (auto vars = document.find("variables"); vars != document.end() && !vars->is_null()) {
            if (!vars->is_object()) return fail(400, "variables must be an object");
            try {
                gql.variables = input_from_json(*vars);
            } catch (const TooDeep& e) {
                return fail(400, e.what());
            }
        }
        auto identified = context_.identify({&request.headers, {}});
        if (!identified.identity) {  // a missing, forged, expired or wrongly signed token
            ErrorOut e;
            e.error.message = std::move(identified.refusal);
            e.error.code = "invalid-jwt";
            response.status = 401;
            response.content_type = answer_type + "; charset=utf-8";
            response.headers.push_back({"WWW-Authenticate", "Bearer"});
            response.body = errors_body({e}, false);
            return response;
        }
        auto result = run(gql, !get, std::move(identified.identity));
        response.content_type = answer_type + "; charset=utf-8";
        response.body = std::move(result.body);
        if (!result.request_error) response.operation = result.kind == OperationKind::mutation ? "mutation" : "query";
        if (result.unavailable) {
            response.status = 503;
            response.headers.push_back({"Retry-After", "1"});
        } else if (get && result.kind == OperationKind::mutation && result.request_error) {
            response.headers.push_back({"Allow", "POST"});
            response.status = 405;
        } else {
            response.status = result.request_error && answer_type == graphql_response_type ? 400 : 200;
        }
        return response;
    } catch (const std::exception& e) {
        context_.logger().log(LogLevel::error, "graphql", std::string("request failed: ") + e.what());
        return fail(500, "Internal error");
    }
}

}  // namespace rex::graphql

#include "executor/response_cache.hpp"

#include "api/api.hpp"

#include <algorithm>

namespace rex::graphql {

namespace {

// The variables as text for the key: written order kept (a different order only misses).
void append_value(const InputValue& v, std::string& out) {
    if (v.is_null()) out += 'n';
    else if (const auto* b = v.as_bool()) out += *b ? 't' : 'f';
    else if (const auto* n = v.as_number()) out.append("#").append(n->text).append(";");
    else if (const auto* s = v.as_string()) out.append("s").append(std::to_string(s->size())).append(":").append(*s);
    else if (const auto* e = v.as_enum()) out.append("e").append(e->name).append(";");
    else if (const auto* r = v.as_variable()) out.append("$").append(r->name).append(";");
    else if (const auto* l = v.as_list()) {
        out += '[';
        for (const auto& item : *l) append_value(item, out);
        out += ']';
    } else if (const auto* o = v.as_object()) {
        out += '{';
        for (const auto& [k, item] : *o) {
            out.append(std::to_string(k.size())).append(":").append(k);
            append_value(item, out);
        }
        out += '}';
    }
}

std::string key_of(const GraphqlRequest& request, std::string_view scope) {
    std::string key;
    key.reserve(request.query.size() + scope.size() + 32);
    key.append(std::to_string(scope.size())).append(":").append(scope);
    if (request.operation_name) key.append("o").append(std::to_string(request.operation_name->size())).append(":").append(*request.operation_name);
    else key += '-';
    append_value(request.variables, key);
    key += '|';
    key += request.query;
    return key;
}

class EntityWalk {
public:
    explicit EntityWalk(const Api& api) : api_(api) {}

    void root(const RootField& root, const SelectedField& field) {
        add(*root.entity);
        arguments(*root.entity, field);
        selection(*root.entity, field);
    }
    std::vector<std::string> take() {
        std::sort(out_.begin(), out_.end());
        out_.erase(std::unique(out_.begin(), out_.end()), out_.end());
        return std::move(out_);
    }

private:
    void add(const EntityApi& e) { out_.push_back(e.entity->name); }
    // The target of a relation, with its join entity; nullptr when `name` is no relation of `e`.
    const EntityApi* follow(const EntityApi& e, std::string_view name) {
        const RelationInfo* relation = e.relation(name);
        if (!relation) relation = e.relation_aggregate(name);
        if (!relation) return nullptr;
        if (!relation->through.empty()) {
            out_.push_back(relation->through);  // an event names the entity, or the table when there is none
            for (const auto& [entity_name, other] : api_.entities)
                if (other.entity->table == relation->through) out_.push_back(entity_name);
        }
        const auto* target = api_.target(*relation);
        if (target) add(*target);
        return target;
    }
    void selection(const EntityApi& e, const SelectedField& field) {
        for (const auto& f : field.selection) {
            if (f.selection.empty()) continue;
            if (const auto* target = follow(e, f.name)) {
                arguments(*target, f);
                selection(*target, f);
            } else {
                selection(e, f);  // aggregate { … }, nodes { … }, returning { … }
            }
        }
    }
    void arguments(const EntityApi& e, const SelectedField& field) {
        for (const auto& [name, value] : field.arguments) input(e, value);
    }
    // where, order_by, objects, _set, on_conflict: a relation's name switches to its target.
    void input(const EntityApi& e, const InputValue& value) {
        if (const auto* list = value.as_list()) {
            for (const auto& item : *list) input(e, item);
        } else if (const auto* object = value.as_object()) {
            for (const auto& [k, v] : *object) {
                if (const auto* target = follow(e, k)) input(*target, v);
                else input(e, v);
            }
        }
    }

    const Api& api_;
    std::vector<std::string> out_;
};

}  // namespace

std::vector<std::string> entities_of(const Api& api, const PreparedOperation& operation) {
    EntityWalk walk(api);
    const bool mutation = operation.kind == OperationKind::mutation;
    for (const auto& field : operation.fields)
        if (const auto* root = api.root(mutation, field.name); root && root->entity) walk.root(*root, field);
    return walk.take();
}

std::string cache_scope(const Identity& who) {
    if (who.admin) return {};
    // Length-prefixed parts: no role or value can be made to look like another split.
    std::string scope = std::to_string(who.role.size()) + ':' + who.role;
    for (const auto& [name, value] : who.variables)
        scope += ';' + std::to_string(name.size()) + ':' + name + '=' + std::to_string(value.size()) + ':' + value;
    return scope;
}

ResponseCache::ResponseCache(ResponseCacheOptions options, ChangeBus& bus) : options_(options) {
    subscription_ = bus.subscribe({}, bus.last_sequence(), [this](const ChangeEvent& event) {
        std::lock_guard lock(mutex_);
        invalidate_locked(event.entity());
    });
}

ResponseCache::~ResponseCache() { subscription_.reset(); }

std::optional<std::string> ResponseCache::find(const GraphqlRequest& request, std::string_view scope, const std::shared_ptr<const Api>& api,
                                               Miss& miss) {
    miss.key = key_of(request, scope);
    std::lock_guard lock(mutex_);
    if (const auto it = by_key_.find(miss.key); it != by_key_.end()) {
        const auto entry = it->second;
        const bool expired = options_.ttl.count() > 0 && std::chrono::steady_clock::now() >= entry->expires;
        if (!expired && entry->api.lock() == api) {
            lru_.splice(lru_.begin(), lru_, entry);
            ++counts_.hits;
            return entry->body;
        }
        erase(entry);
    }
    ++counts_.misses;
    miss.generation = generation_;
    return std::nullopt;
}

void ResponseCache::store(Miss miss, const std::shared_ptr<const Api>& api, std::vector<std::string> entities, const std::string& body) {
    const std::size_t size = miss.key.size() + body.size();
    if (size > options_.max_bytes || options_.max_entries == 0) return;
    std::lock_guard lock(mutex_);
    // Written while the answer was being read: it may predate the write, so it is not kept.
    for (const auto& e : entities)
        if (const auto w = written_at_.find(e); w != written_at_.end() && w->second > miss.generation) return;
    if (const auto old = by_key_.find(miss.key); old != by_key_.end()) erase(old->second);
    while (!lru_.empty() && (lru_.size() >= options_.max_entries || bytes_ + size > options_.max_bytes)) erase(std::prev(lru_.end()));
    lru_.push_front(Entry{std::move(miss.key), body, api, std::move(entities),
                          std::chrono::steady_clock::now() + options_.ttl});
    auto& entry = lru_.front();
    by_key_.emplace(entry.key, lru_.begin());
    for (const auto& e : entry.entities) by_entity_[e].insert(&entry);
    bytes_ += size;
    ++counts_.stores;
}

void ResponseCache::invalidate(const std::vector<std::string>& entities) {
    std::lock_guard lock(mutex_);
    for (const auto& e : entities) invalidate_locked(e);
}

void ResponseCache::invalidate_locked(const std::string& entity) {
    written_at_[entity] = ++generation_;
    const auto it = by_entity_.find(entity);
    if (it == by_entity_.end()) return;
    std::vector<Entry*> doomed(it->second.begin(), it->second.end());
    for (auto* entry : doomed) {
        ++counts_.invalidations;
        erase(by_key_.at(entry->key));
    }
}

void ResponseCache::erase(Lru::iterator it) {
    for (const auto& e : it->entities) {
        const auto set = by_entity_.find(e);
        if (set == by_entity_.end()) continue;
        set->second.erase(&*it);
        if (set->second.empty()) by_entity_.erase(set);
    }
    bytes_ -= it->key.size() + it->body.size();
    by_key_.erase(it->key);
    lru_.erase(it);
}

ResponseCache::Stats ResponseCache::stats() const {
    std::lock_guard lock(mutex_);
    Stats s = counts_;
    s.entries = lru_.size();
    s.bytes = bytes_;
    return s;
}

}  // namespace rex::graphql

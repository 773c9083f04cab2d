#include "sql/written_rows.hpp"

#include <rex/sdk/json_text.hpp>

namespace rex::graphql {

WrittenRows::WrittenRows(const Api& api, const Dialect& dialect, SqlRunner& runner, const EntityApi& entity, std::vector<ChangeEvent>& events)
    : api_(api), dialect_(dialect), runner_(runner), entity_(entity), events_(events) {
    // The shape the capture pump gives the same entity's events: the catalog's field names.
    auto shape = std::make_shared<ChangeShape>();
    shape->entity = entity.entity->name;
    const auto& fields = entity.entity->fields;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].primary_key && shape->key_field < 0) shape->key_field = static_cast<int>(i);
        shape->fields.push_back(fields[i].name);
        column_names_.push_back(fields[i].column.empty() ? fields[i].name : fields[i].column);
        columns_ += (i ? ", " : "") + std::string("b.") + dialect.quote_identifier(column_names_.back());
    }
    for (const auto* k : entity.primary_key)
        for (std::size_t i = 0; i < fields.size(); ++i)
            if (&fields[i] == k) key_fields_.push_back(i);
    shape_ = std::move(shape);
}

std::string WrittenRows::key_text(const Key& key) const {
    std::string out;
    for (const auto& v : key) out += value_to_json(v) + ',';
    return out;
}

std::string WrittenRows::key_text_of(const Row& row) const {
    std::string out;
    for (const auto i : key_fields_) out += value_to_json(row.at(i)) + ',';
    return out;
}

WrittenRows::RowsByKey WrittenRows::read(const std::vector<Key>& keys) {
    // In chunks: a bulk insert writes a row per statement, and its keys all in one statement
    // would pass the engines' limit on bound parameters (SQLite's 32766).
    constexpr std::size_t chunk = 500;
    RowsByKey rows;
    for (std::size_t at = 0; at < keys.size(); at += chunk) {
        const std::vector<Key> some(keys.begin() + static_cast<std::ptrdiff_t>(at), keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), at + chunk)));
        Writer w(api_, dialect_);
        rows.merge(by_key(select(w, w.key_match("b", entity_.primary_key, some))));
    }
    return rows;
}

std::vector<WrittenRows::Row> WrittenRows::select(Writer& w, const std::string& condition) {
    const auto table = dialect_.quote_identifier(entity_.entity->table);
    return runner_.execute(w.finish("SELECT " + columns_ + " FROM " + table + " b WHERE " + condition)).rows;
}

WrittenRows::RowsByKey WrittenRows::by_key(std::vector<Row> rows) const {
    RowsByKey out;
    for (auto& row : rows) {
        auto key = key_text_of(row);
        out.emplace(std::move(key), std::move(row));
    }
    return out;
}

std::optional<WrittenRows::Row> WrittenRows::find(const std::vector<const FieldInfo*>& columns, const std::vector<Value>& values) {
    Writer w(api_, dialect_);
    std::string match;
    for (std::size_t i = 0; i < columns.size(); ++i) match += (i ? " AND " : "") + w.column("b", *columns[i]) + " = " + w.bind(values.at(i));
    auto rows = select(w, match);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

void WrittenRows::add(ChangeKind kind, const Row& row, const Row* old) {
    // One block for the row and the row before it, as the capture pump keeps them.
    auto block = std::make_shared<std::vector<Value>>(row);
    if (old) block->insert(block->end(), old->begin(), old->end());
    ChangeEvent e;
    e.kind = kind;
    e.shape = shape_;
    e.values = std::span<const Value>(block->data(), row.size());
    if (old) e.old_values = std::span<const Value>(block->data() + row.size(), old->size());
    e.storage = std::move(block);
    events_.push_back(std::move(e));
}

void WrittenRows::inserted(const std::vector<Key>& keys, const RowsByKey& before, const RowsByKey* returned) {
    const auto read_back = returned ? RowsByKey{} : read(keys);
    const auto& after = returned ? *returned : read_back;
    for (const auto& key : keys) {
        const auto text = key_text(key);
        const auto now = after.find(text);
        if (now == after.end()) continue;
        const auto was = before.find(text);
        if (was == before.end()) add(ChangeKind::insert, now->second);
        else add(ChangeKind::update, now->second, &was->second);
    }
}

void WrittenRows::updated(const std::vector<Key>& old_keys, const std::vector<Key>& new_keys, const RowsByKey& before, const RowsByKey* returned) {
    const auto read_back = returned ? RowsByKey{} : read(new_keys);
    const auto& after = returned ? *returned : read_back;
    for (std::size_t i = 0; i < old_keys.size() && i < new_keys.size(); ++i) {
        const auto was = before.find(key_text(old_keys[i]));
        const auto now = after.find(key_text(new_keys[i]));
        if (was != before.end() && now != after.end()) add(ChangeKind::update, now->second, &was->second);
    }
}

void WrittenRows::removed(const std::vector<Key>& keys, const RowsByKey& before) {
    for (const auto& key : keys)
        if (const auto was = before.find(key_text(key)); was != before.end()) add(ChangeKind::remove, was->second);
}

}  // namespace rex::graphql

// An update event with its old row, as the capture pump publishes one (both rows in one block).
#pragma once

#include <rex/sdk/change.hpp>

#include <memory>
#include <vector>

namespace rex::test {

inline ChangeEvent update_event(std::shared_ptr<const ChangeShape> shape, std::vector<Value> before, std::vector<Value> after) {
    auto block = std::make_shared<std::vector<Value>>(std::move(after));
    const auto n = block->size();
    block->insert(block->end(), before.begin(), before.end());
    ChangeEvent e;
    e.kind = ChangeKind::update;
    e.shape = std::move(shape);
    e.values = std::span<const Value>(block->data(), n);
    e.old_values = std::span<const Value>(block->data() + n, block->size() - n);
    e.storage = block;
    return e;
}

}  // namespace rex::test

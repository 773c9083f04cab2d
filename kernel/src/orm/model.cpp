#include <rex/orm/model.hpp>

namespace rex {

EntityInfo EntityModel::info() const {
    EntityInfo e;
    e.name = name;
    e.table = table;
    for (const auto& f : fields) {
        e.fields.push_back(f.info);
        for (const auto& r : f.rules) e.rules.push_back({f.info.name, r.name, r.argument});
    }
    return e;
}

}  // namespace rex

#include <rex/sdk/error.hpp>
#include <rex/sdk/resolver.hpp>

REX_SDK_BEGIN

const Value* ResolverCall::argument(std::string_view name) const noexcept {
    if (!arguments) return nullptr;
    for (const auto& [n, v] : *arguments)
        if (n == name) return &v;
    return nullptr;
}

const std::string* ResolverCall::header(std::string_view name) const noexcept { return headers ? find_header(*headers, name) : nullptr; }

WriteReport::~WriteReport() = default;

void ResolverCall::wrote(std::string_view entity, ChangeKind kind, std::vector<Value> key) const {
    if (!writes)
        raise({ErrorCategory::unsupported, "custom field '" + std::string(field) + "': only a mutation resolver reports the rows it wrote", {}, {}});
    writes->wrote(entity, kind, std::move(key));
}

std::string_view to_string(ResolverOperation operation) noexcept { return operation == ResolverOperation::mutation ? "mutation" : "query"; }

void check_resolver(const Resolver& resolver) {
    const auto fail = [&](const std::string& problem) {
        raise({ErrorCategory::configuration,
               "custom " + std::string(to_string(resolver.operation)) + " field" + (resolver.name.empty() ? "" : " '" + resolver.name + "'") + ": " + problem,
               {}, {}});
    };
    if (resolver.name.empty()) fail("it has no name");
    if (!resolver.resolve) fail("it has no callback");
    if (resolver.returns.empty()) fail("it has no result type");
    for (const auto& a : resolver.arguments)
        if (a.name.empty() || a.type.empty()) fail("an argument without a name or a type");
}

REX_SDK_END

#include "stream_context.hpp"

#include "request_text.hpp"

namespace rex::sse {

std::shared_ptr<EventStream> StreamContext::adopt(StreamSocket socket) const {
    auto stream = std::make_shared<EventStream>(io, std::move(socket), options.stream, registry);
    if (registry->admit(stream)) return stream;
    stream->respond(503, "application/json",
                    error_body(503, "too many event streams: this host serves at most " + std::to_string(registry->limit()) + " at once"),
                    {{"Retry-After", "5"}});
    return nullptr;
}

}  // namespace rex::sse

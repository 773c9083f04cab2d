// graphql-sse's single connection mode: a client reserves a stream (PUT → a token), opens it
// (GET with the token), starts operations on it (POST with the token and
// extensions.operationId → 202), whose messages carry their id ({"id", "payload"}), and stops
// them (DELETE ?operationId=). Messages of operations started before the stream is open wait
// for it (bounded).
#pragma once

#include "event_stream.hpp"

#include <rex/sdk/operation.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rex::sse {

class Reservations : public std::enable_shared_from_this<Reservations> {
public:
    // At most `max` reservations; each keeps at most `pending` messages until its stream opens.
    Reservations(std::size_t max, std::size_t pending) : max_(max), pending_(pending) {}

    struct Outcome {
        int status = 200;
        std::string problem;  // one line when status is not a success
    };

    // A new token; empty when `max` are reserved. Reservations never opened expire after 30 s.
    std::string reserve();
    // Opens the stream of `token` on `stream` (which it begins).
    Outcome attach(const std::string& token, const std::shared_ptr<EventStream>& stream);
    Outcome start(const std::string& token, const std::string& operation_id, OperationExecutor& executor, OperationRequest request);
    Outcome stop(const std::string& token, const std::string& operation_id);

    struct Reservation;

private:
    struct Detach;
    void drop(const std::string& token);

    const std::size_t max_, pending_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Reservation>> by_token_;
};

}  // namespace rex::sse

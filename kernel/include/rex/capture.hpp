// The capture pump: reads the database's change log (an adapter's ChangeCapture, see
// rex/sdk/capture.hpp) on its own thread and publishes each committed transaction to the
// kernel's change bus, in commit order, as ChangeEvents carrying the log's position.
// Every host runs its own pump on the same database: each delivers every change, no leader.
// The pump numbers the kernel's bus from the log (ChangeEvent::sequence is the change's number
// in the log, the same on every host), so while it runs the bus drops events published without
// a number (the ORM's in-process ones: the pump publishes those writes too), and a subscriber
// resuming from before the bus's memory is served from the log.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/capture.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex {

class Kernel;

struct CapturePumpOptions {
    std::string url;                      // the database; its adapter must offer capture()
    // Resume after this position (the last one delivered, e.g. persisted by on_delivered);
    // nullopt: start after the newest change committed now.
    std::optional<std::int64_t> after;
    std::size_t max_batches = 256;        // per read: bounds the memory a burst takes
    std::chrono::milliseconds wait{250};  // longest wait between reads (and for stop())
    // Called on the pump's thread after each batch went to the bus.
    std::function<void(std::int64_t position)> on_delivered;
};

class REX_KERNEL_API CapturePump {
public:
    virtual ~CapturePump();  // stops the thread
    // The last position published to the bus.
    virtual std::int64_t position() const = 0;
    // True when the start position was older than the retained log (pruned): the changes in
    // between are lost and a consumer must refetch its state.
    virtual bool lost_changes() const = 0;
    // Tells the pump the log was pruned through this position (by this host or the CLI), so
    // the bus's first_retained() says refetch for what is gone.
    virtual void note_pruned(std::int64_t pruned_through) = 0;
    virtual void stop() = 0;
};

// Starts a pump on `kernel`'s change bus; the kernel must outlive it. Throws (NotFoundError,
// UnsupportedError, ConnectionError) when the URL has no adapter, the adapter no capture, or
// the first connection fails; later failures (a database restart) are logged and retried.
REX_KERNEL_API std::unique_ptr<CapturePump> start_capture_pump(Kernel& kernel, CapturePumpOptions options);

// A log batch as change-bus events (one per change; the pump's conversion, for tests and
// transports that read a log themselves), numbered by the batch's position (its last change's
// number, the changes before it one less each), with the old row of updates in old_values. Rows become values by the catalog's entity for the
// table (field types) when there is one, else by the JSON kinds; shapes are cached in `shapes`.
class CaptureShapes;
REX_KERNEL_API std::vector<ChangeEvent> capture_events(const CaptureBatch& batch, const CatalogView& catalog,
                                                       CaptureShapes& shapes);
class REX_KERNEL_API CaptureShapes {
public:
    CaptureShapes();
    ~CaptureShapes();
    struct Impl;
    std::unique_ptr<Impl> impl;
};

}  // namespace rex

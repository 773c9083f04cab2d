#include "host_capture.hpp"

#include <rex/capture.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>
#include <rex/sdk/url.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace rex::host {

namespace {

[[noreturn]] void fail(const std::string& message) { raise({ErrorCategory::configuration, message, {}, {}}); }

// The last position delivered, as 20 digits and a newline rewritten in place: one pwrite per
// batch, never torn by the process dying (a kill -9 loses at most the batch being delivered,
// which is then delivered again). A file, not a table: the position is this host's, and
// writing it into the watched database would itself be a write every reader wakes up for.
// Locked, so two hosts cannot share one by mistake.
class PositionFile {
public:
    explicit PositionFile(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) fail(path_.string() + ": cannot open the capture state file: " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            fail(path_.string() + ": the capture state file is in use by another rex-host (give each host its own realtime.state_file)");
        }
    }
    ~PositionFile() { ::close(fd_); }
    PositionFile(const PositionFile&) = delete;
    PositionFile& operator=(const PositionFile&) = delete;

    // nullopt for a new (empty) file.
    std::optional<std::int64_t> read() const {
        char buffer[64] = {};
        const auto n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
        if (n < 0) fail(path_.string() + ": cannot read the capture state file: " + std::strerror(errno));
        std::string text(buffer, static_cast<std::size_t>(n));
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        if (text.empty()) return std::nullopt;
        const bool digits = text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) fail(path_.string() + ": not a capture position (expected the digits rex-host writes; delete the file to start at the newest change)");
        return std::stoll(text);
    }

    // False when the write failed (errno says why).
    bool write(std::int64_t position) {
        char line[32];
        const int n = std::snprintf(line, sizeof line, "%020lld\n", static_cast<long long>(position));
        return ::pwrite(fd_, line, static_cast<std::size_t>(n), 0) == n;
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

class RunningCapture final : public HostCapture {
public:
    RunningCapture(Kernel& kernel, const Config& config) : kernel_(kernel), state_(config.realtime.state_file) {
        const auto& url = config.database_direct_url.empty() ? config.database_url : config.database_direct_url;
        const auto resume = state_.read();
        CapturePumpOptions options;
        options.url = url;
        options.after = resume;
        options.on_delivered = [this](std::int64_t position) { keep(position); };
        // At trace level, one line per change as the bus delivers it to subscribers (subscribed
        // before the pump starts, so none is missed): what
        // operators (and the tests) compare across hosts and restarts.
        if (kernel.logger().enabled(LogLevel::trace))
            trace_ = kernel.changes().subscribe({}, 0, [&log = kernel.logger()](const ChangeEvent& e) {
                const char* kind = e.kind == ChangeKind::insert ? "insert" : e.kind == ChangeKind::update ? "update" : "remove";
                log.log(LogLevel::trace, "capture",
                        "delivering sequence " + std::to_string(e.sequence) + " position " + std::to_string(e.position) + " " + kind + " " +
                            e.entity() + " " + key_to_json(e).text);
            });
        pump_ = start_capture_pump(kernel, std::move(options));
        if (!resume) keep(pump_->position());  // a restart before the first change resumes here
        kernel.logger().log(LogLevel::info, "capture",
                            "reading the change log of " + redact_url(url) +
                                (resume ? " after position " + std::to_string(*resume) + " (from " + config.realtime.state_file.string() + ")"
                                        : " from its newest change, position " + std::to_string(pump_->position())));
        if (config.realtime.retention_max_age_s) retention_.max_age = std::chrono::seconds(*config.realtime.retention_max_age_s);
        retention_.max_batches = config.realtime.retention_max_batches;
        if (retention_.max_age || retention_.max_batches)
            pruner_ = std::thread([this, url = config.database_url, every = config.realtime.retention_interval] { prune(url, every); });
    }

    ~RunningCapture() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (pruner_.joinable()) pruner_.join();
        pump_->stop();
        trace_.reset();
    }

private:
    // From the pump's thread, and once from start-up: the file only moves forward.
    void keep(std::int64_t position) {
        std::lock_guard lock(keep_mutex_);
        if (position <= kept_) return;
        kept_ = position;
        if (state_.write(position) || write_failed_) return;
        write_failed_ = true;  // said once; delivery goes on
        kernel_.logger().log(LogLevel::error, "capture",
                             state_.path().string() + ": cannot write the capture position (" + std::strerror(errno) +
                                 "): a restart will resume from an older one");
    }

    // Prunes now and then every `every`, on its own connection: the capture's prune deletes in
    // short transactions, so writers never wait for it. Every host may prune; they delete the
    // same old rows.
    void prune(const std::string& url, std::chrono::seconds every) {
        auto* capture = kernel_.adapter_for_url(url)->capture();
        std::shared_ptr<Connection> connection;
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            try {
                if (!connection || connection->is_lost()) connection = kernel_.connect(url);
                const auto pruned = capture->prune(*connection, retention_);
                pump_->note_pruned(capture->status(*connection).pruned_through);
                if (pruned > 0) kernel_.logger().log(LogLevel::info, "capture", "pruned " + std::to_string(pruned) + " batches of the change log");
            } catch (const std::exception& e) {
                connection.reset();
                kernel_.logger().log(LogLevel::warn, "capture", std::string("pruning the change log failed: ") + e.what());
            }
            lock.lock();
            wake_.wait_for(lock, every, [this] { return stopping_; });
        }
    }

    Kernel& kernel_;
    PositionFile state_;
    std::mutex keep_mutex_;
    std::int64_t kept_ = -1;
    bool write_failed_ = false;
    std::unique_ptr<CapturePump> pump_;
    std::unique_ptr<ChangeSubscription> trace_;
    CaptureRetention retention_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread pruner_;
};

}  // namespace

HostCapture::~HostCapture() = default;

std::unique_ptr<HostCapture> HostCapture::start(Kernel& kernel, const Config& config) {
    if (!config.realtime.capture) return nullptr;
    return std::make_unique<RunningCapture>(kernel, config);
}

}  // namespace rex::host

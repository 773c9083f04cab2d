// capture_reader URL AFTER COUNT: a second process reading the change log through its own
// kernel and capture pump; prints "sequence position kind key" per event until COUNT arrived (or 60 s).
#include <rex/capture.hpp>
#include <rex/kernel.hpp>
#include <rex/value_json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: capture_reader URL AFTER COUNT\n");
        return 2;
    }
    rex::Kernel kernel(rex::LogLevel::warn);
    kernel.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    const auto count = static_cast<std::size_t>(std::atoll(argv[3]));
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::string> lines;
    auto sub = kernel.changes().subscribe({}, 0, [&](const rex::ChangeEvent& e) {
        std::lock_guard lock(mutex);
        lines.push_back(std::to_string(e.sequence) + " " + std::to_string(e.position) + " " + std::to_string(static_cast<int>(e.kind)) + " " + rex::key_to_json(e).text);
        done.notify_all();
    });
    rex::CapturePumpOptions options;
    options.url = argv[1];
    options.after = std::atoll(argv[2]);
    auto pump = rex::start_capture_pump(kernel, options);
    std::unique_lock lock(mutex);
    done.wait_for(lock, std::chrono::seconds(60), [&] { return lines.size() >= count; });
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    return lines.size() >= count ? 0 : 1;
}

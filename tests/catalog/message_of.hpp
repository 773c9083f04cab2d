// The message of the rex::Error a piece of code throws, for tests that compare messages exactly.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>

namespace catalog_test {

// The message of the E that `run` throws; fails the case when it throws nothing.
template <class E>
std::string message_of(const std::function<void()>& run) {
    try {
        run();
    } catch (const E& e) {
        return e.message();
    }
    FAIL("the expected error was not thrown");
    return {};
}

}  // namespace catalog_test

// The SDK's binary contract: ABI version, export macro, ABI-tagged namespace and
// the build fingerprint that the kernel compares with every plugin before using it.
#pragma once

#include <boost/version.hpp>
#include <cstdint>
#include <string> // defines _GLIBCXX_USE_CXX11_ABI / _LIBCPP_VERSION

// Bump whenever any SDK type changes layout or any interface changes its vtable.
#define REX_SDK_ABI_VERSION 4
#define REX_SDK_VERSION "0.1.0"

// Every SDK type lives in rex::abi_v4, so a plugin built against another ABI fails
// to link or load with a clear missing-symbol message instead of crashing.
#define REX_SDK_BEGIN  \
    namespace rex {    \
    inline namespace abi_v4 {
#define REX_SDK_END \
    }               \
    }

// Interfaces and error types are exported with default visibility so their type info
// exists once (in librex-sdk.so) and exceptions / dynamic_cast work across plugins.
#define REX_SDK_API __attribute__((visibility("default")))

#define REX_STRINGIFY_IMPL(x) #x
#define REX_STRINGIFY(x) REX_STRINGIFY_IMPL(x)

#if defined(__clang__)
#define REX_COMPILER_FAMILY "clang"
#elif defined(__GNUC__)
#define REX_COMPILER_FAMILY "gcc"
#else
#define REX_COMPILER_FAMILY "unknown"
#endif

#if defined(_LIBCPP_VERSION)
#define REX_STDLIB "libc++"
#define REX_CXX11_ABI "n/a"
#else
#define REX_STDLIB "libstdc++"
#define REX_CXX11_ABI REX_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#endif

// C++ types (std::string, containers, exceptions) cross the plugin boundary, so the
// kernel and a plugin must agree on all of these. Compared as a whole string.
#define REX_BUILD_FINGERPRINT                                                 \
    "sdk-abi=" REX_STRINGIFY(REX_SDK_ABI_VERSION) ";compiler=" REX_COMPILER_FAMILY \
    ";stdlib=" REX_STDLIB ";cxx11-abi=" REX_CXX11_ABI ";boost=" REX_STRINGIFY(BOOST_VERSION)

REX_SDK_BEGIN

inline constexpr std::uint32_t sdk_abi_version = REX_SDK_ABI_VERSION;
inline constexpr const char* sdk_version = REX_SDK_VERSION;
inline constexpr const char* build_fingerprint = REX_BUILD_FINGERPRINT;

REX_SDK_END

// REX_PLUGIN: declares a plugin's one exported entry point. Use it once per plugin:
//
//   static void register_extensions(rex::Registrar& r) { r.add_adapter(...); }
//   REX_PLUGIN("sqlite", "0.1.0", "SQLite adapter and dialect", register_extensions)
#pragma once

#include <rex/sdk/plugin.hpp>

#include <boost/dll/alias.hpp>

#define REX_PLUGIN(NAME, VERSION, DESCRIPTION, REGISTER_FN)                                  \
    namespace rex_plugin_entry {                                                             \
    constexpr ::rex::PluginDescriptor descriptor{                                            \
        REX_SDK_ABI_VERSION,   sizeof(::rex::PluginDescriptor), NAME, VERSION, DESCRIPTION, \
        REX_BUILD_FINGERPRINT, &REGISTER_FN};                                                \
    }                                                                                        \
    BOOST_DLL_ALIAS(rex_plugin_entry::descriptor, rex_plugin)

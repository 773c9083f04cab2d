// Everything a plugin author needs, in one include.
#pragma once

#include <rex/sdk/abi.hpp>
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/exporter.hpp>
#include <rex/sdk/http.hpp>
#include <rex/sdk/log.hpp>
#include <rex/sdk/plugin.hpp>
#include <rex/sdk/resolver.hpp>
#include <rex/sdk/result.hpp>
#include <rex/sdk/transport.hpp>
#include <rex/sdk/types.hpp>
#include <rex/sdk/url.hpp>
#include <rex/sdk/value.hpp>

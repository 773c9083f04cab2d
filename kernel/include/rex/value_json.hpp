// Kept for existing includes: JSON text of values and rows now lives in the SDK, so plugins
// render exactly as the kernel does (rex/sdk/json_text.hpp).
#pragma once

#include <rex/sdk/json_text.hpp>

#pragma once
// Symbols of librex-kernel.so meant for embedding applications.
#define REX_KERNEL_API __attribute__((visibility("default")))

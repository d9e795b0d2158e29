// A self-checking envelope around every byte string the engine persists.
//
// Layout (little-endian):  magic[8] | format_version u32 | payload_length u64 | checksum u64 |
// payload. Unframe() checks all four before returning the payload, so a torn, truncated, padded
// or bit-flipped file is rejected as corruption before a single byte reaches Boost.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/runtime/status.h"

namespace ckpt {

inline constexpr size_t kFrameHeaderBytes = 8 + 4 + 8 + 8;
inline constexpr std::string_view kCheckpointMagic = "CKPTMETA";
inline constexpr std::string_view kRddMagic = "CKPTRDD1";
// 2: stream params, functions, input data; 3: bare archive (no class info), word checksum.
inline constexpr uint32_t kFormatVersion = 3;

// REQUIRES: magic.size() == 8.
std::string Frame(std::string_view magic, std::string_view payload);
// Frame() in place, for a writer that appended the payload after kFrameHeaderBytes of room:
// fills the header from the bytes after it.
void SealFrame(std::string_view magic, std::string* framed);

// The payload of `bytes`, or Corruption naming the first check that failed.
Result<std::string_view> Unframe(std::string_view magic, std::string_view bytes);

}  // namespace ckpt

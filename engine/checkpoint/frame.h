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
inline constexpr std::string_view kLogRecordMagic = "CKPTLOG1";   // a write-ahead log record
inline constexpr std::string_view kBlockEventMagic = "CKPTEVT1";  // driver WAL: tracker events
inline constexpr std::string_view kBlockDataMagic = "CKPTBLK1";   // receiver WAL: block records
// 2: stream params, functions, input data; 3: bare archive (no class info), word checksum.
inline constexpr uint32_t kFormatVersion = 3;

// REQUIRES: magic.size() == 8.
std::string Frame(std::string_view magic, std::string_view payload);
// Frame() in place, for a writer that appended the payload after kFrameHeaderBytes of room:
// fills the header from the bytes after it.
void SealFrame(std::string_view magic, std::string* framed);

// The payload of `bytes`, or Corruption naming the first check that failed.
Result<std::string_view> Unframe(std::string_view magic, std::string_view bytes);

// The payload of the frame at the start of `bytes` (which may hold more after it), and in
// `frame_bytes` that frame's whole size: for logs of frames written one after another. Corruption
// when the frame is cut short (a torn tail) or fails a check.
Result<std::string_view> UnframeNext(std::string_view magic, std::string_view bytes,
                                     size_t* frame_bytes);

}  // namespace ckpt

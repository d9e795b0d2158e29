// Reading a whole file that a user or an earlier run handed us (a scenario, a shard's JSON, a
// journal, a timeline): hostile input, so its size is bounded before it is read.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime/status.h"

namespace sim {

// Scenarios, shard results and journals far beyond any real one (the largest bundled scenario is
// a few kilobytes; a 10,000-trial JSON result a few megabytes).
inline constexpr uint64_t kMaxInputFileBytes = uint64_t{256} << 20;  // 256 MiB

// The whole content of regular file `path`. NotFound when there is none; InvalidArgument when it
// is not a regular file or holds more than `max_bytes`; IoError when reading fails.
ckpt::Result<std::string> ReadWholeFile(const std::string& path,
                                        uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace sim

// Reading Spark settings from a context's conf: integers and durations, each with its bounds, so
// that a hostile or mistyped value is an InvalidArgument naming the key, never a wrap or a hang.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace ckpt {

using ConfMap = std::map<std::string, std::string>;

// An integer setting in [minimum, 1'000'000], or `fallback` when unset.
Result<int64_t> IntegerConf(const ConfMap& conf, const std::string& key, int64_t fallback,
                            int64_t minimum = 1);

// A Spark time setting: "<n>ms", "<n>s", or a bare "<n>" in units of `bare_unit`; positive and at
// most one day. `fallback` when unset.
Result<Duration> DurationConf(const ConfMap& conf, const std::string& key, Duration fallback,
                              Duration bare_unit);

}  // namespace ckpt

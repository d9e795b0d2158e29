#include "engine/conf.h"

#include <charconv>
#include <string_view>

namespace ckpt {

Result<int64_t> IntegerConf(const ConfMap& conf, const std::string& key, int64_t fallback,
                            int64_t minimum) {
  auto it = conf.find(key);
  if (it == conf.end()) return fallback;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum ||
      value > 1'000'000) {
    return Status::InvalidArgument(key + " must be a " +
                                   (minimum > 0 ? "positive" : "non-negative") + " integer, got '" +
                                   text + "'");
  }
  return value;
}

Result<Duration> DurationConf(const ConfMap& conf, const std::string& key, Duration fallback,
                              Duration bare_unit) {
  auto it = conf.find(key);
  if (it == conf.end()) return fallback;
  std::string_view text = it->second;
  int64_t scale = bare_unit.ms;
  if (text.ends_with("ms")) {
    text.remove_suffix(2);
    scale = 1;
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
    scale = 1000;
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0 ||
      value > 86'400'000 / scale) {
    return Status::InvalidArgument(key + " must be a positive duration such as 200ms or 1s, got '" +
                                   it->second + "'");
  }
  return Duration{value * scale};
}

}  // namespace ckpt

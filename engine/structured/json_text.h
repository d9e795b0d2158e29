// JSON as the structured engine writes it into its files: compact, as Spark's Jackson writes it.
// A string that is not UTF-8 (a hostile file, topic or conf value) has its bad bytes replaced by
// U+FFFD instead of throwing: hostile input gets a wrong name, never a crash.
#pragma once

#include <string>

namespace ckpt::structured {

template <typename Json>
std::string JsonText(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ckpt::structured

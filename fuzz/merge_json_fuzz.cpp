// libFuzzer target: the shard files `ckptsim merge` reads (results.json of `explore --json` or
// --report). Any bytes are JSON or not, a result or rejected with a Status; a result merges with
// itself or is rejected, and writes back as JSON that reads again. Never a crash, a sanitizer
// report or an allocation far beyond the input.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "oracle/results.h"
#include "reports/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json json = nlohmann::json::parse(data, data + size, nullptr,
                                              /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  ckpt::Result<sim::ExploreResult> part = reports::ResultFromJson(json);
  if (!part.ok()) return 0;
  ckpt::Result<sim::ExploreResult> merged = sim::MergeResults({part.value(), part.value()});
  if (merged.ok()) reports::ResultToJson(merged.value()).dump();
  if (!reports::ResultFromJson(reports::ResultToJson(part.value())).ok()) __builtin_trap();
  return 0;
}

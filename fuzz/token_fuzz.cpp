// libFuzzer target: replay tokens (`--token`, pasted by users, carried in shard files). Any text
// parses or is rejected with a Status; a token that parses prints back as a token that parses to
// the same trial. Never a crash, a sanitizer report or an allocation far beyond the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/trial.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ckpt::Result<sim::TrialSpec> spec = sim::TrialSpec::ParseToken(text);
  if (!spec.ok()) return 0;
  ckpt::Result<sim::TrialSpec> again = sim::TrialSpec::ParseToken(spec.value().token());
  if (!again.ok() || !(again.value() == spec.value())) __builtin_trap();
  return 0;
}

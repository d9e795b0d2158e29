// libFuzzer target: the scenario parser. Any text must load or be rejected with an error that
// names the file first ("file:line:column: field: what", or "file: field: what"); never a crash.
// A fuzzed `plugins:` is refused, as --no-scenario-plugins does: it must not load libraries.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ckpt::Result<sim::Scenario> scenario = sim::LoadScenarioFromText(
      text, "fuzz.yaml", sim::PluginPolicy{.extra = {}, .scenario_plugins_allowed = false});
  if (!scenario.ok() && scenario.status().message().rfind("fuzz.yaml", 0) != 0) __builtin_trap();
  return 0;
}

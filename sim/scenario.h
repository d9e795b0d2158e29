// A crash scenario: the streaming application, its input, how long its jobs take, and what the
// harness should do to it. Loaded from YAML (docs/scenarios.md describes every field).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/functions.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/value.h"

namespace sim {

using ckpt::Duration;
using ckpt::Time;

// One crash: after `step` steps of the incarnation it hits, then `downtime` before the restart.
struct CrashSpec {
  uint64_t step = 0;
  Duration downtime;
  auto operator<=>(const CrashSpec&) const = default;
};

struct PipelineStep {
  std::string operation;  // map, flat_map, filter, reduce_by_key, update_state_by_key, collect
  ckpt::FunctionRef function;
  std::optional<Duration> checkpoint_interval;
  std::string output_name;  // collect
};

struct ProcessingModel {
  Duration job_base{10};
  int64_t per_record_us = 0;
  std::map<int64_t, Duration> slow_batches;  // batch index (1-based) -> extra time
};

struct Scenario {
  std::string path;  // the file it came from ("" when built in code)
  std::string name;
  std::string description;
  Duration batch_duration{500};
  int64_t batches = 0;
  std::string source_kind = "sequence";  // sequence | constant
  std::vector<ckpt::Records> input;
  std::vector<PipelineStep> pipeline;
  std::string checkpoint_dir = "/checkpoint";  // "" disables checkpointing
  bool create_on_error = false;
  ProcessingModel processing;
  Duration downtime{0};  // the downtime of exhaustive crash trials
  std::map<std::string, std::string> conf;
  std::map<std::string, std::vector<ckpt::Records>> expect;  // output -> records per batch
  std::vector<CrashSpec> crashes;                            // what `ckptsim run` does to it
};

// Loads one scenario. Errors read "file:line:column: field: what is wrong".
ckpt::Result<Scenario> LoadScenario(const std::string& path);
// Loads `path` if it is a file, or every *.yaml below it (sorted) if it is a directory.
ckpt::Result<std::vector<Scenario>> LoadScenarios(const std::string& path);

// Checks that the pipeline is well formed and names registered functions.
ckpt::Status ValidateScenario(const Scenario& scenario, const ckpt::FunctionRegistry& registry);

}  // namespace sim

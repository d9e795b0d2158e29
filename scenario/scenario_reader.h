// Reading a scenario from YAML (docs/scenarios.md): ScenarioReader turns one document into a
// Scenario, checking every field as it goes; each error names "file:line:column: field: what is
// wrong". Internal to scenario/: callers use LoadScenario (scenario.h). Its methods are spread
// over scenario_reader.cpp (values, the document), scenario_reader_pipeline.cpp (steps,
// processing, crashes) and scenario_reader_inputs.cpp (sources, initial files, swarm, faults).
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "scenario/scenario.h"

namespace sim {

using ckpt::Result;
using ckpt::Status;
using ckpt::Value;

// Checks one pipeline step's functions against `registry`; errors name `field`.
Status ValidateStep(const PipelineStep& step, const std::string& field,
                    const ckpt::FunctionRegistry& registry);

// How deep maps and lists may nest in a scenario (a hostile file must not recurse the reader
// off its stack).
inline constexpr int kMaxYamlDepth = 32;
// Every duration and time in a scenario lies within 10 days.
inline constexpr int64_t kMaxScenarioDuration_ms = 864'000'000;
// How many scheduled runs a structured scenario holds, and paths each run deletes.
inline constexpr size_t kMaxScheduledRuns = 1000;

class ScenarioReader {
 public:
  explicit ScenarioReader(std::string path, PluginPolicy plugin_policy = {})
      : path_(std::move(path)), plugin_policy_(std::move(plugin_policy)) {}

  // The functions the scenario may name: the built-ins, and its plugins' once scenario() has
  // read them.
  const ckpt::FunctionRegistry& functions() const { return *functions_; }

  Status error(const YAML::Node& node, const std::string& field, const std::string& what) const;

  // `status`'s message (which names its field) at `node`'s place in the file.
  Status located(const YAML::Node& node, const Status& status) const;

  // "file:line:column" (just the file when the node has no place).
  std::string where(const YAML::Node& node) const;

  Result<int64_t> integer(const YAML::Node& node, const std::string& field) const;

  Result<Duration> duration(const YAML::Node& node, const std::string& field,
                            bool allow_zero) const;

  Result<bool> boolean(const YAML::Node& node, const std::string& field) const;

  Result<std::string> string(const YAML::Node& node, const std::string& field) const;
  // An absolute path with no "." or ".." component (the real runtime puts every path under its
  // run directory, and a path must not climb out of it); empty only when `allow_empty`.
  Result<std::string> absolute_path(const YAML::Node& node, const std::string& field,
                                    bool allow_empty = false) const;
  // A name that becomes part of a file name: not empty, no '/', not "." or "..".
  Result<std::string> plain_name(const YAML::Node& node, const std::string& field) const;

  // A scalar is an integer, a double, or a string (quoted scalars are always strings);
  // a two-element sequence is a pair; {none: ~}, {some: v} and {list: [...]} are None, Some(v)
  // and a list.
  Result<Value> value(const YAML::Node& node, const std::string& field) const;
  Result<Value> tagged_value(const YAML::Node& node, const std::string& field) const;

  Result<ckpt::Records> records(const YAML::Node& node, const std::string& field) const;

  Result<std::vector<ckpt::Records>> batches(const YAML::Node& node,
                                             const std::string& field) const;

  // "name" or "name(arg, ...)".
  Result<ckpt::FunctionRef> function(const YAML::Node& node, const std::string& field) const;

  // No map in `node` (at any depth, up to kMaxYamlDepth) holds a key twice: yaml-cpp keeps one
  // of them silently. The error names the second key's place and the first one's line.
  Status unique_keys(const YAML::Node& node, int depth = 0) const;

  Status check_keys(const YAML::Node& node, const std::string& where,
                    const std::set<std::string>& known) const;

  // One pipeline step under `field` ("pipeline[3]", or "pipeline[3].steps[0]" in a sub-pipeline).
  Result<PipelineStep> step(const YAML::Node& node, const std::string& field) const;
  // A transform's sub-pipeline: RDD operations and the actions collect and save_as_text_files,
  // without options that make streams (name, from, windows, checkpoint intervals).
  Result<std::vector<PipelineStep>> sub_steps(const YAML::Node& node, const std::string& field,
                                              const PipelineStep& parent) const;

  // A foreach_rdd's `store:` (idempotent or appending).
  Result<OutputStore> output_store(const YAML::Node& node, const std::string& field) const;

  // The operations' names, sorted (for the list an error message gives).
  static const std::set<std::string>& Operations();

  // What the operation's own key holds: a function, a stream name, an output name or nothing.
  Status operation_argument(const YAML::Node& value, const std::string& where,
                            PipelineStep& step) const;
  // One option `key` of a step whose arguments take it (the reader checked the family).
  Status step_option(const std::string& key, const YAML::Node& value, const std::string& where,
                     PipelineStep& step) const;

  Status processing(const YAML::Node& node, ProcessingModel& model) const;

  Result<std::vector<CrashSpec>> crashes(const YAML::Node& node) const;

  Result<FaultRule> fault(const YAML::Node& item) const;

  // Which fields each kind needs, and which it cannot use.
  Result<FaultRule> check_fault(const YAML::Node& item, const FaultRule& rule) const;

  Status faults(const YAML::Node& node, Scenario& s) const;

  // A scenario of either engine (`engine:`).
  Result<Scenario> scenario(const YAML::Node& root) const;
  // engine: structured (scenario_reader_structured.cpp).
  Result<Scenario> structured_scenario(const YAML::Node& root) const;
  Status query_pipeline(const YAML::Node& node, StructuredQuery& query) const;
  Status query_settings(const YAML::Node& root, Scenario& s) const;
  Status scheduled_runs(const YAML::Node& node, Scenario& s) const;
  Status log_expectations(const YAML::Node& node, Scenario& s) const;
  Status delivery_expectations(const YAML::Node& node, Scenario& s) const;
  // source.max_offsets_per_trigger and source.max_files_per_trigger (structured only).
  Status rate_limits(const YAML::Node& node, Scenario& s) const;

  // What the driver program does: restart_entry, processing, remember_ms, start_ms, downtime_ms,
  // conf and restart_conf.
  Status driver_settings(const YAML::Node& root, Scenario& s) const;

  // expect_conf, expect, expect_error and expect_failures.
  Status expectations(const YAML::Node& root, Scenario& s) const;

  // What the harness does to the application: initial files, filesystem, faults, crashes,
  // trial seed, interleaving and swarm ranges.
  Status harness_settings(const YAML::Node& root, Scenario& s) const;

  // swarm: {batches: [low, high], ...}; each range must leave at least one valid variant.
  Status swarm(const YAML::Node& node, Scenario& s) const;

  // The main `source:`, and one source's definition under `field` ("source", "sources.NAME").
  Status source(const YAML::Node& node, Scenario& s) const;
  // source_kind (its kind, and the keys only some kinds have), then source_fields (the rest).
  Status source_spec(const YAML::Node& node, const std::string& field, SourceSpec& source) const;
  Status source_kind(const YAML::Node& node, const std::string& field, SourceSpec& source) const;
  Status source_fields(const YAML::Node& node, const std::string& field, SourceSpec& source) const;
  Status file_source(const YAML::Node& node, const std::string& field, FileInput& source) const;
  // The input the driver program holds (sequence, queue and constant) under `field`: `input` (per
  // batch) or, for constant, `records` (one list).
  Result<std::vector<ckpt::Records>> in_memory_input(const YAML::Node& node, SourceKind kind,
                                                     const std::string& field) const;
  Result<RestartEntry> restart_entry(const YAML::Node& entry) const;
  // A crash's (or a state expectation's) `before:` or `after:` event and its `nth`; errors name
  // `list` ("crashes", "expect_state[2]").
  Result<CrashEvent> crash_event(const YAML::Node& item, const std::string& list) const;
  // `expect_state: [{before|after: EVENT, nth, process, checkpoint_files, streams, ...}]`
  // (StateExpectation); streams must be named in the scenario.
  Status state_expectations(const YAML::Node& node, Scenario& s) const;
  Result<StateExpectation> state_expectation(const YAML::Node& item, const std::string& field,
                                             const std::set<std::string>& streams) const;
  // `streams: {NAME: {generated_rdd_times, ...}}` of a state expectation (under `field`).
  Status stream_fields(const YAML::Node& by_stream, const std::string& field,
                       const std::set<std::string>& streams, StateExpectation& expectation) const;
  // `block_allocations` and `offset_ranges` of a state expectation.
  Status batch_fields(const YAML::Node& item, const std::string& field,
                      StateExpectation& expectation) const;
  // A list of integers (times in ms, or offsets).
  Result<std::vector<int64_t>> numbers(const YAML::Node& node, const std::string& field) const;
  // `expect_all_runs: {output: {distinct|contains|last_batch: [records]}}`.
  Status run_expectations(const YAML::Node& node, Scenario& s) const;
  // The top-level `sources:` list (NamedSource), at most kMaxNamedSources.
  static constexpr size_t kMaxNamedSources = 64;
  // What a source may generate, and what all sources may append together.
  static constexpr int64_t kMaxInputRecords = 1'000'000;
  Status named_sources(const YAML::Node& node, Scenario& s) const;
  // A named producer source's topic or directory is no other source's of its kind.
  Status distinct_input(const YAML::Node& item, const Scenario& s, const NamedSource& source) const;

  Status conf_map(const YAML::Node& node, const std::string& field,
                  std::map<std::string, std::string>& conf) const;

  // A log (partitioned) or a receiver's source (one sequence of records): records arriving at
  // virtual times, listed or generated.
  // A receiver's source reads as a log of one partition, then becomes a ReceiverInput.
  Status log_source(const YAML::Node& node, const std::string& field, SourceSpec& source) const;
  // appends: [{at_ms, partition, records}] (a receiver's: no partition), in time order.
  Status listed_appends(const YAML::Node& node, const std::string& field, bool receiver,
                        LogInput& source) const;
  // generate: {every_ms, until_ms, records} (GenerateLogAppends).
  Status generated_appends(const YAML::Node& node, const std::string& field,
                           LogInput& source) const;

  Status initial_files(const YAML::Node& node, Scenario& s) const;

  // `plugins:` and `restart_plugins:` (paths relative to the scenario's folder), each loaded and
  // checked where it is named, then --plugin's; sets functions() to the first process's.
  Status plugins(const YAML::Node& root, Scenario& s) const;

 private:
  // A list of plugin files under `field`, canonical, loaded, with the extra plugins after them.
  Result<std::vector<std::string>> plugin_list(const YAML::Node& node,
                                               const std::string& field) const;

  std::string path_;
  PluginPolicy plugin_policy_;
  // Set while the document is read (scenario() is const: the reader is one document's state).
  mutable const ckpt::FunctionRegistry* functions_ = &ckpt::FunctionRegistry::Builtins();
};

}  // namespace sim

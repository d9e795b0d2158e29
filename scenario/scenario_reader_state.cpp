// The scenario reader's `expect_state` (StateExpectation): assertions on internal state.
#include <algorithm>

#include "scenario/scenario_reader.h"

namespace sim {
namespace {

// The fields a stream's entry under `streams:` may name.
const std::set<std::string>& StreamFields() {
  static const std::set<std::string> fields = {"generated_rdd_times", "checkpoint_data_times",
                                               "rdd_files_present", "remember_ms",
                                               "checkpoint_interval_ms"};
  return fields;
}

}  // namespace

Result<std::vector<int64_t>> ScenarioReader::numbers(const YAML::Node& node,
                                                     const std::string& field) const {
  if (!node.IsSequence()) return error(node, field, "expected a list of integers");
  std::vector<int64_t> out;
  for (size_t i = 0; i < node.size(); ++i) {
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(node[i], field + "[" + std::to_string(i) + "]"));
    out.push_back(n);
  }
  return out;
}

Status ScenarioReader::state_expectations(const YAML::Node& node, Scenario& s) const {
  if (!node.IsSequence() || node.size() == 0) {
    return error(node, "expect_state", "expected a list of {after: EVENT, what must hold}");
  }
  std::set<std::string> streams = {"source"};
  for (const NamedSource& source : s.sources) streams.insert(source.name);
  for (const PipelineStep& step : s.pipeline) {
    if (step.name.empty()) continue;
    streams.insert(step.name);
    // mapWithState's internal state stream (MapWithStateDStream.internalStream), where its
    // checkpoint duration lives.
    if (step.operation == Operation::kMapWithState) streams.insert(step.name + kInternalStream);
  }
  for (size_t i = 0; i < node.size(); ++i) {
    CKPT_ASSIGN_OR_RETURN(StateExpectation expectation,
                          state_expectation(node[i], "expect_state[" + std::to_string(i) + "]",
                                            streams));
    s.expect_state.push_back(std::move(expectation));
  }
  return Status::Ok();
}

Result<StateExpectation> ScenarioReader::state_expectation(
    const YAML::Node& item, const std::string& field, const std::set<std::string>& streams) const {
  if (!item.IsMap()) return error(item, field, "expected a map");
  CKPT_RETURN_IF_ERROR(check_keys(item, field,
                                  {"before", "after", "nth", "process", "checkpoint_files",
                                   "streams", "block_allocations", "offset_ranges"}));
  if (static_cast<bool>(item["before"]) == static_cast<bool>(item["after"])) {
    return error(item, field, "needs one of before: EVENT and after: EVENT (as crashes take)");
  }
  StateExpectation expectation;
  expectation.origin = where(item);
  CKPT_ASSIGN_OR_RETURN(expectation.event, crash_event(item, field));
  if (const YAML::Node process = item["process"]) {
    CKPT_ASSIGN_OR_RETURN(int64_t index, integer(process, field + ".process"));
    if (index < 0 || index > 64) return error(process, field + ".process", "must be in 0..64");
    expectation.process = static_cast<int>(index);
  }
  if (const YAML::Node files = item["checkpoint_files"]) {
    if (!files.IsSequence()) return error(files, field + ".checkpoint_files", "expected names");
    std::vector<std::string> names;
    for (const YAML::Node& name : files) {
      CKPT_ASSIGN_OR_RETURN(std::string text, plain_name(name, field + ".checkpoint_files"));
      names.push_back(text);
    }
    expectation.fields["checkpoint_files"] = StateText(names);
  }
  if (const YAML::Node by_stream = item["streams"]) {
    CKPT_RETURN_IF_ERROR(stream_fields(by_stream, field + ".streams", streams, expectation));
  }
  CKPT_RETURN_IF_ERROR(batch_fields(item, field, expectation));
  if (expectation.fields.empty()) {
    return error(item, field,
                 "asserts nothing (checkpoint_files, streams, block_allocations or "
                 "offset_ranges)");
  }
  return expectation;
}

Status ScenarioReader::stream_fields(const YAML::Node& by_stream, const std::string& field,
                                     const std::set<std::string>& streams,
                                     StateExpectation& expectation) const {
  if (!by_stream.IsMap()) return error(by_stream, field, "expected {NAME: {...}}");
  for (const auto& entry : by_stream) {
    const std::string name = entry.first.Scalar();
    const std::string where = field + "." + name;
    if (!streams.count(name)) {
      return error(entry.first, where,
                   "no stream of that name (name a step with `name:`; the input is `source`; a "
                   "named map_with_state's internal stream is NAME" +
                       std::string(kInternalStream) + ")");
    }
    if (!entry.second.IsMap()) return error(entry.second, where, "expected a map of fields");
    CKPT_RETURN_IF_ERROR(check_keys(entry.second, where, StreamFields()));
    for (const auto& value : entry.second) {
      const std::string key = value.first.Scalar();
      std::string text;
      if (key.ends_with("_ms") && value.second.IsNull()) {
        text = "none";  // `~`: no duration set (Spark's null checkpointDuration)
      } else if (key.ends_with("_ms")) {
        CKPT_ASSIGN_OR_RETURN(int64_t ms, integer(value.second, where + "." + key));
        text = std::to_string(ms);
      } else {
        CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> times, numbers(value.second, where + "." + key));
        std::sort(times.begin(), times.end());  // as the engine's maps order them
        text = StateText(times);
      }
      expectation.fields["streams." + name + "." + key] = text;
    }
  }
  return Status::Ok();
}

Status ScenarioReader::batch_fields(const YAML::Node& item, const std::string& field,
                                    StateExpectation& expectation) const {
  if (const YAML::Node blocks = item["block_allocations"]) {
    if (!blocks.IsMap()) return error(blocks, field + ".block_allocations", "expected {T_MS: N}");
    for (const auto& entry : blocks) {
      const std::string where = field + ".block_allocations";
      CKPT_ASSIGN_OR_RETURN(int64_t time, integer(entry.first, where));
      CKPT_ASSIGN_OR_RETURN(int64_t count, integer(entry.second, where));
      expectation.fields["block_allocations." + std::to_string(time)] = std::to_string(count);
    }
  }
  if (const YAML::Node ranges = item["offset_ranges"]) {
    const std::string where = field + ".offset_ranges";
    if (!ranges.IsMap()) return error(ranges, where, "expected {T_MS: [[partition, from, until]]}");
    for (const auto& entry : ranges) {
      CKPT_ASSIGN_OR_RETURN(int64_t time, integer(entry.first, where));
      if (!entry.second.IsSequence()) return error(entry.second, where, "expected a list");
      std::vector<std::vector<int64_t>> rows;
      for (const YAML::Node& row : entry.second) {
        CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> numbers_of_row, numbers(row, where));
        if (numbers_of_row.size() != 3) {
          return error(row, where, "expected [partition, from, until]");
        }
        rows.push_back(numbers_of_row);
      }
      std::sort(rows.begin(), rows.end());
      expectation.fields["offset_ranges." + std::to_string(time)] = StateText(rows);
    }
  }
  return Status::Ok();
}

}  // namespace sim

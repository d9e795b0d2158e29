// A step of a scenario's pipeline: its operation, and the arguments of that operation's family.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/functions.h"
#include "engine/runtime/time.h"

namespace sim {

// What a pipeline step does (docs/scenarios.md lists them), a closed set: a misspelt operation is a
// compile error, and a switch over it is checked for every case.
enum class Operation {
  kMap,
  kMapValues,
  kFlatMap,
  kFilter,
  kTransform,
  kTransformWith,
  kUnion,
  kCogroup,
  kJoin,
  kLeftOuterJoin,
  kRightOuterJoin,
  kFullOuterJoin,
  kReduce,
  kReduceByKey,
  kCountByValue,
  kWindow,
  kReduceByWindow,
  kReduceByKeyAndWindow,
  kUpdateStateByKey,
  kMapWithState,
  kStateSnapshots,
  kCollect,
  kPrint,
  kSaveAsTextFiles,
  kForeachRdd,
};
// Every operation, in declaration order.
inline constexpr Operation kOperations[] = {
    Operation::kMap,
    Operation::kMapValues,
    Operation::kFlatMap,
    Operation::kFilter,
    Operation::kTransform,
    Operation::kTransformWith,
    Operation::kUnion,
    Operation::kCogroup,
    Operation::kJoin,
    Operation::kLeftOuterJoin,
    Operation::kRightOuterJoin,
    Operation::kFullOuterJoin,
    Operation::kReduce,
    Operation::kReduceByKey,
    Operation::kCountByValue,
    Operation::kWindow,
    Operation::kReduceByWindow,
    Operation::kReduceByKeyAndWindow,
    Operation::kUpdateStateByKey,
    Operation::kMapWithState,
    Operation::kStateSnapshots,
    Operation::kCollect,
    Operation::kPrint,
    Operation::kSaveAsTextFiles,
    Operation::kForeachRdd,
};
// The name scenario files use: "map", "map_values", ..., "foreach_rdd".
const char* OperationName(Operation operation);
std::optional<Operation> ParseOperation(const std::string& name);
// union, the pair operations (cogroup, join and the outer joins) and transform_with: their own
// value names the other stream they combine with.
bool CombinesTwoStreams(Operation operation);

// The external system a foreach_rdd writes to (`store:`), as the oracle judges it. Spark's output
// operations are at least once: a batch recovery runs again is written again.
enum class OutputStore : uint8_t {
  kNone,        // a sink as collect's: the oracle allows a re-run batch's same records again
  kIdempotent,  // writes keyed by batch time: a second write of a batch replaces the first
  kAppending,   // every write is appended: a batch written twice is there twice (WARN)
};
const char* OutputStoreName(OutputStore store);

struct PipelineStep;

// What a step takes besides its operation, its function and the fields every stream has, one type
// per family of operations (ArgumentsOf): an option of another family has nowhere to go.
// map, map_values, flat_map, filter, reduce, reduce_by_key, count_by_value, update_state_by_key,
// state_snapshots: nothing more.
struct NoArguments {
  bool operator==(const NoArguments&) const = default;
};
// union, cogroup and the joins: the other stream's name.
struct OtherStream {
  std::string other;
  bool operator==(const OtherStream&) const = default;
};
// transform and transform_with: the sub-pipeline run on each batch's RDD (RDD operations and the
// actions collect and save_as_text_files; empty for a transform by one function), and
// transform_with's other stream.
struct SubPipeline {
  std::string other;
  std::vector<PipelineStep> steps;
  // Defined below PipelineStep: a defaulted == here would need PipelineStep complete.
  bool operator==(const SubPipeline&) const;
};
// window, reduce_by_window and reduce_by_key_and_window.
struct WindowArguments {
  std::optional<ckpt::Duration> window;  // required (the reader says so at its field)
  std::optional<ckpt::Duration> slide;   // none: the parent stream's
  ckpt::FunctionRef inverse;             // the reduces': with it, Spark's ReducedWindowedDStream
  ckpt::FunctionRef filter_function;
  bool operator==(const WindowArguments&) const = default;
};
// map_with_state: StateSpec.timeout.
struct StateArguments {
  std::optional<ckpt::Duration> timeout;
  bool operator==(const StateArguments&) const = default;
};
// The output operations collect, print, save_as_text_files and foreach_rdd.
struct OutputArguments {
  std::string output_name;                 // the sink name (save_as_text_files: the prefix)
  int64_t num = 10;                        // print
  std::string suffix;                      // save_as_text_files
  OutputStore store = OutputStore::kNone;  // foreach_rdd
  bool operator==(const OutputArguments&) const = default;
};
using StepArguments = std::variant<NoArguments, OtherStream, SubPipeline, WindowArguments,
                                   StateArguments, OutputArguments>;
// The arguments `operation` takes, with their defaults.
StepArguments ArgumentsOf(Operation operation);

// One step of the pipeline: an operation on a stream (the previous step's, or `from`).
struct PipelineStep {
  Operation operation = Operation::kMap;
  ckpt::FunctionRef function;
  std::optional<ckpt::Duration> checkpoint_interval;
  std::string name;         // names the resulting stream
  std::string from;         // applies the operation to this named stream ("source" = the input)
  StepArguments arguments;  // of ArgumentsOf(operation)'s type
  // "file:line:column" of the step in its scenario file, for errors found later ("" when built
  // in code). Not part of what the step does: the shrinker's writer leaves it out.
  std::string origin;

  // A step of `operation` with its arguments' defaults.
  static PipelineStep Of(Operation operation);
  template <typename Arguments>
  const Arguments* get() const {
    return std::get_if<Arguments>(&arguments);
  }
  template <typename Arguments>
  Arguments* get() {
    return std::get_if<Arguments>(&arguments);
  }
  bool is_output() const;
  // An output's sink name; "" for the other operations.
  const std::string& output_name() const;
  // The other stream a two-stream operation combines with; "" for the others.
  const std::string& other() const;
  // A transform's sub-pipeline; empty for the others.
  const std::vector<PipelineStep>& steps() const;
  // The sinks this step writes: an output's name, or the actions of its sub-pipeline.
  std::vector<std::string> sink_names() const;
  bool operator==(const PipelineStep&) const = default;
};
inline bool SubPipeline::operator==(const SubPipeline& o) const {
  return other == o.other && steps == o.steps;
}

}  // namespace sim

// DStreamGraph: the streams of one context, its inputs and outputs, and the graph-wide steps the
// JobGenerator drives (generate jobs, clear metadata, update / clear / restore checkpoint data).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/checkpoint/checkpoint.h"
#include "engine/dstream/dstream.h"

namespace ckpt {

// One output operation's work for one batch.
struct Job {
  Time time;
  OutputDStream* output = nullptr;
  RddPtr rdd;
};

class DStreamGraph {
 public:
  DStreamGraph(StreamingRuntime* runtime, Duration batch_duration);

  StreamingRuntime& runtime() const { return *runtime_; }
  Duration batch_duration() const { return batch_duration_; }
  std::optional<Time> zero_time() const { return zero_time_; }
  // Set by start() (equal to the zero time) and kept in the checkpoint; a recovered graph keeps
  // it (JobGenerator.restart calls neither graph.start nor graph.restart).
  std::optional<Time> start_time() const { return start_time_; }
  // Spark's DStreamGraph.remember (ssc.remember): before start, how long every output stream (and
  // so what it depends on) keeps its RDDs at least.
  void remember(Duration duration) { remember_ = duration; }
  const std::vector<DStream*>& inputs() const { return inputs_; }
  // Spark's getMaxInputStreamRememberDuration: the longest remember duration of the inputs that
  // have one (an unused input has none, SPARK-11511); 0 when none has.
  Duration max_input_remember_duration() const;
  const std::vector<OutputDStream*>& outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<DStream>>& streams() const { return streams_; }
  // Over every stream's state_digest, in stream order (sim/ compares recovered and uncrashed runs).
  uint64_t state_digest() const;

  // Takes ownership of `stream` (built with next_stream_id()) and registers inputs and outputs.
  DStream* add_stream(std::unique_ptr<DStream> stream);
  int32_t next_stream_id() const { return static_cast<int32_t>(streams_.size()); }

  // Spark's DStreamGraph.validate (start, S1): at least one output.
  Status validate() const;
  // First start: zero time, initialize every stream, propagate remember, validateAtStart.
  Status start(Time zero_time);
  Status bind_functions(const FunctionRegistry& registry);

  Result<std::vector<Job>> generate_jobs(Time time);
  void clear_metadata(Time time);
  void update_checkpoint_data(Time time);
  void clear_checkpoint_data(Time time);
  // Restores every stream reachable from an output exactly once (SPARK-11749).
  void restore_checkpoint_data();

  GraphSnapshot snapshot() const;
  // Rebuilds a graph (without binding functions). InvalidArgument on a malformed snapshot.
  static Result<std::unique_ptr<DStreamGraph>> FromSnapshot(StreamingRuntime* runtime,
                                                            const GraphSnapshot& snapshot);

 private:
  StreamingRuntime* runtime_;
  Duration batch_duration_;
  std::optional<Time> zero_time_;
  std::optional<Time> start_time_;
  std::optional<Duration> remember_;  // ssc.remember, checkpointed with the graph
  std::vector<std::unique_ptr<DStream>> streams_;
  std::vector<DStream*> inputs_;
  std::vector<OutputDStream*> outputs_;
};

}  // namespace ckpt

// Per-process state shared by the context, the graph, the streams and the schedulers
// (the parts of Spark's SparkContext and StreamingContext that they all reach for).
#pragma once

#include <string>

#include "engine/env.h"
#include "engine/rdd.h"

namespace ckpt {

class ReceiverTracker;

enum class ContextState { kInitialized, kActive, kStopped };

struct StreamingRuntime {
  EngineEnv env;
  ContextState state = ContextState::kInitialized;
  std::string checkpoint_dir;    // metadata checkpoint directory; empty = checkpointing off
  RddCheckpointStore rdd_store;  // RDD checkpoint directory (<checkpoint dir>/<uuid>)
  int64_t next_rdd_id = 0;
  int rdd_directories_created = 0;
  // Our stand-in for the JVM stack: a job whose RDD lineage is deeper fails as Spark's fails with
  // a StackOverflowError when it serializes the task (conf ckptsim.lineage.max_depth).
  int64_t max_lineage_depth = 1000;
  // ckptsim.checkpoint.sync (off, as in Spark): sync checkpoint files and the directories they
  // are renamed into, which the protocol needs on storage without HDFS's durability.
  bool checkpoint_sync = false;
  // spark.streaming.kafka.maxRatePerPartition (records per second; 0 = no limit). It comes from
  // the checkpoint's conf after recovery, as Spark's PerPartitionConfig does.
  int64_t max_rate_per_partition = 0;

  // The running context's receivers and their block tracker (nullptr without receiver streams).
  ReceiverTracker* receiver_tracker = nullptr;

  // Records computed by RDDs of this process so far (the execution model charges them).
  uint64_t records_computed = 0;

  int64_t new_rdd_id() { return next_rdd_id++; }
  // Spark's V5: streams and outputs can only be added before the context starts.
  Status check_can_add_stream() const {
    if (state == ContextState::kInitialized) return Status::Ok();
    return Status::IllegalState(
        std::string("Adding new inputs, transformations, and output operations after ") +
        (state == ContextState::kActive ? "starting" : "stopping") + " a context is not supported");
  }
  void log(LogLevel level, std::string message) const {
    if (env.observer) env.observer->on_event(event::Log{level, std::move(message)});
  }
  void report_restore(int32_t stream_id, const std::map<Time, std::string>& rdd_files) const {
    if (env.observer) env.observer->on_event(event::StreamRestored{stream_id, rdd_files});
  }
  // Spark's JobScheduler.reportError.
  void report_error(const Status& error) const {
    if (env.observer) env.observer->on_event(event::Error{error});
  }
};

}  // namespace ckpt

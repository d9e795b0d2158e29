// Everything an engine process gets from the world around it.
//
// The engine reaches time, storage, the output sink and its observers only through these
// pointers. The simulator fills them with virtual-time, fault-injecting implementations bound to
// one process incarnation; production fills them with the wall clock and the POSIX filesystem.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/defects.h"
#include "engine/dstream/partitioned_log.h"
#include "engine/engine_events.h"
#include "engine/fixes.h"
#include "engine/functions.h"
#include "engine/receiver/received_block.h"
#include "engine/receiver/receiver_source.h"
#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt {

// Receives each output operation's records. Lives outside the engine process, so what it received
// survives a crash (a database or a file system seen from the streaming job).
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // An error means the external system refused the write: the job fails (and stays pending).
  virtual Status emit(const std::string& output_name, Time batch_time, const Records& records) = 0;
};

// How long the (simulated) executors take to run one job.
class ExecutionModel {
 public:
  virtual ~ExecutionModel() = default;
  // `record_count`: records of the job's RDD. `computed_records`: records of every RDD the job
  // computed, its lineage included (after a restart, the batches since the last RDD checkpoint
  // of a stateful stream are computed again: the work a crash loses).
  virtual Duration job_duration(Time batch_time, size_t record_count,
                                size_t computed_records) const = 0;
};

struct EngineEnv {
  Scheduler* scheduler = nullptr;
  FileSystem* fs = nullptr;
  OutputSink* sink = nullptr;
  EngineObserver* observer = nullptr;
  const ExecutionModel* execution = nullptr;
  PartitionedLog* log = nullptr;              // only applications with a log stream need one
  ReceiverSource* receiver_source = nullptr;  // only applications with a receiver stream
  const FunctionRegistry* functions = &FunctionRegistry::Builtins();
  DefectSet defects;
  FixSet fixes;  // known weaknesses fixed (fixes.h)
  // Identifies this process; seeds the name of the RDD checkpoint directory (Spark uses a UUID).
  uint64_t process_uid = 0;
  // The new process's own configuration: on recovery, `spark.master` and the other keys of the
  // reload list come from here, everything else from the checkpoint (Checkpoint.createSparkConf).
  std::map<std::string, std::string> process_conf;
  // A SparkContext already runs in this process with process_conf (Spark's SparkContext.getOrCreate
  // then returns it): a context recovered from a checkpoint takes that conf, not the checkpoint's
  // (StreamingContextSuite "getOrCreate" with a pre-existing SparkContext).
  bool spark_context_active = false;
  // Deliberate difference from Spark, bounding every run: the timer fires no batch after
  // zeroTime + stop_after_batches x batch (0 = never stop), and restart reschedules no time
  // beyond it, so that a simulated run ends when its work is done. A scenario can also stop its
  // application gracefully (StreamingContext::stop_gracefully), as Spark does.
  int64_t stop_after_batches = 0;
};

}  // namespace ckpt

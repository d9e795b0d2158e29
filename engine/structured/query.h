// A streaming query of Structured Streaming and its micro-batch execution (MicroBatchExecution,
// structured-streaming-notes.md 2.3 to 2.5 and 3): per trigger it plans the next batch (the
// source's end offsets, written to `offsets/N` before anything runs), runs it (the sink's
// addBatch), then writes `commits/N`. A restart on the same checkpoint location re-runs the
// newest planned batch with exactly its logged offsets when it has no commit, and goes on from
// the next otherwise (populateStartOffsets).
//
// Like the DStream engine, it never starts a thread or sleeps: the stream thread is a chain of
// tasks on the Scheduler seam, and a batch takes the virtual time its execution model says.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/functions.h"
#include "engine/runtime/scheduler.h"
#include "engine/structured/aggregation.h"
#include "engine/structured/file_sink.h"
#include "engine/structured/file_source.h"
#include "engine/structured/kafka_source.h"
#include "engine/structured/offset_commit_logs.h"

namespace ckpt::structured {

// One step of the query's plan: a Dataset operation with a registered function.
struct PlanStep {
  enum class Kind { kMap, kFlatMap, kFilter };
  Kind kind = Kind::kMap;
  FunctionRef function;
};

struct QueryPlan {
  enum class Source {
    kKafka,  // the Kafka-like source over the partitioned log: `topic`, ...
    kFiles,  // the file source over `files.directory` (lines of text)
  };
  Source source = Source::kKafka;
  FileSourceOptions files;
  std::string topic;  // the Kafka-like source's topic
  StartingOffsets starting_offsets = StartingOffsets::kEarliest;
  std::optional<int64_t> max_offsets_per_trigger;
  std::vector<PlanStep> steps;
  // A streaming aggregation after the steps: the reduce function folding each key's values.
  std::optional<FunctionRef> aggregation;
  // dropDuplicates on the key of each (key, value) record after the steps (one stateful operator
  // per query in this model: not with an aggregation).
  bool deduplicate = false;
  // withWatermark: the event time is the key of each (key, value) record after the steps, an
  // integer in ms (a window's end); the watermark trails the newest event time by this delay.
  std::optional<Duration> watermark_delay;
  OutputMode output_mode = OutputMode::kAppend;
  enum class Sink {
    kForeachBatch,  // the BatchSink seam: at least once
    kFile,          // FileStreamSink at `sink_path`: exactly once for readers of its log
  };
  Sink sink = Sink::kForeachBatch;
  std::string sink_name = "sink";  // foreachBatch's writes reach the BatchSink under this name
  std::string sink_path;           // the file sink's output directory
};

struct Trigger {
  enum class Kind {
    kProcessingTime,  // a batch every `interval` (0: as soon as the previous one ends)
    kOnce,            // one batch, then the query stops
  };
  Kind kind = Kind::kProcessingTime;
  Duration interval;
};

struct QueryOptions {
  std::string checkpoint_location;
  Trigger trigger;
  // The session's conf; the keys pinned in the offset log (PinnedConfs) are taken from the log
  // after a restart.
  std::map<std::string, std::string> conf;
};

// The sink seam of foreachBatch: the user's function, as the harness sees it, called with the
// batch id and the batch's records. An error fails the batch: the query stops with it, uncommitted.
class BatchSink {
 public:
  virtual ~BatchSink() = default;
  virtual Status add_batch(const std::string& sink_name, int64_t batch_id,
                           const Records& records) = 0;
};

// What a query tells its observer (the harness's record of a run).
class QueryObserver {
 public:
  virtual ~QueryObserver() = default;
  // populateStartOffsets decided where the run starts: the batch it runs first, and whether that
  // batch is a re-run of one planned before (its offsets read from the log).
  virtual void on_start_offsets(int64_t first_batch_id, bool rerun) = 0;
  // Batch `batch_id` was planned and written to the offset log (not called for a re-run).
  virtual void on_batch_planned(int64_t batch_id, const OffsetSeq& plan) = 0;
  // Batch `batch_id` was committed (commits/N written).
  virtual void on_batch_committed(int64_t batch_id) = 0;
  // The query stopped: with an error, or OK (stop(), or the end of a Once/AvailableNow trigger).
  virtual void on_query_terminated(const Status& error) = 0;
  virtual void on_warning(const std::string& message) = 0;
  // A processing-time trigger found no new data and no batch to run (the point where Spark's
  // processAllAvailable returns once every source's data has arrived).
  virtual void on_no_new_data() {}
};

struct QueryEnv {
  Scheduler* scheduler = nullptr;
  FileSystem* fs = nullptr;
  const PartitionedLog* log = nullptr;
  BatchSink* sink = nullptr;
  QueryObserver* observer = nullptr;  // optional
  const FunctionRegistry* functions = &FunctionRegistry::Builtins();
  FileManagerKind file_manager = FileManagerKind::kFileContext;
  uint64_t process_uid = 0;  // names temp files and a new query's id
  DefectSet defects;         // Spark fixes switched off (defects.h)
  // How long the executors take to run a batch of `records` records (default: no time).
  std::function<Duration(size_t records)> batch_duration;
};

// The confs of a compactible log (spark.sql.streaming.fileSink.log.* or fileSource.log.*, and
// minBatchesToRetain), as the sink or source reads them from the session.
enum class CompactibleLogKind { kFileSink, kFileSource };
Result<CompactibleLogConf> CompactibleLogConfOf(const std::map<std::string, std::string>& conf,
                                                CompactibleLogKind kind);

// The analyzer's checks of a query's output mode against its stateful operators (notes 5), as
// DataStreamWriter.start raises them; also what a scenario's loader reports at its field.
Status CheckQueryPlan(const QueryPlan& plan);

// The confs Spark pins in the offset log's metadata (OffsetSeqMetadata.relevantSQLConfs, 3.2) with
// the values a session has without setting them.
const std::map<std::string, std::string>& PinnedConfDefaults();

class StreamingQuery {
 public:
  // DataStreamWriter.start(): reads the query id from `<checkpoint>/metadata`, or creates one and
  // writes it atomically; then the stream thread's first trigger runs at once.
  static Result<std::unique_ptr<StreamingQuery>> Start(QueryEnv env, QueryPlan plan,
                                                       QueryOptions options);
  ~StreamingQuery();

  // StopStream: the stream thread ends after the task it is in (an OK termination).
  void stop();

  const std::string& id() const { return id_; }
  bool is_active() const { return active_; }
  // The error the query stopped with; none while active or after a clean stop.
  const std::optional<Status>& exception() const { return exception_; }
  // The batch the stream thread works on next (-1 before populateStartOffsets).
  int64_t current_batch_id() const { return current_batch_id_; }
  // The session conf as the running batches see it (pinned confs from the offset log).
  const std::map<std::string, std::string>& effective_conf() const { return conf_; }

 private:
  StreamingQuery(QueryEnv env, QueryPlan plan, QueryOptions options);
  Status init();
  Status read_confs();
  Status read_or_write_query_id();
  Status open_file_sink();
  void cancel_tasks();

  void post(const char* event, Time when, std::function<void()> task);
  void schedule_maintenance();
  Status check_plan();
  bool stateful() const { return plan_.aggregation || plan_.deduplicate; }
  Result<Records> run_stateful_operator(const Records& records);
  void run_trigger();
  void schedule_next_trigger(Time trigger_time);
  Status populate_start_offsets();
  Status pin_confs(const OffsetSeqMetadata& metadata);
  Result<bool> construct_next_batch();
  Result<std::optional<std::string>> start_offsets();
  Status run_batch(Time trigger_time);
  Status finish_batch(const Records& records);
  Status update_watermark(const Records& records);
  bool should_run_another_batch() const;
  Result<Records> apply_plan(Records records) const;
  void terminate(const Status& error);
  Status query_exception(const Status& cause) const;

  QueryEnv env_;
  QueryPlan plan_;
  QueryOptions options_;
  std::map<std::string, std::string> conf_;
  CheckpointFileManager file_manager_;
  OffsetSeqLog offset_log_;
  CommitLog commit_log_;
  std::unique_ptr<StreamSource> source_;
  std::string id_;
  bool active_ = true;
  std::optional<Status> exception_;

  int64_t current_batch_id_ = -1;
  bool current_batch_constructed_ = false;
  // The source's offsets, as the offset log holds them (none: the source has none).
  std::optional<std::string> committed_offsets_;
  std::optional<std::string> available_offsets_;
  std::optional<std::optional<std::string>> initial_offsets_;  // asked once
  OffsetSeqMetadata batch_metadata_;                           // of the batch constructed or re-run
  int64_t watermark_ms_ = 0;
  // The watermark the last batch this process ran used (none before its first batch, as
  // Spark's lastExecution).
  std::optional<int64_t> last_execution_watermark_ms_;
  bool no_data_batches_ = true;
  int64_t min_batches_to_retain_ = 100;
  StateStoreConf state_conf_;
  Duration maintenance_interval_{60000};
  ReduceFn reduce_;
  // The stateful operator, made at the first batch run.
  std::unique_ptr<StreamingAggregation> aggregation_;
  std::unique_ptr<StreamingDeduplication> deduplication_;
  std::unique_ptr<FileStreamSink> file_sink_;
  std::optional<TaskId> next_task_;
  std::optional<TaskId> maintenance_task_;
};

}  // namespace ckpt::structured

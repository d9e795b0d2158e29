// A crash scenario: the streaming application, its input, how long its jobs take, and what the
// harness should do to it. Loaded from YAML (docs/scenarios.md describes every field).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "engine/functions.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/structured/aggregation.h"
#include "engine/value.h"
#include "scenario/failure_kind.h"
#include "scenario/fault_rule.h"
#include "scenario/persistence_model.h"
#include "scenario/pipeline_step.h"

namespace sim {

using ckpt::Duration;
using ckpt::Time;

// A named engine event a crash is placed before or after (docs/scenarios.md, "crashes"): robust
// to edits of the scenario that renumber steps, and exact where a time would land on the next
// tick. Matched against the labels of the incarnation's steps (`ckptsim crash-points`).
struct CrashEvent {
  enum class Kind {
    kCheckpointWritten,  // the rename that completes checkpoint-<argument ms>
    kRename,             // a rename from or to the path <argument>
    kBatchCompleted,     // the job set of batch <argument ms> completed
    kCleanup,            // ClearCheckpointData of batch <argument ms>
    kWalWrite,           // a write to a write-ahead log file (driver's or a receiver's)
  };
  Kind kind = Kind::kCheckpointWritten;
  std::string argument;  // a time in ms or a path; "" for kWalWrite
  uint64_t nth = 1;      // the nth match in the incarnation (wal_write: its own value)
  bool after = false;    // crash before the step after the match, not before the match
  auto operator<=>(const CrashEvent&) const = default;
};
// "checkpoint_written", "rename", "batch_completed", "cleanup", "wal_write".
const char* CrashEventKindName(CrashEvent::Kind kind);

// Where a crash lands in the incarnation it hits (`crashes` in docs/scenarios.md), one of:
// just before its step `step`, counted from 0 (a token's `c<step>`);
struct CrashBeforeStep {
  uint64_t step = 0;
  auto operator<=>(const CrashBeforeStep&) const = default;
};
// before its first step at or after the virtual time `at` (a token's `t<ms>`);
struct CrashFromTime {
  Time at;
  auto operator<=>(const CrashFromTime&) const = default;
};
// or before or after a named engine event (CrashEvent; no token: ResolvedRunToken names its step).
using CrashPlacement = std::variant<CrashBeforeStep, CrashFromTime, CrashEvent>;

// One crash of the incarnation it hits, placed by `placement`. The restart comes `downtime`
// later. `state` picks which of the durable states the filesystem model allows the crash leaves
// (SimFs::crash).
struct CrashSpec {
  CrashPlacement placement;
  Duration downtime;
  uint64_t state = 0;
  auto operator<=>(const CrashSpec&) const = default;
};

struct ProcessingModel {
  Duration job_base{10};
  int64_t per_record_us = 0;
  // Per record of every RDD the job computes, its lineage included: what makes recomputing the
  // state since the last RDD checkpoint after a restart cost time (the checkpoint-interval study).
  int64_t per_computed_record_us = 0;
  std::map<int64_t, Duration> slow_batches;  // batch index (1-based) -> extra time
  // batch index -> how many times its output write fails before it succeeds (the external
  // system refuses it; the job fails and its batch stays pending).
  std::map<int64_t, int> failing_batches;
  bool operator==(const ProcessingModel&) const = default;
};

// A file the simulated producer writes into the file stream's directory at a virtual time (the
// producer is another machine: crashes of the driver do not touch it).
struct ProducedFile {
  Time at;
  std::string name;
  std::vector<std::string> lines;
  // The modification time it carries when not `at` (a file moved in from elsewhere, an old one).
  std::optional<Time> modified_at;
  bool operator==(const ProducedFile&) const = default;
};

// Records a producer on another machine appends to a partition of the partitioned log at a
// virtual time (the log source's input; driver crashes do not touch it).
struct LogAppend {
  Time at;
  int32_t partition = 0;
  ckpt::Records records;
  bool operator==(const LogAppend&) const = default;
};

// A file present before the application first starts (e.g. a corrupted checkpoint).
struct InitialFile {
  std::string path;
  std::string content;
  bool operator==(const InitialFile&) const = default;
};

// An inclusive range a swarm variant draws from.
struct IntRange {
  int64_t low = 0;
  int64_t high = 0;
  auto operator<=>(const IntRange&) const = default;
};

// The ranges within which random exploration varies the scenario (scenario/swarm.h). Each unset
// range keeps the scenario's own value.
struct SwarmRanges {
  std::optional<IntRange> batches;
  std::optional<IntRange> records_per_batch;  // sequence and queue sources
  std::optional<IntRange> batch_duration_ms;
  std::optional<IntRange> checkpoint_interval_ms;
  std::optional<IntRange> restart_clock_offset_ms;  // may be negative
  std::optional<IntRange> graceful_stop_lead_ms;    // clamped to 1..the batch duration
  std::optional<IntRange> concurrent_jobs;          // spark.streaming.concurrentJobs, 1..64
  // One I/O error on the nth occurrence (drawn from the range) of a drawn filesystem operation
  // anywhere under the checkpoint directory: the error side of every Status the writer, the RDD
  // store, the reader and the block logs check.
  std::optional<IntRange> io_fault_nth;
  // engine: structured (the knobs a user tunes; the confs go into conf and restart_conf):
  std::optional<IntRange> trigger_ms;               // the processing-time trigger's interval
  std::optional<IntRange> max_offsets_per_trigger;  // the Kafka source's
  std::optional<IntRange> min_batches_to_retain;    // spark.sql.streaming.minBatchesToRetain
  std::optional<IntRange> shuffle_partitions;       // spark.sql.shuffle.partitions
  std::optional<IntRange> min_deltas_for_snapshot;  // ...stateStore.minDeltasForSnapshot
  std::optional<IntRange> compact_interval;         // ...fileSink.log.compactInterval
  // Every range with its scenario key, in the order scenario files list them: what the reader,
  // the writer and the emptiness check walk, so that a range added here reaches all three.
  template <typename Self>
  static auto Fields(Self& swarm) {
    using Range = std::conditional_t<std::is_const_v<Self>, const std::optional<IntRange>,
                                     std::optional<IntRange>>;
    return std::array<std::pair<const char*, Range*>, 14>{{
        {"batches", &swarm.batches},
        {"records_per_batch", &swarm.records_per_batch},
        {"batch_duration_ms", &swarm.batch_duration_ms},
        {"checkpoint_interval_ms", &swarm.checkpoint_interval_ms},
        {"restart_clock_offset_ms", &swarm.restart_clock_offset_ms},
        {"graceful_stop_lead_ms", &swarm.graceful_stop_lead_ms},
        {"concurrent_jobs", &swarm.concurrent_jobs},
        {"io_fault_nth", &swarm.io_fault_nth},
        {"trigger_ms", &swarm.trigger_ms},
        {"max_offsets_per_trigger", &swarm.max_offsets_per_trigger},
        {"min_batches_to_retain", &swarm.min_batches_to_retain},
        {"shuffle_partitions", &swarm.shuffle_partitions},
        {"min_deltas_for_snapshot", &swarm.min_deltas_for_snapshot},
        {"compact_interval", &swarm.compact_interval},
    }};
  }
  bool empty() const {
    for (auto [key, range] : Fields(*this)) {
      if (range->has_value()) return false;
    }
    return true;
  }
  bool operator==(const SwarmRanges&) const = default;
};

// How the driver program of a process started after a crash gets its context (docs/scenarios.md,
// "restart_entry"). The first process always runs getOrCreate.
enum class RestartEntry {
  kGetOrCreate,                    // StreamingContext.getOrCreate(dir, create, createOnError)
  kGetOrCreateActiveSparkContext,  // the same in a process whose SparkContext already runs
  kNewStreamingContext,            // new StreamingContext(dir): no checkpoint is an error
  kGetActiveOrCreate,              // getActiveOrCreate: no active context in a new process
};
// "get_or_create", "get_or_create_active_spark_context", "new_streaming_context",
// "get_active_or_create".
const char* RestartEntryName(RestartEntry entry);

// Where a scenario's input comes from (docs/scenarios.md, "source").
enum class SourceKind { kSequence, kConstant, kQueue, kFile, kLog, kReceiver };
// "sequence", "constant", "queue", "file", "log", "receiver": the names scenario files use.
const char* SourceKindName(SourceKind kind);
ckpt::Result<SourceKind> ParseSourceKind(const std::string& name);

// An assertion about one output over every process of a trial, crashed or not (Spark's
// cross-restart assertions, e.g. CheckpointSuite's "the distinct outputs of all runs"): checked
// on every trial whose recovery did not stop as contracted and whose processes all ran the
// application the first one created (no fresh start after a crash).
struct RunExpectation {
  enum class Kind {
    kDistinct,   // the distinct records all processes emitted are exactly `records`
    kContains,   // each of `records` was emitted at least once
    kLastBatch,  // the last emission of the latest batch time holds exactly `records`
  };
  std::string output;
  Kind kind = Kind::kDistinct;
  ckpt::Records records;  // sorted
  // "file:line:column" in its scenario file, for the failure ("" when built in code); not a field
  // (the writer leaves it out).
  std::string origin;
  bool operator==(const RunExpectation&) const = default;
};
// "distinct", "contains", "last_batch": the keys scenario files use.
const char* RunExpectationKindName(RunExpectation::Kind kind);

// An assertion on the engine's internal state at an event of a process (`expect_state`), as
// Spark's tests assert on checkpoint files, checkpoint data, generated RDDs, remember durations,
// block allocations and offset ranges. Judged on the scenario's own trial (`ckptsim run`, its
// crashes), where Spark's test makes it.
inline constexpr const char* kInternalStream = "/internal";

struct StateExpectation {
  CrashEvent event;            // before the event's step, or (after) before the next step
  std::optional<int> process;  // only in this process (0: the first); else wherever it happens
  // What must hold, field -> its text (StateText): "checkpoint_files",
  // "streams.NAME.generated_rdd_times", "streams.NAME.checkpoint_data_times",
  // "streams.NAME.rdd_files_present", "streams.NAME.remember_ms",
  // "streams.NAME.checkpoint_interval_ms" (NAME may be a map_with_state step's name followed by
  // kInternalStream: its internal state stream), "block_allocations.T_MS"
  // (blocks allocated to batch T), "offset_ranges.T_MS" (a log stream's [partition, from, until]
  // ranges of batch T).
  std::map<std::string, std::string> fields;
  std::string origin;  // "file:line:column" (see RunExpectation)
  bool operator==(const StateExpectation&) const = default;
};

// The text of a state value as expectations and observations compare it: "[1000, 1500]",
// "[checkpoint-1000, checkpoint-1500]", "[[0, 0, 5]]", a number, or "none".
std::string StateText(const std::vector<int64_t>& numbers);
std::string StateText(const std::vector<std::string>& names);
std::string StateText(const std::vector<std::vector<int64_t>>& rows);

// The kinds of source (SourceKind, docs/scenarios.md "Sources"), one type each: a kind's fields
// exist only in its type.
// Input the driver program holds: sequence (one list of records per batch), constant (`input`
// holds the one list every batch reads) and queue (queueStream: one list per batch).
template <SourceKind K>
struct HeldInput {
  std::vector<ckpt::Records> input;
  bool operator==(const HeldInput&) const = default;
};
using SequenceInput = HeldInput<SourceKind::kSequence>;
using ConstantInput = HeldInput<SourceKind::kConstant>;
using QueueInput = HeldInput<SourceKind::kQueue>;
// textFileStream: what its producer writes into `directory`.
struct FileInput {
  std::string directory;
  std::vector<ProducedFile> files;
  bool new_files_only = true;     // Spark's newFilesOnly
  ckpt::FunctionRef path_filter;  // a filter function of the file's name (none: all)
  bool operator==(const FileInput&) const = default;
};
// A partitioned log (Kafka's direct stream) and what its producer appends to `topic`.
struct LogInput {
  std::string topic = "events";
  int32_t partitions = 0;
  std::vector<LogAppend> appends;  // in time order
  bool operator==(const LogInput&) const = default;
};
// A receiver of the external source `topic`: what arrives there (one partition), in time order.
struct ReceiverInput {
  static constexpr int32_t partitions = 1;
  std::string topic = "events";
  std::vector<LogAppend> appends;
  bool operator==(const ReceiverInput&) const = default;
};

// One input stream: the main source and every named source are one of these. Its kind's type; the
// variant's index is its SourceKind.
struct SourceSpec {
  std::variant<SequenceInput, ConstantInput, QueueInput, FileInput, LogInput, ReceiverInput> of;
  SourceKind kind() const { return static_cast<SourceKind>(of.index()); }
  // Its kind's input of type KindInput (FileInput, ...), or null when it is of another kind.
  template <typename KindInput>
  const KindInput* get() const {
    return std::get_if<KindInput>(&of);
  }
  template <typename KindInput>
  KindInput* get() {
    return std::get_if<KindInput>(&of);
  }
  // The records the driver program holds (sequence, constant, queue); null for the others.
  const std::vector<ckpt::Records>* held_input() const;
  std::vector<ckpt::Records>* held_input();
  // A sequence's or a queue's input, one list per batch; null for the others.
  const std::vector<ckpt::Records>* per_batch_input() const;
  std::vector<ckpt::Records>* per_batch_input();
  // What a producer appends (log, receiver); null for the others.
  const std::vector<LogAppend>* appends() const;
  std::vector<LogAppend>* appends();
  // The topic of a log or receiver source; "" for the others.
  const std::string& topic() const;
  // Fed by a simulated producer on another machine (file, log, receiver), so what a batch reads
  // depends on when it runs; the others' input is held by the driver program.
  bool produced() const { return held_input() == nullptr; }
  bool operator==(const SourceSpec&) const = default;
};
// The variant's index is the SourceKind.
template <SourceKind K, typename KindInput>
inline constexpr bool kInputOfKind =
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(K), decltype(SourceSpec::of)>,
                   KindInput>;
static_assert(kInputOfKind<SourceKind::kSequence, SequenceInput> &&
              kInputOfKind<SourceKind::kConstant, ConstantInput> &&
              kInputOfKind<SourceKind::kQueue, QueueInput> &&
              kInputOfKind<SourceKind::kFile, FileInput> &&
              kInputOfKind<SourceKind::kLog, LogInput> &&
              kInputOfKind<SourceKind::kReceiver, ReceiverInput>);
// A SourceSpec of `kind` with its type's defaults.
SourceSpec DefaultSource(SourceKind kind);

// A further input stream, named so that pipeline steps take it with `from` or `other`
// (docs/scenarios.md, "sources"). Built after the main source, in order: the main source is the
// graph's stream 0 and the nth named source stream n (InputSource).
struct NamedSource : SourceSpec {
  std::string name;
  bool operator==(const NamedSource&) const = default;
};

// Which engine runs a scenario (`engine:`): Spark Streaming's DStreams (the default) or
// Structured Streaming's micro-batch execution (docs/structured.md, "Scenarios").
enum class Engine { kDStream, kStructured };
// "dstream", "structured".
const char* EngineName(Engine engine);

// The query of an `engine: structured` scenario: readStream over the scenario's source, the
// pipeline's steps, at most one stateful operator, and writeStream to one sink.
struct StructuredQuery {
  enum class Stateful {
    kNone,
    kAggregate,    // groupBy(key).agg(reduce): `reduce_by_key: <function>`
    kDeduplicate,  // dropDuplicates(key): `drop_duplicates: key`
  };
  enum class Sink {
    kForeachBatch,  // `foreach_batch: <name>`: at least once, judged per batch id
    kFile,          // `write_files: <directory>`: the file sink, exactly once through its log
    // `write_store: <name>`: foreachBatch upserting each row into a keyed store (a pair's key,
    // else the row itself): idempotent, so exactly once for the store's readers
    kKeyedStore,
  };
  // The sinks that foreachBatch feeds (their calls are recorded per batch id).
  bool delivers_batches() const { return sink != Sink::kFile; }
  std::vector<PipelineStep> steps;  // map, flat_map and filter, before the stateful operator
  Stateful stateful = Stateful::kNone;
  ckpt::FunctionRef reduce;                 // kAggregate
  std::optional<Duration> watermark_delay;  // `with_watermark_ms`: the key is the event time
  ckpt::structured::OutputMode output_mode = ckpt::structured::OutputMode::kAppend;
  Sink sink = Sink::kForeachBatch;
  std::string sink_name;                           // foreach_batch: its name; file: its directory
  std::optional<Duration> trigger_interval;        // `trigger_ms` (0: back to back); none: Once
  std::optional<int64_t> max_offsets_per_trigger;  // log source (Kafka's maxOffsetsPerTrigger)
  std::optional<int64_t> max_files_per_trigger;    // file source
  bool operator==(const StructuredQuery&) const = default;
};

// engine: structured, `scheduled_runs`: one start of the driver program by a job scheduler (a
// Trigger.Once query run from cron; Spark's tests' StartStream after a StopStream), after which
// it deletes checkpoint files by hand first (Spark's tests purge log entries so).
struct ScheduledRun {
  Time at{0};
  std::vector<std::string> deletes;  // relative to the checkpoint directory, never above it
  // The session conf of its processes (its restarts included) instead of conf / restart_conf:
  // a new deployment of the job (Spark's tests' StartStream(additionalConfs)).
  std::optional<std::map<std::string, std::string>> conf;
  // Starts at its time even while another process runs: a second driver on the checkpoint (a
  // zombie after a network partition, a scheduler that overlaps runs; SPARK-26425).
  bool concurrent = false;
  bool operator==(const ScheduledRun&) const = default;
};

struct Scenario {
  std::string path;  // the file it came from ("" when built in code)
  Engine engine = Engine::kDStream;
  StructuredQuery query;  // engine: structured (its pipeline; `pipeline` stays empty)
  // engine: structured: when the driver program runs (empty: once, at the start). A run stops
  // at the first trigger that finds no new data when a later run waits for it, else once every
  // input has arrived too.
  std::vector<ScheduledRun> scheduled_runs;
  // engine: structured, `expect_logs`: "offsets" and "commits" -> the batch ids the log holds
  // after the uninterrupted run (Spark's tests that count log files, TV4).
  std::map<std::string, std::vector<int64_t>> expect_logs;
  // engine: structured, `expect_deliveries`: a foreachBatch sink -> every call the uninterrupted
  // run makes, in order, as (batch id, rows): re-runs included (Spark's tests that clear the
  // memory sink and check what a restart delivers again, TV3).
  std::map<std::string, std::vector<std::pair<int64_t, ckpt::Records>>> expect_deliveries;
  std::string name;
  std::string description;
  Duration batch_duration{500};
  int64_t batches = 0;
  SourceSpec source;  // the main input stream ("source" in `from:`)
  std::vector<InitialFile> initial_files;
  std::vector<NamedSource> sources;  // built after the main source, in this order
  std::vector<PipelineStep> pipeline;
  std::string checkpoint_dir = "/checkpoint";  // "" disables checkpointing
  bool create_on_error = false;
  RestartEntry restart_entry = RestartEntry::kGetOrCreate;
  ProcessingModel processing;
  Duration downtime{0};  // the downtime of exhaustive crash trials
  // `start_ms`: when the first process starts (a Spark test that sets its ManualClock before it
  // creates the context); the simulator's clock starts at 0 either way.
  Time first_start{0};
  std::optional<Duration> remember;  // `remember_ms`: ssc.remember
  // The driver program calls ssc.stop(stopGracefully = true) this long before the last batch's
  // time (1..batch_duration), so that the stop's last batch is the scenario's last. A process
  // started after that moment is not asked to stop (it ends after the last batch, as every run).
  std::optional<Duration> graceful_stop_lead;
  // How far the clock of every process started after a crash is from the first process's:
  // negative behind it (another host, a clock stepped back), positive ahead of it.
  Duration restart_clock_offset{0};
  std::map<std::string, std::string> conf;
  // Function plugins (canonical paths) every process loads: the scenario's `plugins:` and the
  // command line's --plugin. A process started after a crash loads restart_plugins instead when
  // it is set (a new build of the job without some of them; --plugin still applies).
  std::vector<std::string> plugins;
  std::optional<std::vector<std::string>> restart_plugins;
  // The own conf of a process started after a crash, replacing `conf` (a new SparkConf: a
  // recovered context takes from it only Spark's reload list, e.g. spark.master).
  std::optional<std::map<std::string, std::string>> restart_conf;
  // What every recovered context's conf must hold: key -> value, or nullopt for "absent".
  std::map<std::string, std::optional<std::string>> expect_conf;
  std::map<std::string, std::vector<ckpt::Records>> expect;  // output -> records per batch
  std::vector<RunExpectation> expect_all_runs;
  std::vector<StateExpectation> expect_state;
  // The contracted outcome of recovery when it cannot work (e.g. a queue stream): a message
  // that every failed start must contain; `run` also requires the crash list to produce it.
  std::string expect_error;
  // A configuration known not to survive crashes (e.g. posix storage without sync): exploration
  // must find failures, and only of these kinds; they are reported as expected, not as failures.
  std::vector<FailureKind> expect_failures;
  std::vector<CrashSpec> crashes;  // what `ckptsim run` does to it
  uint64_t trial_seed = 0;         // `run`: TrialSpec::seed (probabilistic faults, garbage)
  uint64_t interleaving = 0;       // `run`: TrialSpec::interleaving
  SwarmRanges swarm;               // what random exploration may vary
  // The storage it runs on (`--fs` overrides it) and the faults on top (docs/scenarios.md).
  PersistenceModel filesystem = PersistenceModel::kHdfs;
  std::vector<FaultRule> faults;

  std::vector<std::string> output_names() const;
  // The sinks of actions inside transforms' sub-pipelines. Spark runs a transform's function
  // whenever it computes the stream's RDD of a batch: again after recovery for the older batches
  // whose lineage it recomputes, so these sinks may see a batch again (at least once).
  std::set<std::string> transform_action_sinks() const;
  // The outputs of foreach_rdd steps that write to an appending store.
  std::set<std::string> appending_stores() const;
  // Field by field (the writer's round-trip test compares scenarios).
  bool operator==(const Scenario&) const = default;
};

// The largest clock offset a scenario may give a restarted process (one day, either way).
inline constexpr int64_t kMaxClockOffset_ms = 86'400'000;

// A log source's `generate: {every_ms, until_ms, records}`: at every multiple of `every` up to
// `until`, each of `partitions` partitions gets `records` more records, the integers 1, 2, 3, ...
// in append order.
std::vector<LogAppend> GenerateLogAppends(int32_t partitions, Duration every, Duration until,
                                          int64_t records);

// What the command line says about plugins when scenarios are read.
struct PluginPolicy {
  // --plugin's files (canonical, sim::CanonicalPluginPath): every process of every scenario
  // loads them.
  std::vector<std::string> extra;
  // A scenario's `plugins:` runs the code it names: --no-scenario-plugins makes that an error, for
  // scenarios from people one does not trust (docs/hardening.md).
  bool scenario_plugins_allowed = true;
};

// Loads one scenario. Errors read "file:line:column: field: what is wrong".
ckpt::Result<Scenario> LoadScenario(const std::string& path, const PluginPolicy& plugins = {});
// The same from text, with `path` naming it in errors (the scenario fuzz target).
ckpt::Result<Scenario> LoadScenarioFromText(const std::string& text, const std::string& path,
                                            const PluginPolicy& plugins = {});
// Loads `path` if it is a file, or every *.yaml below it (sorted) if it is a directory.
ckpt::Result<std::vector<Scenario>> LoadScenarios(const std::string& path,
                                                  const PluginPolicy& plugins = {});

// Checks that the pipeline is well formed and names registered functions.
ckpt::Status ValidateScenario(const Scenario& scenario, const ckpt::FunctionRegistry& registry);

// The scenario's input streams by the engine's stream id: the application builds the main source
// first (stream 0) and then the named sources in order (stream n is sources[n - 1]), before any
// other stream, so the ids the engine reports in its events name these.
int32_t InputStreamCount(const Scenario& scenario);
const SourceSpec& InputSource(const Scenario& scenario, int32_t stream_id);
SourceSpec& InputSource(Scenario& scenario, int32_t stream_id);
// "source" for the main source, else the named source's name.
const std::string& InputStreamName(const Scenario& scenario, int32_t stream_id);

}  // namespace sim

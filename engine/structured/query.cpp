#include "engine/structured/query.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "engine/runtime/uuid_name.h"
#include "engine/structured/json_text.h"

namespace ckpt::structured {
namespace {

// MicroBatchExecution's pollingDelayMs: how long a trigger without new data sleeps.
constexpr Duration kPollingDelay{10};
// The counter of the new query id's name (temp files count up from 0).
constexpr uint64_t kQueryIdCounter = uint64_t{1} << 63;

constexpr const char* kShufflePartitions = "spark.sql.shuffle.partitions";
constexpr const char* kMinBatchesToRetain = "spark.sql.streaming.minBatchesToRetain";

// Compatibility defaults for pinned keys an old offset log lacks (relevantSQLConfDefaultValues).
const std::map<std::string, std::string>& LegacyConfDefaults() {
  static const std::map<std::string, std::string> defaults = {
      {"spark.sql.streaming.multipleWatermarkPolicy", "min"},
      {"spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion", "1"},
      {"spark.sql.streaming.aggregation.stateFormatVersion", "1"},
      {"spark.sql.streaming.join.stateFormatVersion", "1"},
      {"spark.sql.streaming.stateStore.compression.codec", "lz4"},
  };
  return defaults;
}

// An integer conf at least `min_value` (1: "has to be positive", 0: "has to be non-negative").
// `unit_ms`: a time conf in milliseconds, which may also end in "ms" or "s" (Spark's timeConf).
Result<int64_t> IntConf(const std::map<std::string, std::string>& conf, const char* key,
                        int64_t fallback, int64_t min_value, bool unit_ms = false) {
  auto it = conf.find(key);
  if (it == conf.end()) return fallback;
  std::string_view text = it->second;
  int64_t scale = 1;
  if (unit_ms && text.ends_with("ms")) {
    text.remove_suffix(2);
  } else if (unit_ms && text.ends_with("s")) {
    text.remove_suffix(1);
    scale = 1000;
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min_value ||
      value > INT64_MAX / scale) {
    return Status::InvalidArgument(std::string(key) + " has to be " +
                                   (min_value > 0 ? "positive" : "non-negative") + ": " +
                                   it->second);
  }
  return value * scale;
}

std::string AssertionFailed(const std::string& message) { return "assertion failed: " + message; }

Result<std::unique_ptr<StreamSource>> MakeSource(const QueryEnv& env, const QueryPlan& plan,
                                                 const QueryOptions& options,
                                                 CheckpointFileManager* manager) {
  const std::string dir = JoinPath(options.checkpoint_location, "sources/0");
  if (plan.source == QueryPlan::Source::kFiles) {
    CKPT_ASSIGN_OR_RETURN(CompactibleLogConf log,
                          CompactibleLogConfOf(options.conf, CompactibleLogKind::kFileSource));
    return std::unique_ptr<StreamSource>(
        new FileStreamSource(manager, dir, plan.files, log, env.scheduler));
  }
  return std::unique_ptr<StreamSource>(new KafkaSource(
      manager, env.log, plan.topic, dir, plan.starting_offsets, plan.max_offsets_per_trigger));
}

}  // namespace

const std::map<std::string, std::string>& PinnedConfDefaults() {
  static const std::map<std::string, std::string> defaults = {
      {kShufflePartitions, "200"},
      {"spark.sql.streaming.stateStore.providerClass",
       "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider"},
      {"spark.sql.streaming.multipleWatermarkPolicy", "min"},
      {"spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion", "2"},
      {"spark.sql.streaming.aggregation.stateFormatVersion", "2"},
      {"spark.sql.streaming.join.stateFormatVersion", "2"},
      {"spark.sql.streaming.stateStore.compression.codec", "lz4"},
  };
  return defaults;
}

StreamingQuery::StreamingQuery(QueryEnv env, QueryPlan plan, QueryOptions options)
    : env_(std::move(env)),
      plan_(std::move(plan)),
      options_(std::move(options)),
      conf_(options_.conf),
      file_manager_(env_.fs, env_.file_manager, env_.process_uid, env_.defects),
      offset_log_(&file_manager_, JoinPath(options_.checkpoint_location, "offsets")),
      commit_log_(&file_manager_, JoinPath(options_.checkpoint_location, "commits")),
      source_() {
  for (const auto& [key, value] : PinnedConfDefaults()) conf_.try_emplace(key, value);
}

StreamingQuery::~StreamingQuery() { cancel_tasks(); }

void StreamingQuery::cancel_tasks() {
  if (next_task_) env_.scheduler->cancel(*next_task_);
  if (maintenance_task_) env_.scheduler->cancel(*maintenance_task_);
  next_task_.reset();
  maintenance_task_.reset();
}

// The state store's maintenance thread (one per executor, every maintenanceInterval): snapshots
// and cleanup of the stores this process loaded; failures are logged.
void StreamingQuery::schedule_maintenance() {
  maintenance_task_ = env_.scheduler->schedule_at(
      env_.scheduler->now() + maintenance_interval_,
      TaskLabel{Actor::kDriver, "stateStoreMaintenance", Time{-1}}, [this] {
        maintenance_task_.reset();
        if (!active_) return;
        if (aggregation_ || deduplication_) {
          Status done = aggregation_ ? aggregation_->maintain() : deduplication_->maintain();
          if (!done.ok() && env_.observer) {
            env_.observer->on_warning("Error doing snapshots: " + done.to_string());
          }
        }
        schedule_maintenance();
      });
}

Result<std::unique_ptr<StreamingQuery>> StreamingQuery::Start(QueryEnv env, QueryPlan plan,
                                                              QueryOptions options) {
  std::unique_ptr<StreamingQuery> query(
      new StreamingQuery(std::move(env), std::move(plan), std::move(options)));
  CKPT_RETURN_IF_ERROR(query->init());
  StreamingQuery* q = query.get();
  q->post("runTrigger", q->env_.scheduler->now(), [q] { q->run_trigger(); });
  if (q->stateful()) q->schedule_maintenance();
  return query;
}

Status StreamingQuery::read_confs() {
  CKPT_ASSIGN_OR_RETURN(min_batches_to_retain_, IntConf(conf_, kMinBatchesToRetain, 100, 1));
  state_conf_.min_versions_to_retain = min_batches_to_retain_;
  CKPT_ASSIGN_OR_RETURN(state_conf_.min_deltas_for_snapshot,
                        IntConf(conf_, "spark.sql.streaming.stateStore.minDeltasForSnapshot", 10, 0));
  CKPT_ASSIGN_OR_RETURN(state_conf_.max_versions_in_memory,
                        IntConf(conf_, "spark.sql.streaming.maxBatchesToRetainInMemory", 2, 0));
  auto no_data = conf_.find("spark.sql.streaming.noDataMicroBatches.enabled");
  no_data_batches_ = no_data == conf_.end() || no_data->second != "false";
  CKPT_ASSIGN_OR_RETURN(maintenance_interval_.ms,
                        IntConf(conf_, "spark.sql.streaming.stateStore.maintenanceInterval", 60000,
                                1, /*unit_ms=*/true));
  return Status::Ok();
}

Status StreamingQuery::open_file_sink() {
  CKPT_ASSIGN_OR_RETURN(CompactibleLogConf conf,
                        CompactibleLogConfOf(conf_, CompactibleLogKind::kFileSink));
  file_sink_ = std::make_unique<FileStreamSink>(&file_manager_, plan_.sink_path, conf,
                                                env_.scheduler, env_.process_uid);
  return file_sink_->init();
}

Result<CompactibleLogConf> CompactibleLogConfOf(const std::map<std::string, std::string>& conf,
                                                CompactibleLogKind kind) {
  const std::string prefix = kind == CompactibleLogKind::kFileSink
                                 ? "spark.sql.streaming.fileSink.log."
                                 : "spark.sql.streaming.fileSource.log.";
  CompactibleLogConf log;
  CKPT_ASSIGN_OR_RETURN(log.default_compact_interval,
                        IntConf(conf, (prefix + "compactInterval").c_str(), 10, 1));
  CKPT_ASSIGN_OR_RETURN(log.cleanup_delay.ms, IntConf(conf, (prefix + "cleanupDelay").c_str(),
                                                      600000, 0, /*unit_ms=*/true));
  CKPT_ASSIGN_OR_RETURN(log.min_batches_to_retain, IntConf(conf, kMinBatchesToRetain, 100, 1));
  auto deletion = conf.find(prefix + "deletion");
  log.deletion = deletion == conf.end() || deletion->second != "false";
  return log;
}

Status CheckQueryPlan(const QueryPlan& plan) {
  if (plan.aggregation && plan.deduplicate) {
    return Status::Unsupported(
        "an aggregation and dropDuplicates in one query (this model has one stateful operator)");
  }
  if (plan.aggregation && plan.output_mode == OutputMode::kAppend && !plan.watermark_delay) {
    return Status::InvalidArgument(
        "Append output mode not supported when there are streaming aggregations on streaming "
        "DataFrames/DataSets without watermark");
  }
  if (!plan.aggregation && plan.output_mode == OutputMode::kComplete) {
    return Status::InvalidArgument(
        "Complete output mode not supported when there are no streaming aggregations on "
        "streaming DataFrames/Datasets");
  }
  return Status::Ok();
}

// The output modes Spark's UnsupportedOperationChecker allows, and the reduce function bound.
Status StreamingQuery::check_plan() {
  CKPT_RETURN_IF_ERROR(CheckQueryPlan(plan_));
  if (plan_.aggregation) {
    CKPT_ASSIGN_OR_RETURN(reduce_, env_.functions->bind_reduce(*plan_.aggregation));
  }
  return Status::Ok();
}

// StreamExecution's constructor: the confs and the plan checked, the query id, the logs, the
// source and the sink opened.
Status StreamingQuery::init() {
  CKPT_RETURN_IF_ERROR(read_confs());
  CKPT_RETURN_IF_ERROR(check_plan());
  if (plan_.sink == QueryPlan::Sink::kFile) CKPT_RETURN_IF_ERROR(open_file_sink());
  CKPT_RETURN_IF_ERROR(env_.fs->mkdirs(options_.checkpoint_location));
  CKPT_RETURN_IF_ERROR(read_or_write_query_id());
  CKPT_RETURN_IF_ERROR(offset_log_.init());
  CKPT_RETURN_IF_ERROR(commit_log_.init());
  CKPT_ASSIGN_OR_RETURN(source_, MakeSource(env_, plan_, options_, &file_manager_));
  return source_->init();
}

// StreamMetadata: the query id from `metadata`, written once with createAtomic when the checkpoint
// has none.
Status StreamingQuery::read_or_write_query_id() {
  const std::string path = JoinPath(options_.checkpoint_location, "metadata");
  CKPT_ASSIGN_OR_RETURN(bool exists, env_.fs->exists(path));
  if (exists) {
    CKPT_ASSIGN_OR_RETURN(std::string content, env_.fs->read_file(path));
    nlohmann::json json = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
    auto id = json.is_object() ? json.find("id") : json.end();
    if (json.is_discarded() || !json.is_object() || id == json.end() || !id->is_string()) {
      return Status::Corruption("Error reading stream metadata from " + path);
    }
    id_ = id->get<std::string>();
    return Status::Ok();
  }
  id_ = UuidShapedName(env_.process_uid, kQueryIdCounter);
  const std::string json = JsonText(nlohmann::json{{"id", id_}});
  if (env_.defects.has(Defect::kMetadataWrittenInPlace)) {
    return WriteWholeFile(*env_.fs, path, json, /*sync=*/false);
  }
  CKPT_ASSIGN_OR_RETURN(auto output, file_manager_.create_atomic(path));
  Status written = output->append(json);
  if (written.ok()) written = output->close();
  if (written.ok()) return written;
  output->cancel();
  if (written.code() != StatusCode::kAlreadyExists) return written;
  return Status::IllegalState("Multiple streaming queries are concurrently using " + path);
}

void StreamingQuery::post(const char* event, Time when, std::function<void()> task) {
  next_task_ = env_.scheduler->schedule_at(when, TaskLabel{Actor::kDriver, event, Time{-1}},
                                           [this, task = std::move(task)] {
                                             next_task_.reset();
                                             if (active_) task();
                                           });
}

void StreamingQuery::stop() {
  if (active_) terminate(Status::Ok());
}

void StreamingQuery::terminate(const Status& error) {
  active_ = false;
  cancel_tasks();
  Status ended = error.ok() ? error : query_exception(error);
  if (!ended.ok()) exception_ = ended;
  if (env_.observer) env_.observer->on_query_terminated(ended);
}

// StreamingQueryException (runStream's catch): the cause, with the offsets the stream thread was
// between, committedOffsets and availableOffsets as offset seqs ("[json]", "-" for none), which
// Spark's exception carries as startOffset and endOffset. The cause's code and marks stay.
Status StreamingQuery::query_exception(const Status& cause) const {
  auto seq = [](const std::optional<std::string>& offsets) {
    return "[" + offsets.value_or("-") + "]";
  };
  return Status::WithCode(cause.code(),
                          "Query [id = " + id_ + "] terminated with exception: " + cause.message() +
                              " (startOffset: " + seq(committed_offsets_) +
                              ", endOffset: " + seq(available_offsets_) + ")",
                          cause.marks(), cause.subject());
}

// One trigger of the stream thread (runActivatedStream's handler).
void StreamingQuery::run_trigger() {
  const Time trigger_time = env_.scheduler->now();
  if (current_batch_id_ < 0) {
    Status started = populate_start_offsets();
    if (!started.ok()) return terminate(started);
  }
  if (!current_batch_constructed_) {
    Result<bool> constructed = construct_next_batch();
    if (!constructed.ok()) return terminate(constructed.status());
    current_batch_constructed_ = constructed.value();
  }
  if (current_batch_constructed_) {
    Status ran = run_batch(trigger_time);
    if (!ran.ok()) terminate(ran);
    return;
  }
  // No new data: the handler sleeps pollingDelayMs; a Once trigger ends the query.
  if (options_.trigger.kind == Trigger::Kind::kOnce) return terminate(Status::Ok());
  schedule_next_trigger(trigger_time);
  if (env_.observer) env_.observer->on_no_new_data();  // it may stop the query
}

// ProcessingTimeExecutor: the next trigger at the next multiple of the interval after the one
// that ran (at once when that is past); with interval 0 right away (after the polling delay when
// there was nothing to do).
void StreamingQuery::schedule_next_trigger(Time trigger_time) {
  const Duration interval = options_.trigger.interval;
  Time next = env_.scheduler->now();
  if (!current_batch_constructed_) next = next + kPollingDelay;
  if (interval.ms > 0) {
    Time boundary{trigger_time.ms / interval.ms * interval.ms + interval.ms};
    next = std::max(next, boundary);
  }
  post("runTrigger", next, [this] { run_trigger(); });
}

// populateStartOffsets (notes 3.1): the newest planned batch L is re-run unless committed.
Status StreamingQuery::populate_start_offsets() {
  CKPT_ASSIGN_OR_RETURN(auto latest, offset_log_.get_latest());
  if (!latest) {
    current_batch_id_ = 0;
    if (env_.observer) env_.observer->on_start_offsets(0, /*rerun=*/false);
    return Status::Ok();
  }
  auto& [latest_id, plan] = *latest;
  if (latest_id < 0 || latest_id > kMaxBatchId) {
    return Status::Corruption("offset log batch id out of range: " + std::to_string(latest_id));
  }
  if (plan.offsets.size() != 1) {
    return Status::IllegalState(AssertionFailed(
        "There are [" + std::to_string(plan.offsets.size()) +
        "] sources in the checkpoint offsets and now there are [1] sources requested by the "
        "query. Cannot continue."));
  }
  current_batch_id_ = latest_id;
  current_batch_constructed_ = true;
  available_offsets_ = plan.offsets[0];
  if (latest_id != 0) {
    CKPT_ASSIGN_OR_RETURN(auto previous, offset_log_.get(latest_id - 1));
    if (!previous) {
      return Status::IllegalState("batch " + std::to_string(latest_id - 1) + " doesn't exist");
    }
    committed_offsets_.reset();
    if (!previous->offsets.empty()) committed_offsets_ = previous->offsets[0];
  }
  if (plan.metadata) {
    CKPT_RETURN_IF_ERROR(pin_confs(*plan.metadata));
    batch_metadata_ = *plan.metadata;
    watermark_ms_ = plan.metadata->batch_watermark_ms;
  }
  CKPT_ASSIGN_OR_RETURN(auto committed, commit_log_.get_latest());
  if (committed && committed->first == latest_id) {
    current_batch_id_ = latest_id + 1;
    current_batch_constructed_ = false;
    committed_offsets_ = available_offsets_;
    watermark_ms_ = std::max(watermark_ms_, committed->second.next_batch_watermark_ms);
  } else if (committed && committed->first < latest_id - 1) {
    if (env_.observer) {
      env_.observer->on_warning(
          "Batch completion log latest batch id is " + std::to_string(committed->first) +
          ", which is not trailing batchid " + std::to_string(latest_id) + " by one");
    }
  }
  if (env_.observer) env_.observer->on_start_offsets(current_batch_id_, current_batch_constructed_);
  return Status::Ok();
}

// OffsetSeqMetadata.setSessionConf: the offset log's values of the pinned confs win.
Status StreamingQuery::pin_confs(const OffsetSeqMetadata& metadata) {
  for (const auto& [key, session_default] : PinnedConfDefaults()) {
    if (key == kShufflePartitions && env_.defects.has(Defect::kShufflePartitionsFromSession)) {
      continue;
    }
    std::string session = conf_.at(key);
    auto logged = metadata.conf.find(key);
    std::string warning;
    if (logged != metadata.conf.end()) {
      if (session != logged->second) {
        warning = "Updating the value of conf '" + key + "' in current session from '" + session +
                  "' to '" + logged->second + "'.";
      }
      conf_[key] = logged->second;
    } else if (auto legacy = LegacyConfDefaults().find(key); legacy != LegacyConfDefaults().end()) {
      conf_[key] = legacy->second;
      warning = "Conf '" + key + "' was not found in the offset log, using default value '" +
                legacy->second + "'";
    } else {
      warning = "Conf '" + key +
                "' was not found in the offset log. Using existing session conf "
                "value '" +
                session + "'.";
    }
    if (!warning.empty() && env_.observer) env_.observer->on_warning(warning);
  }
  return IntConf(conf_, kShufflePartitions, 200, 1).status();
}

// A no-data batch (spark.sql.streaming.noDataMicroBatches.enabled): the watermark moved past the
// one the last batch ran with, so a stateful operator has state to evict.
bool StreamingQuery::should_run_another_batch() const {
  return no_data_batches_ && stateful() && plan_.watermark_delay && last_execution_watermark_ms_ &&
         watermark_ms_ > *last_execution_watermark_ms_;
}

Result<std::optional<std::string>> StreamingQuery::start_offsets() {
  if (committed_offsets_) return committed_offsets_;
  if (!initial_offsets_) {
    CKPT_ASSIGN_OR_RETURN(initial_offsets_, source_->initial_offset());
  }
  return *initial_offsets_;
}

// constructNextBatch (notes 2.4, B1 to B6).
Result<bool> StreamingQuery::construct_next_batch() {
  std::optional<std::string> start = available_offsets_;
  if (!start) {
    CKPT_ASSIGN_OR_RETURN(start, start_offsets());
  }
  CKPT_ASSIGN_OR_RETURN(std::optional<std::string> end, source_->latest_offset(start));
  // isNewDataAvailable: the source has an offset, and it is not the committed one.
  const bool new_data = end && committed_offsets_ != end;
  if (!new_data && !should_run_another_batch()) return false;
  available_offsets_ = end;
  batch_metadata_ = OffsetSeqMetadata{watermark_ms_, env_.scheduler->now().ms, {}};
  for (const auto& [key, value] : PinnedConfDefaults()) batch_metadata_.conf[key] = conf_.at(key);
  OffsetSeq plan{{end}, batch_metadata_};
  const int64_t n = current_batch_id_;
  CKPT_ASSIGN_OR_RETURN(bool added, offset_log_.add(n, plan));
  if (!added) {
    return Status::IllegalState(AssertionFailed(
        "Concurrent update to the log. Multiple streaming jobs detected for " + std::to_string(n)));
  }
  if (env_.observer) env_.observer->on_batch_planned(n, plan);
  if (n != 0) {
    CKPT_ASSIGN_OR_RETURN(auto previous, offset_log_.get(n - 1));
    if (!previous) return Status::IllegalState("batch " + std::to_string(n - 1) + " doesn't exist");
    // (The Kafka source's commit of the previous end offsets does nothing.)
  }
  if (min_batches_to_retain_ < n) {
    CKPT_RETURN_IF_ERROR(offset_log_.purge(n - min_batches_to_retain_));
    CKPT_RETURN_IF_ERROR(commit_log_.purge(n - min_batches_to_retain_));
  }
  return true;
}

// runBatch (notes 2.5): the batch's records are read and transformed now; the sink and the commit
// follow once the executors are done.
Status StreamingQuery::run_batch(Time trigger_time) {
  CKPT_ASSIGN_OR_RETURN(std::optional<std::string> start, start_offsets());
  Records input;
  if (available_offsets_) {
    CKPT_ASSIGN_OR_RETURN(input, source_->read(start, *available_offsets_));
  }
  CKPT_ASSIGN_OR_RETURN(Records output, apply_plan(std::move(input)));
  Duration duration = env_.batch_duration ? env_.batch_duration(output.size()) : Duration{0};
  post("runBatch", env_.scheduler->now() + duration,
       [this, trigger_time, output = std::move(output)] {
         Status finished = finish_batch(output);
         if (!finished.ok()) return terminate(finished);
         if (options_.trigger.kind == Trigger::Kind::kOnce) return terminate(Status::Ok());
         schedule_next_trigger(trigger_time);
       });
  return Status::Ok();
}

Status StreamingQuery::finish_batch(const Records& records) {
  const int64_t n = current_batch_id_;
  Records rows = records;
  if (stateful()) {
    CKPT_ASSIGN_OR_RETURN(rows, run_stateful_operator(records));
  }
  last_execution_watermark_ms_ = batch_metadata_.batch_watermark_ms;
  CKPT_RETURN_IF_ERROR(update_watermark(records));
  if (file_sink_) {
    CKPT_RETURN_IF_ERROR(file_sink_->add_batch(n, rows));
  } else {
    CKPT_RETURN_IF_ERROR(env_.sink->add_batch(plan_.sink_name, n, rows));
  }
  CKPT_ASSIGN_OR_RETURN(bool added, commit_log_.add(n, CommitMetadata{watermark_ms_}));
  if (!added && !env_.defects.has(Defect::kIgnoreLogAddResults)) {
    return Status::IllegalState(AssertionFailed(
        "Concurrent update to the commit log. Multiple streaming jobs detected for " +
        std::to_string(n)));
  }
  if (env_.observer) env_.observer->on_batch_committed(n);
  committed_offsets_ = available_offsets_;
  current_batch_id_ = n + 1;
  current_batch_constructed_ = false;
  return Status::Ok();
}

// WatermarkTracker.updateWatermark (R4): the newest event time of this batch's rows minus the
// delay, when the batch had rows; the watermark never goes back.
Status StreamingQuery::update_watermark(const Records& records) {
  if (!plan_.watermark_delay || records.empty()) return Status::Ok();
  int64_t newest = INT64_MIN;
  for (const Value& record : records) {
    if (!record.is_pair() || !record.first().is_int()) {
      return Status::InvalidArgument("an event time must be an integer (ms), got " +
                                     record.to_string());
    }
    newest = std::max(newest, record.first().as_int());
  }
  int64_t candidate = 0;
  if (__builtin_sub_overflow(newest, plan_.watermark_delay->ms, &candidate)) candidate = INT64_MIN;
  watermark_ms_ = std::max(watermark_ms_, candidate);
  return Status::Ok();
}

// The stateful operator's state stores live as long as the process, partitioned as the offset
// log pins.
Result<Records> StreamingQuery::run_stateful_operator(const Records& records) {
  if (!aggregation_ && !deduplication_) {
    CKPT_ASSIGN_OR_RETURN(int64_t partitions, IntConf(conf_, kShufflePartitions, 200, 1));
    if (partitions > INT32_MAX) {
      return Status::InvalidArgument("spark.sql.shuffle.partitions is too large: " +
                                     std::to_string(partitions));
    }
    const auto count = static_cast<int32_t>(partitions);
    if (plan_.aggregation) {
      aggregation_ = std::make_unique<StreamingAggregation>(
          &file_manager_, options_.checkpoint_location, reduce_, count, state_conf_);
    } else {
      deduplication_ = std::make_unique<StreamingDeduplication>(
          &file_manager_, options_.checkpoint_location, count, state_conf_);
    }
  }
  std::optional<int64_t> watermark;
  if (plan_.watermark_delay) watermark = batch_metadata_.batch_watermark_ms;
  if (deduplication_) return deduplication_->run(current_batch_id_, records, watermark);
  return aggregation_->run(current_batch_id_, records, plan_.output_mode, watermark);
}

Result<Records> StreamingQuery::apply_plan(Records records) const {
  for (const PlanStep& step : plan_.steps) {
    Records next;
    switch (step.kind) {
      case PlanStep::Kind::kMap: {
        CKPT_ASSIGN_OR_RETURN(MapFn map, env_.functions->bind_map(step.function));
        for (const Value& record : records) {
          CKPT_ASSIGN_OR_RETURN(Value mapped, map(record));
          next.push_back(std::move(mapped));
        }
        break;
      }
      case PlanStep::Kind::kFlatMap: {
        CKPT_ASSIGN_OR_RETURN(FlatMapFn flat_map, env_.functions->bind_flat_map(step.function));
        for (const Value& record : records) {
          CKPT_ASSIGN_OR_RETURN(Records mapped, flat_map(record));
          next.insert(next.end(), mapped.begin(), mapped.end());
        }
        break;
      }
      case PlanStep::Kind::kFilter: {
        CKPT_ASSIGN_OR_RETURN(FilterFn filter, env_.functions->bind_filter(step.function));
        for (const Value& record : records) {
          CKPT_ASSIGN_OR_RETURN(bool kept, filter(record));
          if (kept) next.push_back(record);
        }
        break;
      }
    }
    records = std::move(next);
  }
  return records;
}

}  // namespace ckpt::structured

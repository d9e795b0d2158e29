#include "engine/streaming_context.h"

#include "engine/conf.h"
#include "engine/runtime/uuid_name.h"

namespace ckpt {
namespace {

const char* const kRemovedOnRecovery[] = {"spark.driver.host",
                                          "spark.driver.bindAddress",
                                          "spark.driver.port",
                                          "spark.ui.port",
                                          "spark.blockManager.port",
                                          "spark.kubernetes.driver.pod.name",
                                          "spark.kubernetes.executor.podNamePrefix"};

const char* const kReloadedOnRecovery[] = {"spark.yarn.app.id",
                                           "spark.yarn.app.attemptId",
                                           "spark.driver.host",
                                           "spark.driver.bindAddress",
                                           "spark.driver.port",
                                           "spark.master",
                                           "spark.ui.port",
                                           "spark.blockManager.port",
                                           "spark.kubernetes.driver.pod.name",
                                           "spark.kubernetes.executor.podNamePrefix",
                                           "spark.yarn.jars",
                                           "spark.yarn.keytab",
                                           "spark.yarn.principal",
                                           "spark.kerberos.keytab",
                                           "spark.kerberos.principal",
                                           "spark.ui.filters"};

constexpr std::string_view kAmIpFilterParamPrefix =
    "spark.org.apache.hadoop.yarn.server.webproxy.amfilter.AmIpFilter.param.";

std::string GetOr(const StreamingContext::Conf& conf, const std::string& key,
                  const std::string& fallback) {
  auto it = conf.find(key);
  return it == conf.end() ? fallback : it->second;
}

}  // namespace

StreamingContext::Conf RecoveredConf(const Checkpoint& checkpoint,
                                     const StreamingContext::Conf& process_conf,
                                     const DefectSet& defects) {
  StreamingContext::Conf conf(checkpoint.conf_pairs.begin(), checkpoint.conf_pairs.end());
  if (defects.has(Defect::kConfCopiedWholesale)) return conf;
  // The defects below revert one fix each: the keys it added to the lists.
  auto reverted = [&](const std::string& key) {
    return (defects.has(Defect::kKeepCheckpointedPorts) &&
            (key == "spark.ui.port" || key == "spark.blockManager.port")) ||
           (defects.has(Defect::kStaleYarnAppId) &&
            (key == "spark.yarn.app.id" || key == "spark.yarn.app.attemptId")) ||
           (defects.has(Defect::kStaleBindAddress) && key == "spark.driver.bindAddress") ||
           (defects.has(Defect::kStalePodNames) &&
            (key == "spark.kubernetes.driver.pod.name" ||
             key == "spark.kubernetes.executor.podNamePrefix"));
  };
  for (const char* key : kRemovedOnRecovery) {
    if (!reverted(key)) conf.erase(key);
  }
  for (const char* key : kReloadedOnRecovery) {
    auto it = process_conf.find(key);
    if (it != process_conf.end() && !reverted(key)) conf[key] = it->second;
  }
  // And the YARN proxy filter's parameters the new process was started with.
  for (auto it = process_conf.lower_bound(std::string(kAmIpFilterParamPrefix));
       it != process_conf.end() && it->first.starts_with(kAmIpFilterParamPrefix); ++it) {
    conf[it->first] = it->second;
  }
  return conf;
}

StreamingContext::StreamingContext(const EngineEnv& env) {
  runtime_.env = env;
  CKPT_ASSERT(env.scheduler && env.fs && env.sink && env.execution && env.functions,
              "EngineEnv is missing a service");
}

StreamingContext::~StreamingContext() = default;

std::unique_ptr<StreamingContext> StreamingContext::Create(const EngineEnv& env,
                                                           Duration batch_duration) {
  CKPT_ASSERT(batch_duration.ms > 0, "Batch duration for StreamingContext cannot be null");
  std::unique_ptr<StreamingContext> context(new StreamingContext(env));
  context->conf_ = env.process_conf;
  context->graph_ = std::make_unique<DStreamGraph>(&context->runtime_, batch_duration);
  return context;
}

Result<std::unique_ptr<StreamingContext>> StreamingContext::FromCheckpoint(const EngineEnv& env,
                                                                           Checkpoint checkpoint) {
  std::unique_ptr<StreamingContext> context(new StreamingContext(env));
  context->conf_ = env.spark_context_active
                       ? env.process_conf
                       : RecoveredConf(checkpoint, env.process_conf, env.defects);
  Result<std::unique_ptr<DStreamGraph>> graph =
      DStreamGraph::FromSnapshot(&context->runtime_, checkpoint.graph);
  if (!graph.ok()) return graph.status().with_context("restoring the checkpointed graph");
  context->graph_ = std::move(graph).value();
  // Spark fails here with a ClassNotFoundException when the job's jar lacks a checkpointed
  // closure's class; ours is a function no built-in or loaded plugin provides.
  Status bound = context->graph_->bind_functions(*env.functions);
  if (!bound.ok()) {
    return bound.with_context(
        "the checkpointed graph names a function this process does not have (built in or "
        "from a loaded plugin)");
  }
  CKPT_RETURN_IF_ERROR(context->checkpoint(checkpoint.checkpoint_dir));
  context->graph_->restore_checkpoint_data();
  // ReliableCheckpointRDD requires each restored RDD's directory to exist; Spark fails in the
  // constructor, so getOrCreate propagates it whatever createOnError says.
  for (const auto& stream : context->graph_->streams()) {
    for (const auto& [time, rdd] : stream->generated_rdds()) {
      if (!rdd->is_checkpointed()) continue;  // rebuilt from input descriptions, not files
      CKPT_ASSIGN_OR_RETURN(bool exists, env.fs->exists(rdd->checkpoint_path()));
      if (!exists) {
        return Status::InvalidArgument(std::string(kRddCheckpointMissingError) + ": " +
                                       rdd->checkpoint_path())
            .marked(ErrorMark::kRddCheckpointMissing, rdd->checkpoint_path());
      }
    }
  }
  context->recovered_ = std::move(checkpoint);
  return context;
}

namespace {

// Spark's CheckpointReader.read logs each file it could not read before it tries the next, in
// both of its callers; the observer hears of each (the protocol oracle judges the reader's
// fallback by them).
Result<CheckpointReadOutcome> ReadReportingSkippedFiles(const EngineEnv& env,
                                                        const std::string& dir) {
  CKPT_ASSIGN_OR_RETURN(CheckpointReadOutcome read,
                        ReadCheckpoint(*env.fs, dir, /*ignore_read_error=*/true, env.defects,
                                       env.fixes));
  for (const RejectedCheckpoint& failure : read.failures) {
    if (!env.observer) break;
    env.observer->on_event(
        event::Log{LogLevel::kWarning, "Error reading checkpoint " + failure.to_string()});
    env.observer->on_event(event::CheckpointUnreadable{failure.path, failure.error});
  }
  return read;
}

}  // namespace

Result<std::unique_ptr<StreamingContext>> StreamingContext::FromCheckpointDirectory(
    const EngineEnv& env, const std::string& dir) {
  // StreamingContext(path) reads with ignoreReadError = false: files that all failed are the
  // reader's error; no file at all is the constructor's.
  CKPT_ASSIGN_OR_RETURN(CheckpointReadOutcome read, ReadReportingSkippedFiles(env, dir));
  if (!read.checkpoint && !read.failures.empty()) return CheckpointReadError(dir, read);
  if (!read.checkpoint) {
    return Status::InvalidArgument(
        "requirement failed: Spark Streaming cannot be initialized with both SparkContext and "
        "checkpoint as null");
  }
  const Checkpoint& checkpoint = *read.checkpoint;
  if (env.observer) {
    env.observer->on_event(event::CheckpointRecovered{read.file, checkpoint.checkpoint_time,
                                                      checkpoint.pending_times});
  }
  return FromCheckpoint(env, std::move(*read.checkpoint));
}

Result<std::unique_ptr<StreamingContext>> StreamingContext::GetOrCreate(
    const EngineEnv& env, const std::string& dir, const CreatingFunction& create,
    bool create_on_error) {
  CKPT_ASSIGN_OR_RETURN(CheckpointReadOutcome read, ReadReportingSkippedFiles(env, dir));
  if (!read.checkpoint) {
    if (!read.failures.empty() && !create_on_error) {
      return CheckpointReadError(dir, read);
    }
    return create(env);
  }
  const Checkpoint& checkpoint = *read.checkpoint;
  if (env.observer) {
    env.observer->on_event(event::CheckpointRecovered{read.file, checkpoint.checkpoint_time,
                                                      checkpoint.pending_times});
  }
  return FromCheckpoint(env, std::move(*read.checkpoint));
}

Result<DStream*> StreamingContext::sequence_stream(std::vector<Records> input) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  return graph_->add_stream(
      std::make_unique<SequenceInputDStream>(graph_.get(), SourceInput(std::move(input))));
}

Result<DStream*> StreamingContext::constant_stream(Records records) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  return graph_->add_stream(
      std::make_unique<ConstantInputDStream>(graph_.get(), std::move(records)));
}

Result<DStream*> StreamingContext::queue_stream(std::vector<Records> queue) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  return graph_->add_stream(std::make_unique<QueueInputDStream>(graph_.get(), std::move(queue)));
}

Status StreamingContext::remember(Duration duration) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());  // Spark's graph.remember is pre-start
  graph_->remember(duration);
  return Status::Ok();
}

Result<DStream*> StreamingContext::text_file_stream(const std::string& directory,
                                                    FileStreamOptions options) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  // Spark's initialModTimeIgnoreThreshold: the clock at creation, or 0 without newFilesOnly.
  Time threshold = options.new_files_only ? runtime_.env.scheduler->now() : Time{0};
  return graph_->add_stream(std::make_unique<FileInputDStream>(
      graph_.get(), directory, threshold, FileInputDStream::kDefaultMinRemember,
      std::move(options.path_filter)));
}

Result<DStream*> StreamingContext::log_stream(const std::string& topic) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  if (!runtime_.env.log) return Status::IllegalState("this process has no partitioned log");
  CKPT_ASSIGN_OR_RETURN(int32_t partitions, runtime_.env.log->partition_count(topic));
  // auto.offset.reset=earliest: a new application reads every partition from offset 0.
  return graph_->add_stream(
      std::make_unique<LogInputDStream>(graph_.get(), topic, std::vector<int64_t>(partitions, 0)));
}

Result<DStream*> StreamingContext::receiver_stream(const std::string& source) {
  CKPT_RETURN_IF_ERROR(runtime_.check_can_add_stream());
  if (!runtime_.env.receiver_source) {
    return Status::IllegalState("this process has no receiver source");
  }
  CKPT_RETURN_IF_ERROR(runtime_.env.receiver_source->check_exists(source));
  return graph_->add_stream(std::make_unique<ReceiverInputDStream>(graph_.get(), source));
}

Status StreamingContext::make_receiver_tracker() {
  std::vector<ReceiverInputDStream*> streams;
  for (DStream* input : graph_->inputs()) {
    if (auto* receiver = dynamic_cast<ReceiverInputDStream*>(input)) streams.push_back(receiver);
  }
  if (streams.empty()) return Status::Ok();
  CKPT_ASSIGN_OR_RETURN(ReceiverSettings settings, ReceiverSettingsFromConf(conf_));
  if (settings.data_wal && runtime_.checkpoint_dir.empty()) {
    return Status::InvalidArgument(
        "Cannot enable receiver write-ahead log without checkpoint directory set. Please use "
        "streamingContext.checkpoint() to set the checkpoint directory. See documentation for "
        "more details.");
  }
  if (!runtime_.env.receiver_source) {
    return Status::IllegalState("this process has no receiver source");
  }
  // Spark replays the block log only when a checkpoint is present (a known weakness; see
  // Fix::kReplayBlockLogWithoutCheckpoint).
  bool replay_additions = runtime_.env.fixes.has(Fix::kReplayBlockLogWithoutCheckpoint);
  receiver_tracker_ = std::make_unique<ReceiverTracker>(
      &runtime_, std::move(streams), settings, recovered_.has_value() || replay_additions,
      !recovered_.has_value() && replay_additions);
  CKPT_RETURN_IF_ERROR(receiver_tracker_->block_log_status());
  if (!recovered_ && runtime_.env.fixes.has(Fix::kFreshApplicationDropsBlockLog)) {
    CKPT_RETURN_IF_ERROR(receiver_tracker_->restart_block_log());
  }
  runtime_.receiver_tracker = receiver_tracker_.get();
  return Status::Ok();
}

Status StreamingContext::make_rdd_checkpoint_dir() {
  std::string name = UuidShapedName(runtime_.env.process_uid,
                                    static_cast<uint64_t>(runtime_.rdd_directories_created++));
  std::string directory = JoinPath(runtime_.checkpoint_dir, name);
  CKPT_RETURN_IF_ERROR(make_directory(directory));
  runtime_.rdd_store = RddCheckpointStore{runtime_.env.fs, directory, runtime_.checkpoint_sync};
  return Status::Ok();
}

Status StreamingContext::make_directory(const std::string& dir) {
  FileSystem& fs = *runtime_.env.fs;
  CKPT_RETURN_IF_ERROR(fs.mkdirs(dir));
  // With sync on, the new directory's entry must be durable before anything refers to it.
  return runtime_.checkpoint_sync ? fs.sync_dir(ParentPath(dir)) : Status::Ok();
}

Status StreamingContext::checkpoint(const std::string& dir) {
  if (dir.empty()) {
    runtime_.checkpoint_dir.clear();
    runtime_.rdd_store = RddCheckpointStore{runtime_.env.fs, "", false};
    return Status::Ok();
  }
  std::string sync = GetOr(conf_, "ckptsim.checkpoint.sync", "false");
  if (sync != "true" && sync != "false") {
    return Status::InvalidArgument("ckptsim.checkpoint.sync must be true or false, got '" + sync +
                                   "'");
  }
  runtime_.checkpoint_sync = sync == "true";
  CKPT_RETURN_IF_ERROR(make_directory(dir));
  runtime_.checkpoint_dir = dir;
  return make_rdd_checkpoint_dir();
}

Checkpoint StreamingContext::make_checkpoint(Time time) const {
  Checkpoint checkpoint;
  checkpoint.master = GetOr(conf_, "spark.master", "local[2]");
  checkpoint.framework = GetOr(conf_, "spark.app.name", "ckptsim");
  checkpoint.graph = graph_->snapshot();
  checkpoint.checkpoint_dir = runtime_.checkpoint_dir;
  checkpoint.checkpoint_duration =
      checkpoint_duration_.ms > 0 ? checkpoint_duration_ : graph_->batch_duration();
  if (job_scheduler_) checkpoint.pending_times = job_scheduler_->pending_times();
  checkpoint.conf_pairs.assign(conf_.begin(), conf_.end());
  checkpoint.checkpoint_time = time;
  return checkpoint;
}

Status StreamingContext::start() {
  if (runtime_.state == ContextState::kStopped) {
    return Status::IllegalState("StreamingContext has already been stopped");
  }
  if (runtime_.state == ContextState::kActive) return Status::Ok();
  CKPT_RETURN_IF_ERROR(graph_->validate());
  CKPT_RETURN_IF_ERROR(graph_->bind_functions(*runtime_.env.functions));
  CKPT_ASSIGN_OR_RETURN(int64_t concurrent_jobs,
                        IntegerConf(conf_, "spark.streaming.concurrentJobs", 1));
  Result<int64_t> max_lineage_depth = IntegerConf(conf_, "ckptsim.lineage.max_depth", 1000);
  if (!max_lineage_depth.ok()) return max_lineage_depth.status();
  CKPT_ASSIGN_OR_RETURN(
      int64_t max_rate,
      IntegerConf(conf_, "spark.streaming.kafka.maxRatePerPartition", 0, /*minimum=*/0));
  runtime_.max_rate_per_partition = max_rate;
  runtime_.max_lineage_depth = max_lineage_depth.value();
  job_scheduler_ = std::make_unique<JobScheduler>(
      &runtime_, static_cast<int>(concurrent_jobs),
      [this](Time time) { job_generator_->on_batch_completion(time); });
  CKPT_RETURN_IF_ERROR(read_stop_and_checkpoint_durations());
  job_generator_ = std::make_unique<JobGenerator>(
      &runtime_, graph_.get(), job_scheduler_.get(), !runtime_.checkpoint_dir.empty(),
      checkpoint_duration_, recovered_ ? &*recovered_ : nullptr,
      [this](Time time) { return make_checkpoint(time); });
  runtime_.state = ContextState::kActive;
  // Spark's JobScheduler.start: the receiver tracker (recovering its log) before the generator,
  // whose restart allocates blocks to the rescheduled batches. The receivers start last: they
  // only schedule their first block, and stop after the generator's last batch.
  Status started = make_receiver_tracker();
  if (started.ok()) started = job_generator_->start();
  if (!started.ok()) {
    stop();
    return started;
  }
  if (receiver_tracker_) receiver_tracker_->start(job_generator_->last_batch_time());
  return Status::Ok();
}

Status StreamingContext::read_stop_and_checkpoint_durations() {
  Duration batch = graph_->batch_duration();
  CKPT_ASSIGN_OR_RETURN(graceful_stop_timeout_,
                        DurationConf(conf_, "spark.streaming.gracefulStopTimeout", batch * 10,
                                     Milliseconds(1)));
  if (recovered_) {
    checkpoint_duration_ = recovered_->checkpoint_duration;
  } else {
    CKPT_ASSIGN_OR_RETURN(checkpoint_duration_,
                          DurationConf(conf_, "ckptsim.checkpoint.metadataInterval", batch,
                                       Milliseconds(1)));
  }
  if (checkpoint_duration_.ms <= 0 || checkpoint_duration_.ms % batch.ms != 0) {
    return Status::InvalidArgument(
        "the metadata checkpoint interval " + checkpoint_duration_.to_string() +
        " must be a positive multiple of the batch duration " + batch.to_string());
  }
  return Status::Ok();
}

void StreamingContext::stop_gracefully() {
  if (runtime_.state != ContextState::kActive) return;
  if (receiver_tracker_) receiver_tracker_->stop_receiving();
  job_generator_->stop_gracefully(graceful_stop_timeout_, [this](const GracefulStop& stop) {
    job_scheduler_->stop();
    if (receiver_tracker_) receiver_tracker_->stop();
    runtime_.state = ContextState::kStopped;
    runtime_.log(LogLevel::kInfo, "StreamingContext stopped successfully");
    if (runtime_.env.observer) runtime_.env.observer->on_event(stop);
  });
}

void StreamingContext::stop() {
  // Receivers first, then the generator and the executors (Spark's JobScheduler.stop).
  if (receiver_tracker_) receiver_tracker_->stop();
  if (job_scheduler_) job_scheduler_->stop();
  if (job_generator_) job_generator_->stop();
  runtime_.state = ContextState::kStopped;
}

}  // namespace ckpt

namespace ckpt {

uint64_t StreamingContext::state_digest() const {
  uint64_t digest = graph_->state_digest();
  for (const auto& [key, value] : conf_) {
    digest = Fnv1a(key.data(), key.size(), digest);
    digest = Fnv1a(value.data(), value.size(), digest);
  }
  return digest;
}

}  // namespace ckpt

#include "engine/dstream/dstream.h"

#include "engine/dstream/dstream_graph.h"

namespace ckpt {
namespace {

// The simple name of the Spark class a stream kind models, as Spark's validation messages print
// it (getClass.getSimpleName). reduce is map((null, _)).reduceByKey(...).map(_._2) in Spark,
// whose outermost stream is a MappedDStream; state_snapshots is a flatMap of the state stream.
std::string SparkClassName(const std::string& kind) {
  static const std::map<std::string, std::string> kNames = {
      {"map", "MappedDStream"},
      {"reduce", "MappedDStream"},
      {"filter", "FilteredDStream"},
      {"flat_map", "FlatMappedDStream"},
      {"state_snapshots", "FlatMappedDStream"},
      {"map_values", "MapValuedDStream"},
      {"transform", "TransformedDStream"},
      // Spark's pair operations are transformWith: one TransformedDStream over both parents.
      {"cogroup", "TransformedDStream"},
      {"join", "TransformedDStream"},
      {"left_outer_join", "TransformedDStream"},
      {"right_outer_join", "TransformedDStream"},
      {"full_outer_join", "TransformedDStream"},
      {"transform_steps", "TransformedDStream"},
      {"reduce_by_key", "ShuffledDStream"},
      {"union", "UnionDStream"},
      {"window", "WindowedDStream"},
      {"reduced_window", "ReducedWindowedDStream"},
      {"update_state_by_key", "StateDStream"},
      {"map_with_state_state", "InternalMapWithStateDStream"},
      {"map_with_state", "MapWithStateDStreamImpl"},
      {"sequence", "TestInputStream"},
      {"constant", "ConstantInputDStream"},
      {"queue", "QueueInputDStream"},
      {"file", "FileInputDStream"},
      {"log", "DirectKafkaInputDStream"},
      {"receiver", "PluggableInputDStream"},
  };
  auto it = kNames.find(kind);
  return it == kNames.end() ? "ForEachDStream" : it->second;
}

}  // namespace

// ---- DStreamCheckpointData ----

bool DStreamCheckpointData::update(Time time, const std::map<Time, RddPtr>& generated_rdds) {
  std::map<Time, std::string> current;
  for (const auto& [rdd_time, rdd] : generated_rdds) {
    if (rdd->is_checkpointed()) current.emplace(rdd_time, rdd->checkpoint_path());
  }
  if (current.empty()) return false;
  time_to_checkpoint_file_.insert(current.begin(), current.end());
  time_to_oldest_checkpoint_file_time_[time] = current.begin()->first;
  data_ = std::move(current);
  return true;
}

void DStreamCheckpointData::cleanup(Time time, StreamingRuntime& runtime) {
  auto oldest = time_to_oldest_checkpoint_file_time_.find(time);
  if (oldest == time_to_oldest_checkpoint_file_time_.end()) return;
  Time oldest_time = oldest->second;
  time_to_oldest_checkpoint_file_time_.erase(oldest);
  // The fix reverted by cleanup-referenced-rdd-files: only files *strictly* older than the oldest
  // file the durable checkpoint references may go.
  bool delete_referenced = runtime.env.defects.has(Defect::kCleanupReferencedRddFiles);
  for (auto it = time_to_checkpoint_file_.begin(); it != time_to_checkpoint_file_.end();) {
    bool old_enough = delete_referenced ? it->first <= oldest_time : it->first < oldest_time;
    if (!old_enough) break;
    Status deleted = runtime.env.fs->remove(it->second, /*recursive=*/true);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      runtime.log(LogLevel::kWarning,
                  "Error deleting old checkpoint file " + it->second + ": " + deleted.to_string());
    }
    it = time_to_checkpoint_file_.erase(it);
  }
}

// ---- DStream ----

DStream::DStream(DStreamGraph* graph, std::string kind, std::vector<DStream*> parents,
                 Duration slide)
    : graph_(graph),
      id_(graph->next_stream_id()),
      kind_(std::move(kind)),
      parents_(std::move(parents)),
      slide_(slide) {}

StreamingRuntime& DStream::runtime() const { return graph_->runtime(); }

Status DStream::checkpoint(Duration interval) {
  if (DStream* target = checkpoint_target(); target != this) return target->checkpoint(interval);
  if (runtime().state != ContextState::kInitialized) {
    return Status::Unsupported(
        "Cannot change checkpoint interval of a DStream after streaming context has started");
  }
  checkpoint_interval_ = interval;
  return Status::Ok();
}

Status DStream::initialize(Time zero_time) {
  if (zero_time_ && *zero_time_ != zero_time) {
    return Status::IllegalState("ZeroTime is already initialized to " + zero_time_->to_string() +
                                ", cannot initialize it again to " + zero_time.to_string());
  }
  zero_time_ = zero_time;
  // Default interval of streams that must checkpoint: the smallest multiple of the slide >= 10 s.
  if (must_checkpoint() && !checkpoint_interval_) {
    checkpoint_interval_ = default_checkpoint_interval();
  }
  Duration min_remember = slide_;
  if (checkpoint_interval_ && min_remember <= *checkpoint_interval_) {
    min_remember = *checkpoint_interval_ * 2;
  }
  if (!remember_ || *remember_ < min_remember) remember_ = min_remember;
  for (DStream* parent : parents_) CKPT_RETURN_IF_ERROR(parent->initialize(zero_time));
  return Status::Ok();
}

Duration DStream::default_checkpoint_interval() const {
  return slide_ * ((Seconds(10).ms + slide_.ms - 1) / slide_.ms);
}

void DStream::remember(Duration duration) {
  if (!remember_ || duration > *remember_) remember_ = duration;
  for (DStream* parent : parents_) parent->remember(parent_remember_duration());
}

Status DStream::validate_at_start() const {
  const std::string name = SparkClassName(kind_);
  if (!remember_) return Status::InvalidArgument("Remember duration is set to null");
  if (checkpoint_interval_) {
    if (runtime().rdd_store.directory.empty()) {
      return Status::InvalidArgument(
          "The checkpoint directory has not been set. Please set it by "
          "StreamingContext.checkpoint().");
    }
    if (*checkpoint_interval_ < slide_) {
      return Status::InvalidArgument("The checkpoint interval for " + name + " has been set to " +
                                     checkpoint_interval_->to_string() +
                                     " which is lower than its slide time (" + slide_.to_string() +
                                     "). Please set it to at least " + slide_.to_string() + ".");
    }
    if (!checkpoint_interval_->is_multiple_of(slide_)) {
      return Status::InvalidArgument(
          "The checkpoint interval for " + name + " has been set to  " +
          checkpoint_interval_->to_string() + " which not a multiple of its slide time (" +
          slide_.to_string() + "). Please set it to a multiple of " + slide_.to_string() + ".");
    }
    if (*remember_ <= *checkpoint_interval_) {
      return Status::InvalidArgument(
          "The remember duration for " + name + " has been set to  " + remember_->to_string() +
          " which is not more than the checkpoint interval (" + checkpoint_interval_->to_string() +
          "). Please set it to a value higher than " + checkpoint_interval_->to_string() + ".");
    }
  }
  for (const DStream* parent : parents_) CKPT_RETURN_IF_ERROR(parent->validate_at_start());
  return Status::Ok();
}

Result<bool> DStream::is_time_valid(Time time) const {
  if (!zero_time_) {
    return Status::IllegalState(kind_ + " stream " + std::to_string(id_) +
                                " has not been initialized");
  }
  return time > *zero_time_ && (time - *zero_time_).is_multiple_of(slide_);
}

RddPtr DStream::make_rdd(Time time, std::vector<RddPtr> dependencies, Rdd::ComputeFn compute) {
  StreamingRuntime* runtime = &this->runtime();
  auto counted = [runtime, compute = std::move(compute)]() -> Result<Records> {
    Result<Records> records = compute();
    if (records.ok()) runtime->records_computed += records.value().size();
    return records;
  };
  return std::make_shared<Rdd>(runtime->new_rdd_id(), time, std::move(dependencies),
                               std::move(counted));
}

Result<RddPtr> DStream::derive_from_parent(
    Time time, std::function<Result<Records>(const Records&)> transform) {
  Result<RddPtr> parent = parents_[0]->get_or_compute(time);
  if (!parent.ok() || !parent.value()) return parent;
  RddPtr input = parent.value();
  return make_rdd(time, {input}, [input, transform = std::move(transform)]() -> Result<Records> {
    CKPT_ASSIGN_OR_RETURN(const Records* records, input->materialize());
    return transform(*records);
  });
}

bool DStream::is_checkpoint_time(Time time) const {
  return checkpoint_interval_ && zero_time_ &&
         (time - *zero_time_).is_multiple_of(*checkpoint_interval_);
}

Result<std::vector<RddPtr>> DStream::slice(Time from, Time to) {
  if (!zero_time_) {
    return Status::IllegalState(kind_ + " stream " + std::to_string(id_) +
                                " has not been initialized");
  }
  std::vector<RddPtr> rdds;
  for (Time time : from.until(to + slide_, slide_)) {
    CKPT_ASSIGN_OR_RETURN(RddPtr rdd, get_or_compute(time));
    if (rdd) rdds.push_back(rdd);
  }
  return rdds;
}

DStream* DStream::add_to_graph(std::unique_ptr<DStream> stream) {
  return graph_->add_stream(std::move(stream));
}

Result<RddPtr> DStream::get_or_compute(Time time) {
  if (auto it = generated_.find(time); it != generated_.end()) return it->second;
  CKPT_ASSIGN_OR_RETURN(bool valid, is_time_valid(time));
  if (!valid) return RddPtr();
  Result<RddPtr> rdd = compute(time);
  if (!rdd.ok() || !rdd.value()) return rdd;
  if (is_checkpoint_time(time)) rdd.value()->mark_for_checkpoint();
  generated_[time] = rdd.value();
  return rdd;
}

void DStream::clear_metadata(Time time) {
  Time threshold = time - *remember_;
  generated_.erase(generated_.begin(), generated_.upper_bound(threshold));
  on_clear_metadata(time);
  for (DStream* parent : parents_) parent->clear_metadata(time);
}

void DStream::checkpoint_data_update(Time time) {
  if (checkpoint_data_.update(time, generated_) && runtime().env.observer) {
    runtime().env.observer->on_event(
        event::CheckpointDataUpdated{id_, time, checkpoint_data_.files()});
  }
}

void DStream::update_checkpoint_data(Time time) {
  checkpoint_data_update(time);
  for (DStream* parent : parents_) parent->update_checkpoint_data(time);
}

void DStream::clear_checkpoint_data(Time time) {
  checkpoint_data_cleanup(time);
  for (DStream* parent : parents_) parent->clear_checkpoint_data(time);
}

void DStream::checkpoint_data_restore() {
  for (const auto& [time, file] : checkpoint_data_.files()) {
    generated_[time] = Rdd::FromCheckpoint(runtime().new_rdd_id(), time, file, runtime().env.fs);
  }
}

void DStream::restore_checkpoint_data() {
  // restore-per-output reverts SPARK-11749: every output path restores the shared streams again.
  if (restored_from_checkpoint_data_ && !runtime().env.defects.has(Defect::kRestorePerOutput)) {
    return;
  }
  checkpoint_data_restore();
  runtime().report_restore(id_, checkpoint_data_.files());
  for (DStream* parent : parents_) parent->restore_checkpoint_data();
  restored_from_checkpoint_data_ = true;
}

uint64_t DStreamCheckpointData::times_digest(uint64_t seed) const {
  for (const auto* files : {&data_, &time_to_checkpoint_file_}) {
    for (const auto& [time, file] : *files) seed = Fnv1a(&time.ms, sizeof time.ms, seed);
    seed = Fnv1a("|", 1, seed);
  }
  for (const auto& [time, oldest] : time_to_oldest_checkpoint_file_time_) {
    int64_t pair[] = {time.ms, oldest.ms};
    seed = Fnv1a(pair, sizeof pair, seed);
  }
  return seed;
}

uint64_t DStream::state_digest(uint64_t seed) const {
  seed = Fnv1a(kind_.data(), kind_.size(), seed);
  int64_t numbers[] = {zero_time_ ? zero_time_->ms : -1, remember_ ? remember_->ms : -1,
                       static_cast<int64_t>(generated_.size())};
  seed = Fnv1a(numbers, sizeof numbers, seed);
  for (const auto& [time, rdd] : generated_) seed = rdd ? rdd->content_digest(seed) : seed + 1;
  return checkpoint_data_.times_digest(seed);
}

StreamSnapshot DStream::snapshot() const {
  StreamSnapshot snapshot;
  snapshot.id = id_;
  snapshot.kind = kind_;
  for (const DStream* parent : parents_) snapshot.parents.push_back(parent->id());
  snapshot.slide = slide_;
  snapshot.checkpoint_interval = checkpoint_interval_;
  snapshot.remember = remember_;
  snapshot.zero_time = zero_time_;
  snapshot.checkpoint_files = checkpoint_data_.files();
  fill_snapshot(snapshot);
  return snapshot;
}

void DStream::restore_snapshot(const StreamSnapshot& snapshot) {
  CKPT_ASSERT(snapshot.kind == kind_, "snapshot of another kind of stream");
  checkpoint_interval_ = snapshot.checkpoint_interval;
  remember_ = snapshot.remember;
  zero_time_ = snapshot.zero_time;
  checkpoint_data_.set_files(snapshot.checkpoint_files);
}

// ---- OutputDStream ----

OutputDStream::OutputDStream(DStreamGraph* graph, std::string kind, DStream* parent,
                             std::string output_name)
    : DStream(graph, std::move(kind), {parent}, parent->slide_duration()),
      output_name_(std::move(output_name)) {}

Result<const Records*> OutputDStream::run_spark_job(Rdd& rdd) {
  Result<const Records*> records = rdd.materialize();
  if (!records.ok()) return records.status();
  bool all_marked_ancestors = !runtime().env.defects.has(Defect::kNearestMarkedOnly);
  CKPT_RETURN_IF_ERROR(rdd.do_checkpoint(runtime().rdd_store, all_marked_ancestors));
  return records;
}

Status OutputDStream::emit(Time time, const Records& records) {
  return runtime().env.sink->emit(output_name_, time, records);
}

void OutputDStream::fill_snapshot(StreamSnapshot& snapshot) const {
  snapshot.output_name = output_name_;
}

std::vector<Time> DStream::checkpoint_data_times() const {
  return KeysOf(checkpoint_data_.files());
}

}  // namespace ckpt

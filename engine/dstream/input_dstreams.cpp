#include "engine/dstream/input_dstreams.h"

#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"
#include "engine/receiver/receiver.h"

namespace ckpt {

InputDStream::InputDStream(DStreamGraph* graph, std::string kind, SourceInput input)
    : DStream(graph, std::move(kind), {}, graph->batch_duration()), input_(std::move(input)) {}

Result<RddPtr> SequenceInputDStream::compute(Time time) {
  int64_t index = (time - *zero_time()).ms / slide_duration().ms - 1;
  Records records;
  if (index >= 0 && index < static_cast<int64_t>(input().size())) records = input()[index];
  return make_rdd(time, {}, [records]() -> Result<Records> { return records; });
}

Result<RddPtr> ConstantInputDStream::compute(Time time) {
  Records records = input()[0];
  return make_rdd(time, {}, [records]() -> Result<Records> { return records; });
}

Result<RddPtr> QueueInputDStream::compute(Time time) {
  Records records;
  if (next_ < input().size()) records = input()[next_++];
  return make_rdd(time, {}, [records]() -> Result<Records> { return records; });
}

void QueueInputDStream::fill_snapshot(StreamSnapshot& /*snapshot*/) const {
  // Spark's QueueInputDStream.writeObject only warns; the queue itself is not written.
  runtime().log(LogLevel::kWarning,
                "queueStream doesn't support checkpointing. Please don't use queueStream when "
                "checkpointing is enabled.");
}

// ---- FileInputDStream ----

FileInputDStream::FileInputDStream(DStreamGraph* graph, std::string directory,
                                   Time initial_threshold, Duration min_remember,
                                   FunctionRef path_filter)
    : InputDStream(graph, "file", {}),
      directory_(std::move(directory)),
      path_filter_(std::move(path_filter)),
      initial_threshold_(initial_threshold) {
  int64_t batches = (min_remember.ms + slide_duration().ms - 1) / slide_duration().ms;
  duration_to_remember_ = slide_duration() * batches;
  remember(duration_to_remember_);
}

RddPtr FileInputDStream::files_to_rdd(Time time, const Records& files) {
  FileSystem* fs = runtime().env.fs;
  return make_rdd(time, {}, [fs, files]() -> Result<Records> {
    Records lines;
    for (const Value& file : files) {
      Result<std::string> text = fs->read_file(file.as_string());
      if (!text.ok()) return text.status().with_context("reading input file");
      size_t begin = 0;
      while (begin < text.value().size()) {
        size_t end = text.value().find('\n', begin);
        if (end == std::string::npos) end = text.value().size();
        lines.push_back(Value::String(text.value().substr(begin, end - begin)));
        begin = end + 1;
      }
    }
    return lines;
  });
}

Result<RddPtr> FileInputDStream::compute(Time time) {
  Time threshold = std::max(initial_threshold_, time - duration_to_remember_);
  Result<std::vector<FileStatus>> listing = runtime().env.fs->list(directory_);
  Records selected;
  if (!listing.ok()) {
    // Spark logs listing errors and gives the batch no files.
    runtime().log(LogLevel::kWarning, "Error finding new files under " + directory_ + ": " +
                                          listing.status().to_string());
  } else {
    for (const FileStatus& file : listing.value()) {
      std::string path = JoinPath(directory_, file.name);
      if (file.is_directory || file.name.empty() || file.name[0] == '.') continue;
      if (file.modification_time <= threshold || file.modification_time > time) continue;
      if (recently_selected_files_.count(path)) continue;
      if (bound_path_filter_) {
        CKPT_ASSIGN_OR_RETURN(bool accepted, bound_path_filter_(Value::String(file.name)));
        if (!accepted) continue;
      }
      selected.push_back(Value::String(path));
    }
  }
  batch_time_to_selected_files_[time] = selected;
  for (const Value& path : selected) recently_selected_files_.insert(path.as_string());
  return files_to_rdd(time, selected);
}

void FileInputDStream::on_clear_metadata(Time time) {
  Time threshold = time - *remember_duration();
  for (auto it = batch_time_to_selected_files_.begin();
       it != batch_time_to_selected_files_.end() && it->first < threshold;) {
    for (const Value& path : it->second) recently_selected_files_.erase(path.as_string());
    it = batch_time_to_selected_files_.erase(it);
  }
}

void FileInputDStream::checkpoint_data_update(Time /*time*/) {
  checkpointed_files_ = batch_time_to_selected_files_;
}

void FileInputDStream::checkpoint_data_restore() {
  for (const auto& [time, files] : checkpointed_files_) {
    batch_time_to_selected_files_[time] = files;
    for (const Value& path : files) recently_selected_files_.insert(path.as_string());
    put_generated(time, files_to_rdd(time, files));
  }
}

Status FileInputDStream::bind_functions(const FunctionRegistry& registry) {
  if (path_filter_.empty()) return Status::Ok();
  CKPT_ASSIGN_OR_RETURN(bound_path_filter_, registry.bind_filter(path_filter_));
  return Status::Ok();
}

void FileInputDStream::fill_snapshot(StreamSnapshot& snapshot) const {
  snapshot.function = path_filter_;  // empty without a filter, as in earlier checkpoints
  snapshot.params["directory"] = Value::String(directory_);
  snapshot.params["initial_threshold_ms"] = Value::Int(initial_threshold_.ms);
  snapshot.params["remember_window_ms"] = Value::Int(duration_to_remember_.ms);
  snapshot.input_data = checkpointed_files_;
}

// ---- LogInputDStream ----

namespace {

Value RangeToValue(const OffsetRange& range) {
  return Value::Pair(Value::Int(range.partition),
                     Value::Pair(Value::Int(range.from), Value::Int(range.until)));
}

Result<OffsetRange> RangeFromValue(const Value& value) {
  bool shaped = value.is_pair() && value.first().is_int() && value.second().is_pair() &&
                value.second().first().is_int() && value.second().second().is_int();
  if (!shaped) return Status::InvalidArgument("malformed offset range " + value.to_string());
  OffsetRange range{static_cast<int32_t>(value.first().as_int()), value.second().first().as_int(),
                    value.second().second().as_int()};
  if (range.partition < 0 || range.from < 0 || range.until < range.from) {
    return Status::InvalidArgument("invalid offset range " + value.to_string());
  }
  return range;
}

std::string OffsetParam(size_t partition) { return "offset_" + std::to_string(partition); }

}  // namespace

LogInputDStream::LogInputDStream(DStreamGraph* graph, std::string topic,
                                 std::vector<int64_t> current_offsets)
    : InputDStream(graph, "log", {}),
      topic_(std::move(topic)),
      current_offsets_(std::move(current_offsets)) {}

RddPtr LogInputDStream::ranges_to_rdd(Time time, const std::vector<OffsetRange>& ranges) {
  PartitionedLog* log = runtime().env.log;
  std::string topic = topic_;
  return make_rdd(time, {}, [log, topic, ranges]() -> Result<Records> {
    Records records;
    for (const OffsetRange& range : ranges) {
      Result<Records> read = log->read(topic, range);
      if (!read.ok()) return read.status().with_context("reading " + topic);
      records.insert(records.end(), read.value().begin(), read.value().end());
    }
    return records;
  });
}

void LogInputDStream::report(Time time, const std::vector<OffsetRange>& ranges,
                             bool restored) const {
  if (runtime().env.observer)
    runtime().env.observer->on_event(event::OffsetRanges{id(), time, ranges, restored});
}

Result<RddPtr> LogInputDStream::compute(Time time) {
  PartitionedLog* log = runtime().env.log;
  if (!log) return Status::IllegalState("this process has no partitioned log");
  int64_t rate = runtime().max_rate_per_partition;
  // Spark's maxMessagesPerPartition: the rate times the batch in seconds, at least 1.
  int64_t max_records = std::max<int64_t>(rate * slide_duration().ms / 1000, 1);
  std::vector<OffsetRange> ranges;
  for (size_t p = 0; p < current_offsets_.size(); ++p) {
    int32_t partition = static_cast<int32_t>(p);
    int64_t latest = log->end_offset(topic_, partition);
    if (resume_at_latest_) current_offsets_[p] = latest;
    int64_t until = rate > 0 ? std::min(latest, current_offsets_[p] + max_records) : latest;
    ranges.push_back({partition, current_offsets_[p], std::max(until, current_offsets_[p])});
    current_offsets_[p] = ranges.back().until;
  }
  resume_at_latest_ = false;
  ranges_by_time_[time] = ranges;
  report(time, ranges, /*restored=*/false);
  return ranges_to_rdd(time, ranges);
}

void LogInputDStream::on_clear_metadata(Time /*time*/) {
  std::erase_if(ranges_by_time_,
                [this](const auto& entry) { return !generated_rdds().count(entry.first); });
}

void LogInputDStream::checkpoint_data_update(Time /*time*/) {
  // DirectKafkaInputDStreamCheckpointData.update: the ranges of every generated RDD.
  checkpointed_ranges_.clear();
  for (const auto& [time, rdd] : generated_rdds()) {
    auto ranges = ranges_by_time_.find(time);
    if (ranges != ranges_by_time_.end()) checkpointed_ranges_[time] = ranges->second;
  }
}

void LogInputDStream::checkpoint_data_restore() {
  for (const auto& [time, ranges] : checkpointed_ranges_) {
    ranges_by_time_[time] = ranges;
    put_generated(time, ranges_to_rdd(time, ranges));
    report(time, ranges, /*restored=*/true);
  }
}

void LogInputDStream::fill_snapshot(StreamSnapshot& snapshot) const {
  snapshot.params["topic"] = Value::String(topic_);
  snapshot.params["partitions"] = Value::Int(static_cast<int64_t>(current_offsets_.size()));
  for (size_t p = 0; p < current_offsets_.size(); ++p) {
    snapshot.params[OffsetParam(p)] = Value::Int(current_offsets_[p]);
  }
  for (const auto& [time, ranges] : checkpointed_ranges_) {
    Records& encoded = snapshot.input_data[time];
    for (const OffsetRange& range : ranges) encoded.push_back(RangeToValue(range));
  }
}

Result<std::unique_ptr<DStream>> LogInputDStream::FromSnapshot(DStreamGraph* graph,
                                                               const StreamSnapshot& s) {
  Result<Value> topic = SnapshotParam(s, "topic");
  Result<Value> partitions = SnapshotParam(s, "partitions");
  if (!topic.ok()) return topic.status();
  if (!partitions.ok()) return partitions.status();
  std::string malformed = "log stream " + std::to_string(s.id) + " has malformed parameters";
  if (!topic.value().is_string() || !partitions.value().is_int() ||
      partitions.value().as_int() < 0 || partitions.value().as_int() > 1'000'000) {
    return Status::InvalidArgument(malformed);
  }
  std::vector<int64_t> offsets;
  for (int64_t p = 0; p < partitions.value().as_int(); ++p) {
    CKPT_ASSIGN_OR_RETURN(Value offset, SnapshotParam(s, OffsetParam(p)));
    if (!offset.is_int() || offset.as_int() < 0) {
      return Status::InvalidArgument(malformed);
    }
    offsets.push_back(offset.as_int());
  }
  auto stream =
      std::make_unique<LogInputDStream>(graph, topic.value().as_string(), std::move(offsets));
  for (const auto& [time, encoded] : s.input_data) {
    std::vector<OffsetRange>& ranges = stream->checkpointed_ranges_[time];
    for (const Value& value : encoded) {
      CKPT_ASSIGN_OR_RETURN(OffsetRange range, RangeFromValue(value));
      ranges.push_back(range);
    }
  }
  // offsets-not-checkpointed: as if currentOffsets were transient, the recovered stream knows
  // no position and starts at the log end (auto.offset.reset=latest).
  stream->resume_at_latest_ = graph->runtime().env.defects.has(Defect::kOffsetsNotCheckpointed);
  return std::unique_ptr<DStream>(std::move(stream));
}

// ---- rebuilding ----

Result<std::unique_ptr<DStream>> MakeInputStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                 const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "sequence" && s.kind != "constant" && s.kind != "file" && s.kind != "log" &&
      s.kind != "receiver") {
    return Made();
  }
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 0));
  if (s.kind == "sequence") return Made(new SequenceInputDStream(graph, s.input));
  if (s.kind == "receiver") {
    Result<Value> source = SnapshotParam(s, "source");
    if (!source.ok()) return source.status();
    if (!source.value().is_string()) {
      return Status::InvalidArgument("receiver stream " + std::to_string(s.id) +
                                     " has a malformed source");
    }
    return Made(new ReceiverInputDStream(graph, source.value().as_string()));
  }
  if (s.kind == "log") return LogInputDStream::FromSnapshot(graph, s);
  if (s.kind == "constant") {
    if (s.input.size() != 1) return Status::InvalidArgument("constant stream without its records");
    return Made(new ConstantInputDStream(graph, s.input[0]));
  }
  Result<Value> directory = SnapshotParam(s, "directory");
  Result<Value> threshold = SnapshotParam(s, "initial_threshold_ms");
  Result<Value> window = SnapshotParam(s, "remember_window_ms");
  for (const Result<Value>* param : {&directory, &threshold, &window}) {
    if (!param->ok()) return param->status();
  }
  if (!directory.value().is_string() || !threshold.value().is_int() || !window.value().is_int()) {
    return Status::InvalidArgument("file stream " + std::to_string(s.id) +
                                   " has malformed parameters");
  }
  auto stream = std::make_unique<FileInputDStream>(graph, directory.value().as_string(),
                                                   Time{threshold.value().as_int()},
                                                   Duration{window.value().as_int()}, s.function);
  stream->checkpointed_files_ = s.input_data;
  return Made(std::move(stream));
}

}  // namespace ckpt

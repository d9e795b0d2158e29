#include "engine/input_dstreams.h"

#include "engine/dstream_graph.h"
#include "engine/dstream_kinds.h"

namespace ckpt {

InputDStream::InputDStream(DStreamGraph* graph, std::string kind, std::vector<Records> input)
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
                                   Time initial_threshold, Duration min_remember)
    : InputDStream(graph, "file", {}),
      directory_(std::move(directory)),
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

void FileInputDStream::fill_snapshot(StreamSnapshot& snapshot) const {
  snapshot.params["directory"] = Value::String(directory_);
  snapshot.params["initial_threshold_ms"] = Value::Int(initial_threshold_.ms);
  snapshot.params["remember_window_ms"] = Value::Int(duration_to_remember_.ms);
  snapshot.input_data = checkpointed_files_;
}

// ---- rebuilding ----

Result<std::unique_ptr<DStream>> MakeInputStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                 const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "sequence" && s.kind != "constant" && s.kind != "file") return Made();
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 0));
  if (s.kind == "sequence") return Made(new SequenceInputDStream(graph, s.input));
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
                                                   Duration{window.value().as_int()});
  stream->checkpointed_files_ = s.input_data;
  return Made(std::move(stream));
}

}  // namespace ckpt

// Output operations (Spark's ForEachDStream with the functions behind collect, print,
// saveAsTextFiles and foreachRDD).
#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"

namespace ckpt {
namespace {

// Hands every record to the sink (TestOutputStream's collect).
class CollectDStream : public OutputDStream {
 public:
  CollectDStream(DStreamGraph* graph, DStream* parent, std::string output_name)
      : OutputDStream(graph, "collect", parent, std::move(output_name)) {}

  Status run_job(Time time, Rdd& rdd) override {
    CKPT_ASSIGN_OR_RETURN(const Records* records, run_spark_job(rdd));
    return emit(time, *records);
  }
};

// DStream.print(num): the driver prints the first `num` records under a time banner.
class PrintDStream : public OutputDStream {
 public:
  PrintDStream(DStreamGraph* graph, DStream* parent, int64_t num, std::string output_name)
      : OutputDStream(graph, "print", parent, std::move(output_name)), num_(num) {}

  Status run_job(Time time, Rdd& rdd) override {
    Result<const Records*> records = run_spark_job(rdd);  // take(num + 1)
    if (!records.ok()) return records.status();
    const Records& all = *records.value();
    Records first(all.begin(), all.begin() + std::min<int64_t>(num_, all.size()));
    std::string text = "-------------------------------------------\nTime: " + time.to_string() +
                       "\n-------------------------------------------\n";
    for (const Value& v : first) text += v.to_string() + "\n";
    if (static_cast<int64_t>(all.size()) > num_) text += "...\n";
    runtime().log(LogLevel::kInfo, text);
    return emit(time, first);
  }

 protected:
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    OutputDStream::fill_snapshot(snapshot);
    snapshot.params["num"] = Value::Int(num_);
  }

 private:
  int64_t num_;
};

// saveAsTextFiles(prefix, suffix): the job writes <prefix>-<ms>[.<suffix>]/part-00000 through
// Hadoop's commit protocol (a temporary file renamed into place, then _SUCCESS). Streaming jobs
// disable Hadoop's output-spec check, so a batch that runs again overwrites its directory
// (SPARK-4835). The sink sees the lines written.
class SaveAsTextFilesDStream : public OutputDStream {
 public:
  SaveAsTextFilesDStream(DStreamGraph* graph, DStream* parent, std::string prefix,
                         std::string suffix)
      : OutputDStream(graph, "save_as_text_files", parent, prefix),
        prefix_(std::move(prefix)),
        suffix_(std::move(suffix)) {}

  Status run_job(Time time, Rdd& rdd) override {
    CKPT_ASSIGN_OR_RETURN(const Records* records, rdd.materialize());
    Records lines;
    for (const Value& v : *records) lines.push_back(Value::String(v.to_string()));
    CKPT_RETURN_IF_ERROR(WriteTextFiles(runtime(), prefix_, suffix_, time, lines));
    // The write was the job; doCheckpoint follows it.
    Result<const Records*> checkpointed = run_spark_job(rdd);
    if (!checkpointed.ok()) return checkpointed.status();
    return emit(time, lines);
  }

 protected:
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    OutputDStream::fill_snapshot(snapshot);
    snapshot.params["prefix"] = Value::String(prefix_);
    snapshot.params["suffix"] = Value::String(suffix_);
  }

 private:
  std::string prefix_;
  std::string suffix_;
};

// foreachRDD with a registered function; its result is what the driver sends on.
class ForeachRddDStream : public OutputDStream {
 public:
  ForeachRddDStream(DStreamGraph* graph, DStream* parent, FunctionRef function,
                    std::string output_name)
      : OutputDStream(graph, "foreach_rdd", parent, std::move(output_name)),
        function_(std::move(function)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(registry.bind_transform(function_), action_);
  }

  Status run_job(Time time, Rdd& rdd) override {
    CKPT_ASSIGN_OR_RETURN(const Records* records, run_spark_job(rdd));
    CKPT_ASSIGN_OR_RETURN(Records result, action_(*records));
    return emit(time, result);
  }

 protected:
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    OutputDStream::fill_snapshot(snapshot);
    snapshot.function = function_;
  }

 private:
  FunctionRef function_;
  TransformFn action_;
};

Result<std::string> StringParam(const StreamSnapshot& s, const std::string& name) {
  Result<Value> value = SnapshotParam(s, name);
  if (!value.ok()) return value.status();
  if (!value.value().is_string()) return Status::InvalidArgument("malformed " + name);
  return value.value().as_string();
}

}  // namespace

Status WriteTextFiles(StreamingRuntime& runtime, const std::string& prefix,
                      const std::string& suffix, Time time, const Records& lines) {
  FileSystem& fs = *runtime.env.fs;
  // StreamingContext.rddToFileName.
  std::string directory =
      prefix + "-" + std::to_string(time.ms) + (suffix.empty() ? "" : "." + suffix);
  if (runtime.env.defects.has(Defect::kFailExistingOutput)) {
    Result<bool> exists = fs.exists(directory);
    if (!exists.ok()) return exists.status();
    if (exists.value()) {
      return Status::AlreadyExists(
          "org.apache.hadoop.mapred.FileAlreadyExistsException: "
          "Output directory " +
          directory + " already exists");
    }
  }
  std::string temporary = JoinPath(directory, "_temporary");
  std::string part = JoinPath(directory, "part-00000");
  CKPT_RETURN_IF_ERROR(fs.mkdirs(temporary));
  std::string text;
  for (const Value& line : lines) text += line.as_string() + "\n";
  std::string attempt = JoinPath(temporary, "part-00000");
  CKPT_RETURN_IF_ERROR(WriteWholeFile(fs, attempt, text, /*sync=*/false));
  CKPT_ASSIGN_OR_RETURN(bool old_part, fs.exists(part));
  if (old_part) CKPT_RETURN_IF_ERROR(fs.remove(part, /*recursive=*/false));
  CKPT_RETURN_IF_ERROR(fs.rename(attempt, part));
  CKPT_RETURN_IF_ERROR(fs.remove(temporary, /*recursive=*/true));
  return WriteWholeFile(fs, JoinPath(directory, "_SUCCESS"), "", /*sync=*/false);
}

Status DStream::collect(std::string output_name) {
  return add_child<CollectDStream>(this, std::move(output_name)).status();
}
Status DStream::print(int64_t num, std::string output_name) {
  return add_child<PrintDStream>(this, num, std::move(output_name)).status();
}
Status DStream::save_as_text_files(std::string prefix, std::string suffix) {
  return add_child<SaveAsTextFilesDStream>(this, std::move(prefix), std::move(suffix)).status();
}
Status DStream::foreach_rdd(FunctionRef function, std::string output_name) {
  return add_child<ForeachRddDStream>(this, std::move(function), std::move(output_name)).status();
}

Result<std::unique_ptr<DStream>> MakeOutputStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                  const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "collect" && s.kind != "print" && s.kind != "save_as_text_files" &&
      s.kind != "foreach_rdd") {
    return Made();
  }
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 1));
  if (s.kind == "collect") return Made(new CollectDStream(graph, parents[0], s.output_name));
  if (s.kind == "foreach_rdd") {
    return Made(new ForeachRddDStream(graph, parents[0], s.function, s.output_name));
  }
  if (s.kind == "print") {
    CKPT_ASSIGN_OR_RETURN(Value num, SnapshotParam(s, "num"));
    if (!num.is_int()) return Status::InvalidArgument("malformed print count");
    return Made(new PrintDStream(graph, parents[0], num.as_int(), s.output_name));
  }
  Result<std::string> prefix = StringParam(s, "prefix");
  Result<std::string> suffix = StringParam(s, "suffix");
  if (!prefix.ok()) return prefix.status();
  if (!suffix.ok()) return suffix.status();
  return Made(new SaveAsTextFilesDStream(graph, parents[0], prefix.value(), suffix.value()));
}

}  // namespace ckpt

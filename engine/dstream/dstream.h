// DStreams: Spark's discretized streams, the nodes of the streaming graph.
//
// A DStream turns a batch time into an RDD (getOrCompute), remembers the RDDs it generated for
// its remember duration, marks RDDs for checkpointing on its checkpoint interval, and keeps
// DStreamCheckpointData: which RDD checkpoint files the next metadata checkpoint references.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/checkpoint/checkpoint.h"
#include "engine/dstream/partitioned_log.h"
#include "engine/rdd.h"
#include "engine/streaming_runtime.h"

namespace ckpt {

class DStreamGraph;

// The times a map is keyed by, in order.
template <typename Value>
std::vector<Time> KeysOf(const std::map<Time, Value>& by_time) {
  std::vector<Time> times;
  for (const auto& [time, value] : by_time) times.push_back(time);
  return times;
}

// One step of a transform's sub-pipeline (DStream::transform_steps): an RDD operation on the
// batch's records — map, map_values, flat_map, filter, transform, reduce, reduce_by_key,
// count_by_value, and with a second RDD union, cogroup and the joins — or an action run while the
// batch's jobs are generated: collect (to the sink `target`) or save_as_text_files (prefix
// `target`, `suffix`).
struct RddStep {
  std::string kind;
  FunctionRef function;
  std::string target;
  std::string suffix;
};

// The stream kinds join_with makes: cogroup gives (k, (List(v...), List(w...))) for every key of
// either side; join gives (k, (v, w)) for every pair of values of a key on both sides; the outer
// joins wrap the side that may lack the key in an Option (Some(v) or None).
inline constexpr const char* kPairJoinKinds[] = {"cogroup", "join", "left_outer_join",
                                                 "right_outer_join", "full_outer_join"};

// Spark's default DStreamCheckpointData: batch time -> RDD checkpoint file.
class DStreamCheckpointData {
 public:
  // update(t): records the files of the generated RDDs already checkpointed (they become files())
  // and says whether there were any. An empty set leaves the previous data (and records no oldest
  // time for t).
  bool update(Time time, const std::map<Time, RddPtr>& generated_rdds);
  // cleanup(t): deletes files strictly older than the oldest file checkpoint t references.
  // Runs only once checkpoint t is durable (from ClearCheckpointData).
  void cleanup(Time time, StreamingRuntime& runtime);
  // restore(): the RDDs to put back into generatedRDDs.
  const std::map<Time, std::string>& files() const { return data_; }
  void set_files(std::map<Time, std::string> files) { data_ = std::move(files); }
  // The times it tracks (not the file names, which differ between processes): what later
  // cleanups will delete.
  uint64_t times_digest(uint64_t seed) const;

 private:
  std::map<Time, std::string> data_;                          // serialized with the graph
  std::map<Time, std::string> time_to_checkpoint_file_;       // transient
  std::map<Time, Time> time_to_oldest_checkpoint_file_time_;  // transient
};

class DStream {
 public:
  DStream(DStreamGraph* graph, std::string kind, std::vector<DStream*> parents, Duration slide);
  virtual ~DStream() = default;
  DStream(const DStream&) = delete;
  DStream& operator=(const DStream&) = delete;

  int32_t id() const { return id_; }
  const std::string& kind() const { return kind_; }
  Duration slide_duration() const { return slide_; }
  const std::vector<DStream*>& parents() const { return parents_; }
  std::optional<Duration> checkpoint_interval() const { return checkpoint_interval_; }
  std::optional<Duration> remember_duration() const { return remember_; }
  std::optional<Time> zero_time() const { return zero_time_; }
  const std::map<Time, RddPtr>& generated_rdds() const { return generated_; }
  // The batch times its checkpoint data holds (DStreamCheckpointData's files, a file stream's
  // file lists, a log stream's offset ranges): what a checkpoint written now would restore.
  virtual std::vector<Time> checkpoint_data_times() const;
  // DStreamCheckpointData's files (currentCheckpointFiles): batch time -> the RDD checkpoint
  // directory of that batch's RDD; empty for streams that checkpoint no RDD.
  const std::map<Time, std::string>& rdd_checkpoint_files() const {
    return checkpoint_data_.files();
  }
  // A log stream's offset ranges by batch time (of its generated RDDs); empty for other streams.
  virtual std::map<Time, std::vector<OffsetRange>> offset_ranges() const { return {}; }
  // Streams whose state depends on earlier batches must checkpoint their RDDs (mustCheckpoint).
  virtual bool must_checkpoint() const { return false; }
  virtual bool is_output() const { return false; }
  virtual bool is_input() const { return false; }
  // The stream that checkpoint(interval) configures (mapWithState forwards to its state stream).
  virtual DStream* checkpoint_target() { return this; }

  // Builders (Spark's DStream operations). Each adds a stream to the graph and returns it, or an
  // IllegalState error once the context has started or stopped. Window operations also fail
  // when the window or slide is not a multiple of this stream's slide (Spark's V8).
  Result<DStream*> map(FunctionRef function);
  Result<DStream*> map_values(FunctionRef function);
  Result<DStream*> flat_map(FunctionRef function);
  Result<DStream*> filter(FunctionRef function);
  Result<DStream*> transform(FunctionRef function);
  Result<DStream*> union_with(DStream* other);
  // The pair operations on two keyed streams (Spark's PairDStreamFunctions: a transformWith of
  // both parents' RDDs). `kind` is one of kPairJoinKinds; both streams must have one slide.
  Result<DStream*> join_with(const std::string& kind, DStream* other);
  // transform (transformWith when `other` is given: same slide) running `steps` on each batch's
  // RDD; their result is the stream's RDD.
  Result<DStream*> transform_steps(std::vector<RddStep> steps, DStream* other = nullptr);
  Result<DStream*> reduce(FunctionRef function);
  Result<DStream*> reduce_by_key(FunctionRef function);
  Result<DStream*> count_by_value();
  Result<DStream*> window(Duration window, Duration slide);
  // With an inverse: one record per window through a keyed ReducedWindowedDStream (Spark's).
  Result<DStream*> reduce_by_window(FunctionRef function, Duration window, Duration slide,
                                    FunctionRef inverse = {});
  // With an inverse function the window keeps its previous value and must checkpoint.
  Result<DStream*> reduce_by_key_and_window(FunctionRef function, Duration window, Duration slide,
                                            FunctionRef inverse = {}, FunctionRef filter = {});
  Result<DStream*> update_state_by_key(FunctionRef function);
  // mapWithState: returns the stream of mapped records; `timeout` drops keys idle that long
  // (evaluated only on batches whose state RDD is checkpointed, as in Spark).
  Result<DStream*> map_with_state(FunctionRef function, std::optional<Duration> timeout = {});
  // On a map_with_state stream: every batch's (key, state) pairs. InvalidArgument otherwise.
  Result<DStream*> state_snapshots();

  // Output operations. Each batch's result goes to the sink under the output's name.
  // collect: every record.
  Status collect(std::string output_name);
  // print(num): the first `num` records (also logged, as Spark prints them on the driver).
  Status print(int64_t num, std::string output_name);
  // saveAsTextFiles: one line per record in <prefix>-<ms>[.<suffix>]/part-00000, overwritten
  // when a batch runs again; the sink sees what was written, under the name `prefix`.
  Status save_as_text_files(std::string prefix, std::string suffix);
  // foreachRDD with a registered transform function; the sink receives its result.
  Status foreach_rdd(FunctionRef function, std::string output_name);
  // Spark's DStream.checkpoint(interval); UnsupportedOperation after the context started.
  Status checkpoint(Duration interval);

  // Life cycle, as in Spark.
  Status initialize(Time zero_time);
  void remember(Duration duration);
  Status validate_at_start() const;
  Result<RddPtr> get_or_compute(Time time);  // nullptr when there is no RDD for `time`
  // Spark's DStream.slice: the RDDs of every valid time in [from, to] on this stream's grid.
  Result<std::vector<RddPtr>> slice(Time from, Time to);
  void clear_metadata(Time time);
  void update_checkpoint_data(Time time);
  void clear_checkpoint_data(Time time);
  void restore_checkpoint_data();
  // Binds function references to callables (at start, and after recovery).
  virtual Status bind_functions(const FunctionRegistry& /*registry*/) { return Status::Ok(); }

  // The stream's state as far as later batches can see it: zero time, remember duration, every
  // generated RDD's content (Rdd::content_digest) and the times its checkpoint data tracks. Input
  // streams with a position of their own (queue, file, log) are not covered: the simulator prunes
  // only sequence and constant sources.
  uint64_t state_digest(uint64_t seed) const;

  StreamSnapshot snapshot() const;
  // Restores what snapshot() saved of the common state. REQUIRES: the kinds match.
  void restore_snapshot(const StreamSnapshot& snapshot);

 protected:
  virtual Result<RddPtr> compute(Time time) = 0;
  // Adds kind-specific fields to a snapshot.
  virtual void fill_snapshot(StreamSnapshot& /*snapshot*/) const {}
  // DStreamCheckpointData's update, cleanup and restore for this stream alone. Sources that
  // checkpoint a description of their input (file lists, offset ranges) override all three.
  virtual void checkpoint_data_update(Time time);
  virtual void checkpoint_data_cleanup(Time time) { checkpoint_data_.cleanup(time, runtime()); }
  virtual void checkpoint_data_restore();
  // Extra metadata to forget at clearMetadata(t) (file lists of the file stream).
  virtual void on_clear_metadata(Time /*time*/) {}
  // Whether the RDD of `time` gets marked for checkpointing.
  bool is_checkpoint_time(Time time) const;
  void put_generated(Time time, RddPtr rdd) { generated_[time] = std::move(rdd); }
  // The interval a stream that must checkpoint gets when none was set: the smallest multiple of
  // the slide that is at least 10 s (mapWithState overrides it with 10 x slide, SPARK-11814).
  virtual Duration default_checkpoint_interval() const;
  // The remember duration asked of parents (window streams add their window).
  virtual Duration parent_remember_duration() const { return *remember_; }
  Result<bool> is_time_valid(Time time) const;
  RddPtr make_rdd(Time time, std::vector<RddPtr> dependencies, Rdd::ComputeFn compute);
  // The RDD at `time` whose records are `transform` of the first parent's records for `time`;
  // none when the parent has none.
  Result<RddPtr> derive_from_parent(Time time,
                                    std::function<Result<Records>(const Records&)> transform);
  StreamingRuntime& runtime() const;
  DStreamGraph* graph() const { return graph_; }

  // Adds a new stream built from `args` to the graph (after Spark's V5 check).
  template <typename Stream, typename... Args>
  Result<DStream*> add_child(Args&&... args) {
    CKPT_RETURN_IF_ERROR(runtime().check_can_add_stream());
    return add_to_graph(std::make_unique<Stream>(graph_, std::forward<Args>(args)...));
  }

 private:
  DStreamGraph* graph_;
  int32_t id_;
  std::string kind_;
  std::vector<DStream*> parents_;
  Duration slide_;
  std::optional<Time> zero_time_;
  std::optional<Duration> checkpoint_interval_;
  std::optional<Duration> remember_;
  std::map<Time, RddPtr> generated_;
  DStream* add_to_graph(std::unique_ptr<DStream> stream);

  DStreamCheckpointData checkpoint_data_;
  bool restored_from_checkpoint_data_ = false;  // transient (SPARK-11749)
};

// An output stream (Spark's ForEachDStream): generates one job per batch.
class OutputDStream : public DStream {
 public:
  OutputDStream(DStreamGraph* graph, std::string kind, DStream* parent, std::string output_name);
  bool is_output() const override { return true; }
  const std::string& output_name() const { return output_name_; }
  // The RDD the job of `time` works on, or nullptr when there is no job for `time`.
  Result<RddPtr> job_rdd(Time time) { return parents()[0]->get_or_compute(time); }
  // Runs the output action on the job's RDD. The action's Spark job ends with RDD checkpointing
  // (runJob then doCheckpoint); what the driver then does with the result comes after it.
  virtual Status run_job(Time time, Rdd& rdd) = 0;

 protected:
  Result<RddPtr> compute(Time time) override { return parents()[0]->get_or_compute(time); }
  void fill_snapshot(StreamSnapshot& snapshot) const override;
  // Materializes `rdd`, writes the marked RDDs of its lineage, and returns its records.
  Result<const Records*> run_spark_job(Rdd& rdd);
  Status emit(Time time, const Records& records);

 private:
  std::string output_name_;
};

// Rebuilds a stream from its snapshot. `streams_by_id` holds the already rebuilt streams (the
// snapshot lists parents before children). InvalidArgument for an unknown kind.
Result<std::unique_ptr<DStream>> MakeStreamFromSnapshot(
    DStreamGraph* graph, const StreamSnapshot& snapshot,
    const std::map<int32_t, DStream*>& streams_by_id);

}  // namespace ckpt

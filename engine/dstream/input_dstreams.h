// Input streams (Spark's InputDStream family): where each batch's records come from, and what of
// that a checkpoint keeps so that recovery reads the same records again.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/dstream/dstream.h"
#include "engine/dstream/partitioned_log.h"

namespace ckpt {

class InputDStream : public DStream {
 public:
  InputDStream(DStreamGraph* graph, std::string kind, SourceInput input);
  bool is_input() const override { return true; }

 protected:
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.input = input_; }
  const SourceInput& input() const { return input_; }

 private:
  SourceInput input_;
};

// Spark's TestInputStream: batch i (at zeroTime + i x slide) emits input[i-1], then nothing.
class SequenceInputDStream : public InputDStream {
 public:
  SequenceInputDStream(DStreamGraph* graph, SourceInput input)
      : InputDStream(graph, "sequence", std::move(input)) {}

 protected:
  Result<RddPtr> compute(Time time) override;
};

// Spark's ConstantInputDStream: the same records every batch.
class ConstantInputDStream : public InputDStream {
 public:
  ConstantInputDStream(DStreamGraph* graph, Records records)
      : InputDStream(graph, "constant", SourceInput({std::move(records)})) {}

 protected:
  Result<RddPtr> compute(Time time) override;
};

// Spark's QueueInputDStream (oneAtATime): each batch takes the next queued RDD, an empty one when
// the queue is empty. The queue lives in the driver's memory, so it cannot be recovered: writing
// a checkpoint only logs a warning, and reading one fails (SPARK-10071), see DecodeCheckpoint.
class QueueInputDStream : public InputDStream {
 public:
  QueueInputDStream(DStreamGraph* graph, std::vector<Records> queue)
      : InputDStream(graph, "queue", SourceInput(std::move(queue))) {}

 protected:
  Result<RddPtr> compute(Time time) override;
  void fill_snapshot(StreamSnapshot& snapshot) const override;

 private:
  size_t next_ = 0;
};

// Spark's FileInputDStream (textFileStream): batch t takes the files of `directory` that were
// modified in (max(initial threshold, t - remember), t] and not selected before; each line is a
// record (a string). The checkpoint keeps batch time -> selected files for the remember window,
// so a batch run again after recovery reads the same files, and a down-time batch never takes a
// file newer than its own time (SPARK-4519).
class FileInputDStream : public InputDStream {
 public:
  // `initial_threshold` is Spark's initialModTimeIgnoreThreshold: clock.now at creation when
  // newFilesOnly, else 0. The remember window is ceil(min_remember / batch) batches.
  // `path_filter` (a filter function of the file's name, empty for none) is fileStream's filter,
  // applied after Spark's default one (no hidden files).
  FileInputDStream(DStreamGraph* graph, std::string directory, Time initial_threshold,
                   Duration min_remember, FunctionRef path_filter = {});
  Status bind_functions(const FunctionRegistry& registry) override;
  static constexpr Duration kDefaultMinRemember{60'000};
  std::vector<Time> checkpoint_data_times() const override { return KeysOf(checkpointed_files_); }

 protected:
  Result<RddPtr> compute(Time time) override;
  void fill_snapshot(StreamSnapshot& snapshot) const override;
  void checkpoint_data_update(Time time) override;
  void checkpoint_data_cleanup(Time /*time*/) override {}
  void checkpoint_data_restore() override;
  void on_clear_metadata(Time time) override;

 private:
  friend Result<std::unique_ptr<DStream>> MakeInputStream(DStreamGraph*, const StreamSnapshot&,
                                                          const std::vector<DStream*>&);
  RddPtr files_to_rdd(Time time, const Records& files);

  std::string directory_;
  FunctionRef path_filter_;
  FilterFn bound_path_filter_;  // transient: bound at start and after recovery
  Time initial_threshold_;
  Duration duration_to_remember_;
  std::map<Time, Records> batch_time_to_selected_files_;
  std::set<std::string> recently_selected_files_;  // transient
  std::map<Time, Records> checkpointed_files_;     // FileInputDStreamCheckpointData.data
};

// Spark's DirectKafkaInputDStream (kafka-0-10) over one topic of the partitioned log. Batch t
// reads, per partition, from where the previous batch stopped (currentOffsets) to the log end
// offset at compute time, at most max(1, maxRatePerPartition x batch seconds) records when a rate
// is set. currentOffsets is a plain field, serialized with the graph; the checkpoint data keeps
// batch time -> offset ranges of every generated RDD. So after recovery a restored batch reads
// the same records again and a down-time batch continues where the checkpointed graph stopped:
// no gap and no overlap. Down-time batches read "latest at compute time", so their contents
// differ from an uninterrupted run's (the oracle judges them on the ranges they read).
class LogInputDStream : public InputDStream {
 public:
  LogInputDStream(DStreamGraph* graph, std::string topic, std::vector<int64_t> current_offsets);
  // Rebuilds a stream from its checkpointed snapshot (InvalidArgument when malformed).
  static Result<std::unique_ptr<DStream>> FromSnapshot(DStreamGraph* graph,
                                                       const StreamSnapshot& snapshot);
  std::vector<Time> checkpoint_data_times() const override { return KeysOf(checkpointed_ranges_); }
  std::map<Time, std::vector<OffsetRange>> offset_ranges() const override {
    return ranges_by_time_;
  }

 protected:
  Result<RddPtr> compute(Time time) override;
  void fill_snapshot(StreamSnapshot& snapshot) const override;
  void checkpoint_data_update(Time time) override;
  void checkpoint_data_cleanup(Time /*time*/) override {}
  void checkpoint_data_restore() override;
  void on_clear_metadata(Time time) override;

 private:
  RddPtr ranges_to_rdd(Time time, const std::vector<OffsetRange>& ranges);
  void report(Time time, const std::vector<OffsetRange>& ranges, bool restored) const;

  std::string topic_;
  std::vector<int64_t> current_offsets_;  // per partition; serialized with the graph
  // Set on a recovered stream under the offsets-not-checkpointed defect: currentOffsets was not
  // restored, so the next batch starts at the log end offsets.
  bool resume_at_latest_ = false;
  std::map<Time, std::vector<OffsetRange>> ranges_by_time_;       // of the generated RDDs
  std::map<Time, std::vector<OffsetRange>> checkpointed_ranges_;  // batchForTime
};

}  // namespace ckpt

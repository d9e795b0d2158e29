// What a metadata checkpoint holds (Spark's `Checkpoint`), its codec and its file names.
//
// The DStream graph is stored as a snapshot: for every stream its kind, parents, function
// reference, durations and checkpoint data. A recovered context rebuilds the streams from it
// (see dstream_graph.h); this is our stand-in for Java-serializing the DStream objects.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/defects.h"
#include "engine/functions.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/value.h"

namespace ckpt {

// The records of a sequence or constant source, one list per batch (Spark's TestInputStream
// serializes its input with the graph). They never change once the stream exists, so copies
// share them, and the codec encodes them once, when the first checkpoint holding them is written,
// not at every checkpoint: re-encoding a long input twice per batch made an exhaustive
// exploration's cost grow faster than the square of its batches (issue 26). Copies share the
// cache, so they belong to one thread, as a simulation's engine does.
class SourceInput {
 public:
  SourceInput() = default;
  explicit SourceInput(std::vector<Records> batches)
      : shared_(std::make_shared<Shared>(Shared{std::move(batches), {}})) {}

  const std::vector<Records>& batches() const;
  size_t size() const { return batches().size(); }
  const Records& operator[](size_t i) const { return batches()[i]; }

  // The archive bytes of batches() once the codec has made them (nullptr before), and where the
  // codec keeps them. REQUIRES (keep_encoded): batches() not empty, so neither are their bytes
  // (an input without batches is written by the checkpoint's own archive, never kept).
  const std::string* encoded() const;
  void keep_encoded(std::string bytes) const;

  friend bool operator==(const SourceInput& a, const SourceInput& b) {
    return a.batches() == b.batches();
  }

 private:
  struct Shared {
    std::vector<Records> batches;
    std::string encoded;  // empty until the codec keeps the bytes
  };
  std::shared_ptr<Shared> shared_;
};

struct StreamSnapshot {
  int32_t id = 0;
  std::string kind;              // "sequence", "map", "update_state_by_key", "collect", ...
  std::vector<int32_t> parents;  // ids of the streams this one depends on
  FunctionRef function;          // empty for streams without one
  SourceInput input;             // the data of sequence/constant sources
  std::string output_name;       // for output streams
  Duration slide;
  std::optional<Duration> checkpoint_interval;
  std::optional<Duration> remember;
  std::optional<Time> zero_time;
  std::map<Time, std::string> checkpoint_files;  // DStreamCheckpointData.data: time -> RDD file
  std::map<std::string, FunctionRef> functions;  // further functions ("inverse", "filter")
  std::map<std::string, Value> params;           // operator parameters ("window_ms", "prefix")
  // Checkpoint data of the sources that override DStreamCheckpointData: batch time -> the
  // selected files (file stream) or offset ranges (partitioned log).
  std::map<Time, Records> input_data;
};

struct GraphSnapshot {
  Duration batch_duration;
  std::optional<Time> zero_time;
  std::optional<Time> start_time;
  std::optional<Duration> remember;
  std::vector<StreamSnapshot> streams;  // in id order
  std::vector<int32_t> input_ids;
  std::vector<int32_t> output_ids;
};

struct Checkpoint {
  std::string master;
  std::string framework;  // the application name
  std::vector<std::string> jars;
  GraphSnapshot graph;
  std::string checkpoint_dir;
  Duration checkpoint_duration;
  std::vector<Time> pending_times;
  std::vector<std::pair<std::string, std::string>> conf_pairs;
  Time checkpoint_time;

  // Spark's Checkpoint.validate: the fields a usable checkpoint cannot lack.
  Status validate() const;
};

std::string EncodeCheckpoint(const Checkpoint& checkpoint);
// Corruption when the frame or the archive is bad, or validate() fails.
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes);

std::string EncodeRecords(const Records& records);
Result<Records> DecodeRecords(std::string_view bytes);

// Checkpoint file names (Spark's Checkpoint object).
inline constexpr const char* kCheckpointTempName = "temp";
std::string CheckpointFileName(Time time);    // "checkpoint-1500"
std::string CheckpointBackupName(Time time);  // "checkpoint-1500.bk"

struct CheckpointFile {
  std::string path;
  Time time;
  bool is_backup = false;  // any non-empty suffix, in practice ".bk"
};

// The checkpoint file `name` in `dir` if the name matches Spark's anchored REGEX
// `checkpoint-(\d+)([\w.]*)`, else nullopt.
std::optional<CheckpointFile> ParseCheckpointName(const std::string& dir, const std::string& name);

// Spark's getCheckpointFiles: regular files of `dir` whose name matches checkpoint-<ms>[suffix],
// oldest first, a suffixed file before the plain one of the same time. A missing directory gives
// an empty list; other listing errors are returned. As in Spark, a file is kept when its name
// merely contains a match (findFirstIn) and the sort then matches it in full, so a near-miss
// name (old-checkpoint-1, checkpoint-1-x) fails the listing with kMatchError: the residual
// form of SPARK-28912. spark-28912-match-checkpoint-path reverts that fix: the filter looks at
// the whole path, so in a directory whose path contains such a match every file is kept.
Result<std::vector<CheckpointFile>> ListCheckpointFiles(FileSystem& fs, const std::string& dir,
                                                        const DefectSet& defects = {});

// How a near-miss name fails the listing (Scala's MatchError escaping the sort).
inline constexpr std::string_view kMatchError = "scala.MatchError";

}  // namespace ckpt

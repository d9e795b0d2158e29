// The file sink of Structured Streaming (FileStreamSink with ManifestFileCommitProtocol,
// structured-streaming-notes.md 1.7, 2.5 R3b and R3c, 3.4): each batch's tasks write part files
// directly at their final names in the output directory; the driver then records them in
// `<output>/_spark_metadata/N`, a compactible log whose batch ids are the query's. A batch id
// already in that log is skipped, so readers that go through the log see every batch exactly
// once, while a plain listing of the directory also sees the part files of a batch whose log entry
// never got written (a crash between the two).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/structured/compactible_log.h"
#include "engine/value.h"

namespace ckpt::structured {

// The sink's log, below its output directory.
inline constexpr const char* kMetadataDir = "_spark_metadata";

class FileStreamSink {
 public:
  // `output_dir`: the sink's path option (outside the checkpoint).
  FileStreamSink(CheckpointFileManager* manager, std::string output_dir, CompactibleLogConf conf,
                 const Scheduler* clock, uint64_t process_uid);

  Status init();

  // addBatch: skips a batch id the log already has ("Skipping already committed batch N");
  // otherwise writes the records, one line each, to a part file (none for an empty batch) and
  // adds the batch to the log: "Race while writing batch N" when another writer added it first.
  Status add_batch(int64_t batch_id, const Records& records);

  const std::string& output_dir() const { return output_dir_; }

 private:
  CheckpointFileManager* manager_;
  std::string output_dir_;
  CompactibleLog log_;
  const Scheduler* clock_;
  uint64_t process_uid_;
  uint64_t files_written_ = 0;
};

// What a reader of the sink's output sees, line by line:
// a log-aware reader (spark.read of the exact output path: MetadataLogFileIndex) reads the files
// `_spark_metadata` lists (SinkLogPaths, errors of the log as Spark raises them; ReadSinkFiles);
Result<std::vector<std::string>> ReadSinkThroughLog(CheckpointFileManager* manager,
                                                    const std::string& output_dir,
                                                    CompactibleLogConf conf,
                                                    const Scheduler* clock);
Result<std::vector<std::string>> SinkLogPaths(CheckpointFileManager* manager,
                                              const std::string& output_dir,
                                              CompactibleLogConf conf, const Scheduler* clock);
Result<std::vector<std::string>> ReadSinkFiles(FileSystem& fs,
                                               const std::vector<std::string>& paths);
// a plain reader (a glob, another tool) reads every part file in the directory.
Result<std::vector<std::string>> ReadSinkDirectory(FileSystem& fs, const std::string& output_dir);

}  // namespace ckpt::structured

// The file source of Structured Streaming (FileStreamSource, structured-streaming-notes.md 1.4,
// 2.4 B1, 3.5): each batch takes the files that appeared in the input directory since the last,
// oldest first (at most maxFilesPerTrigger). It records them in its own compactible log,
// `sources/<i>/<k>`, before the offset log names the batch: its offset is that log's id
// ({"logOffset":k}), and a restart rebuilds the files it has seen from the whole log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/structured/compactible_log.h"
#include "engine/structured/source.h"

namespace ckpt::structured {

struct FileSourceOptions {
  std::string directory;                          // the input directory (the `path`)
  std::optional<int64_t> max_files_per_trigger;   // maxFilesPerTrigger
  Duration max_file_age{7 * 24 * 3600 * 1000LL};  // maxFileAge (7 days)
};

class FileStreamSource : public StreamSource {
 public:
  // `source_dir`: `<checkpoint>/sources/<i>`; `log_conf`: the fileSource.log confs.
  FileStreamSource(CheckpointFileManager* manager, std::string source_dir,
                   FileSourceOptions options, CompactibleLogConf log_conf, const Scheduler* clock);

  // The constructor's restore: the seen files from every entry of the log, the current log
  // offset its latest id, then the seen files older than maxFileAge behind the newest forgotten.
  Status init() override;

  Result<std::optional<std::string>> initial_offset() override {
    return std::optional<std::string>();
  }
  // fetchMaxOffset: new files (not seen, and not older than the last purge) become log batch
  // k + 1; "Concurrent update to the log. Multiple streaming jobs detected for k" (V11) when that
  // batch exists. None while the log is empty.
  Result<std::optional<std::string>> latest_offset(
      const std::optional<std::string>& start) override;
  // getBatch: the lines of the files of log batches start + 1 to end, which must all exist (V13).
  Result<Records> read(const std::optional<std::string>& start, const std::string& end) override;

  // An entry of the log (FileEntry): a file, its modification time, and its log batch.
  struct Entry {
    std::string path;
    int64_t timestamp_ms;
    int64_t batch_id;
  };
  // Corruption when `json` is no entry.
  static Result<Entry> EntryFromJson(const std::string& json);

 private:
  static std::string EntryJson(const Entry& entry);
  void see(const std::string& path, int64_t timestamp_ms);
  void purge_seen();

  CheckpointFileManager* manager_;
  FileSourceOptions options_;
  CompactibleLog log_;
  std::map<std::string, int64_t> seen_;  // SeenFilesMap: path -> modification time
  int64_t latest_timestamp_ms_ = 0;
  int64_t last_purge_timestamp_ms_ = 0;
  int64_t current_log_offset_ = -1;  // metadataLogCurrentOffset
};

// FileStreamSourceOffset's JSON: {"logOffset":k}.
std::string FileSourceOffsetJson(int64_t log_offset);
Result<int64_t> FileSourceOffsetFromJson(const std::string& json);

}  // namespace ckpt::structured

// FileBasedWriteAheadLog: Spark's write-ahead log on the FileSystem seam, used by the driver
// (ReceivedBlockTracker's events, <checkpoint>/receivedBlockMetadata) and by receivers (block
// data, <checkpoint>/receivedData/<stream id>).
//
// Records go to rolling files named log-<start ms>-<end ms>: a write at a time past the current
// file's end closes it and opens log-<time>-<time + rolling interval>. Each record is framed
// (engine/checkpoint/frame.h: length and checksum) and synced when written (Spark's writer hflushes
// every record). Reading tolerates a torn or corrupt tail: a file yields every record before the
// first bad one, and an unreadable file is skipped, both with a warning. clean(t) deletes the files
// whose end time is before t.
//
// Deliberate differences from Spark: writes are synchronous and never batched
// (BatchedWriteAheadLog); the caller decides what may run between a write and its effect. And
// where Spark would append to an existing file of the same name (HDFS append), a new writer whose
// file would take an existing name starts it 1 ms later, as our FileSystem has no append.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/receiver/received_block.h"
#include "engine/runtime/file_system.h"

namespace ckpt {

class FileBasedWriteAheadLog {
 public:
  using Warn = std::function<void(const std::string&)>;
  // `sync_directory`: sync the directory after creating a file (ckptsim.checkpoint.sync).
  // Lists `directory` for the files earlier processes left (Spark's initializeOrRecover); creates
  // nothing until the first write.
  FileBasedWriteAheadLog(FileSystem* fs, std::string directory, Duration rolling_interval,
                         bool sync_directory, Warn warn);
  FileBasedWriteAheadLog(const FileBasedWriteAheadLog&) = delete;
  FileBasedWriteAheadLog& operator=(const FileBasedWriteAheadLog&) = delete;
  // Does no I/O: a process that dies leaves its current file unclosed (close() first otherwise).
  ~FileBasedWriteAheadLog() = default;

  // Ok, or the error that listing the directory for earlier processes' files met (other than
  // its absence): Spark's initializeOrRecover lets it escape the log's constructor, so a log that
  // could not learn its files is not used.
  const Status& opened() const { return opened_; }

  // Appends `record` as of `time` and syncs it. Up to kMaxAttempts attempts, each after an error
  // on a new file (Spark's maxFailures); the last error when all fail.
  Result<WalRecordHandle> write(std::string_view record, Time time);
  static constexpr int kMaxAttempts = 3;

  // Every intact record of the log's files (file_paths()), oldest file first (Spark's readAll);
  // the first error reading a file that exists.
  Result<std::vector<std::string>> read_all() const;

  // Deletes the files, current one excepted, that end before `threshold`, except those in
  // `keep`. Deletion errors are warnings (Spark deletes in the background and logs them).
  void clean(Time threshold, const std::set<std::string>& keep = {});

  // Closes the current file.
  void close();
  // The log's files now (earlier processes' included), oldest first.
  std::vector<std::string> file_paths() const;
  // Deletes the files `paths` (closing the current one if among them) and forgets them. The
  // first deletion error is returned; the files before it are gone.
  Status remove_files(const std::vector<std::string>& paths);

 private:
  struct LogFile {
    std::string path;
    Time start;
    Time end;
  };
  // The log files in the directory, oldest first; none when it does not exist.
  Result<std::vector<LogFile>> list_files() const;
  Status open_file(Time time);
  Result<WalRecordHandle> append(std::string_view framed);
  void reset_writer();

  FileSystem* fs_;
  std::string directory_;
  Duration rolling_interval_;
  bool sync_directory_;
  Warn warn_;
  std::vector<LogFile> past_logs_;  // closed or inherited files, oldest first
  Status opened_;                   // see opened()
  std::optional<LogFile> current_;
  std::unique_ptr<WritableFile> writer_;
  int64_t current_size_ = 0;
  bool directory_made_ = false;
};

// The record at `handle` (Spark's random reader). Corruption when it is not intact.
Result<std::string> ReadWriteAheadLogRecord(FileSystem& fs, const WalRecordHandle& handle);

// "log-<start>-<end>" parsed, or nullopt.
std::optional<std::pair<Time, Time>> ParseLogFileName(const std::string& name);

}  // namespace ckpt

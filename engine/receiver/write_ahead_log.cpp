#include "engine/receiver/write_ahead_log.h"

#include <algorithm>
#include <charconv>

#include "engine/checkpoint/frame.h"

namespace ckpt {
namespace {

std::string LogFileName(Time start, Time end) {
  return "log-" + std::to_string(start.ms) + "-" + std::to_string(end.ms);
}

bool ParseMillis(std::string_view text, int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty() && value >= 0;
}

}  // namespace

std::optional<std::pair<Time, Time>> ParseLogFileName(const std::string& name) {
  std::string_view rest(name);
  if (rest.substr(0, 4) != "log-") return std::nullopt;
  rest.remove_prefix(4);
  size_t dash = rest.find('-');
  int64_t start = 0, end = 0;
  if (dash == std::string_view::npos || !ParseMillis(rest.substr(0, dash), start) ||
      !ParseMillis(rest.substr(dash + 1), end)) {
    return std::nullopt;
  }
  return std::pair{Time{start}, Time{end}};
}

FileBasedWriteAheadLog::FileBasedWriteAheadLog(FileSystem* fs, std::string directory,
                                               Duration rolling_interval, bool sync_directory,
                                               Warn warn)
    : fs_(fs),
      directory_(std::move(directory)),
      rolling_interval_(rolling_interval),
      sync_directory_(sync_directory),
      warn_(std::move(warn)) {
  CKPT_ASSERT(rolling_interval_.ms > 0, "the write-ahead log's rolling interval must be positive");
  Result<std::vector<LogFile>> listed = list_files();
  if (listed.ok()) {
    past_logs_ = std::move(listed).value();
  } else {
    opened_ = listed.status().with_context("listing write ahead log directory " + directory_);
  }
}

Result<std::vector<FileBasedWriteAheadLog::LogFile>> FileBasedWriteAheadLog::list_files() const {
  std::vector<LogFile> files;
  Result<std::vector<FileStatus>> listing = fs_->list(directory_);
  if (!listing.ok()) {
    // A directory that does not exist has nothing to recover (initializeOrRecover).
    if (listing.status().code() == StatusCode::kNotFound) return files;
    return listing.status();
  }
  for (const FileStatus& file : listing.value()) {
    std::optional<std::pair<Time, Time>> times = ParseLogFileName(file.name);
    if (file.is_directory || !times) continue;
    files.push_back(LogFile{JoinPath(directory_, file.name), times->first, times->second});
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const LogFile& a, const LogFile& b) { return a.start < b.start; });
  return files;
}

void FileBasedWriteAheadLog::reset_writer() {
  if (writer_) {
    Status closed = writer_->close();
    if (!closed.ok()) warn_("Error closing write ahead log file: " + closed.to_string());
  }
  writer_.reset();
}

Status FileBasedWriteAheadLog::open_file(Time time) {
  reset_writer();
  if (current_) past_logs_.push_back(*current_);
  current_.reset();
  Time start = time;
  for (const LogFile& file : past_logs_) start = std::max(start, file.start + Duration{1});
  if (!directory_made_) {
    CKPT_RETURN_IF_ERROR(fs_->mkdirs(directory_));
    if (sync_directory_) CKPT_RETURN_IF_ERROR(fs_->sync_dir(ParentPath(directory_)));
    directory_made_ = true;
  }
  LogFile file{JoinPath(directory_, LogFileName(start, start + rolling_interval_)), start,
               start + rolling_interval_};
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> created, fs_->create(file.path));
  current_ = file;
  writer_ = std::move(created);
  current_size_ = 0;
  if (sync_directory_) return fs_->sync_dir(directory_);
  return Status::Ok();
}

Result<WalRecordHandle> FileBasedWriteAheadLog::append(std::string_view framed) {
  CKPT_RETURN_IF_ERROR(writer_->append(framed));
  CKPT_RETURN_IF_ERROR(writer_->sync());
  WalRecordHandle handle{current_->path, current_size_, static_cast<int64_t>(framed.size())};
  current_size_ += static_cast<int64_t>(framed.size());
  return handle;
}

Result<WalRecordHandle> FileBasedWriteAheadLog::write(std::string_view record, Time time) {
  std::string framed = Frame(kLogRecordMagic, record);
  Status last_error;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Status opened = Status::Ok();
    if (!writer_ || time > current_->end) opened = open_file(time);
    Result<WalRecordHandle> handle = opened.ok() ? append(framed) : Result<WalRecordHandle>(opened);
    if (handle.ok()) return handle;
    last_error = handle.status();
    if (last_error.code() == StatusCode::kProcessDead) break;
    warn_("Failed to write to write ahead log " + directory_ + ": " + last_error.to_string());
    reset_writer();
  }
  return last_error;
}

Result<std::string> ReadWriteAheadLogRecord(FileSystem& fs, const WalRecordHandle& handle) {
  CKPT_ASSIGN_OR_RETURN(std::string bytes, fs.read_file(handle.path));
  const std::string& data = bytes;
  if (handle.offset < 0 || handle.length < 0 ||
      static_cast<uint64_t>(handle.offset) + static_cast<uint64_t>(handle.length) > data.size()) {
    return Status::Corruption("write ahead log segment beyond the end of " + handle.path);
  }
  std::string_view segment = std::string_view(data).substr(handle.offset, handle.length);
  Result<std::string_view> record = Unframe(kLogRecordMagic, segment);
  if (!record.ok()) return record.status().with_context("reading " + handle.path);
  return std::string(record.value());
}

// Spark's readAll reads `pastLogs ++ currentLogPath`: the files its constructor listed and those
// it wrote since, without listing the directory again. A file deleted meanwhile reads as empty
// (HdfsUtils.getInputStream returns null); any other error escapes, as FileBasedWriteAheadLog-
// Reader rethrows an IOException while the file exists. Only a corrupt record ends a file early.
// (The engine once listed again here and skipped a file it could not read, each with a warning:
// a recovery that forgot logged blocks or allocations, found by the swarm's drawn I/O fault,
// docs/findings.md.)
Result<std::vector<std::string>> FileBasedWriteAheadLog::read_all() const {
  std::vector<std::string> records;
  for (const std::string& path : file_paths()) {
    Result<std::string> bytes = fs_->read_file(path);
    if (!bytes.ok()) {
      if (bytes.status().code() == StatusCode::kNotFound) continue;
      return bytes.status().with_context("reading write ahead log file " + path);
    }
    std::string_view rest(bytes.value());
    while (!rest.empty()) {
      size_t frame_bytes = 0;
      Result<std::string_view> record = UnframeNext(kLogRecordMagic, rest, &frame_bytes);
      if (!record.ok()) {
        warn_("Error reading next item of " + path +
              ", EOF reached: " + record.status().to_string());
        break;
      }
      records.emplace_back(record.value());
      rest.remove_prefix(frame_bytes);
    }
  }
  return records;
}

void FileBasedWriteAheadLog::clean(Time threshold, const std::set<std::string>& keep) {
  auto expired = std::stable_partition(past_logs_.begin(), past_logs_.end(), [&](const LogFile& f) {
    return f.end >= threshold || keep.count(f.path);
  });
  std::vector<LogFile> old(expired, past_logs_.end());
  past_logs_.erase(expired, past_logs_.end());
  for (const LogFile& file : old) {
    Status removed = fs_->remove(file.path, /*recursive=*/false);
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
      warn_("Error clearing write ahead log file " + file.path + ": " + removed.to_string());
    }
  }
}

void FileBasedWriteAheadLog::close() {
  reset_writer();
  if (current_) past_logs_.push_back(*current_);
  current_.reset();
}

std::vector<std::string> FileBasedWriteAheadLog::file_paths() const {
  std::vector<std::string> paths;
  for (const LogFile& file : past_logs_) paths.push_back(file.path);
  if (current_) paths.push_back(current_->path);
  return paths;
}

Status FileBasedWriteAheadLog::remove_files(const std::vector<std::string>& paths) {
  std::set<std::string> doomed(paths.begin(), paths.end());
  if (current_ && doomed.count(current_->path)) close();
  for (const std::string& path : paths) {
    Status removed = fs_->remove(path, /*recursive=*/false);
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
    std::erase_if(past_logs_, [&path](const LogFile& f) { return f.path == path; });
  }
  return Status::Ok();
}

}  // namespace ckpt

// The rules on the checkpoint directory's files: the reader's choice at start (spark-notes.md
// 1.7, 1.8) and the writer's steps, names and retention (1.4, 1.5), judged from the file
// operations each process made and the few decisions it reported.
#include <algorithm>
#include <set>

#include "oracle/protocol_spec.h"

namespace sim::protocol {
namespace {

using ckpt::FileOperation;
using ckpt::Time;
using Kind = ProtocolEvent::Kind;

constexpr size_t kFilesToKeep = 10;  // CheckpointWriter's retention, .bk files included

// One process's walk through its protocol events.
class FileWalk {
 public:
  FileWalk(const Scenario& scenario, const TrialRun& run, int incarnation, Breaches& breaches)
      : dir_(scenario.checkpoint_dir),
        temp_(dir_ + "/temp"),
        incarnation_(incarnation),
        record_(run.incarnations[incarnation]),
        learns_newest_name_(run.fixes.has(ckpt::Fix::kWriterLearnsNewestName)),
        retries_failed_read_(run.fixes.has(ckpt::Fix::kReaderRetriesAFailedRead)),
        breaches_(breaches) {}

  void run() {
    for (const ProtocolEvent& event : record_.protocol) {
      at_ = event.at;
      switch (event.kind) {
        case Kind::kFile:
          if (!started_ && writes_in_directory(event.file)) start(/*recovered=*/false);
          started_ ? writer_file(event.file) : reader_file(event.file);
          break;
        case Kind::kUnreadable:
          ++unreadable_;
          break;
        case Kind::kRecovered:
          recovered(event);
          break;
        case Kind::kStarted:
          start(event.recovered);
          break;
        case Kind::kWritten:
          written(event);
          if (event.clear_later) completion_written_.insert(event.time.ms);
          break;
        case Kind::kCleared:
          // SPARK-6222: only a completion-time checkpoint's completion posts it.
          if (!completion_written_.count(event.time.ms)) {
            breach("clear.after_completion_checkpoint",
                   "ClearCheckpointData(" + std::to_string(event.time.ms) +
                       ") after the completion-time checkpoint of " +
                       std::to_string(event.time.ms) + " was written",
                   "ClearCheckpointData(" + std::to_string(event.time.ms) +
                       ") with no completion-time checkpoint of that batch written");
          }
          break;
        case Kind::kGivenUp:
          latest_ = std::max(latest_.value_or(event.time), event.time);
          rename_target_.reset();
          break;
        case Kind::kRestart:
        case Kind::kRddFiles:  // protocol_rdd.cpp
        case Kind::kRestored:
          break;
      }
    }
    finish();
  }

 private:
  void breach(const char* rule, const std::string& expected, const std::string& got) {
    breaches_.report(rule, incarnation_, at_, expected, got);
  }
  bool in_dir(const std::string& path) const { return ParentOf(path) == dir_; }
  // The reader only lists and reads; the first change to the directory's files is the writer's,
  // which with Fix::kCheckpointAtStart comes before the context reports its start.
  bool writes_in_directory(const ckpt::FileEvent& file) const {
    return in_dir(file.path) &&
           (file.operation == FileOperation::kCreate || file.operation == FileOperation::kDelete ||
            file.operation == FileOperation::kRename);
  }
  void start(bool recovered) {
    if (started_) return;
    if (!recovered) fresh_start();
    started_ = true;
  }
  bool is_checkpoint_file(const std::string& path) const {
    return in_dir(path) && ParseCheckpointName(LastComponent(path)).has_value();
  }

  // ---- the reader, before the context starts ----
  void reader_file(const ckpt::FileEvent& file) {
    if (file.operation == FileOperation::kList && file.path == dir_ && file.ok && !listing_) {
      listing_ = file.listing;
      entries_ = std::set<std::string>(file.listing.begin(), file.listing.end());
      near_miss_ = FirstNearMiss(file.listing);
    } else if (file.operation == FileOperation::kList && file.path == dir_ && file.ok) {
      // The reader lists once: a second listing is the writer's, which with
      // Fix::kCheckpointAtStart comes before the context reports its start.
      listed(file.listing);
    } else if (file.operation == FileOperation::kRead && in_dir(file.path)) {
      // Fix::kReaderRetriesAFailedRead: a file whose read failed is read once more (the events
      // carry no error code: any failed read may be tried again, once).
      bool retry = retries_failed_read_ && !last_read_ok_ && !retried_ && !reads_.empty() &&
                   reads_.back() == file.path;
      if (!retry) reads_.push_back(file.path);
      retried_ = retry;
      last_read_ok_ = file.ok;
    }
  }

  // The newest checkpoint time of the reader's listing (the directory as this process found it).
  std::optional<int64_t> newest_at_start_ms() const {
    if (!listing_) return std::nullopt;
    std::vector<std::string_view> newest_first = ReaderOrderEntries(*listing_);
    if (newest_first.empty()) return std::nullopt;
    return ParseCheckpointName(newest_first.front())->time_ms;
  }

  std::vector<std::string> expected_reads() const {
    return listing_ && !near_miss_ ? ReaderOrder(dir_, *listing_) : std::vector<std::string>{};
  }

  // A listing with a near-miss name throws before any read: no context may start from it.
  bool started_despite_near_miss(const std::string& what) {
    if (!near_miss_) return false;
    breach("reader.order", "a MatchError on " + *near_miss_ + " before any read", what);
    return true;
  }

  // The files read must be the first of the reader's order.
  bool reads_follow_order() {
    std::vector<std::string> expected = expected_reads();
    bool prefix = reads_.size() <= expected.size() &&
                  std::equal(reads_.begin(), reads_.end(), expected.begin());
    if (!prefix) {
      expected.resize(std::min(expected.size(), std::max<size_t>(reads_.size(), 1)));
      breach("reader.order", "reads of " + PathsText(expected), "reads of " + PathsText(reads_));
    }
    return prefix;
  }

  void recovered(const ProtocolEvent& event) {
    reader_done_ = true;
    if (started_despite_near_miss("recovery from " + event.path) || !reads_follow_order()) return;
    if (reads_.empty() || reads_.back() != event.path || !last_read_ok_ ||
        unreadable_ + 1 != reads_.size()) {
      breach("reader.choice", "recovery from the first readable file of " + PathsText(reads_),
             "recovery from " + event.path + " after " + std::to_string(unreadable_) +
                 " unreadable file(s)");
    }
    std::optional<CheckpointName> name = ParseCheckpointName(LastComponent(event.path));
    if (name && name->time_ms < event.time.ms) {
      breach("reader.name_not_older_than_content",
             "content time <= " + std::to_string(name->time_ms),
             event.path + " holding content time " + event.time.to_string());
    }
  }

  void fresh_start() {
    reader_done_ = true;
    if (started_despite_near_miss("a fresh start") || !reads_follow_order()) return;
    std::vector<std::string> expected = expected_reads();
    if (reads_.size() != expected.size()) {
      breach("reader.fallback", "a fresh start only after trying " + PathsText(expected),
             "a fresh start after trying " + PathsText(reads_));
    }
  }

  // ---- the writer and cleanup, once the context started ----
  void writer_file(const ckpt::FileEvent& file) {
    if (file.operation == FileOperation::kDelete) return deleted(file);
    if (file.operation == FileOperation::kRename) return renamed(file);
    if (!file.ok) return;
    switch (file.operation) {
      case FileOperation::kCreate:
        if (file.path == temp_) temp_created_ = true;
        if (is_checkpoint_file(file.path)) {
          breach("writer.atomic_replace", "a write to temp, renamed to " + file.path,
                 "create " + file.path);
        }
        if (in_dir(file.path)) entries_.emplace(LastComponent(file.path));
        break;
      case FileOperation::kClose:
        if (file.path == temp_ && temp_created_) temp_closed_ = true;
        break;
      case FileOperation::kList:
        if (file.path == dir_) listed(file.listing);
        break;
      default:
        break;
    }
  }

  void deleted(const ckpt::FileEvent& file) {
    if (file.path == temp_) {  // a new attempt begins
      temp_created_ = temp_closed_ = false;
      backed_up_.clear();
    } else if (is_checkpoint_file(file.path)) {
      std::string name(LastComponent(file.path));
      std::optional<CheckpointName> parsed = ParseCheckpointName(name);
      bool backup_step = parsed->backup && entries_.count(name.substr(0, name.rfind('.')));
      if (!backup_step && !surplus_.count(name)) {
        breach("writer.retention",
               "deletes of the surplus of the last listing only: " + PathsText(surplus_),
               "delete " + file.path);
      }
      deleted_surplus_.insert(name);
    }
    if (file.ok && in_dir(file.path)) entries_.erase(std::string(LastComponent(file.path)));
  }

  // A rename, whether it succeeded or not: Spark goes on after a rename that returned false.
  void renamed(const ckpt::FileEvent& file) {
    std::string from(LastComponent(file.path)), to(LastComponent(file.target));
    bool replaces = in_dir(file.target) && entries_.count(to) > 0;
    if (file.ok && in_dir(file.path)) entries_.erase(from);
    if (file.ok && in_dir(file.target)) entries_.insert(to);
    if (is_checkpoint_file(file.path) && file.target == file.path + ".bk") {
      backed_up_.insert(from);
      return;
    }
    if (file.path != temp_) return;
    if (!temp_created_ || !temp_closed_) {
      breach("writer.temp_complete", "temp deleted, created and closed before its rename",
             "rename temp -> " + to + (temp_created_ ? " before temp was closed" : ""));
    }
    std::optional<CheckpointName> name = ParseCheckpointName(to);
    if (!name || name->backup || !in_dir(file.target)) {
      breach("writer.file_name", "temp renamed to checkpoint-<T>", "rename temp -> " + file.target);
      return;
    }
    std::optional<int64_t> newest = learns_newest_name_ ? newest_at_start_ms() : std::nullopt;
    if (newest && name->time_ms < *newest) {
      breach("writer.file_name",
             "no name older than checkpoint-" + std::to_string(*newest) +
                 ", the newest when the process started (the writer learns the newest name)",
             "rename temp -> " + to);
    }
    if (replaces && !backed_up_.count(to)) {
      breach("writer.backup", "rename " + to + " -> " + to + ".bk first",
             "temp renamed over the existing " + to);
    }
    rename_target_ = file.target;
    rename_time_ms_ = name->time_ms;
    surplus_.clear();
    deleted_surplus_.clear();
  }

  void listed(const std::vector<std::string>& listing) {
    entries_ = std::set<std::string>(listing.begin(), listing.end());
    std::vector<std::string_view> newest_first = ReaderOrderEntries(listing);
    if (learns_newest_name_ && !latest_ && !rename_target_ && !newest_first.empty()) {
      latest_ = Time{ParseCheckpointName(newest_first.front())->time_ms};
    }
    surplus_.clear();
    for (size_t i = kFilesToKeep; i < newest_first.size(); ++i) surplus_.emplace(newest_first[i]);
  }

  void written(const ProtocolEvent& event) {
    latest_ = std::max(latest_.value_or(event.time), event.time);
    std::string expected = dir_ + "/checkpoint-" + std::to_string(latest_->ms);
    if (!rename_target_) {
      breach("writer.file_name", "a rename temp -> " + expected + " before its report",
             "reported " + event.path + " with no rename of temp since the last write");
    } else if (*rename_target_ != expected || event.path != expected) {
      breach("writer.file_name",
             expected + " (content time " + event.time.to_string() + ", newest seen " +
                 latest_->to_string() + ")",
             "temp renamed to " + *rename_target_ + ", reported as " + event.path);
    }
    std::set<std::string> kept;
    std::set_difference(surplus_.begin(), surplus_.end(), deleted_surplus_.begin(),
                        deleted_surplus_.end(), std::inserter(kept, kept.end()));
    if (!kept.empty()) {
      breach("writer.retention", "deletes of " + PathsText(surplus_), "kept " + PathsText(kept));
    }
    rename_target_.reset();
    surplus_.clear();
    deleted_surplus_.clear();
  }

  void finish() {
    // A write cut short by the crash: its name may not go back in time.
    if (rename_target_ && latest_ && rename_time_ms_ < latest_->ms) {
      breach("writer.file_name", "a name time of at least " + latest_->to_string(),
             "rename temp -> " + *rename_target_);
    }
    const ckpt::Status& error = record_.start_error;
    if (near_miss_ && !reader_done_ && !record_.crashed_at &&
        !(error.has(ckpt::ErrorMark::kCheckpointNameMatchError) &&
          error.subject() == *near_miss_)) {
      breach("reader.order", "a MatchError on " + *near_miss_ + " before any read",
             error.ok() ? "no error" : "'" + error.to_string() + "'");
    }
    // A reader that gave up with an error (no context started) must also have tried them all.
    if (!reader_done_ && !error.ok() && !record_.crashed_at && !reads_.empty() &&
        reads_follow_order() && reads_.size() != expected_reads().size()) {
      breach("reader.fallback", "an error only after trying " + PathsText(expected_reads()),
             "'" + error.to_string() + "' after trying " + PathsText(reads_));
    }
  }

  const std::string dir_;
  const std::string temp_;
  const int incarnation_;
  const IncarnationRecord& record_;
  // Fix::kWriterLearnsNewestName: the writer's first listing sets its latestCheckpointTime.
  const bool learns_newest_name_;
  const bool retries_failed_read_;
  Breaches& breaches_;
  std::optional<Time> at_;

  // The reader.
  std::optional<std::vector<std::string>> listing_;
  std::vector<std::string> reads_;
  bool last_read_ok_ = false;
  bool retried_ = false;  // the last read was the retry of the one before
  size_t unreadable_ = 0;
  bool reader_done_ = false;
  bool started_ = false;

  // The directory as this process's operations left it (the names in it).
  std::set<std::string> entries_;
  // The writer's current attempt.
  bool temp_created_ = false, temp_closed_ = false;
  std::set<std::string> backed_up_;
  std::optional<std::string> rename_target_;
  int64_t rename_time_ms_ = 0;
  std::optional<Time> latest_;
  std::optional<std::string> near_miss_;  // in the reader's listing
  std::set<std::string> surplus_, deleted_surplus_;
  std::set<int64_t> completion_written_;  // content times of completion-time checkpoints
};

}  // namespace

void CheckFileRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches) {
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    FileWalk(scenario, run, static_cast<int>(i), breaches).run();
  }
}

}  // namespace sim::protocol

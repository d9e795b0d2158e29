// The rules on RDD checkpoint files: which files ClearCheckpointData(t) may and must delete
// (spark-notes.md 2.5), computed from what DStreamCheckpointData.update reported at each
// checkpoint and judged against the deletes the process made; and that the files a recovery from
// the newest checkpoint restores exist (spark-notes.md 7.5).
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "oracle/protocol_spec.h"

namespace sim::protocol {
namespace {

using ckpt::FileOperation;
using Kind = ProtocolEvent::Kind;

// One stream's transient DStreamCheckpointData, as the specification keeps it.
struct StreamFiles {
  std::map<int64_t, std::string> time_to_checkpoint_file;     // every file an update found
  std::map<int64_t, int64_t> time_to_oldest_checkpoint_file;  // checkpoint time -> oldest RDD
};

class RddWalk {
 public:
  RddWalk(const Scenario& scenario, const IncarnationRecord& record, int incarnation,
          Breaches& breaches)
      : dir_(scenario.checkpoint_dir),
        record_(record),
        incarnation_(incarnation),
        breaches_(breaches) {}

  void run() {
    for (const ProtocolEvent& event : record_.protocol) {
      at_ = event.at;
      if (event.kind == Kind::kFile) {
        if (event.file.operation == FileOperation::kDelete && is_rdd_file(event.file.path)) {
          deleted(event.file.path);
        }
        continue;
      }
      close_cleanup();
      if (event.kind == Kind::kRddFiles) updated(event);
      if (event.kind == Kind::kCleared) cleanup(event.time.ms);
    }
    // A process that died inside a cleanup may have deleted only some of its files.
    if (!record_.crashed_at) close_cleanup();
  }

 private:
  bool is_rdd_file(const std::string& path) const {
    return ParentOf(ParentOf(path)) == dir_ && LastComponent(path).starts_with("rdd-");
  }

  // update(t) found these files: they join timeToCheckpointFile (a map: a time's newer file
  // replaces the older), and the oldest of them is what cleanup(t) keeps.
  void updated(const ProtocolEvent& event) {
    if (event.rdd_files.empty()) return;
    StreamFiles& stream = streams_[event.stream_id];
    for (const auto& [rdd_time, file] : event.rdd_files) {
      stream.time_to_checkpoint_file[rdd_time.ms] = file;
    }
    stream.time_to_oldest_checkpoint_file[event.time.ms] = event.rdd_files.begin()->first.ms;
  }

  // cleanup(t) of every stream: the files strictly older than the oldest file checkpoint t
  // references go, and leave the map.
  void cleanup(int64_t time_ms) {
    cleanup_time_ms_ = time_ms;
    to_delete_.clear();
    deleted_.clear();
    for (auto& [stream_id, stream] : streams_) {
      auto oldest = stream.time_to_oldest_checkpoint_file.find(time_ms);
      if (oldest == stream.time_to_oldest_checkpoint_file.end()) continue;
      auto& files = stream.time_to_checkpoint_file;
      auto end = files.lower_bound(oldest->second);
      for (auto it = files.begin(); it != end; ++it) to_delete_.insert(it->second);
      files.erase(files.begin(), end);
      stream.time_to_oldest_checkpoint_file.erase(oldest);
    }
  }

  void deleted(const std::string& path) {
    if (!cleanup_time_ms_) {
      return breach("deletes of RDD files only inside ClearCheckpointData",
                    "delete " + path + " outside any ClearCheckpointData");
    }
    deleted_.insert(path);
    if (!to_delete_.count(path)) {
      breach("ClearCheckpointData(" + std::to_string(*cleanup_time_ms_) + ") deleting only " +
                 PathsText(to_delete_),
             "delete " + path);
    }
  }

  void close_cleanup() {
    if (!cleanup_time_ms_) return;
    std::vector<std::string> kept;
    for (const std::string& path : to_delete_) {
      if (!deleted_.count(path)) kept.push_back(path);
    }
    if (!kept.empty()) {
      breach("ClearCheckpointData(" + std::to_string(*cleanup_time_ms_) + ") deleting " +
                 PathsText(to_delete_),
             "kept " + PathsText(kept));
    }
    cleanup_time_ms_.reset();
  }

  void breach(const std::string& expected, const std::string& got) {
    breaches_.report("rdd.cleanup_files", incarnation_, at_, expected, got);
  }

  const std::string dir_;
  const IncarnationRecord& record_;
  const int incarnation_;
  Breaches& breaches_;
  std::optional<ckpt::Time> at_;
  std::map<int32_t, StreamFiles> streams_;
  // The cleanup in progress: its time, the files it must delete, those it did.
  std::optional<int64_t> cleanup_time_ms_;
  std::set<std::string> to_delete_, deleted_;
};

// The namespace under the checkpoint directory as the specification sees it from every process's
// file operations, in order: a closed file or a rename's target exists, with its ancestors; a
// rename's source and a delete take the path and everything under it.
class Namespace {
 public:
  explicit Namespace(const std::string& root) : prefix_(root + "/") {}

  void add(const std::string& path) {
    for (std::string p = path; watches(p); p = std::string(ParentOf(p))) {
      gone_.erase(p);
      if (!paths_.insert(p).second) break;  // its ancestors are there already
    }
  }
  void remove(const std::string& path, const std::string& how) {
    for (auto it = paths_.lower_bound(path); it != paths_.end() && Within(*it, path);) {
      gone_[*it] = how;
      it = paths_.erase(it);
    }
  }
  bool exists(const std::string& path) const { return paths_.count(path) > 0; }
  // How `path` went ("" when no operation of the run ever made it).
  std::string how_gone(const std::string& path) const {
    auto it = gone_.find(path);
    return it == gone_.end() ? "" : it->second;
  }
  // Whether `path` lies under the root (the root itself is not watched).
  bool watches(const std::string& path) const {
    return path.size() > prefix_.size() && path.starts_with(prefix_);
  }

 private:
  static bool Within(const std::string& path, const std::string& dir) {
    return path == dir || (path.starts_with(dir) && path[dir.size()] == '/');
  }
  const std::string prefix_;  // the root and '/'
  std::set<std::string> paths_;
  std::map<std::string, std::string> gone_;
};

// rdd.referenced_files_exist: every RDD file that a process restores from the newest checkpoint
// file of its listing (the first it tried: no unreadable file before it) exists then. A reader
// that fell back to an older file may find its files cleaned (spark-notes.md 1.9, W5); that is
// left to the output checks. A crash that lost unsynced namespace changes (posix, lying-disk)
// leaves a namespace the operations no longer tell, so the processes after it are not judged.
void CheckReferencedFiles(const Scenario& scenario, const TrialRun& run, Breaches& breaches) {
  // Most trials restore no RDD file: nothing to replay the namespace for.
  bool restores = std::any_of(run.incarnations.begin(), run.incarnations.end(), [](const auto& r) {
    return std::any_of(r.protocol.begin(), r.protocol.end(), [](const ProtocolEvent& event) {
      return event.kind == Kind::kRestored && !event.rdd_files.empty();
    });
  });
  if (!restores) return;
  Namespace names(scenario.checkpoint_dir);
  for (const InitialFile& file : scenario.initial_files) names.add(file.path);
  bool journaled =
      run.fs_model == PersistenceModel::kPosix || run.fs_model == PersistenceModel::kLyingDisk;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& record = run.incarnations[i];
    bool fell_back = false;
    for (const ProtocolEvent& event : record.protocol) {
      const ckpt::FileEvent& file = event.file;
      auto when = [&] {
        return " at " + std::to_string(event.at.ms) + " ms by incarnation " + std::to_string(i);
      };
      if (event.kind == Kind::kFile && file.ok) {
        if (file.operation == FileOperation::kClose) names.add(file.path);
        if (file.operation == FileOperation::kDelete) names.remove(file.path, "deleted" + when());
        if (file.operation == FileOperation::kRename) {
          names.remove(file.path, "renamed away" + when());
          names.add(file.target);
        }
      }
      fell_back = fell_back || event.kind == Kind::kUnreadable;
      if (event.kind != Kind::kRestored || fell_back) continue;
      for (const auto& [rdd_time, path] : event.rdd_files) {
        if (!names.watches(path) || names.exists(path)) continue;
        std::string gone = names.how_gone(path);
        breaches.report("rdd.referenced_files_exist", static_cast<int>(i), event.at,
                        "the RDD file of time " + std::to_string(rdd_time.ms) + " ms of stream " +
                            std::to_string(event.stream_id) + " that the newest checkpoint " +
                            record.checkpoint_file + " references exists: " + path,
                        gone.empty() ? "no process wrote it" : gone);
        break;
      }
    }
    if (journaled && !record.lost_at_crash.empty()) return;
  }
}

}  // namespace

void CheckRddRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches) {
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    RddWalk(scenario, run.incarnations[i], static_cast<int>(i), breaches).run();
  }
  CheckReferencedFiles(scenario, run, breaches);
}

}  // namespace sim::protocol

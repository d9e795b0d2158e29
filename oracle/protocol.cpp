#include "oracle/protocol.h"

#include <algorithm>
#include <cctype>

#include "oracle/protocol_spec.h"

namespace sim {
namespace protocol {

std::optional<CheckpointName> ParseCheckpointName(std::string_view name) {
  constexpr std::string_view kPrefix = "checkpoint-";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  size_t end = kPrefix.size();
  CheckpointName parsed;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') {
    if (end - kPrefix.size() == 18) return std::nullopt;  // beyond any time a run reaches
    parsed.time_ms = parsed.time_ms * 10 + (name[end] - '0');
    ++end;
  }
  if (end == kPrefix.size()) return std::nullopt;
  for (size_t i = end; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c) && c != '_' && c != '.') return std::nullopt;
  }
  parsed.backup = end < name.size();
  return parsed;
}

std::string_view LastComponent(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view ParentOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::vector<std::string_view> ReaderOrderEntries(const std::vector<std::string>& listing) {
  struct Candidate {
    CheckpointName name;
    std::string_view entry;
  };
  std::vector<Candidate> candidates;
  for (const std::string& entry : listing) {
    if (entry.ends_with('/')) continue;  // directories are skipped, whatever their name
    if (std::optional<CheckpointName> name = ParseCheckpointName(entry)) {
      candidates.push_back({*name, entry});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.name.time_ms != b.name.time_ms) return a.name.time_ms > b.name.time_ms;
    if (a.name.backup != b.name.backup) return !a.name.backup;
    return a.entry > b.entry;
  });
  std::vector<std::string_view> entries;
  entries.reserve(candidates.size());
  for (const Candidate& candidate : candidates) entries.push_back(candidate.entry);
  return entries;
}

std::vector<std::string> ReaderOrder(const std::string& dir,
                                     const std::vector<std::string>& listing) {
  std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  std::vector<std::string> paths;
  for (std::string_view entry : ReaderOrderEntries(listing))
    paths.emplace_back(prefix).append(entry);
  return paths;
}

std::optional<std::string> FirstNearMiss(const std::vector<std::string>& listing) {
  constexpr std::string_view kPrefix = "checkpoint-";
  for (const std::string& entry : listing) {
    if (entry.ends_with('/') || ParseCheckpointName(entry)) continue;
    for (size_t at = entry.find(kPrefix); at != std::string::npos;
         at = entry.find(kPrefix, at + 1)) {
      size_t digit = at + kPrefix.size();
      if (digit < entry.size() && entry[digit] >= '0' && entry[digit] <= '9') return entry;
    }
  }
  return std::nullopt;
}

void Breaches::report(const char* rule, int incarnation, std::optional<ckpt::Time> at,
                      const std::string& expected, const std::string& got) {
  std::pair<std::string, int> key{rule, incarnation};
  if (std::find(reported_.begin(), reported_.end(), key) != reported_.end()) return;
  reported_.push_back(key);
  std::string when = at ? " at " + at->to_string() : "";
  failures_->push_back({FailureKind::kProtocolViolation, at,
                        "rule " + std::string(rule) + when + " (incarnation " +
                            std::to_string(incarnation) + "): expected " + expected + "; got " +
                            got,
                        "", rule});
}

std::string TimesText(const std::vector<ckpt::Time>& times) {
  std::string text = "[";
  for (size_t i = 0; i < times.size(); ++i) text += (i ? ", " : "") + std::to_string(times[i].ms);
  return text + "]";
}

}  // namespace protocol

const std::vector<ProtocolRule>& ProtocolRules() {
  static const std::vector<ProtocolRule> rules = {
      {"reader.order",
       "getOrCreate reads the checkpoint files of the listing it made, newest first, the plain "
       "file before its .bk at equal time; never temp, a directory or a near-miss name"},
      {"reader.choice",
       "the reader recovers from the first file it could read, after reporting every earlier one "
       "unreadable"},
      {"reader.fallback",
       "the reader gives up (a fresh context, or 'Failed to read checkpoint') only after trying "
       "every checkpoint file of its listing"},
      {"reader.name_not_older_than_content",
       "a recovered file's name time is at least its content time (names follow the newest "
       "time the writer had seen)"},
      {"writer.atomic_replace",
       "a checkpoint file is never created in place: only temp is created, then renamed"},
      {"writer.temp_complete",
       "temp is renamed into place only after it was deleted, created and closed in the same "
       "attempt"},
      {"writer.backup",
       "an existing checkpoint-<T> is renamed to checkpoint-<T>.bk before temp replaces it"},
      {"writer.file_name",
       "a checkpoint is written as checkpoint-<T> with T the newest checkpoint time this writer "
       "has handled (latestCheckpointTime), and reported under that name"},
      {"writer.retention",
       "after each write the writer deletes exactly the oldest checkpoint files beyond the 10 "
       "newest of its listing (.bk files included), and no other checkpoint file"},
      {"clear.after_completion_checkpoint",
       "ClearCheckpointData(t) runs only after this process wrote the completion-time checkpoint "
       "of batch t (clearCheckpointDataLater = true; SPARK-6222), never after a generation-time "
       "one"},
      {"rdd.cleanup_files",
       "RDD checkpoint files are deleted only by ClearCheckpointData(t), which deletes exactly the "
       "files DStreamCheckpointData.update found in this process that are strictly older than "
       "the oldest file checkpoint t references, per stream"},
      {"rdd.referenced_files_exist",
       "every RDD checkpoint file that a recovery from the newest checkpoint file of its listing "
       "restores exists then: a process closed or renamed it into place and none deleted it"},
      {"restart.time",
       "the restart time is the first batch-grid point (from the zero time) strictly after the "
       "clock at restart"},
      {"restart.reschedule_set",
       "restart reschedules exactly sorted(distinct(pending times and [checkpoint time, restart "
       "time) by batch)) below the restart time"},
      {"conf.reload",
       "a recovered context's conf is the checkpoint's without the driver's address, ports and "
       "pod names, with every key of the reload list (master, app ids, ports, keytabs, ...) and "
       "every AmIpFilter parameter that the new process sets taken from it"},
      {"log.restored_ranges",
       "a log batch restored from a checkpoint reads the offset ranges an earlier process of its "
       "application assigned to it"},
      {"receiver.reads_allocation",
       "a receiver batch reads exactly the blocks last allocated to it in its application"},
      {"receiver.log_cleanup",
       "block log files are deleted only by ClearCheckpointData(t), and only those that end "
       "before t minus the input streams' longest remember duration; once its cleanup record is "
       "written, the driver's block log keeps no file but the current one that ends before it"},
  };
  return rules;
}

void CheckProtocol(const Scenario& scenario, const TrialRun& run,
                   const std::vector<int>& application_of, std::vector<Failure>& failures) {
  if (!run.protocol_recorded) return;
  protocol::Breaches breaches(&failures);
  if (!scenario.checkpoint_dir.empty()) {
    protocol::CheckFileRules(scenario, run, breaches);
    protocol::CheckRestartRules(scenario, run, breaches);
    protocol::CheckRddRules(scenario, run, breaches);
    protocol::CheckBlockLogRules(scenario, run, breaches);
  }
  protocol::CheckConfRules(run, application_of,
                           scenario.restart_entry == RestartEntry::kGetOrCreateActiveSparkContext,
                           breaches);
  protocol::CheckInputRules(scenario, run, application_of, breaches);
}

}  // namespace sim

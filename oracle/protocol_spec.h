// What the protocol rules share (protocol.h): the specification's own reading of checkpoint file
// names and directory listings, and how a breach is reported. Internal to oracle/ and its tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim::protocol {

// Spark's checkpoint file name: "checkpoint-" then the time's digits, then any suffix of word
// characters and dots (Checkpoint.REGEX, anchored as its sort uses it); a suffix makes a backup.
struct CheckpointName {
  int64_t time_ms = 0;
  bool backup = false;
};
std::optional<CheckpointName> ParseCheckpointName(std::string_view name);

// Views into `path` (the oracle asks them of every file event; copies were 2% of a trial).
std::string_view LastComponent(std::string_view path);
std::string_view ParentOf(std::string_view path);

// The order CheckpointReader.read tries the files of `listing` (entry names of `dir`, a
// directory's ending in '/'): checkpoint files only, newest first, at equal time the plain file
// before the suffixed one. Paths are dir/name. (Spark leaves the order of two suffixed files of
// one time unspecified; this takes the greater name first.)
std::vector<std::string> ReaderOrder(const std::string& dir,
                                     const std::vector<std::string>& listing);
// The same order as entry names (views into `listing`).
std::vector<std::string_view> ReaderOrderEntries(const std::vector<std::string>& listing);

// The first file of `listing` that Spark's getCheckpointFiles keeps (its name contains
// "checkpoint-" and a digit: REGEX.findFirstIn) but cannot sort (the anchored match fails): the
// listing then throws a MatchError, so the reader reads nothing (residual SPARK-28912).
std::optional<std::string> FirstNearMiss(const std::vector<std::string>& listing);

// Reports breaches, at most one per rule and incarnation (the first explains the rest).
class Breaches {
 public:
  explicit Breaches(std::vector<Failure>* failures) : failures_(failures) {}
  void report(const char* rule, int incarnation, std::optional<ckpt::Time> at,
              const std::string& expected, const std::string& got);

 private:
  std::vector<Failure>* failures_;
  std::vector<std::pair<std::string, int>> reported_;
};

// The rules, by the part of the protocol they judge.
void CheckFileRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches);
// rdd.cleanup_files: what ClearCheckpointData(t) may and must delete (spark-notes 2.5);
// rdd.referenced_files_exist: what a recovery from the newest checkpoint restores exists (7.5).
void CheckRddRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches);
// The input stream's remember duration as DStream.initialize and DStream.remember settle it for
// `scenario`'s graph (none when no output uses the input). A file source's own minimum
// (minRememberDuration) is not modelled: the rule that needs it judges receiver sources only.
std::optional<int64_t> InputRememberMs(const Scenario& scenario);
// receiver.log_cleanup: what ClearCheckpointData(t) may and must delete of the block logs.
void CheckBlockLogRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches);
void CheckRestartRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches);
// conf.reload: a recovered context's conf is Checkpoint.createSparkConf's (spark-notes 2.2), or,
// in a process whose SparkContext already runs (`spark_context_active`), that context's own.
void CheckConfRules(const TrialRun& run, const std::vector<int>& application_of,
                    bool spark_context_active, Breaches& breaches);
void CheckInputRules(const Scenario& scenario, const TrialRun& run,
                     const std::vector<int>& application_of, Breaches& breaches);

std::string TimesText(const std::vector<ckpt::Time>& times);

// "[a, b]": paths (or any strings) as a breach shows them.
template <typename Container>
std::string PathsText(const Container& paths) {
  std::string text = "[";
  for (const std::string& path : paths) text += (text.size() > 1 ? ", " : "") + path;
  return text + "]";
}

}  // namespace sim::protocol

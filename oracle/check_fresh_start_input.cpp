#include <set>

#include "oracle/check.h"

namespace sim {

namespace {

// The files a fresh start at incarnation `fresh` made unreadable for good: produced after the
// abandoned application `abandoned` started and by the time the new one started (its file stream
// ignores anything older, newFilesOnly), and not finished by a batch of the abandoned application
// (the batch that selects a file is the first at or after its modification time).
// Each lost file with its file source's directory.
using LostFile = std::pair<const std::string*, const ProducedFile*>;

std::vector<LostFile> FilesLostBetween(const CheckInput& input, int abandoned, size_t fresh) {
  const Scenario& scenario = input.scenario;
  const TrialRun& run = input.run;
  const std::vector<int>& application = input.applications.of;
  std::optional<Time> zero;
  std::set<std::pair<std::string, int64_t>> emitted;
  for (size_t i = 0; i < fresh; ++i) {
    if (application[i] == abandoned && !zero) zero = run.incarnations[i].zero_time;
  }
  if (!zero) return {};
  for (const Emission& e : run.emissions) {
    if (application[e.incarnation] == abandoned) emitted.insert({e.output, e.batch_time.ms});
  }
  Time from = input.applications.starts[abandoned];
  Time until = run.incarnations[fresh].clock_at_start();
  Time last_batch = *zero + scenario.batch_duration * scenario.batches;
  std::vector<LostFile> lost;
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    const FileInput* source = InputSource(scenario, id).get<FileInput>();
    if (!source) continue;
    for (const ProducedFile& file : source->files) {
      if (file.at <= from || file.at > until || file.at > last_batch) continue;
      int64_t index = (file.at.ms - zero->ms - 1) / scenario.batch_duration.ms + 1;  // at > zero
      Time selecting_batch = *zero + scenario.batch_duration * index;
      bool finished = true;
      for (const std::string& output : scenario.output_names()) {
        finished = finished && emitted.count({output, selecting_batch.ms});
      }
      if (!finished) lost.emplace_back(&source->directory, &file);
    }
  }
  return lost;
}

}  // namespace

void CheckFreshStartInput(const CheckInput& input, std::vector<Failure>& failures) {
  const TrialRun& run = input.run;
  const std::vector<int>& application = input.applications.of;
  bool written = false;  // the current application reported a checkpoint written
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    bool fresh_start = i > 0 && incarnation.zero_time && !incarnation.recovered;
    if (fresh_start && !written) {
      std::vector<LostFile> lost = FilesLostBetween(input, application[i - 1], i);
      if (!lost.empty()) {
        std::string names;
        for (const auto& [directory, file] : lost) {
          names += (names.empty() ? "" : ", ") + *directory + "/" + file->name + " (" +
                   file->at.to_string() + ")";
        }
        failures.push_back(
            {FailureKind::kLostRecords, incarnation.clock_at_start(),
             "files " + names + " were produced after application " +
                 std::to_string(application[i - 1]) + " started and before incarnation " +
                 std::to_string(i) +
                 " started afresh; no batch finished reading them: the "
                 "crash came before any checkpoint was durable, and the new application's file "
                 "stream ignores files older than its start (newFilesOnly)",
             "fresh start before the first checkpoint"});
      }
    }
    if (fresh_start) written = false;
    written = written || !incarnation.checkpoints_written.empty();
  }
}

}  // namespace sim

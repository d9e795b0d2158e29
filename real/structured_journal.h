// A Structured Streaming query's events in the journal of a real process (real/journal.h), and
// their replay into the TrialRun the structured oracle judges: the same StructuredRecord the
// simulator fills (sim/structured_trial.cpp), so a real run and a simulated one are checked alike.
//
// Lines (besides the journal's own process, conf, start_failed, error, log and finished lines):
//   {"e":"s_start","at":..,"first":N,"rerun":false}    populateStartOffsets chose batch N
//   {"e":"s_plan","at":..,"batch":N,"offsets":"..","watermark":ms,"timestamp":ms}
//   {"e":"s_deliver","at":..,"batch":N,"records":[..]} a foreachBatch call
//   {"e":"s_commit","at":..,"batch":N,"writer":I}       commits/N written (I: whose rename, or -1)
//   {"e":"s_temp","at":..,"path":".."}                  a createAtomic temp file is created
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/wall_clock_scheduler.h"
#include "engine/structured/query.h"
#include "oracle/trial_run.h"
#include "real/journal.h"
#include "scenario/scenario.h"

namespace real {

// Journals the events of process `index`'s query. Its filesystem calls the before_mutation hook
// before each mutating call, on the filesystem `disk` below every decorator.
class StructuredJournal : public ckpt::structured::BatchSink,
                          public ckpt::structured::QueryObserver {
 public:
  StructuredJournal(JournalWriter* journal, int index, std::string checkpoint_dir,
                    ckpt::FileSystem* disk)
      : journal_(journal), index_(index), checkpoint_dir_(std::move(checkpoint_dir)), disk_(disk) {}

  // The driver program's processAllAvailable returned (on_no_new_data): it stops the query.
  void set_on_no_new_data(std::function<void()> callback) { on_no_new_data_ = std::move(callback); }
  void before_mutation(ckpt::FileOperation operation, const std::string& path);

  ckpt::Status add_batch(const std::string& sink_name, int64_t batch_id,
                         const ckpt::Records& records) override;
  void on_start_offsets(int64_t first_batch_id, bool rerun) override;
  void on_batch_planned(int64_t batch_id, const ckpt::structured::OffsetSeq& plan) override;
  void on_batch_committed(int64_t batch_id) override;
  void on_query_terminated(const ckpt::Status& error) override;
  void on_warning(const std::string& message) override;
  void on_no_new_data() override;

 private:
  JournalWriter* journal_;
  int index_;
  std::string checkpoint_dir_;
  ckpt::FileSystem* disk_;
  std::set<int64_t> commits_renamed_;  // commits/N this process's rename put in place
  std::function<void()> on_no_new_data_;
};

// Replays a structured line (`event` is its "e") of process `incarnation` into `record` and
// `run.structured`; false when `event` is none of this file's. Throws BadLine on a malformed line.
bool ApplyStructuredLine(const std::string& event, const nlohmann::json& line,
                         const std::string& checkpoint_dir, int incarnation,
                         sim::IncarnationRecord& record, sim::TrialRun& run);

// Reads what the query's files in `run_directory` say once the run ended into `run`
// (sim::ReadStructuredFinalFiles on the real disk; `line`: the run's time line, for the file
// sink's reader). REQUIRES: scenario.engine == Engine::kStructured.
void ReadRunDirectoryFiles(const sim::Scenario& scenario, const std::string& run_directory,
                           const ckpt::WallTimeLine& line, sim::TrialRun& run);

}  // namespace real

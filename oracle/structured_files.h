// The harness's record of a Structured Streaming run, shared by the simulator and the real
// runtime's journal: what a process's start means for its record, which rename writes a commit,
// and what the query's files say once every process of a run ended (StructuredRecord's
// end-of-run fields), read through the filesystem the processes used (the simulator's SimFs, or
// a real run directory), never by the query.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"
#include "engine/structured/checkpoint_file_manager.h"
#include "engine/structured/offset_commit_logs.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

struct FinalFilesReader {
  ckpt::FileSystem* fs = nullptr;
  ckpt::structured::FileManagerKind file_manager = ckpt::structured::FileManagerKind::kFileContext;
  ckpt::Scheduler* clock = nullptr;  // the file sink's log reader asks it the time
  // A createAtomic temp file left at `path` that is legitimate although its creator did not
  // crash (for example a fault refused its rename). Unset: none is.
  std::function<bool(const std::string& path)> temp_file_may_stay;
};

// Process `incarnation` started with batch `first_batch_id` (a re-run when `rerun`): recorded in
// `out`, and in its `record` whether it recovered and from which plan (offsets/L).
void NoteStructuredStart(const std::string& checkpoint_dir, int incarnation, int64_t first_batch_id,
                         bool rerun, IncarnationRecord& record, StructuredRecord& out);

// Batch `batch_id` as process `incarnation` planned it: its source's end offsets as `offsets/N`
// holds them, its watermark and timestamp.
StructuredPlan PlanRecord(int incarnation, int64_t batch_id,
                          const ckpt::structured::OffsetSeq& plan);

// A rename onto `commits/N` under `checkpoint_dir`, as a step hook names it ("FROM -> TO"): the
// commit log file it puts in place and its batch id. None for any other operation or path.
struct CommitRename {
  std::string to;
  int64_t batch_id = 0;
};
std::optional<CommitRename> CommitRenameOf(const std::string& checkpoint_dir,
                                           const std::string& rename_path);

// Fills `run.structured`'s end-of-run fields (log ids, logged offsets, leaked temp files, what
// the file sink's readers see, the state the latest commit promises). A temp file whose creator
// (run.structured.temp_file_creators) crashed is no leak: a dead process never cancels.
// REQUIRES: scenario.engine == Engine::kStructured; run.incarnations as the run left them.
void ReadStructuredFinalFiles(const Scenario& scenario, const FinalFilesReader& reader,
                              TrialRun& run);

}  // namespace sim

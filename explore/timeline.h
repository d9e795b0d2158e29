// A failing trial drawn for a person: the steps of every process on lanes (timer and job
// generator, jobs, checkpoint writer, filesystem operations, driver), crash and restart marks,
// each batch's outcome, the checkpoint file each recovery read and the first divergence spelled
// out. reports/ renders it as an SVG timeline in the HTML report.
#pragma once

#include <string>
#include <vector>

#include "explore/explorer.h"
#include "oracle/divergence.h"

namespace sim {

enum class Lane { kGenerator, kJobs, kWriter, kFilesystem, kDriver };
inline constexpr Lane kLanes[] = {Lane::kGenerator, Lane::kJobs, Lane::kWriter, Lane::kFilesystem,
                                  Lane::kDriver};
const char* LaneName(Lane lane);

struct TimelineStep {
  int incarnation = 0;
  Time time;
  Lane lane = Lane::kDriver;
  std::string label;
};

// How a batch came out against the uncrashed run (its first output decides).
enum class BatchOutcome { kCompleted, kReexecuted, kLost, kDivergent };
const char* BatchOutcomeName(BatchOutcome outcome);

struct TimelineBatch {
  Time time;
  BatchOutcome outcome = BatchOutcome::kCompleted;
  std::string detail;  // e.g. "emitted by #0 and #1"
};

struct TimelineProcess {
  int incarnation = 0;
  Time started;
  std::optional<Time> crashed;
  std::string recovered_from;  // the checkpoint file recovery read ("" when fresh)
};

// How a drawn trial was filed (reports group them).
enum class FiledAs { kFailure, kKnownWeakness, kExpectedFailure };

struct Timeline {
  FiledAs filed_as = FiledAs::kFailure;
  std::string scenario;
  std::string token;
  std::string replay;
  Failure failure;
  Duration batch_duration;
  Time end;
  std::vector<TimelineStep> steps;
  std::vector<TimelineProcess> processes;
  std::vector<TimelineBatch> batches;
  Divergence divergence;
};

// Replays `failing` (a trial of `declared` under `options`) and lays it out.
ckpt::Result<Timeline> BuildTimeline(const Scenario& declared, const FailingTrial& failing,
                                     const RunOptions& options);

}  // namespace sim

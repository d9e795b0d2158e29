// The first divergence of a failing trial, spelled out for a person: the batch, what the
// uncrashed run emitted there against what each incarnation emitted, how each incarnation started
// (the checkpoint file recovery read, its pending and rescheduled times), and the trace lines
// around that batch. `ckptsim replay` prints it under the trace.
#pragma once

#include <string>
#include <vector>

#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

struct Divergence {
  std::optional<Time> batch_time;
  // One line per output at that batch: "counts: expected [...], incarnation 1 emitted [...]".
  std::vector<std::string> outputs;
  // One line per incarnation: start, recovery (file, checkpoint time, pending, rescheduled), crash.
  std::vector<std::string> incarnations;
  // The trace lines within two batches of it, and every crash and recovery line.
  std::vector<std::string> trace;
};

// `reference` is the uncrashed run `failure` was judged against (the base one when the trial's
// source does not make references differ). REQUIRES: run.trace was recorded.
Divergence ExplainDivergence(const Scenario& scenario, const Reference& reference,
                             const TrialRun& run, const Failure& failure);

// The trace lines whose time lies within [from, to], plus every crash, recovery and restart line
// (each trace line starts with "[<time> ms]").
std::vector<std::string> TraceAround(const std::vector<std::string>& trace, Time from, Time to);

}  // namespace sim

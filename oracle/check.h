// The checks the oracle makes of a trial (CheckTrial in oracle.h runs them), each behind one
// signature and in a file of its own: check_<name>.cpp. Internal to oracle/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

using ckpt::Time;

inline std::string Describe(const ckpt::Records& records) { return ckpt::RecordsToString(records); }

// What a failure about input stream `stream_id` says first: nothing for the main source (its
// details read as they did before sources had names), "stream NAME: " for a named one.
inline std::string StreamPrefix(const Scenario& scenario, int32_t stream_id) {
  return stream_id == 0 ? "" : "stream " + InputStreamName(scenario, stream_id) + ": ";
}

// The time of a received block, from its id ("input-<stream>-<time ms>", as the receivers of
// this engine name their blocks); nullopt for any other id.
std::optional<int64_t> BlockTimeMs(const std::string& block_id);

// Which application run each incarnation belongs to: a new one begins at every incarnation whose
// context started fresh. One that died before its context started belongs to the previous one.
std::vector<int> ApplicationOf(const TrialRun& run);

// When each application (see ApplicationOf) started its context afresh.
std::vector<Time> ApplicationStarts(const TrialRun& run, const std::vector<int>& application);

// The batch input each incarnation of a run with log or receiver streams saw: per application
// and stream, every batch's latest assignment up to and including that incarnation.
std::vector<BatchInputs> IncarnationBatchInputs(const Scenario& scenario, const TrialRun& run,
                                                const std::vector<int>& application);

// Which application each incarnation belongs to, when each application started, and the
// reference each incarnation's outputs are compared with.
struct Applications {
  Applications(const Scenario& scenario, const TrialRun& run)
      : of(ApplicationOf(run)), starts(ApplicationStarts(run, of)) {
    bool by_input = InputDependsOnTiming(scenario);
    std::vector<BatchInputs> inputs;
    if (by_input) inputs = IncarnationBatchInputs(scenario, run, of);
    for (size_t i = 0; i < run.incarnations.size(); ++i) {
      keys.push_back(ReferenceKey{starts[of[i]],
                                  by_input ? std::optional(std::move(inputs[i])) : std::nullopt});
    }
  }
  // The key of application `app`: that of its last incarnation.
  const ReferenceKey& key_of_application(int app) const {
    for (size_t i = of.size(); i-- > 0;) {
      if (of[i] == app) return keys[i];
    }
    return keys.front();
  }
  std::vector<int> of;
  std::vector<Time> starts;
  std::vector<ReferenceKey> keys;  // per incarnation
};

// What every check is given: the scenario, the references by key, the run, and which application
// each of the run's incarnations belongs to.
struct CheckInput {
  const Scenario& scenario;
  const ReferenceFor& reference_for;
  const TrialRun& run;
  const Applications& applications;
};

void CheckEmissions(const CheckInput& input, std::vector<Failure>& failures);

// Every graceful stop completed (no_progress otherwise): it did not give up at
// spark.streaming.gracefulStopTimeout, its last processed batch is its stop time, and every
// process the scenario asked to stop, and that lived on, reported its stop.
void CheckGracefulStop(const CheckInput& input, std::vector<Failure>& failures);

// Every batch of the last application was emitted, and every batch of each application that a
// fresh start abandoned although it had written a checkpoint (createOnError with every
// checkpoint unreadable excepted).
void CheckEveryBatchEmitted(const CheckInput& input, std::vector<Failure>& failures);

// A file source's input that a fresh start after a crash before the first durable checkpoint
// lost: the known weakness "fresh start before the first checkpoint" (Fix::kCheckpointAtStart).
void CheckFreshStartInput(const CheckInput& input, std::vector<Failure>& failures);

// Exactly once over the union of batches: within each application, the offset ranges of the
// batches (each batch's last assignment) cover every partition from 0 with no gap and no overlap.
void CheckLogOffsets(const CheckInput& input, std::vector<Failure>& failures);

// At least once over the last application's batches (see RecoveryContract).
void CheckReceivedRecords(const CheckInput& input, std::vector<Failure>& failures);

// Spark's Checkpoint.createSparkConf: a recovered context keeps the checkpoint's conf except the
// reload list, which comes from the new process. Checked on the contexts recovered from the
// application the first process created with the scenario's `conf` (a fresh start after a crash
// creates its application from `restart_conf`).
void CheckRecoveredConf(const CheckInput& input, std::vector<Failure>& failures);

// The scenario's expect_all_runs, over every process's emissions (RunExpectation).
void CheckRunExpectations(const CheckInput& input, std::vector<Failure>& failures);

// A foreach_rdd's appending store (`store: appending`) that got a batch's records twice: the known
// weakness "at-least-once output to an appending store" (Fix::kIdempotentOutputStores), reported
// as WARN only when the trial passes with the store idempotent. An idempotent store needs no
// check of its own: CheckEmissions already holds every write of a batch to the reference.
void CheckOutputStores(const CheckInput& input, std::vector<Failure>& failures);

// The scenario's expect_state over the trial's observations (StateObservation): every field of
// every observation as expected, and each expectation observed at least once. Judged where they
// were observed (TrialRun::state_observed): the scenario's own trial, `ckptsim run`.
void CheckStateExpectations(const CheckInput& input, std::vector<Failure>& failures);

// Spark retries a checkpoint write up to 3 times when it fails with an I/O error (SPARK-22429).
void CheckGivenUpWrites(const CheckInput& input, std::vector<Failure>& failures);

}  // namespace sim

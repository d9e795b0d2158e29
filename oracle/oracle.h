// The oracle: what an uninterrupted run produced, and whether a crashed run kept to it.
//
// Outputs are compared per batch as multisets (Spark's own recovery tests compare sets of each
// batch's output). Batches are identified by their index from the application's zero time, so
// that an application that legitimately started afresh (no checkpoint was durable yet) is
// compared with the same reference.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

struct Failure {
  FailureKind kind;
  std::optional<ckpt::Time> batch_time;
  std::string detail;
  // Set when the check that found it knows it for a known weakness of the modelled protocol
  // (see KnownWeakness).
  std::string known_weakness = {};
  // The protocol rule it breaks (protocol_violation from oracle/protocol.h), else empty.
  std::string rule = {};
  // recovery_error: the engine's error it reports (its marks say what it means), else OK.
  ckpt::Status error = {};
};

// Which check found `failure`: "rule <name>" for a protocol rule, else "check <kind>".
std::string FoundBy(const Failure& failure);

// The uninterrupted run's output: output name -> records of batch 1..N (sorted).
struct Reference {
  std::map<std::string, std::vector<ckpt::Records>> outputs;
  // (output, batch index) the uncrashed run never emitted: times that are not a multiple of the
  // output stream's slide duration generate no job (Spark's isTimeValid).
  std::set<std::pair<std::string, int64_t>> silent;
  uint64_t steps = 0;
  uint64_t digest = 0;
  // engine: structured: the uncrashed run's record (`outputs` holds its foreachBatch batches
  // by id).
  StructuredRecord structured;
};

// Builds the reference from an uncrashed run. Fails (kind and detail) when that run itself is not
// clean: it errored, did not finish, or does not match the scenario's `expect` block.
struct ReferenceOutcome {
  Reference reference;
  std::vector<Failure> failures;
};
ReferenceOutcome BuildReference(const Scenario& scenario, const TrialRun& run);

// Every way `run` breaks the contract, most severe first (empty: the trial passed). With
// `require_expected_error`, a scenario's `expect_error` must also have happened.
std::vector<Failure> CheckTrial(const Scenario& scenario, const Reference& reference,
                                const TrialRun& run, bool require_expected_error = false);

// Which uncrashed run a crashed run's outputs are compared with.
//   start:       when the application first started. A source that depends on time (the file
//                stream ignores files older than its creation) makes an application that started
//                afresh after a crash differ from the one started at 0, so it is judged against
//                an uncrashed run started at the same time.
//   batch_input: log and receiver sources: the records each batch (index - 1) of each such input
//                stream read (by stream id), as the emitting incarnation saw them. A down-time
//                batch reads the log as it is at compute time, so recovered batches legitimately
//                differ from an uninterrupted run's; they are judged against an uncrashed run whose
//                batches read exactly the same records
//                ("exactly once over the union of batches", with CheckLogOffsets below).
// Per input stream whose input depends on timing (InputSource's stream id), what each batch read.
using BatchInputs = std::map<int32_t, std::vector<ckpt::Records>>;
struct ReferenceKey {
  ckpt::Time start;
  std::optional<BatchInputs> batch_input;
  auto operator<=>(const ReferenceKey&) const = default;
};
// The returned reference must stay valid for the whole CheckTrial call.
using ReferenceFor = std::function<const Reference&(const ReferenceKey& key)>;

// The records each batch of an uninterrupted run read from each log or receiver stream (its
// ReferenceKey input).
BatchInputs BatchInput(const Scenario& scenario, const TrialRun& run);
std::vector<Failure> CheckTrial(const Scenario& scenario, const ReferenceFor& reference_for,
                                const TrialRun& run, bool require_expected_error);
// The recovery contract `run` is held to, named in its first failure:
//   "recover exactly"                        - no fault touched the run: every output as the
//                                              reference, re-runs only of batches recovery may run
//                                              again (LegitimateReruns);
//   "recover with re-executed batches only"  - faults or a crash's lost unsynced data may make
//                                              recovery fall back to an older checkpoint: the same
//                                              checks, with more batches legitimately re-run, and
//                                              jobs an injected error failed owed only by a later
//                                              recovery; when every checkpoint file was corrupted
//                                              by a fault (createOnError off), stopping with
//                                              "Failed to read checkpoint" is the outcome;
//   "stop with a clear error"                - the scenario's expect_error;
//   "unsafe configuration: failures expected" - the scenario's expect_failures.
//   For a log source, in every contract: within an application, the offset ranges of the batches
//   (each batch's last assignment) cover every partition from offset 0 without a gap
//   (lost_records) or an overlap (unexpected_duplicate).
//   For a receiver source (at least once): every record the source had seen acknowledged when
//   the last application last allocated blocks was read by one of that application's batches
//   (lost_records), and no block was read by two batches (unexpected_duplicate). Records
//   acknowledged by an earlier application that never wrote a checkpoint are lost too, as
//   Spark recovers its block log only from a checkpoint: a known weakness.
//   With `expect_conf`, every context recovered from the application the first process created
//   holds those values (protocol_violation).
std::string RecoveryContract(const Scenario& scenario, const TrialRun& run);

// The name of the known weakness of the modelled protocol (docs/findings.md) that `failure` of
// `run` is an instance of, or nullopt: the failure's own known_weakness; the stale block log of
// an earlier application; or the SPARK-19280 family: after at least two crashes a process reads
// the newest-named checkpoint file although an earlier recovered process wrote newer checkpoints
// under older names (each new writer names files after the times it has seen), and what the
// stale file references was cleaned up meanwhile: recovery fails with "Checkpoint directory does
// not exist", a job cannot read a received block's data, or a batch reads none of the blocks
// allocated to it (rule receiver.reads_allocation). A shape only: FileFailure excuses it only
// when the trial passes rerun with the weakness's fix. Spark has it as modelled; it is reported
// apart from failures so that it neither hides new bugs nor fails every long random sweep.
std::optional<std::string> KnownWeakness(const TrialRun& run, const Failure& failure);
// Every known weakness whose shape `failure` of `run` has, in the order KnownWeakness prefers
// them (a run can show several: a batch that read none of its blocks after two crashes looks
// like the SPARK-19280 family and like a pending batch's input forgotten).
std::vector<std::string> KnownWeaknesses(const TrialRun& run, const Failure& failure);

// True when a source of the scenario (a file stream) makes the output depend on when the
// application started.
bool StartTimeMatters(const Scenario& scenario);
// True when each batch's input depends on timing (a log or receiver source): a crashed run is
// judged against an uncrashed run fed the same batch inputs (ReferenceKey::batch_input).
bool InputDependsOnTiming(const Scenario& scenario);
// Whether an input stream of the scenario is of `kind`.
bool HasSourceOf(const Scenario& scenario, SourceKind kind);

// The batch index (1-based) of `time` in an application with `zero_time`, or 0 when off the grid.
int64_t BatchIndex(Time time, Time zero_time, ckpt::Duration batch);

// The batch times recovery may legitimately run again after restarting from a checkpoint with
// content time `checkpoint_time` and `pending_times`, when the process came up at `now`:
// pending ∪ [checkpoint_time, restart_time), all < restart_time (independent of the engine).
std::vector<ckpt::Time> LegitimateReruns(ckpt::Time checkpoint_time,
                                         const std::vector<ckpt::Time>& pending_times,
                                         ckpt::Time zero_time, ckpt::Duration batch,
                                         ckpt::Time now);

}  // namespace sim

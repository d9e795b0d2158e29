#include "oracle/oracle.h"

#include <algorithm>
#include <set>

#include "engine/checkpoint/checkpoint_writer.h"
#include "oracle/check.h"
#include "oracle/protocol.h"
#include "oracle/structured_oracle.h"

namespace sim {

int64_t BatchIndex(Time time, Time zero_time, ckpt::Duration batch) {
  ckpt::Duration since = time - zero_time;
  if (since.ms <= 0 || !since.is_multiple_of(batch)) return 0;
  return since.ms / batch.ms;
}

namespace {

// When a crash dropped unsynced data, says so on the first failure: on posix and lying-disk
// that is where the protocol's missing sync shows.
void AddDurabilityNote(const TrialRun& run, std::vector<Failure>& failures) {
  if (failures.empty()) return;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const std::vector<std::string>& lost = run.incarnations[i].lost_at_crash;
    if (lost.empty()) continue;
    // A checkpoint file's loss tells the story best.
    auto example = std::find_if(lost.begin(), lost.end(), [](const std::string& line) {
      return line.find("/checkpoint-") != std::string::npos;
    });
    std::string note = " [the crash of incarnation " + std::to_string(i) + " on " +
                       PersistenceModelName(run.fs_model) + " storage left " +
                       std::to_string(lost.size()) + " unsynced change(s) lost or mangled, e.g. " +
                       (example == lost.end() ? lost.front() : *example);
    if (run.fs_model == PersistenceModel::kLyingDisk) {
      note += "; this disk ignores sync";
    } else if (run.fs_model == PersistenceModel::kPosix && !run.checkpoint_sync) {
      note += "; the checkpoint files were never synced: set ckptsim.checkpoint.sync=true";
    }
    failures.front().detail += note + "]";
    return;
  }
}

int Severity(FailureKind kind) { return static_cast<int>(kind); }

// The contract of corruption faults with createOnError off: when an injected fault mangled every
// checkpoint file in the directory, getOrCreate stops with "Failed to read checkpoint". (A reader
// that gave up while an intact file was there breaks the contract.)
bool EveryCheckpointCorruptedByFaults(const IncarnationRecord& incarnation) {
  return incarnation.start_error.has(ckpt::ErrorMark::kCheckpointUnreadable) &&
         incarnation.intact_checkpoint_files.empty();
}

// Whether the reader skipped a checkpoint file because of a fault: an injected error, or bytes
// a torn_write or bitflip fault mangled.
bool SkippedForAFault(const TrialRun& run, const ckpt::RejectedCheckpoint& skipped) {
  return skipped.error.has(ckpt::ErrorMark::kInjected) ||
         run.corrupted_by_faults.count(skipped.path) > 0;
}

// The paths that still hold one of the scenario's initial files when process `i` starts,
// followed through the earlier processes' file operations: a rename moves one (the writer's
// .bk), a rename onto it, a create or a delete replaces or removes it. A run recorded without
// its operations gives none: its files may have been replaced, so nothing is excused by them.
std::set<std::string> InitialFilesAt(const Scenario& scenario, const TrialRun& run, size_t i) {
  std::set<std::string> paths;
  if (!run.protocol_recorded) return paths;
  for (const InitialFile& f : scenario.initial_files) paths.insert(f.path);
  for (size_t j = 0; j < i && !paths.empty(); ++j) {
    for (const ProtocolEvent& event : run.incarnations[j].protocol) {
      const ckpt::FileEvent& file = event.file;
      if (event.kind != ProtocolEvent::Kind::kFile || !file.ok) continue;
      if (file.operation == ckpt::FileOperation::kRename) {
        bool moved = paths.erase(file.path) > 0;
        paths.erase(file.target);
        if (moved) paths.insert(file.target);
      } else if (file.operation == ckpt::FileOperation::kCreate ||
                 file.operation == ckpt::FileOperation::kDelete) {
        paths.erase(file.path);
      }
    }
  }
  return paths;
}

// The contract of I/O faults at start: an injected I/O error that escapes getOrCreate or start
// (listing the checkpoint directory, creating the RDD checkpoint directory, the restored RDDs'
// existence check, or a read error on every checkpoint file the reader tried) stops the driver,
// as Spark's exception does. Only when every file the reader skipped failed by a fault or holds
// one of the scenario's initial files (bytes the scenario wrote, unreadable by design): a file the
// engine wrote and a fault left alone that the reader could not read is the engine's failure.
// (The protocol rules still judge the reader's order and fallback.)
bool StartFailedByInjectedFault(const Scenario& scenario, const TrialRun& run, size_t i) {
  const IncarnationRecord& incarnation = run.incarnations[i];
  if (!incarnation.start_error.has(ckpt::ErrorMark::kInjected)) return false;
  const std::vector<ckpt::RejectedCheckpoint>& skipped = incarnation.unreadable_checkpoints;
  std::set<std::string> initial = InitialFilesAt(scenario, run, i);  // a failed start: rare
  return std::all_of(skipped.begin(), skipped.end(), [&](const ckpt::RejectedCheckpoint& f) {
    return SkippedForAFault(run, f) || initial.count(f.path) > 0;
  });
}

// Spark restores each stream's checkpoint data once per recovery (SPARK-11749).
void CheckRestoredOnce(const IncarnationRecord& incarnation, const std::string& who,
                       std::vector<Failure>& failures) {
  for (const auto& [stream_id, restores] : incarnation.restores) {
    if (restores <= 1) continue;
    failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                        who + " restored the checkpoint data of stream " +
                            std::to_string(stream_id) + " " + std::to_string(restores) +
                            " times (Spark restores each stream once, SPARK-11749)"});
  }
}

}  // namespace

std::vector<Time> LegitimateReruns(Time checkpoint_time, const std::vector<Time>& pending_times,
                                   Time zero_time, ckpt::Duration batch, Time now) {
  Time restart_time = zero_time + batch * ((now - zero_time).ms / batch.ms + 1);
  std::vector<Time> times = checkpoint_time.until(restart_time, batch);
  times.insert(times.end(), pending_times.begin(), pending_times.end());
  std::erase_if(times, [&](Time t) { return t >= restart_time; });
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

ReferenceOutcome BuildReference(const Scenario& scenario, const TrialRun& run) {
  if (scenario.engine == Engine::kStructured) return BuildStructuredReference(scenario, run);
  ReferenceOutcome outcome;
  Reference& reference = outcome.reference;
  reference.steps = run.total_steps;
  reference.digest = run.digest;
  for (const std::string& output : scenario.output_names()) {
    reference.outputs[output].assign(scenario.batches, ckpt::Records{});
  }
  // A write that failed (injected) shows what the batch's output is; a later success overrides.
  Time zero = run.incarnations.empty() ? Time{0} : run.incarnations[0].zero_time.value_or(Time{0});
  auto record = [&](const std::string& output, Time time, const ckpt::Records& records) {
    int64_t index = BatchIndex(time, zero, scenario.batch_duration);
    if (index < 1 || index > scenario.batches) return;
    reference.outputs[output][index - 1] = records;
    reference.silent.erase({output, index});
  };
  for (const std::string& output : scenario.output_names()) {
    for (int64_t index = 1; index <= scenario.batches; ++index) {
      reference.silent.insert({output, index});
    }
  }
  for (const FailedOutput& f : run.failed_outputs) record(f.output, f.batch_time, f.records);
  for (const Emission& e : run.emissions) record(e.output, e.batch_time, e.records);
  // An uncrashed run is held to the same contract, against itself.
  outcome.failures = CheckTrial(scenario, reference, run);
  for (const auto& [output, expected_batches] : scenario.expect) {
    for (size_t i = 0; i < expected_batches.size(); ++i) {
      ckpt::Records want = expected_batches[i];
      ckpt::SortRecords(want);
      const ckpt::Records& got = reference.outputs[output][i];
      if (want != got) {
        Time time = zero + scenario.batch_duration * static_cast<int64_t>(i + 1);
        outcome.failures.push_back({FailureKind::kExpectationMismatch, time,
                                    "output " + output + " of batch " + std::to_string(time.ms) +
                                        ": the scenario expects " + Describe(want) +
                                        ", the uninterrupted run gave " + Describe(got)});
        break;
      }
    }
  }
  return outcome;
}

std::string RecoveryContract(const Scenario& scenario, const TrialRun& run) {
  if (!scenario.expect_failures.empty()) return "unsafe configuration: failures expected";
  if (!scenario.expect_error.empty()) return "stop with a clear error";
  bool faulted = !run.corrupted_by_faults.empty() || !run.failed_jobs.empty();
  for (const IncarnationRecord& incarnation : run.incarnations) {
    faulted = faulted || !incarnation.injected.empty() || !incarnation.lost_at_crash.empty();
  }
  return faulted ? "recover with re-executed batches only" : "recover exactly";
}

// A structured query's file source remembers the files it saw (its own log) instead of ignoring
// files by a remember window, and its batches are judged by id: neither applies to it.
bool StartTimeMatters(const Scenario& scenario) {
  return scenario.engine == Engine::kDStream && HasSourceOf(scenario, SourceKind::kFile);
}

bool HasSourceOf(const Scenario& scenario, SourceKind kind) {
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    if (InputSource(scenario, id).kind() == kind) return true;
  }
  return false;
}

std::string FoundBy(const Failure& failure) {
  return failure.rule.empty() ? "check " + std::string(FailureKindName(failure.kind))
                              : "rule " + failure.rule;
}

bool InputDependsOnTiming(const Scenario& scenario) {
  if (scenario.engine == Engine::kStructured) return false;  // judged by its own rules
  return HasSourceOf(scenario, SourceKind::kLog) || HasSourceOf(scenario, SourceKind::kReceiver);
}

std::vector<Failure> CheckTrial(const Scenario& scenario, const Reference& reference,
                                const TrialRun& run, bool require_expected_error) {
  return CheckTrial(
      scenario, [&reference](const ReferenceKey&) -> const Reference& { return reference; }, run,
      require_expected_error);
}

// The scenario's expect_error (a text the user wrote, so matched as text) in the start's error;
// or, when the reader gave up on every file, in the errors of the files it skipped, each failing
// with it or by a fault (the reader reports the last file's error, which a fault on the oldest
// file makes the injected one).
bool StoppedWithTheExpectedError(const Scenario& scenario, const TrialRun& run,
                                 const IncarnationRecord& incarnation) {
  if (scenario.expect_error.empty() || incarnation.start_error.ok()) return false;
  auto expected = [&](const ckpt::Status& error) {
    return error.to_string().find(scenario.expect_error) != std::string::npos;
  };
  if (expected(incarnation.start_error)) return true;
  const std::vector<ckpt::RejectedCheckpoint>& skipped = incarnation.unreadable_checkpoints;
  return incarnation.start_error.has(ckpt::ErrorMark::kCheckpointUnreadable) &&
         std::any_of(skipped.begin(), skipped.end(),
                     [&](const auto& file) { return expected(file.error); }) &&
         std::all_of(skipped.begin(), skipped.end(), [&](const auto& file) {
           return expected(file.error) || SkippedForAFault(run, file);
         });
}

namespace {

std::vector<Failure> CheckDStreamTrial(const Scenario& scenario, const ReferenceFor& reference_for,
                                       const TrialRun& run, bool require_expected_error) {
  std::vector<Failure> failures;
  if (!run.engine_assert.empty()) {
    failures.push_back({FailureKind::kEngineAssert, std::nullopt, run.engine_assert});
    return failures;
  }
  bool expected_error_seen = false;
  bool contracted_stop = false;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    std::string who = "incarnation " + std::to_string(i);
    CheckRestoredOnce(incarnation, who, failures);
    if (StoppedWithTheExpectedError(scenario, run, incarnation)) {
      expected_error_seen = true;  // the contracted outcome: recovery stops with this error
    } else if (EveryCheckpointCorruptedByFaults(incarnation) ||
               StartFailedByInjectedFault(scenario, run, i)) {
      contracted_stop = true;
    } else if (!incarnation.start_error.ok()) {
      failures.push_back({FailureKind::kRecoveryError, std::nullopt,
                          who + " could not start: " + incarnation.start_error.to_string(), "", "",
                          incarnation.start_error});
    }
    for (const ckpt::Status& error : incarnation.errors) {
      failures.push_back({FailureKind::kRecoveryError, std::nullopt, who + ": " + error.to_string(),
                          "", "", error});
    }
  }
  if (!run.quiesced) {
    failures.push_back(
        {FailureKind::kNoProgress, std::nullopt, "the run did not finish within its step budget"});
  }
  if (require_expected_error && !scenario.expect_error.empty() && !expected_error_seen) {
    failures.push_back(
        {FailureKind::kExpectationMismatch, std::nullopt,
         "recovery was expected to fail with \"" + scenario.expect_error + "\" and did not"});
  }
  Applications applications(scenario, run);
  const CheckInput input{scenario, reference_for, run, applications};
  if (HasSourceOf(scenario, SourceKind::kLog)) CheckLogOffsets(input, failures);
  if (HasSourceOf(scenario, SourceKind::kReceiver)) CheckReceivedRecords(input, failures);
  if (HasSourceOf(scenario, SourceKind::kFile)) CheckFreshStartInput(input, failures);
  CheckRecoveredConf(input, failures);
  CheckEmissions(input, failures);
  CheckOutputStores(input, failures);
  bool stopped = expected_error_seen || contracted_stop ||
                 std::any_of(failures.begin(), failures.end(), [](const Failure& f) {
                   return f.kind == FailureKind::kRecoveryError;
                 });
  if (!stopped) {
    CheckEveryBatchEmitted(input, failures);
    CheckRunExpectations(input, failures);
  }
  if (run.state_observed) CheckStateExpectations(input, failures);
  CheckGivenUpWrites(input, failures);
  CheckGracefulStop(input, failures);
  CheckProtocol(scenario, run, applications.of, failures);
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) {
    if (Severity(a.kind) != Severity(b.kind)) return Severity(a.kind) < Severity(b.kind);
    return a.batch_time.value_or(Time{-1}) < b.batch_time.value_or(Time{-1});
  });
  if (!failures.empty()) {
    std::string contract = RecoveryContract(scenario, run);
    failures.front().detail =
        (scenario.expect_failures.empty() ? "breaks \"" + contract + "\": " : contract + ": ") +
        failures.front().detail;
  }
  AddDurabilityNote(run, failures);
  return failures;
}

}  // namespace

std::vector<Failure> CheckTrial(const Scenario& scenario, const ReferenceFor& reference_for,
                                const TrialRun& run, bool require_expected_error) {
  if (scenario.engine == Engine::kStructured) {
    return CheckStructuredTrial(scenario, reference_for(ReferenceKey{scenario.first_start, {}}),
                                run);
  }
  return CheckDStreamTrial(scenario, reference_for, run, require_expected_error);
}

}  // namespace sim

// The kinds of failure the oracle reports (oracle/oracle.h checks them; a scenario may expect
// some).
#pragma once

#include <string>

#include "engine/runtime/status.h"

namespace sim {

// In order of severity, most severe first: a crash of the engine explains everything after it,
// and so on (failures are reported in this order).
enum class FailureKind {
  kNondeterminism,       // a rerun of a trial gave another trace digest (a harness bug)
  kEngineAssert,         // an engine invariant failed
  kRecoveryError,        // getOrCreate/start failed, or the engine reported an error
  kProtocolViolation,    // the engine broke a step of Spark's protocol that outputs do not show
  kNoProgress,           // the run did not finish its batches (budget exhausted or stuck)
  kLostBatch,            // a batch's output never appeared
  kLostRecords,          // input records no batch read (a gap in a log's offset ranges)
  kDivergentOutput,      // a batch's output differs from the reference
  kUnexpectedDuplicate,  // a batch emitted again although recovery had no reason to re-run it
  kExpectationMismatch,  // the reference run differs from the scenario's `expect` block
};

const char* FailureKindName(FailureKind kind);
ckpt::Result<FailureKind> ParseFailureKind(const std::string& name);

}  // namespace sim

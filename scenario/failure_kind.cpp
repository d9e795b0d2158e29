#include "scenario/failure_kind.h"

#include "util/named_enum.h"

namespace sim {

ckpt::Result<FailureKind> ParseFailureKind(const std::string& name) {
  return ParseNamed(
      name,
      {FailureKind::kNondeterminism, FailureKind::kEngineAssert, FailureKind::kRecoveryError,
       FailureKind::kProtocolViolation, FailureKind::kNoProgress, FailureKind::kLostBatch,
       FailureKind::kLostRecords, FailureKind::kDivergentOutput, FailureKind::kUnexpectedDuplicate,
       FailureKind::kExpectationMismatch},
      FailureKindName, "failure kind");
}

const char* FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNondeterminism:
      return "nondeterminism";
    case FailureKind::kLostBatch:
      return "lost_batch";
    case FailureKind::kLostRecords:
      return "lost_records";
    case FailureKind::kDivergentOutput:
      return "divergent_output";
    case FailureKind::kUnexpectedDuplicate:
      return "unexpected_duplicate";
    case FailureKind::kNoProgress:
      return "no_progress";
    case FailureKind::kRecoveryError:
      return "recovery_error";
    case FailureKind::kEngineAssert:
      return "engine_assert";
    case FailureKind::kExpectationMismatch:
      return "expectation_mismatch";
    case FailureKind::kProtocolViolation:
      return "protocol_violation";
  }
  return "?";
}

}  // namespace sim

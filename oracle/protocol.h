// The protocol oracle: an executable specification of Spark Streaming's checkpoint and recovery
// protocol (DESIGN.md section 2; spark-notes.md sections 1, 2 and 7), checked against every
// process's recorded protocol events (IncarnationRecord::protocol). The output oracle (oracle.h)
// judges what a run emitted; this one judges how each process got there, so a bug that changes
// no output in the scenario at hand is still seen.
//
// It is written from the specification and shares no code with engine/: it parses checkpoint file
// names, orders listings and computes restart times itself. Each rule has a name; a breach is a
// failure of kind protocol_violation that names the rule, the time, what the specification
// expected and what happened.
#pragma once

#include <string>
#include <vector>

#include "oracle/oracle.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

struct ProtocolRule {
  const char* name;       // e.g. "restart.reschedule_set"
  const char* statement;  // what the specification requires, in one sentence
};

// Every rule, in the order the oracle checks them (listed by `ckptsim rules`).
const std::vector<ProtocolRule>& ProtocolRules();

// Appends a protocol_violation for every breach of a rule in `run` (whose processes ran
// `scenario`). A run recorded without protocol events (RunOptions::record_protocol off) is not
// judged. Uses `applications`: which application each incarnation belongs to (check.h).
void CheckProtocol(const Scenario& scenario, const TrialRun& run,
                   const std::vector<int>& application_of, std::vector<Failure>& failures);

}  // namespace sim

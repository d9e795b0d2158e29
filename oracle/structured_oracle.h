// The oracle of the Structured Streaming engine (engine: structured): the rules of
// structured-streaming-notes.md 4.2 and the invariants of its section 8 that a run's record
// shows, judged against an uninterrupted run of the same query.
//
//   - every process ends as contracted: a failed start or a query error is a recovery_error
//     unless a fault the scenario injected caused it (the supervisor then restarts the program);
//   - the last commit covers the same source offsets as the uninterrupted run's (lost_records);
//   - a batch id keeps its plan: every plan of one id names the same offsets (protocol rule
//     structured.plan), and no batch plans an older watermark than an earlier one
//     (structured.watermark, invariant 4);
//   - foreachBatch (at least once): every batch id from 0 is delivered (lost_batch); a second
//     delivery of an id is allowed only as the re-run of the batch a restarted process found
//     planned and uncommitted, with the same records (unexpected_duplicate, divergent_output);
//     the batches' output equals the uninterrupted run's per batch id when both planned the same
//     batches, else as the query's result over all batches (the union of rows; per key the last
//     value of an update-mode aggregation; the last batch of complete mode);
//   - the file sink (exactly once for log-aware readers): what such a reader sees equals the
//     uninterrupted run's as a multiset; orphan part files are counted, not judged;
//   - the state the latest commit promises loads and equals the uninterrupted run's (rule
//     structured.state);
//   - the logs' shape: commits contiguous, the latest commit L-1 or L for the latest offsets L
//     (rule structured.log_shape); retention keeps offsets/L-1, which recovery reads
//     (structured.retention); no temp file left by a process that neither crashed nor met a
//     fault (rule structured.no_temp_files).
#pragma once

#include <vector>

#include "oracle/oracle.h"
#include "oracle/protocol.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

// The structured oracle's protocol rules (listed by `ckptsim rules` after the DStream ones).
const std::vector<ProtocolRule>& StructuredProtocolRules();

// What the latest commit on disk covers of the source: offsets/C's offsets for the Kafka source;
// for the file source, the files of its log's batches up to offsets/C's logOffset (a log batch id
// names other files when a restarted process listed the directory later). "nothing" without a
// commit.
std::string CommittedInput(const Scenario& scenario, const StructuredRecord& record);

// REQUIRES: scenario.engine == Engine::kStructured (BuildReference and CheckTrial dispatch).
ReferenceOutcome BuildStructuredReference(const Scenario& scenario, const TrialRun& run);
std::vector<Failure> CheckStructuredTrial(const Scenario& scenario, const Reference& reference,
                                          const TrialRun& run);

}  // namespace sim

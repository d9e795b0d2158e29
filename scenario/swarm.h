// Swarm variants: random exploration runs each trial on a variant of its scenario drawn within
// the ranges the scenario declares (`swarm:`): the number of batches, the records per batch, the
// batch duration, the checkpoint intervals, the restarted clock's offset, the graceful stop's lead
// and the number of concurrent jobs. Variant v of a scenario is a pure function of
// (scenario, v), so a replay token names it with "/v<v>".
//
// A structured query's variant varies the knobs a user tunes instead: the trigger interval, the
// Kafka source's maxOffsetsPerTrigger, and the session confs minBatchesToRetain, shuffle
// partitions, minDeltasForSnapshot and the file sink log's compactInterval (into conf and
// restart_conf; a scheduled run's own conf keeps its values); it drops expect_logs and
// expect_deliveries with `expect`.
//
// A variant keeps the scenario's pipeline, faults and processing model; its input is the
// scenario's cycled to the new number of batches, or drawn from the scenario's own records when
// records_per_batch is set. Its `expect` lists are dropped: they describe the scenario itself,
// and every trial is judged against an uncrashed run of its own variant anyway.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "scenario/scenario.h"

namespace sim {

// Variants per scenario: trials draw v in [1, kSwarmVariants], so the references of at most this
// many variants are ever built for one scenario.
inline constexpr uint64_t kSwarmVariants = 256;

// The batch durations (multiples of 10 ms) within swarm.batch_duration_ms that divide every
// window and slide duration of the pipeline and, unless the checkpoint intervals vary too, every
// checkpoint interval: the durations Spark's validation accepts.
std::vector<int64_t> BatchDurationCandidates(const Scenario& scenario);

// Whether the swarm range `field` (a key of SwarmRanges::Fields) leaves at least one valid
// variant; the message says why not.
ckpt::Status ValidateSwarmRange(const Scenario& scenario, const std::string& field);

// Variant `variant` of `scenario` (0: the scenario itself). REQUIRES: the swarm ranges passed
// ValidateSwarmRange.
Scenario ScenarioVariant(const Scenario& scenario, uint64_t variant);

}  // namespace sim

#include "oracle/check.h"

namespace sim {

namespace {

std::string TimeText(std::optional<Time> time) {
  return time ? std::to_string(time->ms) + " ms" : std::string("none");
}

// The moment the driver program asks `incarnation` to stop, on its own clock; none when the
// scenario never stops gracefully or the process started after that moment.
std::optional<Time> StopRequestedAt(const Scenario& scenario,
                                    const IncarnationRecord& incarnation) {
  if (!scenario.graceful_stop_lead || !incarnation.zero_time) return std::nullopt;
  Time at = *incarnation.zero_time + scenario.batch_duration * scenario.batches -
            *scenario.graceful_stop_lead;
  if (incarnation.clock_at_start() > at) return std::nullopt;
  return at;
}

}  // namespace

void CheckGracefulStop(const CheckInput& input, std::vector<Failure>& failures) {
  const TrialRun& run = input.run;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    std::string who = "incarnation " + std::to_string(i);
    if (const std::optional<ckpt::GracefulStop>& stop = incarnation.graceful_stop) {
      // Spark gives up waiting after spark.streaming.gracefulStopTimeout and stops anyway: the
      // stop's promise, that every received record and generated batch was processed, is off.
      if (stop->timed_out || stop->last_processed_batch != stop->stop_time) {
        // A last processed batch older than the stop time may be one that finished after the
        // stop time's batch: the known weakness, excused only if its fix makes the trial pass.
        bool older = stop->last_processed_batch && stop->stop_time &&
                     *stop->last_processed_batch < *stop->stop_time;
        failures.push_back(
            {FailureKind::kNoProgress, stop->stop_time,
             who + "'s graceful stop, asked for at " + TimeText(stop->requested_at) +
                 ", did not complete: it gave up waiting (spark.streaming.gracefulStopTimeout) " +
                 "with last processed batch " + TimeText(stop->last_processed_batch) +
                 " against the stop time " + TimeText(stop->stop_time),
             older ? "graceful stop after out-of-order completions" : ""});
      }
      continue;
    }
    // Asked to stop, never crashed, and the run drained: the stop never ended.
    std::optional<Time> asked = StopRequestedAt(input.scenario, incarnation);
    if (asked && !incarnation.crashed_at && incarnation.start_error.ok() && run.quiesced) {
      failures.push_back({FailureKind::kNoProgress, std::nullopt,
                          who + " was asked at " + TimeText(asked) +
                              " to stop gracefully and never reported its stop"});
    }
  }
}

}  // namespace sim

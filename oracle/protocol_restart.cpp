// The rules on a recovered process's restart (spark-notes.md 2.4) and on what its sources read
// after it: a log stream's restored offset ranges (4.3) and a receiver's allocated blocks (4.4).
#include <algorithm>
#include <limits>
#include <optional>

#include "oracle/protocol_spec.h"

namespace sim::protocol {
namespace {

using ckpt::Time;
using Kind = ProtocolEvent::Kind;

// Times come from journals too, which may be hostile: the arithmetic below is done in 128 bits
// and results outside int64 are clamped, so no input overflows or makes a loop run unbounded.
using Wide = __int128;

int64_t Clamp(Wide value) {
  constexpr Wide kMin = std::numeric_limits<int64_t>::min();
  constexpr Wide kMax = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(value < kMin ? kMin : value > kMax ? kMax : value);
}

// zeroTime + (floor((now - zeroTime) / batch) + 1) * batch, floored also before the zero time
// (a restarted process whose clock is behind the crashed one's).
Time RestartTime(Time zero, Time now, int64_t batch_ms) {
  Wide since = Wide{now.ms} - zero.ms;
  Wide batches = since >= 0 ? since / batch_ms : -((-since + batch_ms - 1) / batch_ms);
  return Time{Clamp(Wide{zero.ms} + (batches + 1) * batch_ms)};
}

// The batches JobGenerator.restart must run again, or nullopt when the down times alone would
// be more than any run of the scenario has batches (a hostile record). Deliberate difference of
// the engine (see EngineEnv::stop_after_batches): nothing after the scenario's last batch.
std::optional<std::vector<Time>> Reschedule(const Scenario& scenario, Time zero,
                                            Time checkpoint_time, const std::vector<Time>& pending,
                                            Time restart) {
  int64_t batch_ms = scenario.batch_duration.ms;
  Time last{Clamp(Wide{zero.ms} + Wide{batch_ms} * scenario.batches)};
  Wide end = scenario.batches > 0 ? std::min<Wide>(restart.ms, Wide{last.ms} + 1) : restart.ms;
  Wide down = end > checkpoint_time.ms ? (end - checkpoint_time.ms + batch_ms - 1) / batch_ms : 0;
  Wide limit = scenario.batches > 0 ? Wide{scenario.batches} + 2 : 1'000'000;
  if (down > limit) return std::nullopt;
  std::vector<Time> times = pending;
  for (Wide i = 0; i < down; ++i) times.push_back(Time{Clamp(checkpoint_time.ms + i * batch_ms)});
  std::erase_if(times, [&](Time t) { return t >= restart || (scenario.batches > 0 && t > last); });
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

void CheckRestart(const Scenario& scenario, int incarnation, const IncarnationRecord& record,
                  Breaches& breaches) {
  const ProtocolEvent* recovered = nullptr;
  const ProtocolEvent* started = nullptr;
  for (const ProtocolEvent& event : record.protocol) {
    if (event.kind == Kind::kRecovered) recovered = &event;
    if (event.kind == Kind::kStarted) started = &event;
    if (event.kind != Kind::kRestart) continue;
    if (!recovered || !started || !started->recovered) {
      breaches.report("restart.reschedule_set", incarnation, event.at,
                      "a restart only of a context recovered from a checkpoint",
                      "a restart without one");
      return;
    }
    Time restart = RestartTime(started->time, event.clock, scenario.batch_duration.ms);
    if (event.time != restart) {
      breaches.report("restart.time", incarnation, event.at,
                      restart.to_string() + " (zero time " + started->time.to_string() +
                          ", clock " + event.clock.to_string() + ")",
                      event.time.to_string());
    }
    std::optional<std::vector<Time>> expected =
        Reschedule(scenario, started->time, recovered->time, recovered->times, restart);
    if (!expected) {
      breaches.report(
          "restart.reschedule_set", incarnation, event.at,
          "a checkpoint time at most " + std::to_string(scenario.batches) +
              " batches before the restart",
          "checkpoint time " + recovered->time.to_string() + ", restart " + restart.to_string());
    } else if (event.times != *expected) {
      breaches.report("restart.reschedule_set", incarnation, event.at,
                      TimesText(*expected) + " (checkpoint time " + recovered->time.to_string() +
                          ", pending " + TimesText(recovered->times) + ")",
                      TimesText(event.times));
    }
  }
}

std::vector<ckpt::OffsetRange> Sorted(std::vector<ckpt::OffsetRange> ranges) {
  std::sort(
      ranges.begin(), ranges.end(), [](const ckpt::OffsetRange& a, const ckpt::OffsetRange& b) {
        return std::tie(a.partition, a.from, a.until) < std::tie(b.partition, b.from, b.until);
      });
  return ranges;
}

std::string RangesText(const std::vector<ckpt::OffsetRange>& ranges) {
  std::string text = "[";
  for (const ckpt::OffsetRange& r : ranges) {
    text += (text.size() > 1 ? " " : "") + std::string("p") + std::to_string(r.partition) + "[" +
            std::to_string(r.from) + "," + std::to_string(r.until) + ")";
  }
  return text + "]";
}

void CheckRestoredRanges(const TrialRun& run, const std::vector<int>& application_of,
                         Breaches& breaches) {
  for (const InputBatch& batch : run.input_batches) {
    if (!batch.restored) continue;
    std::vector<ckpt::OffsetRange> ranges = Sorted(batch.ranges);
    bool assigned_before = std::any_of(
        run.input_batches.begin(), run.input_batches.end(), [&](const InputBatch& earlier) {
          return earlier.incarnation < batch.incarnation && earlier.stream_id == batch.stream_id &&
                 application_of[earlier.incarnation] == application_of[batch.incarnation] &&
                 earlier.batch_time == batch.batch_time && Sorted(earlier.ranges) == ranges;
        });
    if (!assigned_before) {
      breaches.report("log.restored_ranges", batch.incarnation, batch.batch_time,
                      "ranges an earlier process assigned to " + batch.batch_time.to_string(),
                      "restored " + RangesText(ranges));
    }
  }
}

void CheckReceiverReads(const TrialRun& run, const std::vector<int>& application_of,
                        Breaches& breaches) {
  for (const InputBatch& batch : run.input_batches) {
    if (batch.missing_blocks > 0) continue;  // what was allocated is not all in `ranges`
    const ReceiverAllocation* latest = nullptr;
    for (const ReceiverAllocation& allocation : run.receiver_allocations) {
      if (allocation.incarnation <= batch.incarnation && allocation.stream_id == batch.stream_id &&
          application_of[allocation.incarnation] == application_of[batch.incarnation] &&
          allocation.batch_time == batch.batch_time) {
        latest = &allocation;
      }
    }
    // No allocation seen: one that a crash cut between its log write and its report, recovered
    // by the block log's replay (which reports nothing). Nothing to hold the batch to.
    if (!latest) continue;
    std::vector<ckpt::OffsetRange> expected = Sorted(latest->ranges);
    if (Sorted(batch.ranges) != expected) {
      breaches.report(
          "receiver.reads_allocation", batch.incarnation, batch.batch_time,
          "the blocks allocated to " + batch.batch_time.to_string() + ": " + RangesText(expected),
          "read " + RangesText(Sorted(batch.ranges)));
    }
  }
}

}  // namespace

void CheckRestartRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches) {
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    CheckRestart(scenario, static_cast<int>(i), run.incarnations[i], breaches);
  }
}

void CheckInputRules(const Scenario& scenario, const TrialRun& run,
                     const std::vector<int>& application_of, Breaches& breaches) {
  if (HasSourceOf(scenario, SourceKind::kLog)) CheckRestoredRanges(run, application_of, breaches);
  if (HasSourceOf(scenario, SourceKind::kReceiver)) {
    CheckReceiverReads(run, application_of, breaches);
  }
}

}  // namespace sim::protocol

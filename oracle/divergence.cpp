#include "oracle/divergence.h"

#include <charconv>

namespace sim {
namespace {

std::string Times(const std::vector<Time>& times) {
  std::string out = "[";
  for (size_t i = 0; i < times.size(); ++i) out += (i ? ", " : "") + std::to_string(times[i].ms);
  return out + "]";
}

// `dstream`: a DStream driver's recovery, with its checkpoint's times (a structured query's
// recovery names the plan it read, offsets/L).
std::string DescribeIncarnation(size_t index, const IncarnationRecord& incarnation, bool dstream) {
  std::string line = "#" + std::to_string(index) + " started at " +
                     std::to_string(incarnation.started_at.ms) + " ms";
  if (incarnation.clock_offset.ms != 0) {
    line += " (its clock " + std::to_string(incarnation.clock_at_start().ms) + " ms)";
  }
  if (!incarnation.start_error.ok()) {
    line += ", could not start: " + incarnation.start_error.to_string();
  } else if (incarnation.recovered && !dstream) {
    line += ", recovered from " + incarnation.checkpoint_file;
  } else if (incarnation.recovered) {
    line += ", recovered from " + incarnation.checkpoint_file + " (content time " +
            std::to_string(incarnation.checkpoint_time.ms) + " ms), pending " +
            Times(incarnation.pending_times) + ", rescheduled " + Times(incarnation.rescheduled);
    if (incarnation.restart_time) {
      line += ", restart at " + std::to_string(incarnation.restart_time->ms) + " ms";
    }
  } else {
    line += ", fresh";
  }
  if (!incarnation.unreadable_checkpoints.empty()) {
    line += "; skipped " + std::to_string(incarnation.unreadable_checkpoints.size()) +
            " unreadable checkpoint(s), the newest " +
            incarnation.unreadable_checkpoints.front().to_string();
  }
  if (incarnation.crashed_at) {
    line += "; crashed at " + std::to_string(incarnation.crashed_at->ms) + " ms";
  }
  return line;
}

// The time a trace line is about ("[1500 ms] ..."), if it has one.
std::optional<int64_t> LineTime(const std::string& line) {
  if (line.size() < 2 || line[0] != '[') return std::nullopt;
  int64_t ms = 0;
  auto [end, error] = std::from_chars(line.data() + 1, line.data() + line.size(), ms);
  if (error != std::errc()) return std::nullopt;
  return ms;
}

}  // namespace

std::vector<std::string> TraceAround(const std::vector<std::string>& trace, Time from, Time to) {
  std::vector<std::string> lines;
  for (const std::string& line : trace) {
    std::optional<int64_t> ms = LineTime(line);
    bool landmark = line.find("CRASH") != std::string::npos ||
                    line.find("recovered from") != std::string::npos ||
                    line.find("restart at") != std::string::npos;
    if (landmark || (ms && *ms >= from.ms && *ms <= to.ms)) lines.push_back(line);
  }
  return lines;
}

Divergence ExplainDivergence(const Scenario& scenario, const Reference& reference,
                             const TrialRun& run, const Failure& failure) {
  Divergence d;
  d.batch_time = failure.batch_time;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    d.incarnations.push_back(
        DescribeIncarnation(i, run.incarnations[i], scenario.engine == Engine::kDStream));
  }
  if (!failure.batch_time) {
    d.trace = TraceAround(run.trace, Time{0}, Time{-1});
    return d;
  }
  Time batch = *failure.batch_time;
  Time zero = run.incarnations.empty() ? Time{0} : run.incarnations[0].zero_time.value_or(Time{0});
  int64_t index = BatchIndex(batch, zero, scenario.batch_duration);
  // An expectation mismatch is the uncrashed run against the scenario's `expect`: show that.
  bool against_expect = failure.kind == FailureKind::kExpectationMismatch;
  for (const auto& [output, batches] : reference.outputs) {
    auto expected = scenario.expect.find(output);
    if (against_expect && expected != scenario.expect.end()) {
      bool known = index >= 1 && index <= static_cast<int64_t>(expected->second.size());
      ckpt::Records want =
          known ? expected->second[static_cast<size_t>(index - 1)] : ckpt::Records{};
      ckpt::SortRecords(want);
      d.outputs.push_back(output + ": the scenario expects " +
                          (known ? ckpt::RecordsToString(want) : std::string("nothing")) +
                          ", the uncrashed run emitted " +
                          (index >= 1 && index <= static_cast<int64_t>(batches.size())
                               ? ckpt::RecordsToString(batches[static_cast<size_t>(index - 1)])
                               : std::string("nothing")));
      continue;
    }
    std::string line = output + ": expected ";
    bool known = index >= 1 && index <= static_cast<int64_t>(batches.size());
    line += !known || reference.silent.count({output, index})
                ? "nothing (the uncrashed run has no such batch)"
                : ckpt::RecordsToString(batches[static_cast<size_t>(index - 1)]);
    bool emitted = false;
    for (const Emission& e : run.emissions) {
      if (e.output != output || e.batch_time != batch) continue;
      line +=
          ", #" + std::to_string(e.incarnation) + " emitted " + ckpt::RecordsToString(e.records);
      emitted = true;
    }
    if (!emitted) line += ", never emitted";
    d.outputs.push_back(line);
  }
  ckpt::Duration margin = scenario.batch_duration * 2;
  d.trace = TraceAround(run.trace, batch - margin, batch + margin);
  return d;
}

}  // namespace sim

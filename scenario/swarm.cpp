#include "scenario/swarm.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <string_view>

#include "util/random.h"

namespace sim {
namespace {

constexpr int64_t kDurationGrain_ms = 10;
constexpr int64_t kMaxConcurrentJobs = 64;  // more jobs at once than any scenario's batches
constexpr int64_t kMaxIoFaultNth = 100'000;

// The durations a batch duration must divide: windows, slides and (unless they vary too)
// checkpoint intervals.
std::vector<int64_t> DurationsToDivide(const Scenario& scenario) {
  std::vector<int64_t> durations;
  for (const PipelineStep& step : scenario.pipeline) {
    if (const WindowArguments* window = step.get<WindowArguments>()) {
      if (window->window) durations.push_back(window->window->ms);
      if (window->slide) durations.push_back(window->slide->ms);
    }
    if (step.checkpoint_interval && !scenario.swarm.checkpoint_interval_ms) {
      durations.push_back(step.checkpoint_interval->ms);
    }
  }
  return durations;
}

// Every distinct record of a sequence or queue source's input, in order.
ckpt::Records Vocabulary(const Scenario& scenario) {
  std::set<ckpt::Value> distinct;
  for (const ckpt::Records& batch : *scenario.source.per_batch_input()) {
    distinct.insert(batch.begin(), batch.end());
  }
  return ckpt::Records(distinct.begin(), distinct.end());
}

// The unit every checkpoint interval must be a multiple of: the batch duration and every slide.
int64_t CheckpointUnit(const Scenario& scenario) {
  int64_t unit = scenario.batch_duration.ms;
  for (const PipelineStep& step : scenario.pipeline) {
    const WindowArguments* window = step.get<WindowArguments>();
    if (window && window->slide) unit = std::lcm(unit, window->slide->ms);
  }
  return unit;
}

int64_t Draw(Random& random, const IntRange& range) {
  return random.between(range.low, range.high);
}

// swarm.io_fault_nth: an EIO on the nth occurrence of one filesystem operation, of any kind, on
// the checkpoint directory or any path below it (the glob's '*' crosses '/').
FaultRule DrawIoFault(const Scenario& scenario, Random& random) {
  const std::vector<std::string>& operations = FaultOperations();
  FaultRule rule;
  rule.kind = FaultKind::kEio;
  rule.operation = operations[random.below(operations.size())];
  rule.path = scenario.checkpoint_dir + "*";
  rule.nth = Draw(random, *scenario.swarm.io_fault_nth);
  rule.origin = "swarm.io_fault_nth";
  return rule;
}

// A knob of a structured query a swarm range may vary: its bounds, and the session conf it sets
// (none: an option of the query itself).
struct StructuredKnob {
  const char* field;
  int64_t least;
  int64_t most;
  const char* conf;
};
constexpr StructuredKnob kStructuredKnobs[] = {
    {"trigger_ms", 0, 600'000, nullptr},
    {"max_offsets_per_trigger", 1, 1'000'000, nullptr},
    {"min_batches_to_retain", 1, 1000, "spark.sql.streaming.minBatchesToRetain"},
    {"shuffle_partitions", 1, 200, "spark.sql.shuffle.partitions"},
    {"min_deltas_for_snapshot", 1, 1000, "spark.sql.streaming.stateStore.minDeltasForSnapshot"},
    {"compact_interval", 1, 1000, "spark.sql.streaming.fileSink.log.compactInterval"},
};

const StructuredKnob* FindKnob(const std::string& field) {
  for (const StructuredKnob& knob : kStructuredKnobs) {
    if (field == knob.field) return &knob;
  }
  return nullptr;
}

const std::optional<IntRange>& RangeOf(const Scenario& scenario, const std::string& field) {
  for (auto [key, range] : SwarmRanges::Fields(scenario.swarm)) {
    if (field == key) return *range;
  }
  static const std::optional<IntRange> kNone;
  return kNone;
}

ckpt::Status ValidateStructuredRange(const Scenario& scenario, const std::string& field) {
  const StructuredKnob* knob = FindKnob(field);
  if (!knob) {
    return ckpt::Status::InvalidArgument(
        "varies a DStream application; a structured query varies trigger_ms, "
        "max_offsets_per_trigger, min_batches_to_retain, shuffle_partitions, "
        "min_deltas_for_snapshot and compact_interval");
  }
  const IntRange& range = *RangeOf(scenario, field);
  if (range.low < knob->least || range.high > knob->most) {
    return ckpt::Status::InvalidArgument("must lie within " + std::to_string(knob->least) + ".." +
                                         std::to_string(knob->most));
  }
  if (field == "trigger_ms" && !scenario.query.trigger_interval) {
    return ckpt::Status::InvalidArgument("the query's trigger is Once: it has no interval to vary");
  }
  if (field == "max_offsets_per_trigger" && !scenario.source.get<LogInput>()) {
    return ckpt::Status::InvalidArgument("needs a log (Kafka) source");
  }
  if (field == "compact_interval" && scenario.query.sink != StructuredQuery::Sink::kFile) {
    return ckpt::Status::InvalidArgument("needs the file sink (write_files), whose log compacts");
  }
  return ckpt::Status::Ok();
}

// The knobs of a structured query's variant. A scheduled run's own conf keeps its values: such a
// run stands for a deliberate change of the session (Spark's TV7).
void DrawStructuredKnobs(const Scenario& scenario, Random& random, Scenario& out) {
  out.expect_logs.clear();
  out.expect_deliveries.clear();
  for (const StructuredKnob& knob : kStructuredKnobs) {
    const std::optional<IntRange>& range = RangeOf(scenario, knob.field);
    if (!range) continue;
    int64_t value = Draw(random, *range);
    if (knob.conf) {
      out.conf[knob.conf] = std::to_string(value);
      if (out.restart_conf) (*out.restart_conf)[knob.conf] = std::to_string(value);
    } else if (std::string_view(knob.field) == "trigger_ms") {
      out.query.trigger_interval = Duration{value};
    } else {
      out.query.max_offsets_per_trigger = value;
    }
  }
}

}  // namespace

std::vector<int64_t> BatchDurationCandidates(const Scenario& scenario) {
  std::vector<int64_t> candidates;
  if (!scenario.swarm.batch_duration_ms) return candidates;
  const IntRange& range = *scenario.swarm.batch_duration_ms;
  std::vector<int64_t> durations = DurationsToDivide(scenario);
  int64_t first = std::max<int64_t>(kDurationGrain_ms, (range.low + kDurationGrain_ms - 1) /
                                                           kDurationGrain_ms * kDurationGrain_ms);
  for (int64_t d = first; d <= range.high; d += kDurationGrain_ms) {
    if (std::all_of(durations.begin(), durations.end(),
                    [d](int64_t duration) { return duration % d == 0; })) {
      candidates.push_back(d);
    }
  }
  return candidates;
}

ckpt::Status ValidateSwarmRange(const Scenario& scenario, const std::string& field) {
  if (scenario.engine == Engine::kStructured) return ValidateStructuredRange(scenario, field);
  if (FindKnob(field)) return ckpt::Status::InvalidArgument("varies a query of engine: structured");
  const SwarmRanges& swarm = scenario.swarm;
  if (field == "batches" && (swarm.batches->low < 1 || swarm.batches->high > 100000)) {
    return ckpt::Status::InvalidArgument("must lie within 1..100000");
  }
  if (field == "records_per_batch") {
    if (!scenario.source.per_batch_input()) {
      return ckpt::Status::InvalidArgument("needs a sequence or queue source, not " +
                                           std::string(SourceKindName(scenario.source.kind())));
    }
    if (Vocabulary(scenario).empty()) {
      return ckpt::Status::InvalidArgument("the source's input has no records to draw from");
    }
    if (swarm.records_per_batch->high > 1000) {
      return ckpt::Status::InvalidArgument("must lie within 0..1000");
    }
  }
  if (field == "batch_duration_ms" && BatchDurationCandidates(scenario).empty()) {
    return ckpt::Status::InvalidArgument(
        "no multiple of 10 ms in the range divides every window, slide and fixed checkpoint "
        "interval of the pipeline");
  }
  if (field == "concurrent_jobs" &&
      (swarm.concurrent_jobs->low < 1 || swarm.concurrent_jobs->high > kMaxConcurrentJobs)) {
    return ckpt::Status::InvalidArgument("must lie within 1.." +
                                         std::to_string(kMaxConcurrentJobs));
  }
  if (field == "io_fault_nth") {
    if (swarm.io_fault_nth->low < 1 || swarm.io_fault_nth->high > kMaxIoFaultNth) {
      return ckpt::Status::InvalidArgument("must lie within 1.." + std::to_string(kMaxIoFaultNth));
    }
    if (scenario.checkpoint_dir.empty()) {
      return ckpt::Status::InvalidArgument("needs a checkpoint directory to inject faults under");
    }
  }
  if (field == "checkpoint_interval_ms" &&
      std::none_of(scenario.pipeline.begin(), scenario.pipeline.end(),
                   [](const PipelineStep& step) { return step.checkpoint_interval.has_value(); })) {
    return ckpt::Status::InvalidArgument("no pipeline step sets checkpoint_interval_ms to vary");
  }
  return ckpt::Status::Ok();
}

Scenario ScenarioVariant(const Scenario& scenario, uint64_t variant) {
  if (variant == 0) return scenario;
  Random random = Random(variant).fork("swarm").fork(scenario.name);
  const SwarmRanges& swarm = scenario.swarm;
  Scenario out = scenario;
  out.expect.clear();
  if (scenario.engine == Engine::kStructured) {
    DrawStructuredKnobs(scenario, random, out);
    return out;
  }
  if (swarm.batch_duration_ms) {
    std::vector<int64_t> candidates = BatchDurationCandidates(scenario);
    out.batch_duration = Duration{candidates[random.below(candidates.size())]};
  }
  if (swarm.graceful_stop_lead_ms) {
    out.graceful_stop_lead = Duration{Draw(random, *swarm.graceful_stop_lead_ms)};
  }
  // The lead stays within the (drawn) batch: the stop's last batch is the last batch.
  if (out.graceful_stop_lead) {
    out.graceful_stop_lead = std::clamp(*out.graceful_stop_lead, Duration{1}, out.batch_duration);
  }
  if (swarm.checkpoint_interval_ms) {
    int64_t unit = CheckpointUnit(out);
    for (PipelineStep& step : out.pipeline) {
      if (!step.checkpoint_interval) continue;
      // The multiples of the unit within the range; the smallest one above it when there is none.
      int64_t low = std::max<int64_t>(1, (swarm.checkpoint_interval_ms->low + unit - 1) / unit);
      int64_t high = std::max(low, swarm.checkpoint_interval_ms->high / unit);
      step.checkpoint_interval = Duration{random.between(low, high) * unit};
    }
  }
  if (swarm.batches) out.batches = Draw(random, *swarm.batches);
  const std::vector<ckpt::Records>* input = scenario.source.per_batch_input();
  if (input && !input->empty()) {
    ckpt::Records vocabulary = Vocabulary(scenario);
    std::vector<ckpt::Records>& drawn = *out.source.per_batch_input();
    drawn.clear();
    for (int64_t i = 0; i < out.batches; ++i) {
      if (!swarm.records_per_batch) {
        drawn.push_back((*input)[static_cast<size_t>(i) % input->size()]);
        continue;
      }
      ckpt::Records& batch = drawn.emplace_back();
      for (int64_t n = Draw(random, *swarm.records_per_batch); n > 0; --n) {
        batch.push_back(vocabulary[random.below(vocabulary.size())]);
      }
    }
  }
  if (swarm.restart_clock_offset_ms) {
    out.restart_clock_offset = Duration{Draw(random, *swarm.restart_clock_offset_ms)};
  }
  if (swarm.concurrent_jobs) {
    out.conf["spark.streaming.concurrentJobs"] =
        std::to_string(Draw(random, *swarm.concurrent_jobs));
  }
  if (swarm.io_fault_nth) out.faults.push_back(DrawIoFault(out, random));
  return out;
}

}  // namespace sim

#include <algorithm>
#include <map>
#include <set>

#include "oracle/check.h"

namespace sim {

// Which application run each incarnation belongs to: a new one begins at every incarnation whose
// context started fresh. One that died before its context started belongs to the previous one.
std::vector<int> ApplicationOf(const TrialRun& run) {
  std::vector<int> application(run.incarnations.size(), 0);
  int current = -1;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (incarnation.zero_time && !incarnation.recovered) ++current;
    application[i] = std::max(current, 0);
  }
  return application;
}

// When each application (see ApplicationOf) started its context afresh.
std::vector<Time> ApplicationStarts(const TrialRun& run, const std::vector<int>& application) {
  std::vector<Time> starts;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (static_cast<size_t>(application[i]) >= starts.size()) {
      starts.resize(application[i] + 1, incarnation.clock_at_start());
    }
    if (incarnation.zero_time && !incarnation.recovered) {
      starts[application[i]] = incarnation.clock_at_start();
    }
  }
  return starts;
}

namespace {

// No batch input yet: an empty list per batch of every log and receiver stream.
BatchInputs NoBatchInput(const Scenario& scenario) {
  BatchInputs none;
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    SourceKind kind = InputSource(scenario, id).kind();
    if (kind == SourceKind::kLog || kind == SourceKind::kReceiver)
      none[id].resize(scenario.batches);
  }
  return none;
}

}  // namespace

// The batch input each incarnation of a run with log or receiver streams saw: per application
// and stream, every batch's latest assignment up to and including that incarnation.
std::vector<BatchInputs> IncarnationBatchInputs(const Scenario& scenario, const TrialRun& run,
                                                const std::vector<int>& application) {
  std::vector<BatchInputs> inputs(run.incarnations.size());
  std::map<int, BatchInputs> current;  // application -> batch input so far
  std::map<int, Time> zero;            // application -> zero time
  size_t next = 0;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    int app = application[i];
    BatchInputs& input = current.try_emplace(app, NoBatchInput(scenario)).first->second;
    if (run.incarnations[i].zero_time && !zero.count(app))
      zero[app] = *run.incarnations[i].zero_time;
    for (; next < run.input_batches.size() &&
           run.input_batches[next].incarnation == static_cast<int>(i);
         ++next) {
      const InputBatch& batch = run.input_batches[next];
      int64_t index = BatchIndex(batch.batch_time, zero.count(app) ? zero[app] : Time{0},
                                 scenario.batch_duration);
      auto stream = input.find(batch.stream_id);
      if (stream != input.end() && index >= 1 && index <= scenario.batches) {
        stream->second[index - 1] = batch.records;
      }
    }
    inputs[i] = input;
  }
  return inputs;
}

BatchInputs BatchInput(const Scenario& scenario, const TrialRun& run) {
  std::vector<int> application(run.incarnations.size(), 0);
  std::vector<BatchInputs> inputs = IncarnationBatchInputs(scenario, run, application);
  return inputs.empty() ? NoBatchInput(scenario) : inputs.back();
}

}  // namespace sim

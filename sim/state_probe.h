// Observes a scenario's expect_state points in a trial: before every step of a process, whether
// the step is (before:) or follows (after:) an expectation's event, and then what the engine's
// state is for each field the expectation names (oracle/check_state_expectations.cpp judges it).
// Observing reads the state only: the trial's steps and digest are the same with or without it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/runtime/file_system.h"
#include "engine/streaming_context.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace sim {

class StateProbe {
 public:
  explicit StateProbe(const Scenario& scenario);

  // A new process starts: event counts begin again.
  void start_incarnation(int incarnation);

  // Before step `label` of the current process runs. `context` is its StreamingContext (nullptr
  // while getOrCreate has not returned one); `fs` is what the process sees.
  void before_step(const std::string& label, const ckpt::StreamingContext* context,
                   ckpt::FileSystem& fs, std::vector<StateObservation>& out);

 private:
  std::string field_text(const std::string& field, const ckpt::StreamingContext* context,
                         ckpt::FileSystem& fs) const;
  const ckpt::DStream* stream(const std::string& name, const ckpt::StreamingContext* context) const;

  const Scenario& scenario_;
  std::map<std::string, int32_t> stream_ids_;
  int incarnation_ = 0;
  std::vector<uint64_t> matches_;    // per expectation, in this process
  std::vector<bool> due_next_step_;  // per expectation: its `after` event just matched
};

}  // namespace sim

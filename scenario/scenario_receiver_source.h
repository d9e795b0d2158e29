// The receiver source of a simulation (the engine's ReceiverSource seam): one named source whose
// records arrive at the scenario's virtual times, and which keeps the receivers'
// acknowledgements.
//
// The source is another machine: its records and acknowledgements survive driver crashes, and a
// restarted receiver resumes at the acknowledged position. It remembers every acknowledgement
// (time and position), which the oracle needs to tell which records were handed over for good.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/receiver/receiver_source.h"
#include "scenario/scenario.h"

namespace sim {

class ScenarioReceiverSource : public ckpt::ReceiverSource {
 public:
  // REQUIRES: `arrivals` in time order (their partitions are ignored: one source).
  ScenarioReceiverSource(std::string name, const std::vector<LogAppend>& arrivals,
                         std::function<Time()> clock);

  ckpt::Status check_exists(const std::string& source) const override;
  int64_t available(const std::string& source) const override;
  int64_t acknowledged(const std::string& source) const override;
  ckpt::Records read(const std::string& source, int64_t from, int64_t until) const override;
  void acknowledge(const std::string& source, int64_t until) override;

  // The records at [from, until) whatever the time (the oracle's view).
  ckpt::Records records(int64_t from, int64_t until) const;
  int64_t acknowledged() const { return acknowledged_; }
  // How many records the source holds, arrived or not.
  int64_t size() const { return static_cast<int64_t>(values_.size()); }

 private:
  std::string name_;
  std::vector<Time> arrived_at_;
  ckpt::Records values_;
  std::function<Time()> clock_;
  int64_t acknowledged_ = 0;
};

}  // namespace sim

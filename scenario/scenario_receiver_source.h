// The receiver sources of a simulation (the engine's ReceiverSource seam): one named source per
// receiver stream of the scenario, whose records arrive at the scenario's virtual times, and which
// keeps the receivers' acknowledgements.
//
// The source is another machine: its records and acknowledgements survive driver crashes, and a
// restarted receiver resumes at the acknowledged position. It remembers every acknowledgement
// (time and position), which the oracle needs to tell which records were handed over for good.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/receiver/receiver_source.h"
#include "scenario/scenario.h"

namespace sim {

class ScenarioReceiverSource : public ckpt::ReceiverSource {
 public:
  // One source. REQUIRES: `arrivals` in time order (their partitions are ignored).
  ScenarioReceiverSource(std::string name, const std::vector<LogAppend>& arrivals,
                         std::function<Time()> clock);
  // Every receiver source of `scenario` (the main one and the named ones), by topic.
  ScenarioReceiverSource(const Scenario& scenario, std::function<Time()> clock);

  ckpt::Status check_exists(const std::string& source) const override;
  int64_t available(const std::string& source) const override;
  int64_t acknowledged(const std::string& source) const override;
  ckpt::Records read(const std::string& source, int64_t from, int64_t until) const override;
  void acknowledge(const std::string& source, int64_t until) override;

  // The records of `source` at [from, until) whatever the time (the oracle's view).
  ckpt::Records records(const std::string& source, int64_t from, int64_t until) const;
  // How many records `source` holds, arrived or not.
  int64_t size(const std::string& source) const;
  // Every source's acknowledged position, by name.
  std::map<std::string, int64_t> acknowledged_positions() const;

 private:
  struct Source {
    std::vector<Time> arrived_at;
    ckpt::Records values;
    int64_t acknowledged = 0;
  };
  void add_source(const std::string& name, const std::vector<LogAppend>& arrivals);
  const Source& at(const std::string& name) const;
  std::map<std::string, Source> sources_;
  std::function<Time()> clock_;
};

}  // namespace sim

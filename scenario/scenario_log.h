// The partitioned log of a simulation (the engine's PartitionedLog seam): a topic per log source of
// the scenario, whose partitions receive that source's appends at their virtual times.
//
// The producer is another machine, so the log is a pure function of virtual time: a record is
// visible from the moment of its append on, and no driver crash touches it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/dstream/partitioned_log.h"
#include "scenario/scenario.h"

namespace sim {

class ScenarioLog : public ckpt::PartitionedLog {
 public:
  ScenarioLog() = default;
  // One topic. REQUIRES: `appends` in time order, partitions within [0, partitions).
  ScenarioLog(std::string topic, int32_t partitions, const std::vector<LogAppend>& appends,
              std::function<Time()> clock);
  // Every log source of `scenario` (the main one and the named ones), each its own topic.
  ScenarioLog(const Scenario& scenario, std::function<Time()> clock);

  ckpt::Result<int32_t> partition_count(const std::string& topic) const override;
  int64_t end_offset(const std::string& topic, int32_t partition) const override;
  ckpt::Result<ckpt::Records> read(const std::string& topic,
                                   const ckpt::OffsetRange& range) const override;

 private:
  struct Entry {
    Time appended_at;
    ckpt::Value value;
  };
  using Partitions = std::vector<std::vector<Entry>>;
  void add_topic(const std::string& topic, int32_t partitions,
                 const std::vector<LogAppend>& appends);
  std::map<std::string, Partitions> topics_;
  std::function<Time()> clock_;
};

}  // namespace sim

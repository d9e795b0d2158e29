// The partitioned log of a simulation (the engine's PartitionedLog seam): one topic whose
// partitions receive the scenario's appends at their virtual times.
//
// The producer is another machine, so the log is a pure function of virtual time: a record is
// visible from the moment of its append on, and no driver crash touches it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/dstream/partitioned_log.h"
#include "scenario/scenario.h"

namespace sim {

class ScenarioLog : public ckpt::PartitionedLog {
 public:
  // REQUIRES: `appends` in time order, partitions within [0, partitions).
  ScenarioLog(std::string topic, int32_t partitions, const std::vector<LogAppend>& appends,
              std::function<Time()> clock);

  ckpt::Result<int32_t> partition_count(const std::string& topic) const override;
  int64_t end_offset(const std::string& topic, int32_t partition) const override;
  ckpt::Result<ckpt::Records> read(const std::string& topic,
                                   const ckpt::OffsetRange& range) const override;
  const std::string& topic() const { return topic_; }

 private:
  struct Entry {
    Time appended_at;
    ckpt::Value value;
  };
  std::string topic_;
  std::vector<std::vector<Entry>> partitions_;
  std::function<Time()> clock_;
};

}  // namespace sim

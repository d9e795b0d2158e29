// The partitioned-log seam: an external, replayable log of records (Kafka-like brokers) seen
// from the driver.
//
// The log lives outside the engine process, so a driver crash does not touch it. Offsets count
// records per partition from 0. In simulation the implementation is sim::ScenarioLog, whose records
// are appended at virtual times by a producer on another machine.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt {

// Spark's OffsetRange (without the topic, which the stream keeps): the records of `partition` at
// offsets [from, until).
struct OffsetRange {
  int32_t partition = 0;
  int64_t from = 0;
  int64_t until = 0;
  int64_t count() const { return until - from; }
  auto operator<=>(const OffsetRange&) const = default;
};

class PartitionedLog {
 public:
  virtual ~PartitionedLog() = default;
  // The number of partitions of `topic`; NotFound when the log has no such topic.
  virtual Result<int32_t> partition_count(const std::string& topic) const = 0;
  // The log end offset of a partition now: one past its newest record.
  // REQUIRES: `partition` < partition_count(topic).
  virtual int64_t end_offset(const std::string& topic, int32_t partition) const = 0;
  // The records of `range`. InvalidArgument when the range is not (yet) in the log.
  virtual Result<Records> read(const std::string& topic, const OffsetRange& range) const = 0;
};

}  // namespace ckpt

// The receiver-source seam: an external, reliable source of records that receivers pull from
// (a message queue with acknowledgements: Kafka's high-level consumer, Flume's polling sink).
//
// The source lives outside the engine process, so a driver crash does not touch it. Positions
// count records per source from 0. The source keeps every record until a receiver acknowledges
// it; a receiver that starts (again) resumes at the acknowledged position, so records received
// but not acknowledged before a crash are delivered again (at least once). In simulation the
// implementation is sim::ScenarioReceiverSource, whose records arrive at virtual times.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt {

class ReceiverSource {
 public:
  virtual ~ReceiverSource() = default;
  // NotFound when there is no source of that name.
  virtual Status check_exists(const std::string& source) const = 0;
  // One past the newest record that has arrived by now.
  virtual int64_t available(const std::string& source) const = 0;
  // Where a newly started receiver resumes: one past the last acknowledged record.
  virtual int64_t acknowledged(const std::string& source) const = 0;
  // The records at [from, until). REQUIRES: until <= available(source).
  virtual Records read(const std::string& source, int64_t from, int64_t until) const = 0;
  // The receiver has stored every record before `until`: the source may forget them.
  virtual void acknowledge(const std::string& source, int64_t until) = 0;
};

}  // namespace ckpt

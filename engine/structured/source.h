// A source of a micro-batch query as the loop sees it (Spark's MicroBatchStream and V1 Source):
// its offsets are the JSON lines the offset log holds, one per source.
#pragma once

#include <optional>
#include <string>

#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt::structured {

class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Called once as the query starts (a source restoring what its own log holds).
  virtual Status init() { return Status::Ok(); }
  // Where the first batch starts: none for a source whose offsets begin with its first data.
  virtual Result<std::optional<std::string>> initial_offset() = 0;
  // The end offset of the next batch after `start` (none: the source has no offset yet).
  virtual Result<std::optional<std::string>> latest_offset(
      const std::optional<std::string>& start) = 0;
  // The records after `start` up to `end` (getBatch / the planned input partitions).
  virtual Result<Records> read(const std::optional<std::string>& start, const std::string& end) = 0;
};

}  // namespace ckpt::structured

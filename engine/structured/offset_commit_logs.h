// The two logs of a query's checkpoint (structured-streaming-notes.md 1.2, 1.3): the offset log
// `offsets/N` (the plan of batch N, written before it runs) and the commit log `commits/N`
// (written after its sink and state commits), in Spark's text formats.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/structured/metadata_log.h"

namespace ckpt::structured {

// OffsetSeqMetadata: the batch's watermark and timestamp, and the confs pinned by the checkpoint.
struct OffsetSeqMetadata {
  int64_t batch_watermark_ms = 0;
  int64_t batch_timestamp_ms = 0;
  std::map<std::string, std::string> conf;
  bool operator==(const OffsetSeqMetadata&) const = default;
};

// OffsetSeq: one end offset per source in plan order (a source's offset JSON, or nullopt when it
// has none yet), and the metadata line (absent in logs of old versions).
struct OffsetSeq {
  std::vector<std::optional<std::string>> offsets;
  std::optional<OffsetSeqMetadata> metadata;
  bool operator==(const OffsetSeq&) const = default;
};

// OffsetSeqLog's format: "v1", the metadata JSON (or an empty line), then one line per source,
// "-" for a source without an offset.
struct OffsetSeqCodec {
  using Value = OffsetSeq;
  static constexpr int kVersion = 1;
  static std::string Serialize(const OffsetSeq& offsets);
  static Result<OffsetSeq> Deserialize(std::string_view content);
};

// CommitMetadata: the watermark the next batch starts with.
struct CommitMetadata {
  int64_t next_batch_watermark_ms = 0;
  bool operator==(const CommitMetadata&) const = default;
};

// CommitLog's format: "v1", then {"nextBatchWatermarkMs":N}; a missing second line reads as {}.
struct CommitCodec {
  using Value = CommitMetadata;
  static constexpr int kVersion = 1;
  static std::string Serialize(const CommitMetadata& commit);
  static Result<CommitMetadata> Deserialize(std::string_view content);
};

using OffsetSeqLog = MetadataLog<OffsetSeqCodec>;
using CommitLog = MetadataLog<CommitCodec>;

}  // namespace ckpt::structured

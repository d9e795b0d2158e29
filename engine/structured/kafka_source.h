// A Kafka-like source of Structured Streaming (KafkaMicroBatchStream, structured-streaming-notes.md
// 1.4, 2.4 B1, 3.5) over the partitioned-log seam: offsets are per-partition positions, written in
// the offset log as {"<topic>":{"0":12,"1":7}}; the starting offsets are resolved once, durably, in
// `sources/<i>/0` before the first batch is planned.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/dstream/partitioned_log.h"
#include "engine/structured/metadata_log.h"
#include "engine/structured/source.h"

namespace ckpt::structured {

// Partition -> offset of one topic (Kafka's PartitionOffsetMap for a single topic).
using PartitionOffsets = std::map<int32_t, int64_t>;

// JsonUtils.partitionOffsets: {"<topic>":{"<partition>":<offset>,...}}, partitions ascending.
std::string PartitionOffsetsToJson(const std::string& topic, const PartitionOffsets& offsets);
// Corruption when `json` is not such an object for `topic`.
Result<PartitionOffsets> PartitionOffsetsFromJson(const std::string& topic, std::string_view json);

enum class StartingOffsets { kEarliest, kLatest };

// The initial-offsets file's format (KafkaSourceInitialOffsetWriter, SPARK-19517): a zero byte,
// "v1\n", then the offsets JSON.
struct KafkaInitialOffsetCodec {
  struct Value {
    std::string json;
    bool operator==(const Value&) const = default;
  };
  static constexpr int kVersion = 1;
  static std::string Serialize(const Value& value);
  static Result<Value> Deserialize(std::string_view content);
};

class KafkaSource : public StreamSource {
 public:
  // `source_dir`: `<checkpoint>/sources/<i>`. `max_offsets_per_trigger`: the maxOffsetsPerTrigger
  // option (none: every available record).
  KafkaSource(CheckpointFileManager* manager, const PartitionedLog* log, std::string topic,
              std::string source_dir, StartingOffsets starting,
              std::optional<int64_t> max_offsets_per_trigger);

  const std::string& topic() const { return topic_; }

  // initialOffset(): read back from sources/<i>/0, or resolved now (earliest: 0, latest: the log
  // end offsets) and written there by the first call; then kept in memory.
  Result<std::optional<std::string>> initial_offset() override;
  Result<std::optional<std::string>> latest_offset(
      const std::optional<std::string>& start) override;
  Result<Records> read(const std::optional<std::string>& start, const std::string& end) override;

  // latestOffset(start, limit): the end offsets of the next batch: the log end offsets, or with
  // maxOffsetsPerTrigger a share of the limit per partition in proportion to its backlog (never
  // starving a partition with a backlog of its own, never past its end).
  PartitionOffsets next_end(const PartitionOffsets& start) const;
  // The records of [start, end) per partition, partition by partition.
  Result<Records> read_ranges(const PartitionOffsets& start, const PartitionOffsets& end) const;

 private:
  Result<PartitionOffsets> resolve_initial_offset();
  Result<PartitionOffsets> parse(const std::string& json) const;

  MetadataLog<KafkaInitialOffsetCodec> initial_offsets_log_;
  DefectSet defects_;
  std::optional<PartitionOffsets> initial_;
  const PartitionedLog* log_;
  std::string topic_;
  StartingOffsets starting_;
  std::optional<int64_t> max_offsets_per_trigger_;
};

}  // namespace ckpt::structured

// Spark's CompactibleFileStreamLog (structured-streaming-notes.md 1.8): a metadata log of entries,
// one JSON line each, whose every compactInterval-th batch `b` ((b + 1) % k == 0) is written as
// `<b>.compact` holding every entry so far, so that a reader needs only the newest compaction file
// and the batches after it. The file sink's `_spark_metadata` and the file source's seen-files log
// are such logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/scheduler.h"
#include "engine/structured/metadata_log.h"

namespace ckpt::structured {

// The entries of one batch file: "v1", then one JSON line per entry.
struct EntriesCodec {
  using Value = std::vector<std::string>;
  static constexpr int kVersion = 1;
  static std::string Serialize(const Value& entries);
  static Result<Value> Deserialize(std::string_view content);
};

struct CompactibleLogConf {
  int64_t default_compact_interval = 10;  // ...fileSink.log.compactInterval
  int64_t min_batches_to_retain = 100;    // spark.sql.streaming.minBatchesToRetain
  bool deletion = true;                   // ...fileSink.log.deletion
  Duration cleanup_delay{600000};         // ...fileSink.log.cleanupDelay (10 min)
};

// isCompactionBatch: (batch_id + 1) % interval == 0.
bool IsCompactionBatch(int64_t batch_id, int64_t interval);
// deriveCompactInterval: the interval a log with a single compaction file, at `latest_compact`,
// must have had, the configured one if it divides latest_compact + 1.
int64_t DeriveCompactInterval(int64_t default_interval, int64_t latest_compact);

class CompactibleLog {
 public:
  // `clock` stamps nothing; it is the "now" of the expiry (Spark's System.currentTimeMillis).
  CompactibleLog(CheckpointFileManager* manager, std::string path, CompactibleLogConf conf,
                 const Scheduler* clock);

  // Creates the directory when missing and derives the compact interval from the compaction
  // files already there (two: their distance; one: DeriveCompactInterval), so a changed conf
  // has no effect on an existing log.
  Status init();
  int64_t compact_interval() const { return compact_interval_; }
  std::string batch_id_to_path(int64_t batch_id) const;

  // The batch ids listed (`<b>` or `<b>.compact`), ascending.
  Result<std::vector<int64_t>> list_batches();
  // The highest batch id listed; none for an empty log.
  Result<std::optional<int64_t>> latest_batch_id();

  // Writes batch `batch_id` unless it exists (false then). A compaction batch holds every entry
  // of the batches since the previous compaction file and that file's, then its own. After a
  // write, with deletion on, the files no reader needs any more are deleted once older than the
  // cleanup delay.
  Result<bool> add(int64_t batch_id, const std::vector<std::string>& entries);

  // allFiles(): the entries of the newest compaction file and every batch after it, up to the
  // latest. A batch file missing in that range: "<path> doesn't exist (latestId: L,
  // compactInterval: k)" (V14).
  Result<std::vector<std::string>> all_entries();

  // The entries of batch `batch_id`'s file (`<b>` or `<b>.compact`: a compaction file holds every
  // batch's up to b); none when it does not exist.
  Result<std::optional<std::vector<std::string>>> get(int64_t batch_id);

  // Compactible logs refuse purge (SPARK-26949): "Cannot purge as it might break internal state."
  Status purge(int64_t threshold_batch_id);

 private:
  Status delete_expired(int64_t current_batch_id);

  CheckpointFileManager* manager_;
  std::string path_;
  CompactibleLogConf conf_;
  const Scheduler* clock_;
  int64_t compact_interval_;
};

}  // namespace ckpt::structured

// The HDFS-backed state store of Structured Streaming (HDFSBackedStateStoreProvider,
// structured-streaming-notes.md 1.5, 2.5 R3a, 2.6, 3.3): one directory per (operator,
// partition), `<v>.delta` for the updates that made version v and `<v>.snapshot` for a whole
// version. Batch N loads version N and commits version N+1 by renaming its delta over whatever
// an earlier attempt left (SPARK-19677). Maintenance writes a snapshot of the newest version once
// more than minDeltasForSnapshot deltas follow the last one, and deletes the files no version
// from `latest - minVersionsToRetain` on needs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/structured/checkpoint_file_manager.h"
#include "engine/value.h"

namespace ckpt::structured {

using StateMap = std::map<Value, Value>;

struct StateStoreConf {
  int64_t min_deltas_for_snapshot = 10;  // spark.sql.streaming.stateStore.minDeltasForSnapshot
  int64_t min_versions_to_retain = 100;  // spark.sql.streaming.minBatchesToRetain
  int64_t max_versions_in_memory = 2;    // spark.sql.streaming.maxBatchesToRetainInMemory
};

// A value's bytes in a state file (our stand-in for an UnsafeRow): a kind byte, then an int64 or
// a double's bits (8 bytes, little-endian), a string's 4-byte length and bytes, a pair's two
// values, a Some's value, or a list's 4-byte count and values.
std::string EncodeStateValue(const Value& value);
// Corruption when `bytes` is not exactly one value (nesting is bounded).
Result<Value> DecodeStateValue(std::string_view bytes);

class StateStoreProvider;

// One version's updates (HDFSBackedStateStore): reads see the loaded version and the updates so
// far; every update goes to the delta file's temp stream at once.
class StateStore {
 public:
  ~StateStore();
  int64_t version() const { return version_; }
  std::optional<Value> get(const Value& key) const;
  const StateMap& map() const { return map_; }
  Status put(const Value& key, const Value& value);
  Status remove(const Value& key);
  // Ends the delta file and renames it to `<version + 1>.delta`, replacing one an earlier attempt
  // wrote; the new version joins the provider's cache. "Error committing version v into <provider>:
  // <cause>" on failure; "Cannot commit after already committed or aborted" when not updating.
  Result<int64_t> commit();
  // Cancels the delta file (its temp file deleted). Does nothing after commit.
  void abort();

 private:
  friend class StateStoreProvider;
  enum class State { kUpdating, kCommitted, kAborted };
  StateStore(StateStoreProvider* provider, int64_t version, StateMap map);
  Status write_record(const Value& key, const std::optional<Value>& value);

  StateStoreProvider* provider_;
  int64_t version_;
  StateMap map_;
  State state_ = State::kUpdating;
  std::unique_ptr<AtomicOutputStream> delta_;  // opened by the first write or the commit
};

class StateStoreProvider {
 public:
  // `dir`: `<checkpoint>/state/<operator>/<partition>`.
  StateStoreProvider(CheckpointFileManager* manager, std::string dir, int64_t operator_id,
                     int64_t partition_id, StateStoreConf conf);

  // getStore(version): REQUIRES version >= 0. Version 0 is the empty map; another comes from the
  // cache, its snapshot, or the newest cached or snapshotted version before it plus the deltas
  // after that one. A missing delta: "Error reading delta file <path> of <provider>: <path> does
  // not exist" (V16); a corrupt record: "... key size cannot be K" (V17).
  Result<std::unique_ptr<StateStore>> get_store(int64_t version);

  // doMaintenance: a snapshot of the newest version when it is cached and more than
  // minDeltasForSnapshot deltas follow the last snapshot; then the cleanup. Errors are returned
  // to be logged: Spark logs them and goes on.
  Status do_maintenance();

  // "HDFSStateStoreProvider[id = (op=0,part=1),dir = <dir>]".
  std::string to_string() const;
  const std::string& dir() const { return dir_; }

 private:
  friend class StateStore;
  struct StoreFile {
    int64_t version;
    std::string path;
    bool is_snapshot;
  };
  Result<StateMap> load_map(int64_t version);
  Result<std::optional<StateMap>> read_snapshot(int64_t version);
  Status apply_delta(int64_t version, StateMap& map);
  void cache(int64_t version, const StateMap& map);
  Result<std::vector<StoreFile>> fetch_files();
  Result<std::vector<StoreFile>> files_for_version(const std::vector<StoreFile>& files,
                                                   int64_t version) const;
  Status write_snapshot(int64_t version, const StateMap& map);
  Status cleanup();
  std::string delta_path(int64_t version) const;
  // Deltas are committed over an existing one (SPARK-19677) unless that fix is reverted.
  bool deltas_overwrite() const {
    return !manager_->defects().has(Defect::kDeltaRenameFailsIfExists);
  }
  std::string snapshot_path(int64_t version) const;

  CheckpointFileManager* manager_;
  std::string dir_;
  int64_t operator_id_;
  int64_t partition_id_;
  StateStoreConf conf_;
  std::map<int64_t, StateMap> loaded_maps_;  // loadedMaps: the newest versions in memory
};

}  // namespace ckpt::structured

#include "engine/structured/state_store.h"

#include <charconv>
#include <cstring>

#include "engine/runtime/assert.h"

namespace ckpt::structured {
namespace {

constexpr int kMaxNesting = 64;  // a hostile file cannot make decoding recurse without bound

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(v >> shift));
}
void PutU64(std::string& out, uint64_t v) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>(v >> shift));
}

void Encode(const Value& value, std::string& out) {
  out.push_back(static_cast<char>(value.kind()));
  switch (value.kind()) {
    case Value::Kind::kInt:
      return PutU64(out, static_cast<uint64_t>(value.as_int()));
    case Value::Kind::kDouble: {
      uint64_t bits = 0;
      double d = value.as_double();
      std::memcpy(&bits, &d, sizeof bits);
      return PutU64(out, bits);
    }
    case Value::Kind::kString:
      PutU32(out, static_cast<uint32_t>(value.as_string().size()));
      out += value.as_string();
      return;
    case Value::Kind::kPair:
      Encode(value.first(), out);
      return Encode(value.second(), out);
    case Value::Kind::kNone:
      return;
    case Value::Kind::kSome:
      return Encode(value.some_value(), out);
    case Value::Kind::kList:
      PutU32(out, static_cast<uint32_t>(value.items().size()));
      for (const Value& item : value.items()) Encode(item, out);
      return;
  }
}

// Reads values from bytes, every length checked against what is left.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return bytes_.empty(); }

  std::optional<Value> value(int depth = 0) {
    if (depth > kMaxNesting || bytes_.empty()) return std::nullopt;
    auto kind = static_cast<Value::Kind>(bytes_.front());
    bytes_.remove_prefix(1);
    switch (kind) {
      case Value::Kind::kInt:
      case Value::Kind::kDouble: {
        std::optional<uint64_t> bits = fixed(8);
        if (!bits) return std::nullopt;
        if (kind == Value::Kind::kInt) return Value::Int(static_cast<int64_t>(*bits));
        double d = 0;
        std::memcpy(&d, &*bits, sizeof d);
        return Value::Double(d);
      }
      case Value::Kind::kString: {
        std::optional<uint64_t> size = fixed(4);
        if (!size || *size > bytes_.size()) return std::nullopt;
        Value text = Value::String(std::string(bytes_.substr(0, *size)));
        bytes_.remove_prefix(*size);
        return text;
      }
      case Value::Kind::kPair: {
        std::optional<Value> first = value(depth + 1);
        std::optional<Value> second = first ? value(depth + 1) : std::nullopt;
        if (!second) return std::nullopt;
        return Value::Pair(*std::move(first), *std::move(second));
      }
      case Value::Kind::kNone:
        return Value::None();
      case Value::Kind::kSome: {
        std::optional<Value> inner = value(depth + 1);
        if (!inner) return std::nullopt;
        return Value::Some(*std::move(inner));
      }
      case Value::Kind::kList:
        return list(depth);
    }
    return std::nullopt;  // an unknown kind byte
  }

 private:
  std::optional<Value> list(int depth) {
    std::optional<uint64_t> count = fixed(4);
    // Every item takes at least one byte, so a count beyond what is left is corrupt.
    if (!count || *count > bytes_.size()) return std::nullopt;
    std::vector<Value> items;
    for (uint64_t i = 0; i < *count; ++i) {
      std::optional<Value> item = value(depth + 1);
      if (!item) return std::nullopt;
      items.push_back(*std::move(item));
    }
    return Value::List(std::move(items));
  }
  std::optional<uint64_t> fixed(size_t size) {
    if (bytes_.size() < size) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i)
      v |= uint64_t{static_cast<unsigned char>(bytes_[i])} << (8 * i);
    bytes_.remove_prefix(size);
    return v;
  }
  std::string_view bytes_;
};

// Java's DataOutputStream.writeInt: 4 bytes, big-endian.
void PutJavaInt(std::string& out, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

// A state file's records: (key size, key, value size or -1 for a removal, value)..., then -1.
class RecordReader {
 public:
  RecordReader(std::string_view content, std::string what)
      : rest_(content), what_(std::move(what)) {}
  // The next record into key/value (value none: a removal); false at the end marker.
  Result<bool> next(Value& key, std::optional<Value>& value) {
    CKPT_ASSIGN_OR_RETURN(int32_t key_size, java_int());
    if (key_size == -1) return false;
    if (key_size < 0)
      return Status::IoError(what_ + ": key size cannot be " + std::to_string(key_size));
    CKPT_ASSIGN_OR_RETURN(key, row(key_size));
    CKPT_ASSIGN_OR_RETURN(int32_t value_size, java_int());
    if (value_size < 0) {
      value.reset();
      return true;
    }
    CKPT_ASSIGN_OR_RETURN(value, row(value_size));
    return true;
  }

 private:
  Result<int32_t> java_int() {
    if (rest_.size() < 4)
      return Status::IoError(what_ + ": unexpected end of file");  // EOFException
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(rest_[i]);
    rest_.remove_prefix(4);
    return static_cast<int32_t>(u);
  }
  Result<Value> row(int32_t size) {
    if (rest_.size() < static_cast<size_t>(size))
      return Status::IoError(what_ + ": unexpected end of file");
    Result<Value> decoded = DecodeStateValue(rest_.substr(0, static_cast<size_t>(size)));
    rest_.remove_prefix(static_cast<size_t>(size));
    if (!decoded.ok()) return Status::IoError(what_ + ": " + decoded.status().message());
    return decoded;
  }
  std::string_view rest_;
  std::string what_;
};

std::string Record(const Value& key, const std::optional<Value>& value) {
  std::string out;
  std::string key_bytes = EncodeStateValue(key);
  PutJavaInt(out, static_cast<int32_t>(key_bytes.size()));
  out += key_bytes;
  if (!value) {
    PutJavaInt(out, -1);
    return out;
  }
  std::string value_bytes = EncodeStateValue(*value);
  PutJavaInt(out, static_cast<int32_t>(value_bytes.size()));
  return out + value_bytes;
}

std::string EndMarker() {
  std::string out;
  PutJavaInt(out, -1);
  return out;
}

}  // namespace

std::string EncodeStateValue(const Value& value) {
  std::string out;
  Encode(value, out);
  return out;
}

Result<Value> DecodeStateValue(std::string_view bytes) {
  Decoder decoder(bytes);
  std::optional<Value> value = decoder.value();
  if (!value || !decoder.done()) return Status::Corruption("malformed state row");
  return *std::move(value);
}

// ---- StateStore ----

StateStore::StateStore(StateStoreProvider* provider, int64_t version, StateMap map)
    : provider_(provider), version_(version), map_(std::move(map)) {}

StateStore::~StateStore() { abort(); }

std::optional<Value> StateStore::get(const Value& key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

Status StateStore::write_record(const Value& key, const std::optional<Value>& value) {
  if (!delta_) {
    CKPT_ASSIGN_OR_RETURN(delta_, provider_->manager_->create_atomic(
                                      provider_->delta_path(version_ + 1), provider_->deltas_overwrite()));
  }
  return delta_->append(Record(key, value));
}

Status StateStore::put(const Value& key, const Value& value) {
  if (state_ != State::kUpdating)
    return Status::IllegalState("Cannot put after already committed or aborted");
  map_[key] = value;
  return write_record(key, value);
}

Status StateStore::remove(const Value& key) {
  if (state_ != State::kUpdating)
    return Status::IllegalState("Cannot remove after already committed or aborted");
  if (map_.erase(key) == 0) return Status::Ok();  // Spark writes a removal only for a key it had
  return write_record(key, std::nullopt);
}

Result<int64_t> StateStore::commit() {
  if (state_ != State::kUpdating) {
    return Status::IllegalState("Cannot commit after already committed or aborted");
  }
  const int64_t new_version = version_ + 1;
  Status committed = Status::Ok();
  if (!delta_) {
    Result<std::unique_ptr<AtomicOutputStream>> opened = provider_->manager_->create_atomic(
        provider_->delta_path(new_version), provider_->deltas_overwrite());
    committed = opened.status();
    if (opened.ok()) delta_ = std::move(opened).value();
  }
  if (committed.ok()) committed = delta_->append(EndMarker());
  if (committed.ok()) {
    committed = delta_->close();
    // SPARK-40826 reverted: the rename's outcome trusted, the version counts as committed.
    if (provider_->manager_->defects().has(Defect::kTrustDeltaRename)) committed = Status::Ok();
  }
  if (!committed.ok()) {
    return Status::IllegalState("Error committing version " + std::to_string(new_version) +
                                " into " + provider_->to_string() + ": " + committed.message())
        .with_marks_of(committed);
  }
  state_ = State::kCommitted;
  provider_->cache(new_version, map_);
  return new_version;
}

void StateStore::abort() {
  if (state_ == State::kUpdating && delta_) delta_->cancel();
  if (state_ == State::kUpdating) state_ = State::kAborted;
}

// ---- StateStoreProvider ----

StateStoreProvider::StateStoreProvider(CheckpointFileManager* manager, std::string dir,
                                       int64_t operator_id, int64_t partition_id,
                                       StateStoreConf conf)
    : manager_(manager),
      dir_(std::move(dir)),
      operator_id_(operator_id),
      partition_id_(partition_id),
      conf_(conf) {}

std::string StateStoreProvider::to_string() const {
  return "HDFSStateStoreProvider[id = (op=" + std::to_string(operator_id_) +
         ",part=" + std::to_string(partition_id_) + "),dir = " + dir_ + "]";
}

std::string StateStoreProvider::delta_path(int64_t version) const {
  return JoinPath(dir_, std::to_string(version) + ".delta");
}

std::string StateStoreProvider::snapshot_path(int64_t version) const {
  return JoinPath(dir_, std::to_string(version) + ".snapshot");
}

Result<std::unique_ptr<StateStore>> StateStoreProvider::get_store(int64_t version) {
  CKPT_ASSERT(version >= 0, "Version cannot be less than 0");
  CKPT_RETURN_IF_ERROR(manager_->fs().mkdirs(dir_));
  StateMap map;
  if (version > 0) {
    CKPT_ASSIGN_OR_RETURN(map, load_map(version));
  }
  return std::unique_ptr<StateStore>(new StateStore(this, version, std::move(map)));
}

// loadMap: the cache, the version's snapshot, or the newest earlier version found (cache or
// snapshot, the empty map at 0) plus the deltas after it.
Result<StateMap> StateStoreProvider::load_map(int64_t version) {
  if (auto cached = loaded_maps_.find(version); cached != loaded_maps_.end()) return cached->second;
  CKPT_ASSIGN_OR_RETURN(std::optional<StateMap> snapshot, read_snapshot(version));
  if (snapshot) {
    cache(version, *snapshot);
    return *std::move(snapshot);
  }
  // Spark walks down from version - 1 to the first version cached or snapshotted (0: empty).
  // The newest such version from the cache and the listing is the same one, found without a
  // call per version (a hostile offset log may ask for version 2^61).
  int64_t base = 0;
  if (auto cached = loaded_maps_.lower_bound(version); cached != loaded_maps_.begin()) {
    base = std::prev(cached)->first;
  }
  Result<std::vector<FileStatus>> listed = manager_->fs().list(dir_);
  if (!listed.ok() && listed.status().code() != StatusCode::kNotFound) return listed.status();
  for (const FileStatus& entry : listed.ok() ? listed.value() : std::vector<FileStatus>{}) {
    std::string_view name = entry.name;
    if (!name.ends_with(".snapshot")) continue;
    name.remove_suffix(std::string_view(".snapshot").size());
    int64_t snapshot = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), snapshot);
    if (error != std::errc() || end != name.data() + name.size()) continue;
    if (snapshot < version && snapshot > base) base = snapshot;
  }
  StateMap map;
  if (base > 0) {
    if (auto cached = loaded_maps_.find(base); cached != loaded_maps_.end()) {
      map = cached->second;
    } else {
      CKPT_ASSIGN_OR_RETURN(std::optional<StateMap> snapshot, read_snapshot(base));
      if (!snapshot) return Status::IllegalState("snapshot " + snapshot_path(base) + " vanished");
      map = *std::move(snapshot);
    }
  }
  // The first missing delta ends the walk with an error, so it is bounded by the files there.
  for (int64_t delta = base + 1; delta <= version; ++delta) {
    CKPT_RETURN_IF_ERROR(apply_delta(delta, map));
  }
  cache(version, map);
  return map;
}

Result<std::optional<StateMap>> StateStoreProvider::read_snapshot(int64_t version) {
  const std::string path = snapshot_path(version);
  CKPT_ASSIGN_OR_RETURN(bool exists, manager_->fs().exists(path));
  if (!exists) return std::optional<StateMap>();
  CKPT_ASSIGN_OR_RETURN(std::string content, manager_->fs().read_file(path));
  const std::string what = "Error reading snapshot file " + path + " of " + to_string();
  RecordReader reader(content, what);
  StateMap map;
  Value key;
  std::optional<Value> value;
  for (;;) {
    CKPT_ASSIGN_OR_RETURN(bool more, reader.next(key, value));
    if (!more) break;
    if (!value) return Status::IoError(what + ": value size cannot be -1");
    map[key] = *value;
  }
  return std::optional<StateMap>(std::move(map));
}

Status StateStoreProvider::apply_delta(int64_t version, StateMap& map) {
  const std::string path = delta_path(version);
  const std::string what = "Error reading delta file " + path + " of " + to_string();
  Result<std::string> content = manager_->fs().read_file(path);
  if (content.status().code() == StatusCode::kNotFound) {
    return Status::IllegalState(what + ": " + path + " does not exist");
  }
  CKPT_RETURN_IF_ERROR(content.status());
  RecordReader reader(content.value(), what);
  Value key;
  std::optional<Value> value;
  for (;;) {
    CKPT_ASSIGN_OR_RETURN(bool more, reader.next(key, value));
    if (!more) return Status::Ok();
    if (value) {
      map[key] = *value;
    } else {
      map.erase(key);
    }
  }
}

// putStateIntoStateCacheMap: keeps the newest max_versions_in_memory versions; a version older
// than every cached one when the cache is full is not cached.
void StateStoreProvider::cache(int64_t version, const StateMap& map) {
  if (conf_.max_versions_in_memory <= 0) {
    loaded_maps_.clear();
    return;
  }
  if (static_cast<int64_t>(loaded_maps_.size()) >= conf_.max_versions_in_memory &&
      !loaded_maps_.count(version)) {
    if (version < loaded_maps_.begin()->first) return;
    loaded_maps_.erase(loaded_maps_.begin());
  }
  loaded_maps_[version] = map;
}

// fetchFiles: `<v>.delta` and `<v>.snapshot` by version, a snapshot preferred; other names are
// ignored (temp files have more than one dot).
Result<std::vector<StateStoreProvider::StoreFile>> StateStoreProvider::fetch_files() {
  Result<std::vector<FileStatus>> listed = manager_->fs().list(dir_);
  if (listed.status().code() == StatusCode::kNotFound) return std::vector<StoreFile>{};
  CKPT_RETURN_IF_ERROR(listed.status());
  std::map<int64_t, StoreFile> by_version;
  for (const FileStatus& entry : listed.value()) {
    size_t dot = entry.name.find('.');
    if (dot == std::string::npos || entry.name.find('.', dot + 1) != std::string::npos) continue;
    std::string_view number(entry.name.data(), dot);
    int64_t version = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), version);
    if (error != std::errc() || end != number.data() + number.size()) {
      return Status::InvalidArgument("For input string: \"" + std::string(number) + "\"");
    }
    std::string_view suffix(entry.name.data() + dot + 1);
    std::string path = JoinPath(dir_, entry.name);
    if (suffix == "snapshot") {
      by_version[version] = StoreFile{version, path, true};
    } else if (suffix == "delta") {
      by_version.try_emplace(version, StoreFile{version, path, false});
    }
  }
  std::vector<StoreFile> files;
  for (auto& [version, file] : by_version) files.push_back(std::move(file));
  return files;
}

Result<std::vector<StateStoreProvider::StoreFile>> StateStoreProvider::files_for_version(
    const std::vector<StoreFile>& files, int64_t version) const {
  const StoreFile* snapshot = nullptr;
  for (const StoreFile& file : files) {
    if (file.is_snapshot && file.version <= version) snapshot = &file;
  }
  std::vector<StoreFile> chain;
  if (snapshot) chain.push_back(*snapshot);
  for (const StoreFile& file : files) {
    if (file.version <= version && (!snapshot || file.version > snapshot->version)) {
      chain.push_back(file);
    }
  }
  if (snapshot && static_cast<int64_t>(chain.size()) - 1 != version - snapshot->version) {
    return Status::IllegalState("Unexpected list of delta files for version " +
                                std::to_string(version) + " for " + to_string());
  }
  return chain;
}

Status StateStoreProvider::do_maintenance() {
  CKPT_ASSIGN_OR_RETURN(std::vector<StoreFile> files, fetch_files());
  if (!files.empty()) {
    const int64_t last = files.back().version;
    CKPT_ASSIGN_OR_RETURN(std::vector<StoreFile> chain, files_for_version(files, last));
    int64_t deltas = 0;
    for (const StoreFile& file : chain) deltas += file.is_snapshot ? 0 : 1;
    auto cached = loaded_maps_.find(last);
    if (cached != loaded_maps_.end() && deltas > conf_.min_deltas_for_snapshot) {
      CKPT_RETURN_IF_ERROR(write_snapshot(last, cached->second));
    }
  }
  return cleanup();
}

Status StateStoreProvider::write_snapshot(int64_t version, const StateMap& map) {
  CKPT_ASSIGN_OR_RETURN(auto output,
                        manager_->create_atomic(snapshot_path(version), /*overwrite=*/true));
  std::string content;
  for (const auto& [key, value] : map) content += Record(key, value);
  Status written = output->append(content + EndMarker());
  if (written.ok()) written = output->close();
  if (!written.ok()) output->cancel();
  return written;
}

// cleanup: deletes every file older than the first file of the chain that builds
// `latest - minVersionsToRetain`.
Status StateStoreProvider::cleanup() {
  CKPT_ASSIGN_OR_RETURN(std::vector<StoreFile> files, fetch_files());
  if (files.empty()) return Status::Ok();
  const int64_t earliest = files.back().version - conf_.min_versions_to_retain;
  if (earliest <= 0) return Status::Ok();
  bool has_earliest = false;
  for (const StoreFile& file : files) has_earliest |= file.version == earliest;
  if (!has_earliest) {
    return Status::InvalidArgument("requirement failed: no file of version " +
                                   std::to_string(earliest));
  }
  CKPT_ASSIGN_OR_RETURN(std::vector<StoreFile> chain, files_for_version(files, earliest));
  for (const StoreFile& file : files) {
    if (file.version >= chain.front().version) break;
    Status deleted = manager_->fs().remove(file.path, /*recursive=*/false);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  }
  return Status::Ok();
}

}  // namespace ckpt::structured

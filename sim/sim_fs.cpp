#include "sim/sim_fs.h"

#include <algorithm>

#include "sim/faults.h"
#include "util/named_enum.h"
#include "util/random.h"

namespace sim {

using ckpt::Result;
using ckpt::Status;

namespace {

bool IsAtOrBelow(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

enum class Fate { kDropped, kKept, kTorn, kPrefix };
constexpr uint64_t kFateCount = 4;
const char* FateName(Fate fate) {
  switch (fate) {
    case Fate::kDropped:
      return "dropped";
    case Fate::kKept:
      return "kept";
    case Fate::kTorn:
      return "torn";
    case Fate::kPrefix:
      return "cut to a prefix";
  }
  return "?";
}

// `data` from byte `from` on becomes garbage, starting at a sector or page boundary past `from`
// that `random` picks (the length stays).
std::string Tear(const std::string& data, size_t from, Random& random) {
  size_t unit = random.chance(1, 2) ? 512 : 4096;
  size_t first_boundary = (from + unit - 1) / unit * unit;
  size_t boundaries = first_boundary >= data.size() ? 0 : (data.size() - first_boundary) / unit + 1;
  size_t cut = boundaries == 0 ? from : first_boundary + unit * random.below(boundaries);
  std::string torn = data.substr(0, cut);
  while (torn.size() < data.size()) torn.push_back(static_cast<char>(random.next_u64()));
  return torn;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b, uint64_t cap) { return std::min(cap, a + b); }

}  // namespace

// ---- SimFs ----

class SimFs::File : public ckpt::WritableFile {
 public:
  File(std::shared_ptr<Inode> inode, SimFs* fs) : inode_(std::move(inode)), fs_(fs) {}
  Status append(std::string_view data) override {
    if (closed_) return Status::IllegalState("append to a closed file");
    inode_->data.append(data);
    inode_->write_sequence = ++fs_->write_sequence_;
    return Status::Ok();
  }
  Status sync() override {
    if (closed_) return Status::IllegalState("sync of a closed file");
    if (fs_->model_ != PersistenceModel::kLyingDisk) inode_->durable = inode_->data;
    return Status::Ok();
  }
  Status close() override {
    if (closed_) return Status::IllegalState("file closed twice");
    closed_ = true;
    inode_->closed = true;
    inode_->modification_time = fs_->now();
    if (!fs_->journaled()) inode_->durable = inode_->data;  // hdfs, object-store: durable at close
    return Status::Ok();
  }

 private:
  std::shared_ptr<Inode> inode_;
  SimFs* fs_;
  bool closed_ = false;
};

bool SimFs::journaled() const {
  return model_ == PersistenceModel::kPosix || model_ == PersistenceModel::kLyingDisk;
}

bool SimFs::is_directory(const std::string& path) const {
  if (path == "/") return true;
  auto it = visible_.find(path);
  return it != visible_.end() && it->second->is_directory;
}

Status SimFs::check_parent(const std::string& path) const {
  if (path.empty() || path[0] != '/')
    return Status::InvalidArgument("not an absolute path: " + path);
  if (!is_directory(ckpt::ParentPath(path))) {
    return Status::NotFound("parent directory of " + path + " does not exist");
  }
  return Status::Ok();
}

void SimFs::Apply(Namespace& names, const MetadataOp& op) {
  switch (op.kind) {
    case MetadataOp::Kind::kLink:
      names[op.path] = op.inode;
      return;
    case MetadataOp::Kind::kRemove:
      for (auto it = names.lower_bound(op.path);
           it != names.end() && IsAtOrBelow(it->first, op.path);)
        it = names.erase(it);
      return;
    case MetadataOp::Kind::kRename: {
      std::vector<std::pair<std::string, std::shared_ptr<Inode>>> moved;
      for (auto it = names.lower_bound(op.path);
           it != names.end() && IsAtOrBelow(it->first, op.path);) {
        moved.emplace_back(op.to + it->first.substr(op.path.size()), it->second);
        it = names.erase(it);
      }
      for (auto& [path, inode] : moved) names[path] = std::move(inode);
      return;
    }
  }
}

void SimFs::issue(MetadataOp op) {
  Apply(visible_, op);
  if (journaled()) pending_.push_back(std::move(op));
}

Result<std::unique_ptr<ckpt::WritableFile>> SimFs::create(const std::string& path) {
  CKPT_RETURN_IF_ERROR(check_parent(path));
  if (is_directory(path)) return Status::AlreadyExists(path + " is a directory");
  auto inode = std::make_shared<Inode>();
  inode->modification_time = now();
  inode->write_sequence = ++write_sequence_;
  issue(MetadataOp{MetadataOp::Kind::kLink, path, "", inode});
  return std::unique_ptr<ckpt::WritableFile>(new File(inode, this));
}

Result<std::string> SimFs::read_file(const std::string& path) {
  auto it = visible_.find(path);
  if (it == visible_.end()) return Status::NotFound(path + " does not exist");
  if (it->second->is_directory) return Status::InvalidArgument(path + " is a directory");
  return it->second->data;
}

Status SimFs::check_rename(const std::string& from, const std::string& to) const {
  if (!visible_.count(from)) return Status::NotFound("rename source " + from + " does not exist");
  if (visible_.count(to) || to == "/")
    return Status::AlreadyExists("rename target " + to + " exists");
  if (IsAtOrBelow(to, from))
    return Status::InvalidArgument("cannot rename " + from + " below itself");
  return check_parent(to);
}

Status SimFs::rename(const std::string& from, const std::string& to) {
  CKPT_RETURN_IF_ERROR(check_rename(from, to));
  issue(MetadataOp{MetadataOp::Kind::kRename, from, to, nullptr});
  return Status::Ok();
}

Status SimFs::check_rename_replacing(const std::string& from, const std::string& to) const {
  auto source = visible_.find(from);
  if (source == visible_.end())
    return Status::NotFound("rename source " + from + " does not exist");
  if (source->second->is_directory || is_directory(to)) {
    return Status::InvalidArgument("a replacing rename moves a file onto a file: " + from + " -> " +
                                   to);
  }
  return check_parent(to);
}

// The kRename op replaces a file at `to` (Apply links over it): one atomic directory operation.
Status SimFs::rename_replacing(const std::string& from, const std::string& to) {
  CKPT_RETURN_IF_ERROR(check_rename_replacing(from, to));
  if (from != to) issue(MetadataOp{MetadataOp::Kind::kRename, from, to, nullptr});
  return Status::Ok();
}

Status SimFs::copy(const std::string& from, const std::string& to, bool replace) {
  CKPT_RETURN_IF_ERROR(replace ? check_rename_replacing(from, to) : check_rename(from, to));
  std::vector<MetadataOp> links;
  for (auto it = visible_.lower_bound(from); it != visible_.end() && IsAtOrBelow(it->first, from);
       ++it) {
    auto copied = std::make_shared<Inode>(*it->second);
    copied->durable = copied->data;  // a server-side copy is durable when it returns
    copied->closed = true;
    links.push_back(MetadataOp{MetadataOp::Kind::kLink, to + it->first.substr(from.size()), "",
                               std::move(copied)});
  }
  for (MetadataOp& op : links) issue(std::move(op));
  return Status::Ok();
}

Status SimFs::remove(const std::string& path, bool recursive) {
  auto it = visible_.find(path);
  if (it == visible_.end()) return Status::NotFound(path + " does not exist");
  auto first_child = visible_.upper_bound(path);
  bool has_children = first_child != visible_.end() && IsAtOrBelow(first_child->first, path);
  if (has_children && !recursive) return Status::IoError("directory " + path + " is not empty");
  issue(MetadataOp{MetadataOp::Kind::kRemove, path, "", nullptr});
  return Status::Ok();
}

Result<bool> SimFs::exists(const std::string& path) {
  return path == "/" || visible_.count(path) > 0;
}

Result<std::vector<ckpt::FileStatus>> SimFs::list(const std::string& dir) {
  if (!is_directory(dir)) return Status::NotFound("directory " + dir + " does not exist");
  std::string prefix = dir == "/" ? "/" : dir + "/";
  std::vector<ckpt::FileStatus> listing;
  auto it = visible_.lower_bound(prefix);
  while (it != visible_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    std::string name = it->first.substr(prefix.size());
    size_t slash = name.find('/');
    if (slash == std::string::npos) {
      const Inode& inode = *it->second;
      listing.push_back({name, inode.is_directory, inode.data.size(), inode.modification_time});
      ++it;
    } else {
      // Inside a subdirectory: its paths run up to "<prefix><child>0", '0' being '/' + 1.
      it = visible_.lower_bound(prefix + name.substr(0, slash) + '0');
    }
  }
  return listing;
}

Status SimFs::mkdirs(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return Status::InvalidArgument("not an absolute path: " + path);
  if (path == "/") return Status::Ok();
  auto it = visible_.find(path);
  if (it != visible_.end()) {
    if (it->second->is_directory) return Status::Ok();
    return Status::AlreadyExists(path + " exists as a file");
  }
  CKPT_RETURN_IF_ERROR(mkdirs(ckpt::ParentPath(path)));
  auto inode = std::make_shared<Inode>();
  inode->is_directory = true;
  inode->closed = true;
  issue(MetadataOp{MetadataOp::Kind::kLink, path, "", inode});
  return Status::Ok();
}

Status SimFs::sync_file(const std::string& path) {
  auto it = visible_.find(path);
  if (it == visible_.end() || it->second->is_directory) {
    return Status::NotFound("file " + path + " does not exist");
  }
  if (model_ != PersistenceModel::kLyingDisk) it->second->durable = it->second->data;
  return Status::Ok();
}

Status SimFs::sync_dir(const std::string& dir) {
  if (!is_directory(dir)) return Status::NotFound("directory " + dir + " does not exist");
  if (model_ != PersistenceModel::kPosix) return Status::Ok();
  // The journal commits in order: everything up to the last operation touching `dir`.
  auto touches = [&dir](const MetadataOp& op) {
    return ckpt::ParentPath(op.path) == dir ||
           (op.kind == MetadataOp::Kind::kRename && ckpt::ParentPath(op.to) == dir);
  };
  auto last = std::find_if(pending_.rbegin(), pending_.rend(), touches);
  if (last == pending_.rend()) return Status::Ok();
  auto end = last.base();
  for (auto it = pending_.begin(); it != end; ++it) Apply(durable_, *it);
  pending_.erase(pending_.begin(), end);
  return Status::Ok();
}

// ---- crash states ----

std::vector<std::shared_ptr<SimFs::Inode>> SimFs::VariedFiles(const Namespace& names) {
  std::vector<std::shared_ptr<Inode>> files;
  for (const auto& [path, inode] : names) {
    if (!inode->is_directory && inode->data.size() > inode->durable.size()) files.push_back(inode);
  }
  // Stable: equal sequences (copies) keep path order, on every standard library.
  std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a->write_sequence > b->write_sequence;
  });
  if (files.size() > kVariedFilesPerCrash) files.resize(kVariedFilesPerCrash);
  return files;
}

namespace {

uint64_t Power(uint64_t base, size_t exponent) {
  uint64_t result = 1;
  for (size_t i = 0; i < exponent; ++i) result *= base;
  return result;
}

uint64_t Total(const std::vector<uint64_t>& states_per_prefix) {
  uint64_t total = 0;
  for (uint64_t states : states_per_prefix) {
    total = SaturatingAdd(total, states, SimFs::kMaxCrashStates);
  }
  return total;
}

}  // namespace

std::vector<uint64_t> SimFs::states_per_prefix() const {
  Namespace names = durable_;
  std::vector<uint64_t> states = {Power(kFateCount, VariedFiles(names).size())};
  for (const MetadataOp& op : pending_) {
    Apply(names, op);
    states.push_back(Power(kFateCount, VariedFiles(names).size()));
  }
  return states;
}

uint64_t SimFs::crash_states() const { return journaled() ? Total(states_per_prefix()) : 1; }

SimFs::CrashOutcome SimFs::crash(uint64_t state, uint64_t seed) {
  if (!journaled()) return crash_unjournaled();
  // States are numbered by kept operations, all of them first and none last; within each, by the
  // fates of the newest files (the newest file's fate varies fastest).
  std::vector<uint64_t> states = states_per_prefix();
  CrashOutcome outcome{Total(states), {}};
  state %= outcome.states;
  size_t kept = pending_.size();
  while (state >= states[kept]) state -= states[kept--];
  for (size_t i = 0; i < pending_.size(); ++i) {
    const MetadataOp& op = pending_[i];
    if (i < kept) {
      Apply(durable_, op);
      continue;
    }
    const char* kinds[] = {"create", "delete", "rename"};
    outcome.losses.push_back(std::string("unsynced ") + kinds[static_cast<int>(op.kind)] + " of " +
                             op.path + (op.to.empty() ? "" : " -> " + op.to) + " lost");
  }
  pending_.clear();
  std::map<const Inode*, Fate> fates;  // looked up only, never iterated
  for (const std::shared_ptr<Inode>& file : VariedFiles(durable_)) {
    fates[file.get()] = static_cast<Fate>(state % kFateCount);
    state /= kFateCount;
  }
  Random random(seed);
  for (auto& [path, inode] : durable_) {
    if (inode->is_directory || inode->data.size() == inode->durable.size()) continue;
    auto chosen = fates.find(inode.get());
    Fate fate = chosen == fates.end() ? Fate::kDropped : chosen->second;
    size_t synced = inode->durable.size();
    size_t tail = inode->data.size() - synced;
    Random file_random = random.fork(path);
    if (fate == Fate::kKept) inode->durable = inode->data;
    if (fate == Fate::kTorn) inode->durable = Tear(inode->data, synced, file_random);
    if (fate == Fate::kPrefix) {
      inode->durable =
          inode->data.substr(0, synced + (tail > 1 ? 1 + file_random.below(tail - 1) : 0));
    }
    outcome.losses.push_back(path + ": " + std::to_string(tail) + " unsynced bytes " +
                             FateName(fate));
  }
  for (auto& [path, inode] : durable_) inode->data = inode->durable;
  visible_ = durable_;
  return outcome;
}

// hdfs and object-store: the visible namespace is the durable one; only unclosed data is lost.
SimFs::CrashOutcome SimFs::crash_unjournaled() {
  CrashOutcome outcome;
  for (auto it = visible_.begin(); it != visible_.end();) {
    Inode& inode = *it->second;
    if (inode.data.size() != inode.durable.size()) {
      outcome.losses.push_back(it->first + ": " +
                               std::to_string(inode.data.size() - inode.durable.size()) +
                               " unclosed bytes lost");
    }
    inode.data = inode.durable;
    // object-store: an object that was never closed (uploaded) does not exist.
    bool never_uploaded = model_ == PersistenceModel::kObjectStore && !inode.closed;
    it = never_uploaded ? visible_.erase(it) : std::next(it);
  }
  return outcome;
}

// ---- faults ----

uint64_t SimFs::used_bytes() const {
  uint64_t used = 0;
  for (const auto& [path, inode] : visible_) used += inode->data.size();
  return used;
}

bool SimFs::set_modification_time(const std::string& path, ckpt::Time time) {
  auto it = visible_.find(path);
  if (it == visible_.end() || it->second->is_directory) return false;
  it->second->modification_time = time;  // the inode is shared with the durable namespace
  return true;
}

bool SimFs::flip_bit(const std::string& path, uint64_t bit) {
  auto it = visible_.find(path);
  if (it == visible_.end() || it->second->is_directory || it->second->data.empty()) return false;
  Inode& inode = *it->second;
  uint64_t bits = inode.data.size() * 8;
  bit %= bits;
  for (uint64_t tried = 0; tried < bits && inode.flipped_bits.count(bit) > 0; ++tried) {
    bit = (bit + 1) % bits;
  }
  inode.flipped_bits.insert(bit);
  inode.data[bit / 8] = static_cast<char>(inode.data[bit / 8] ^ (1 << (bit % 8)));
  if (bit / 8 < inode.durable.size()) inode.durable[bit / 8] = inode.data[bit / 8];
  inode.corrupted_by_fault = true;
  return true;
}

bool SimFs::corrupted_by_fault(const std::string& path) const {
  auto it = visible_.find(path);
  return it != visible_.end() && it->second->corrupted_by_fault;
}

std::optional<std::string> SimFs::tear_newest(
    const std::function<bool(const std::string&)>& matches, uint64_t seed) {
  const std::pair<const std::string, std::shared_ptr<Inode>>* newest = nullptr;
  for (const auto& entry : visible_) {
    if (entry.second->is_directory || entry.second->data.empty() || !matches(entry.first)) continue;
    if (!newest || entry.second->write_sequence > newest->second->write_sequence) newest = &entry;
  }
  if (!newest) return std::nullopt;
  Random random(seed);
  Inode& inode = *newest->second;
  inode.data = Tear(inode.data, 0, random);
  inode.durable = inode.data;
  inode.corrupted_by_fault = true;
  return newest->first;
}

// ---- GatedFileSystem ----

Status GatedFileSystem::enter(ckpt::FileOperation operation, const std::string& path,
                              uint64_t bytes) {
  const char* name = ckpt::FileOperationName(operation);
  if (!gate_->before_mutation(name, path)) return Status::ProcessDead();
  return gate_->fault(name, path, bytes);
}

Status GatedFileSystem::peek(ckpt::FileOperation operation, const std::string& path) {
  if (!gate_->alive()) return Status::ProcessDead();
  return gate_->fault(ckpt::FileOperationName(operation), path, 0);
}

class GatedFileSystem::File : public ckpt::WritableFile {
 public:
  File(std::unique_ptr<ckpt::WritableFile> base, GatedFileSystem* fs, std::string path)
      : base_(std::move(base)), fs_(fs), path_(std::move(path)) {}
  Status append(std::string_view data) override {
    CKPT_RETURN_IF_ERROR(fs_->enter(ckpt::FileOperation::kWrite, path_, data.size()));
    return base_->append(data);
  }
  Status sync() override {
    CKPT_RETURN_IF_ERROR(fs_->enter(ckpt::FileOperation::kSync, path_));
    return base_->sync();
  }
  Status close() override {
    CKPT_RETURN_IF_ERROR(fs_->enter(ckpt::FileOperation::kClose, path_));
    return base_->close();
  }

 private:
  std::unique_ptr<ckpt::WritableFile> base_;
  GatedFileSystem* fs_;
  std::string path_;
};

Result<std::unique_ptr<ckpt::WritableFile>> GatedFileSystem::create(const std::string& path) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kCreate, path));
  Result<std::unique_ptr<ckpt::WritableFile>> file = base_->create(path);
  if (!file.ok()) return file;
  return std::unique_ptr<ckpt::WritableFile>(new File(std::move(file).value(), this, path));
}

Result<std::string> GatedFileSystem::read_file(const std::string& path) {
  CKPT_RETURN_IF_ERROR(peek(ckpt::FileOperation::kRead, path));
  return base_->read_file(path);
}

Status GatedFileSystem::rename(const std::string& from, const std::string& to) {
  if (base_->model() != PersistenceModel::kObjectStore) {
    CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kRename, from + " -> " + to));
    return base_->rename(from, to);
  }
  // An object store has no rename: copy, then delete; a crash can fall in between. S3A refuses an
  // existing destination after a HEAD of it, which a stale view (stale_exists) answers wrongly:
  // then the copy overwrites the file another writer put there.
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kRename, from + " -> " + to));
  bool stale = IsStaleAnswer(gate_->fault(kRenameHead, to, 0));
  CKPT_RETURN_IF_ERROR(base_->copy(from, to, /*replace=*/stale));
  if (!gate_->before_mutation("rename.delete", from)) return Status::ProcessDead();
  return base_->remove(from, /*recursive=*/true);
}

Status GatedFileSystem::rename_replacing(const std::string& from, const std::string& to) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kRename, from + " -> " + to));
  if (base_->model() != PersistenceModel::kObjectStore) return base_->rename_replacing(from, to);
  CKPT_RETURN_IF_ERROR(base_->copy(from, to, /*replace=*/true));
  if (!gate_->before_mutation("rename.delete", from)) return Status::ProcessDead();
  return base_->remove(from, /*recursive=*/false);
}

Status GatedFileSystem::remove(const std::string& path, bool recursive) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kDelete, path));
  return base_->remove(path, recursive);
}

Result<bool> GatedFileSystem::exists(const std::string& path) {
  Status fault = peek(ckpt::FileOperation::kExists, path);
  if (IsStaleAnswer(fault)) return false;  // stale_exists: the store's stale view
  CKPT_RETURN_IF_ERROR(fault);
  return base_->exists(path);
}

Result<std::vector<ckpt::FileStatus>> GatedFileSystem::list(const std::string& dir) {
  CKPT_RETURN_IF_ERROR(peek(ckpt::FileOperation::kList, dir));
  return base_->list(dir);
}

Status GatedFileSystem::mkdirs(const std::string& path) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kMkdirs, path));
  return base_->mkdirs(path);
}

Status GatedFileSystem::sync_dir(const std::string& dir) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kSyncDir, dir));
  return base_->sync_dir(dir);
}

Status GatedFileSystem::sync_file(const std::string& path) {
  CKPT_RETURN_IF_ERROR(enter(ckpt::FileOperation::kSync, path));
  return base_->sync_file(path);
}

}  // namespace sim

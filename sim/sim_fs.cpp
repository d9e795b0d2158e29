#include "sim/sim_fs.h"

namespace sim {

using ckpt::Result;
using ckpt::Status;

const char* PersistenceModelName(PersistenceModel model) {
  switch (model) {
    case PersistenceModel::kHdfs:
      return "hdfs";
  }
  return "?";
}

Result<PersistenceModel> ParsePersistenceModel(const std::string& name) {
  if (name == "hdfs") return PersistenceModel::kHdfs;
  return Status::InvalidArgument("unknown filesystem model '" + name + "' (known: hdfs)");
}

// ---- SimFs ----

class SimFs::File : public ckpt::WritableFile {
 public:
  File(std::shared_ptr<Inode> inode, const SimFs* fs) : inode_(std::move(inode)), fs_(fs) {}
  Status append(std::string_view data) override {
    if (closed_) return Status::IllegalState("append to a closed file");
    inode_->data.append(data);
    return Status::Ok();
  }
  Status sync() override {
    if (closed_) return Status::IllegalState("sync of a closed file");
    inode_->durable = inode_->data;
    return Status::Ok();
  }
  Status close() override {
    if (closed_) return Status::IllegalState("file closed twice");
    closed_ = true;
    inode_->durable = inode_->data;  // hdfs: durable at close
    inode_->modification_time = fs_->now();
    return Status::Ok();
  }

 private:
  std::shared_ptr<Inode> inode_;
  const SimFs* fs_;
  bool closed_ = false;
};

bool SimFs::is_directory(const std::string& path) const {
  if (path == "/") return true;
  auto it = entries_.find(path);
  return it != entries_.end() && it->second->is_directory;
}

Status SimFs::check_parent(const std::string& path) const {
  if (path.empty() || path[0] != '/')
    return Status::InvalidArgument("not an absolute path: " + path);
  if (!is_directory(ckpt::ParentPath(path))) {
    return Status::NotFound("parent directory of " + path + " does not exist");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ckpt::WritableFile>> SimFs::create(const std::string& path) {
  CKPT_RETURN_IF_ERROR(check_parent(path));
  if (is_directory(path)) return Status::AlreadyExists(path + " is a directory");
  auto inode = std::make_shared<Inode>();
  inode->modification_time = now();
  entries_[path] = inode;
  return std::unique_ptr<ckpt::WritableFile>(new File(inode, this));
}

Result<std::string> SimFs::read_file(const std::string& path) {
  auto it = entries_.find(path);
  if (it == entries_.end()) return Status::NotFound(path + " does not exist");
  if (it->second->is_directory) return Status::InvalidArgument(path + " is a directory");
  return it->second->data;
}

Status SimFs::rename(const std::string& from, const std::string& to) {
  auto source = entries_.find(from);
  if (source == entries_.end())
    return Status::NotFound("rename source " + from + " does not exist");
  if (entries_.count(to) || to == "/")
    return Status::AlreadyExists("rename target " + to + " exists");
  CKPT_RETURN_IF_ERROR(check_parent(to));
  std::string prefix = from + "/";
  std::vector<std::pair<std::string, std::shared_ptr<Inode>>> moved;
  for (auto it = entries_.lower_bound(from); it != entries_.end();) {
    if (it->first != from && it->first.compare(0, prefix.size(), prefix) != 0) break;
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = entries_.erase(it);
  }
  for (auto& [path, inode] : moved) entries_[path] = std::move(inode);
  return Status::Ok();
}

Status SimFs::remove(const std::string& path, bool recursive) {
  auto it = entries_.find(path);
  if (it == entries_.end()) return Status::NotFound(path + " does not exist");
  std::string prefix = path + "/";
  auto first_child = entries_.lower_bound(prefix);
  bool has_children =
      first_child != entries_.end() && first_child->first.compare(0, prefix.size(), prefix) == 0;
  if (has_children && !recursive) return Status::IoError("directory " + path + " is not empty");
  while (first_child != entries_.end() &&
         first_child->first.compare(0, prefix.size(), prefix) == 0) {
    first_child = entries_.erase(first_child);
  }
  entries_.erase(path);
  return Status::Ok();
}

Result<bool> SimFs::exists(const std::string& path) {
  return path == "/" || entries_.count(path) > 0;
}

Result<std::vector<ckpt::FileStatus>> SimFs::list(const std::string& dir) {
  if (!is_directory(dir)) return Status::NotFound("directory " + dir + " does not exist");
  std::string prefix = dir == "/" ? "/" : dir + "/";
  std::vector<ckpt::FileStatus> listing;
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    std::string name = it->first.substr(prefix.size());
    if (name.find('/') != std::string::npos) continue;
    listing.push_back(
        {name, it->second->is_directory, it->second->data.size(), it->second->modification_time});
  }
  return listing;
}

Status SimFs::mkdirs(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return Status::InvalidArgument("not an absolute path: " + path);
  if (path == "/") return Status::Ok();
  auto it = entries_.find(path);
  if (it != entries_.end()) {
    if (it->second->is_directory) return Status::Ok();
    return Status::AlreadyExists(path + " exists as a file");
  }
  CKPT_RETURN_IF_ERROR(mkdirs(ckpt::ParentPath(path)));
  auto inode = std::make_shared<Inode>();
  inode->is_directory = true;
  entries_[path] = inode;
  return Status::Ok();
}

Status SimFs::sync_dir(const std::string& dir) {
  if (!is_directory(dir)) return Status::NotFound("directory " + dir + " does not exist");
  return Status::Ok();  // hdfs: directory operations are durable when they return
}

void SimFs::crash() {
  for (auto& [path, inode] : entries_) inode->data = inode->durable;
}

// ---- GatedFileSystem ----

class GatedFileSystem::File : public ckpt::WritableFile {
 public:
  File(std::unique_ptr<ckpt::WritableFile> base, StepGate* gate, std::string path)
      : base_(std::move(base)), gate_(gate), path_(std::move(path)) {}
  Status append(std::string_view data) override {
    if (!gate_->before_mutation("append", path_)) return Status::ProcessDead();
    return base_->append(data);
  }
  Status sync() override {
    if (!gate_->before_mutation("sync", path_)) return Status::ProcessDead();
    return base_->sync();
  }
  Status close() override {
    if (!gate_->before_mutation("close", path_)) return Status::ProcessDead();
    return base_->close();
  }

 private:
  std::unique_ptr<ckpt::WritableFile> base_;
  StepGate* gate_;
  std::string path_;
};

Result<std::unique_ptr<ckpt::WritableFile>> GatedFileSystem::create(const std::string& path) {
  if (!gate_->before_mutation("create", path)) return Status::ProcessDead();
  Result<std::unique_ptr<ckpt::WritableFile>> file = base_->create(path);
  if (!file.ok()) return file;
  return std::unique_ptr<ckpt::WritableFile>(new File(std::move(file).value(), gate_, path));
}

Result<std::string> GatedFileSystem::read_file(const std::string& path) {
  if (!gate_->alive()) return Status::ProcessDead();
  return base_->read_file(path);
}

Status GatedFileSystem::rename(const std::string& from, const std::string& to) {
  if (!gate_->before_mutation("rename", from + " -> " + to)) return Status::ProcessDead();
  return base_->rename(from, to);
}

Status GatedFileSystem::remove(const std::string& path, bool recursive) {
  if (!gate_->before_mutation("delete", path)) return Status::ProcessDead();
  return base_->remove(path, recursive);
}

Result<bool> GatedFileSystem::exists(const std::string& path) {
  if (!gate_->alive()) return Status::ProcessDead();
  return base_->exists(path);
}

Result<std::vector<ckpt::FileStatus>> GatedFileSystem::list(const std::string& dir) {
  if (!gate_->alive()) return Status::ProcessDead();
  return base_->list(dir);
}

Status GatedFileSystem::mkdirs(const std::string& path) {
  if (!gate_->before_mutation("mkdirs", path)) return Status::ProcessDead();
  return base_->mkdirs(path);
}

Status GatedFileSystem::sync_dir(const std::string& dir) {
  if (!gate_->before_mutation("sync_dir", dir)) return Status::ProcessDead();
  return base_->sync_dir(dir);
}

}  // namespace sim

#include "oracle/observing_file_system.h"

#include <utility>

namespace sim {

using ckpt::FileOperation;

// Reports the close of a file created under the root, and its appends and syncs that fail (a
// failed write of a block-log record means its cleanup did not happen); successful appends are
// not part of the protocol.
class ObservingFileSystem::File : public ckpt::WritableFileWrapper {
 public:
  File(std::unique_ptr<ckpt::WritableFile> target, ObservingFileSystem* fs, std::string path)
      : WritableFileWrapper(std::move(target)), fs_(fs), path_(std::move(path)) {}
  ckpt::Status append(std::string_view data) override {
    return reported_if_failed(FileOperation::kWrite, target()->append(data));
  }
  ckpt::Status sync() override {
    return reported_if_failed(FileOperation::kSync, target()->sync());
  }
  ckpt::Status close() override {
    ckpt::Status status = target()->close();
    fs_->report(FileOperation::kClose, path_, status.ok());
    return status;
  }

 private:
  ckpt::Status reported_if_failed(FileOperation operation, ckpt::Status status) {
    if (!status.ok()) fs_->report(operation, path_, false);
    return status;
  }

  ObservingFileSystem* fs_;
  std::string path_;
};

ObservingFileSystem::ObservingFileSystem(ckpt::FileSystem* target, ckpt::EngineObserver* observer,
                                         std::string root)
    : FileSystemWrapper(target), observer_(observer), root_(std::move(root)) {}

bool ObservingFileSystem::observed(const std::string& path) const {
  if (root_.empty() || !path.starts_with(root_)) return false;
  return path.size() == root_.size() || path[root_.size()] == '/' || root_.back() == '/';
}

void ObservingFileSystem::report(FileOperation operation, const std::string& path, bool ok,
                                 std::string target) {
  observer_->on_event(ckpt::FileEvent{operation, path, std::move(target), ok, {}});
}

ckpt::Result<std::unique_ptr<ckpt::WritableFile>> ObservingFileSystem::create(
    const std::string& path) {
  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> file = FileSystemWrapper::create(path);
  if (!observed(path)) return file;
  report(FileOperation::kCreate, path, file.ok());
  if (!file.ok()) return file;
  return std::unique_ptr<ckpt::WritableFile>(new File(std::move(file).value(), this, path));
}

ckpt::Result<std::string> ObservingFileSystem::read_file(const std::string& path) {
  ckpt::Result<std::string> content = FileSystemWrapper::read_file(path);
  if (observed(path)) report(FileOperation::kRead, path, content.ok());
  return content;
}

ckpt::Status ObservingFileSystem::rename(const std::string& from, const std::string& to) {
  ckpt::Status status = FileSystemWrapper::rename(from, to);
  if (observed(from) || observed(to)) report(FileOperation::kRename, from, status.ok(), to);
  return status;
}

ckpt::Status ObservingFileSystem::rename_replacing(const std::string& from, const std::string& to) {
  ckpt::Status status = FileSystemWrapper::rename_replacing(from, to);
  if (observed(from) || observed(to)) report(FileOperation::kRename, from, status.ok(), to);
  return status;
}

ckpt::Status ObservingFileSystem::remove(const std::string& path, bool recursive) {
  ckpt::Status status = FileSystemWrapper::remove(path, recursive);
  if (observed(path)) report(FileOperation::kDelete, path, status.ok());
  return status;
}

ckpt::Result<std::vector<ckpt::FileStatus>> ObservingFileSystem::list(const std::string& dir) {
  ckpt::Result<std::vector<ckpt::FileStatus>> entries = FileSystemWrapper::list(dir);
  if (!observed(dir)) return entries;
  ckpt::FileEvent event{FileOperation::kList, dir, {}, entries.ok(), {}};
  if (entries.ok()) {
    for (const ckpt::FileStatus& entry : entries.value()) {
      event.listing.push_back(entry.is_directory ? entry.name + "/" : entry.name);
    }
  }
  observer_->on_event(std::move(event));
  return entries;
}

}  // namespace sim

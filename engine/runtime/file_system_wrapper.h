// Decorators of the FileSystem seam, in the spirit of LevelDB's EnvWrapper: every call goes to a
// target, so that a decorating filesystem overrides only the calls it changes (the real
// runtime's crash steps, real/step_file_system.h; a test's failing store).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/runtime/file_system.h"

namespace ckpt {

// Forwards every call to a file it owns.
class WritableFileWrapper : public WritableFile {
 public:
  // REQUIRES: target != nullptr.
  explicit WritableFileWrapper(std::unique_ptr<WritableFile> target) : target_(std::move(target)) {}
  Status append(std::string_view data) override { return target_->append(data); }
  Status sync() override { return target_->sync(); }
  Status close() override { return target_->close(); }

 protected:
  WritableFile* target() const { return target_.get(); }

 private:
  std::unique_ptr<WritableFile> target_;
};

// Forwards every call to a filesystem it does not own, which must outlive it.
class FileSystemWrapper : public FileSystem {
 public:
  // REQUIRES: target != nullptr.
  explicit FileSystemWrapper(FileSystem* target) : target_(target) {}
  Result<std::unique_ptr<WritableFile>> create(const std::string& path) override {
    return target_->create(path);
  }
  Result<std::string> read_file(const std::string& path) override {
    return target_->read_file(path);
  }
  Status rename(const std::string& from, const std::string& to) override {
    return target_->rename(from, to);
  }
  Status rename_replacing(const std::string& from, const std::string& to) override {
    return target_->rename_replacing(from, to);
  }
  Status remove(const std::string& path, bool recursive) override {
    return target_->remove(path, recursive);
  }
  Result<bool> exists(const std::string& path) override { return target_->exists(path); }
  Result<std::vector<FileStatus>> list(const std::string& dir) override {
    return target_->list(dir);
  }
  Status mkdirs(const std::string& path) override { return target_->mkdirs(path); }
  Status sync_dir(const std::string& dir) override { return target_->sync_dir(dir); }
  Status sync_file(const std::string& path) override { return target_->sync_file(path); }

 protected:
  FileSystem* target() const { return target_; }

 private:
  FileSystem* target_;
};

}  // namespace ckpt

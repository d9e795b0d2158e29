// A FileSystem decorator that announces every mutating call before it happens: the real
// runtime's crash points, numbered and labelled as the simulator's (sim/trial.h): each mutating
// FileOperation (create, write, sync, close, rename, delete, mkdirs, sync_dir) is one step.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system.h"

namespace real {

class StepFileSystem : public ckpt::FileSystem {
 public:
  // Called before each mutating call with the operation and its path; it may end the process.
  using BeforeMutation =
      std::function<void(ckpt::FileOperation operation, const std::string& path)>;

  StepFileSystem(ckpt::FileSystem* base, BeforeMutation before)
      : base_(base), before_(std::move(before)) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Result<std::string> read_file(const std::string& path) override {
    return base_->read_file(path);
  }
  ckpt::Status rename(const std::string& from, const std::string& to) override {
    before_(ckpt::FileOperation::kRename, from + " -> " + to);
    return base_->rename(from, to);
  }
  ckpt::Status remove(const std::string& path, bool recursive) override {
    before_(ckpt::FileOperation::kDelete, path);
    return base_->remove(path, recursive);
  }
  ckpt::Result<bool> exists(const std::string& path) override { return base_->exists(path); }
  ckpt::Result<std::vector<ckpt::FileStatus>> list(const std::string& dir) override {
    return base_->list(dir);
  }
  ckpt::Status mkdirs(const std::string& path) override {
    before_(ckpt::FileOperation::kMkdirs, path);
    return base_->mkdirs(path);
  }
  ckpt::Status sync_dir(const std::string& dir) override {
    before_(ckpt::FileOperation::kSyncDir, dir);
    return base_->sync_dir(dir);
  }
  ckpt::Status sync_file(const std::string& path) override {
    before_(ckpt::FileOperation::kSync, path);
    return base_->sync_file(path);
  }

 private:
  ckpt::FileSystem* base_;
  BeforeMutation before_;
};

}  // namespace real

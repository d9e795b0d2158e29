// A FileSystem decorator that announces every mutating call before it happens: the real
// runtime's crash points, numbered and labelled as the simulator's (sim/trial.h): each mutating
// FileOperation (create, write, sync, close, rename, delete, mkdirs, sync_dir) is one step.
// Reading calls pass through unannounced (FileSystemWrapper).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system_wrapper.h"

namespace real {

class StepFileSystem : public ckpt::FileSystemWrapper {
 public:
  // Called before each mutating call with the operation and its path; it may end the process.
  using BeforeMutation =
      std::function<void(ckpt::FileOperation operation, const std::string& path)>;

  StepFileSystem(ckpt::FileSystem* base, BeforeMutation before)
      : FileSystemWrapper(base), before_(std::move(before)) {}

  ckpt::Result<std::unique_ptr<ckpt::WritableFile>> create(const std::string& path) override;
  ckpt::Status rename(const std::string& from, const std::string& to) override {
    before_(ckpt::FileOperation::kRename, from + " -> " + to);
    return FileSystemWrapper::rename(from, to);
  }
  ckpt::Status rename_replacing(const std::string& from, const std::string& to) override {
    before_(ckpt::FileOperation::kRename, from + " -> " + to);
    return FileSystemWrapper::rename_replacing(from, to);
  }
  ckpt::Status remove(const std::string& path, bool recursive) override {
    before_(ckpt::FileOperation::kDelete, path);
    return FileSystemWrapper::remove(path, recursive);
  }
  ckpt::Status mkdirs(const std::string& path) override {
    before_(ckpt::FileOperation::kMkdirs, path);
    return FileSystemWrapper::mkdirs(path);
  }
  ckpt::Status sync_dir(const std::string& dir) override {
    before_(ckpt::FileOperation::kSyncDir, dir);
    return FileSystemWrapper::sync_dir(dir);
  }
  ckpt::Status sync_file(const std::string& path) override {
    before_(ckpt::FileOperation::kSync, path);
    return FileSystemWrapper::sync_file(path);
  }

 private:
  BeforeMutation before_;
};

}  // namespace real

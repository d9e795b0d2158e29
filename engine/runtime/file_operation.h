// The operations of the FileSystem seam (file_system.h), named once. The names are the crash-step
// labels of the simulator's filesystem (sim/sim_fs.h) and of the real runtime's
// (real/step_file_system.h), and the operations a fault rule may name (scenario/fault_rule.h):
// one vocabulary, so that a step of the simulator and the same step of a real process read alike.
#pragma once

#include <optional>
#include <string_view>

namespace ckpt {

enum class FileOperation {
  kCreate,   // FileSystem::create
  kWrite,    // WritableFile::append
  kClose,    // WritableFile::close
  kSync,     // WritableFile::sync and FileSystem::sync_file: a file's data made durable
  kRename,   // FileSystem::rename and rename_replacing
  kDelete,   // FileSystem::remove
  kMkdirs,   // FileSystem::mkdirs
  kSyncDir,  // FileSystem::sync_dir
  kList,     // FileSystem::list
  kRead,     // FileSystem::read_file
  kExists,   // FileSystem::exists
};

// Every operation, in the order above (the order error messages list them in).
inline constexpr FileOperation kFileOperations[] = {
    FileOperation::kCreate, FileOperation::kWrite,  FileOperation::kClose,  FileOperation::kSync,
    FileOperation::kRename, FileOperation::kDelete, FileOperation::kMkdirs, FileOperation::kSyncDir,
    FileOperation::kList,   FileOperation::kRead,   FileOperation::kExists};

// "create", "write", "close", "sync", "rename", "delete", "mkdirs", "sync_dir", "list", "read",
// "exists".
constexpr const char* FileOperationName(FileOperation operation) {
  switch (operation) {
    case FileOperation::kCreate:
      return "create";
    case FileOperation::kWrite:
      return "write";
    case FileOperation::kClose:
      return "close";
    case FileOperation::kSync:
      return "sync";
    case FileOperation::kRename:
      return "rename";
    case FileOperation::kDelete:
      return "delete";
    case FileOperation::kMkdirs:
      return "mkdirs";
    case FileOperation::kSyncDir:
      return "sync_dir";
    case FileOperation::kList:
      return "list";
    case FileOperation::kRead:
      return "read";
    case FileOperation::kExists:
      return "exists";
  }
  return "?";
}

// The operation named `name` (FileOperationName), if any.
constexpr std::optional<FileOperation> ParseFileOperation(std::string_view name) {
  for (FileOperation operation : kFileOperations) {
    if (name == FileOperationName(operation)) return operation;
  }
  return std::nullopt;
}

// Whether the operation changes the filesystem (and so is a crash step).
constexpr bool IsMutating(FileOperation operation) {
  return operation != FileOperation::kList && operation != FileOperation::kRead &&
         operation != FileOperation::kExists;
}

}  // namespace ckpt

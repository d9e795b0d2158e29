#include "engine/structured/checkpoint_file_manager.h"

#include "engine/runtime/assert.h"
#include "engine/runtime/uuid_name.h"

namespace ckpt::structured {

const char* FileManagerKindName(FileManagerKind kind) {
  switch (kind) {
    case FileManagerKind::kFileContext:
      return "file-context";
    case FileManagerKind::kFileSystem:
      return "file-system";
  }
  return "?";
}

bool IsTempFileName(std::string_view name) {
  return name.size() > 5 && name.front() == '.' && name.ends_with(".tmp");
}

AtomicOutputStream::AtomicOutputStream(CheckpointFileManager* manager,
                                       std::unique_ptr<WritableFile> file, std::string temp_path,
                                       std::string final_path, bool overwrite)
    : manager_(manager),
      file_(std::move(file)),
      temp_path_(std::move(temp_path)),
      final_path_(std::move(final_path)),
      overwrite_(overwrite) {}

// A stream dropped unterminated is what a crashed writer leaves: its temp file, nothing else.
AtomicOutputStream::~AtomicOutputStream() = default;

Status AtomicOutputStream::append(std::string_view data) {
  CKPT_ASSERT(!terminated_, "a terminated stream is not written to");
  return file_->append(data);
}

Status AtomicOutputStream::close() {
  CKPT_ASSERT(!terminated_, "a terminated stream is not written to");
  terminated_ = true;
  CKPT_RETURN_IF_ERROR(file_->close());
  return manager_->rename_temp_file(temp_path_, final_path_, overwrite_);
}

void AtomicOutputStream::cancel() {
  if (terminated_) return;
  terminated_ = true;
  Status closed = file_->close();
  if (!closed.ok() && manager_->defects().has(Defect::kCancelKeepsTempAfterCloseError)) return;
  (void)manager_->fs().remove(temp_path_, /*recursive=*/false);
}

CheckpointFileManager::CheckpointFileManager(FileSystem* fs, FileManagerKind kind,
                                             uint64_t process_uid, DefectSet defects)
    : fs_(fs), kind_(kind), process_uid_(process_uid), defects_(defects) {}

Result<std::unique_ptr<AtomicOutputStream>> CheckpointFileManager::create_atomic(
    const std::string& path, bool overwrite_if_possible) {
  std::string temp_path =
      JoinPath(ParentPath(path), "." + BaseName(path) + "." +
                                     UuidShapedName(process_uid_, temp_files_created_++) + ".tmp");
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_->create(temp_path));
  return std::unique_ptr<AtomicOutputStream>(new AtomicOutputStream(
      this, std::move(file), std::move(temp_path), path, overwrite_if_possible));
}

Status CheckpointFileManager::rename_temp_file(const std::string& temp_path,
                                               const std::string& final_path, bool overwrite) {
  if (kind_ == FileManagerKind::kFileContext) {
    if (overwrite) return fs_->rename_replacing(temp_path, final_path);
    Status renamed = fs_->rename(temp_path, final_path);
    if (renamed.code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists("rename destination " + final_path + " already exists.");
    }
    return renamed;
  }
  // FileSystemBasedCheckpointFileManager: check, then act; Hadoop's rename answers false both
  // when the destination exists and when the source is gone.
  if (!overwrite) {
    CKPT_ASSIGN_OR_RETURN(bool final_exists, fs_->exists(final_path));
    if (final_exists) {
      return Status::AlreadyExists("Failed to rename " + temp_path + " to " + final_path +
                                   " as destination already exists");
    }
  }
  Status renamed = fs_->rename(temp_path, final_path);
  if (renamed.ok() ||
      (renamed.code() != StatusCode::kAlreadyExists && renamed.code() != StatusCode::kNotFound)) {
    return renamed;
  }
  CKPT_ASSIGN_OR_RETURN(bool final_exists, fs_->exists(final_path));
  if (final_exists) {
    // With overwriteIfPossible the existing file is kept, silently (a re-run wrote the same), and
    // its temp file deleted (SPARK-19779), best effort.
    if (overwrite) {
      if (!defects_.has(Defect::kLeaveTempOnSkippedRename)) {
        (void)fs_->remove(temp_path, /*recursive=*/false);
      }
      return Status::Ok();
    }
    return Status::AlreadyExists("Failed to rename as " + final_path + " already exists");
  }
  CKPT_ASSIGN_OR_RETURN(bool temp_exists, fs_->exists(temp_path));
  if (!temp_exists) return Status::NotFound("Failed to rename as " + temp_path + " was not found");
  return Status::IoError("Failed to rename temp file " + temp_path + " to " + final_path +
                         " as rename returned false");
}

}  // namespace ckpt::structured

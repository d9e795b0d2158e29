// Spark Structured Streaming's CheckpointFileManager (structured-streaming-notes.md 2.1): every
// file of a query's checkpoint is written by createAtomic, to a temp file renamed to its final
// name at close, so that a reader finds the whole file or none.
//
// Two of Spark's managers, chosen by what the storage offers:
//  - FileContext: rename(temp, final, NONE) is one operation that fails when the final name exists
//    (HDFS, the local file system through FileContext).
//  - FileSystem: Spark's fallback when the scheme has no AbstractFileSystem (S3A on older Hadoop):
//    exists(final), then rename, a check-then-act that two writers can both pass.
// What a rename guarantees at a crash (atomic on HDFS, copy then delete on an object store) is the
// FileSystem seam's persistence model, not the manager's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/runtime/file_system.h"
#include "engine/structured/defects.h"

namespace ckpt::structured {

enum class FileManagerKind { kFileContext, kFileSystem };
// "file-context", "file-system".
const char* FileManagerKindName(FileManagerKind kind);

class CheckpointFileManager;

// Spark's CancellableFSDataOutputStream of createAtomic(path, overwriteIfPossible).
class AtomicOutputStream {
 public:
  ~AtomicOutputStream();
  AtomicOutputStream(const AtomicOutputStream&) = delete;
  AtomicOutputStream& operator=(const AtomicOutputStream&) = delete;

  // Appends to the temp file. REQUIRES: neither closed nor cancelled.
  Status append(std::string_view data);
  // Closes the temp file and renames it to the final path. Without overwriteIfPossible,
  // AlreadyExists when the final path exists (FileAlreadyExistsException); with it, the FileContext
  // manager replaces that file and the FileSystem manager keeps it and succeeds (Hadoop's rename
  // answers false; SPARK-19677). Terminates the stream whatever the outcome, so, as in Spark, a
  // later cancel() does nothing and a temp file whose rename failed stays on disk.
  Status close();
  // Closes the temp file, ignoring errors, and deletes it, ignoring errors too (SPARK-33384: the
  // delete happens even when the close failed). Does nothing once the stream is terminated.
  void cancel();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

 private:
  friend class CheckpointFileManager;
  AtomicOutputStream(CheckpointFileManager* manager, std::unique_ptr<WritableFile> file,
                     std::string temp_path, std::string final_path, bool overwrite);

  CheckpointFileManager* manager_;
  std::unique_ptr<WritableFile> file_;
  std::string temp_path_;
  std::string final_path_;
  bool overwrite_;
  bool terminated_ = false;
};

class CheckpointFileManager {
 public:
  // `process_uid` names this process's temp files (Spark: a random UUID per file). `defects`:
  // the engine's planted bugs, for the files written through this manager.
  CheckpointFileManager(FileSystem* fs, FileManagerKind kind, uint64_t process_uid,
                        DefectSet defects = {});

  // Opens `<dir>/.<name>.<uuid>.tmp` for writing; its close() renames it to `path`, replacing a
  // file there only with `overwrite_if_possible` (the state store's deltas and snapshots).
  Result<std::unique_ptr<AtomicOutputStream>> create_atomic(const std::string& path,
                                                            bool overwrite_if_possible = false);

  FileManagerKind kind() const { return kind_; }
  const DefectSet& defects() const { return defects_; }
  // Reads, listings and deletes go to the filesystem as they are.
  FileSystem& fs() { return *fs_; }

 private:
  friend class AtomicOutputStream;
  // renameTempFile(temp, final, overwriteIfPossible) of this manager.
  Status rename_temp_file(const std::string& temp_path, const std::string& final_path,
                          bool overwrite);

  FileSystem* fs_;
  FileManagerKind kind_;
  uint64_t process_uid_;
  DefectSet defects_;
  uint64_t temp_files_created_ = 0;
};

// Whether `name` is a temp file of createAtomic (".<name>.<uuid>.tmp").
bool IsTempFileName(std::string_view name);

}  // namespace ckpt::structured

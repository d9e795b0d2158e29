// The filesystem seam: a small HDFS-like interface.
//
// Every call returns a Status or Result; none throws and none crashes the process. Paths are
// absolute, '/'-separated strings. In simulation the implementation is sim::SimFs (with a
// persistence model deciding what survives a crash); in production PosixFileSystem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace ckpt {

// A file open for writing. Data appended is visible to readers of the same process at once; what
// survives a crash is the persistence model's business (see sim/sim_fs.h).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data`. REQUIRES: not closed.
  virtual Status append(std::string_view data) = 0;
  // Makes the data appended so far durable (fsync). REQUIRES: not closed.
  virtual Status sync() = 0;
  // Closes the file. Further calls fail with IllegalState.
  virtual Status close() = 0;
};

struct FileStatus {
  std::string name;  // the last path component
  bool is_directory = false;
  uint64_t size_bytes = 0;
  Time modification_time;  // when the file was last closed (HDFS sets it at close)
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates (or truncates) `path` for writing. NotFound when the parent directory is missing.
  virtual Result<std::unique_ptr<WritableFile>> create(const std::string& path) = 0;

  // The whole content of a regular file. NotFound when absent.
  virtual Result<std::string> read_file(const std::string& path) = 0;

  // Renames `from` to `to`, HDFS style: NotFound when `from` is missing, AlreadyExists when `to`
  // exists (nothing changes in both cases; Hadoop's rename "returns false").
  virtual Status rename(const std::string& from, const std::string& to) = 0;

  // Renames the file `from` to `to`, replacing a file already at `to`, in one atomic step (HDFS
  // FileContext's rename with Options.Rename.OVERWRITE, POSIX rename(2)): what Structured
  // Streaming's state store commits with. NotFound when `from` is missing; an error when `to` is
  // a directory.
  virtual Status rename_replacing(const std::string& from, const std::string& to) = 0;

  // Deletes a file, or a directory with everything below it when `recursive`. NotFound when
  // absent (callers that do not care ignore it, as Hadoop's delete returning false).
  virtual Status remove(const std::string& path, bool recursive) = 0;

  virtual Result<bool> exists(const std::string& path) = 0;

  // The entries of directory `dir`, sorted by name. NotFound when `dir` is missing.
  virtual Result<std::vector<FileStatus>> list(const std::string& dir) = 0;

  // Creates `path` and its missing parents. Ok when it already exists as a directory.
  virtual Status mkdirs(const std::string& path) = 0;

  // Makes the directory entries of `dir` (creates, renames and deletes in it) durable.
  virtual Status sync_dir(const std::string& dir) = 0;

  // Makes the data of the closed regular file `path` durable (POSIX: open it and fsync).
  // NotFound when absent.
  virtual Status sync_file(const std::string& path) = 0;
};

// Path helpers shared by every implementation.
std::string JoinPath(const std::string& dir, const std::string& name);
std::string ParentPath(const std::string& path);
std::string BaseName(const std::string& path);
// The non-empty components of `path`, in order ("/a//b/" gives a, b). Callers that confine paths
// to a root refuse a "." or ".." among them (PosixFileSystem, the scenario loader).
std::vector<std::string> PathComponents(const std::string& path);

// Creates `path`, appends `data` and closes it (optionally syncing first).
Status WriteWholeFile(FileSystem& fs, const std::string& path, std::string_view data, bool sync);

}  // namespace ckpt

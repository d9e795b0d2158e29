// The FileSystem seam on a real disk (Linux), under a root directory.
//
//   PosixFileSystem fs("/var/lib/app");   // "/ck/checkpoint-1000" is /var/lib/app/ck/...
//
// Every engine path is taken relative to `root`, so the same absolute paths the simulator uses
// name files in a directory of the caller's choice, and none outside it: a path with a "." or
// ".." component is refused (InvalidArgument), and no symbolic link beneath the root is followed
// (each component is opened with O_NOFOLLOW from the root's descriptor down; a link is listed,
// renamed and deleted as a link, never read, written or descended into). A scenario's paths and
// a checkpoint directory's entries are hostile input (docs/hardening.md); read_file refuses a file
// beyond 1 GiB. rename refuses to replace
// an existing file (renameat2 with RENAME_NOREPLACE), as HDFS's rename returns false; sync_file and
// sync_dir are fsync of the file and of the directory. Not for use under simulation: it does real
// I/O.
#pragma once

#include <string>

#include "engine/runtime/file_system.h"

namespace ckpt {

// The Status a system call's errno makes: ENOENT NotFound and EEXIST AlreadyExists, as the seam's
// contract names them; a full disk (ENOSPC, EDQUOT) NoSpace and a refusal to write (EACCES,
// EPERM, EROFS) AccessDenied, so that a real run can tell the machine's refusal from the engine's
// failure; any other error an I/O error. `message` says what failed, and strerror is appended.
Status ErrnoStatus(int error, const std::string& message);

class PosixFileSystem : public FileSystem {
 public:
  // REQUIRES: `root` exists (an empty root means paths are the real absolute paths).
  explicit PosixFileSystem(std::string root);

  Result<std::unique_ptr<WritableFile>> create(const std::string& path) override;
  Result<std::string> read_file(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status rename_replacing(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path, bool recursive) override;
  Result<bool> exists(const std::string& path) override;
  Result<std::vector<FileStatus>> list(const std::string& dir) override;
  Status mkdirs(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Status sync_file(const std::string& path) override;

 private:
  struct Location;
  // The opened directory holding `path` beneath the root, and the path's last component.
  Result<Location> locate(const std::string& path) const;
  Status refused(int error, const std::string& path) const;

  std::string root_;
  int no_follow_ = 0;  // O_NOFOLLOW under a root; 0 for the whole filesystem (empty root)
};

}  // namespace ckpt

#include "engine/runtime/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ckpt {
namespace {

// ENOENT is NotFound and EEXIST AlreadyExists, as the seam's contract names them; every other
// error is an I/O error carrying the system's message.
Status FromErrno(int error, const std::string& what, const std::string& path) {
  std::string message = what + " " + path + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(message);
  if (error == EEXIST) return Status::AlreadyExists(message);
  return Status::IoError(message);
}

Time ModificationTime(const struct stat& info) {
  return Time{static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000};
}

// fsync of whatever `path` names (a regular file or a directory).
Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "open", path);
  int synced = ::fsync(fd);
  int error = errno;
  ::close(fd);
  return synced == 0 ? Status::Ok() : FromErrno(error, "fsync", path);
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status append(std::string_view data) override {
    if (fd_ < 0) return Status::IllegalState(path_ + " is closed");
    while (!data.empty()) {
      ssize_t written = ::write(fd_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return FromErrno(errno, "write", path_);
      }
      data.remove_prefix(static_cast<size_t>(written));
    }
    return Status::Ok();
  }
  Status sync() override {
    if (fd_ < 0) return Status::IllegalState(path_ + " is closed");
    return ::fsync(fd_) == 0 ? Status::Ok() : FromErrno(errno, "fsync", path_);
  }
  Status close() override {
    if (fd_ < 0) return Status::IllegalState(path_ + " is closed");
    int closed = ::close(fd_);
    fd_ = -1;
    return closed == 0 ? Status::Ok() : FromErrno(errno, "close", path_);
  }

 private:
  int fd_;
  std::string path_;
};

Status RemoveTree(const std::string& path) {
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0) return FromErrno(errno, "stat", path);
  if (!S_ISDIR(info.st_mode)) {
    return ::unlink(path.c_str()) == 0 ? Status::Ok() : FromErrno(errno, "unlink", path);
  }
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return FromErrno(errno, "opendir", path);
  std::vector<std::string> children;
  while (const dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") children.push_back(JoinPath(path, name));
  }
  ::closedir(dir);
  for (const std::string& child : children) CKPT_RETURN_IF_ERROR(RemoveTree(child));
  return ::rmdir(path.c_str()) == 0 ? Status::Ok() : FromErrno(errno, "rmdir", path);
}

}  // namespace

PosixFileSystem::PosixFileSystem(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string PosixFileSystem::real(const std::string& path) const { return root_ + path; }

Result<std::unique_ptr<WritableFile>> PosixFileSystem::create(const std::string& path) {
  std::string file = real(path);
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FromErrno(errno, "create", path);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
}

Result<std::string> PosixFileSystem::read_file(const std::string& path) {
  int fd = ::open(real(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "open", path);
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int error = errno;
      ::close(fd);
      return FromErrno(error, "read", path);
    }
    if (got == 0) break;
    content.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return content;
}

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, real(from).c_str(), AT_FDCWD, real(to).c_str(), RENAME_NOREPLACE) ==
      0) {
    return Status::Ok();
  }
  return FromErrno(errno, "rename " + from + " to", to);
}

Status PosixFileSystem::remove(const std::string& path, bool recursive) {
  std::string target = real(path);
  if (recursive) return RemoveTree(target);
  if (::unlink(target.c_str()) == 0) return Status::Ok();
  if (errno != EISDIR) return FromErrno(errno, "unlink", path);
  return ::rmdir(target.c_str()) == 0 ? Status::Ok() : FromErrno(errno, "rmdir", path);
}

Result<bool> PosixFileSystem::exists(const std::string& path) {
  struct stat info;
  if (::stat(real(path).c_str(), &info) == 0) return true;
  if (errno == ENOENT) return false;
  return FromErrno(errno, "stat", path);
}

Result<std::vector<FileStatus>> PosixFileSystem::list(const std::string& dir) {
  std::string directory = real(dir);
  DIR* handle = ::opendir(directory.c_str());
  if (handle == nullptr) return FromErrno(errno, "list", dir);
  std::vector<FileStatus> listing;
  while (const dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info;
    // An entry deleted between readdir and stat is simply not listed.
    if (::stat(JoinPath(directory, name).c_str(), &info) != 0) continue;
    listing.push_back(
        {name, S_ISDIR(info.st_mode), static_cast<uint64_t>(info.st_size), ModificationTime(info)});
  }
  ::closedir(handle);
  std::sort(listing.begin(), listing.end(),
            [](const FileStatus& a, const FileStatus& b) { return a.name < b.name; });
  return listing;
}

Status PosixFileSystem::mkdirs(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return Status::InvalidArgument("not an absolute path: " + path);
  if (path == "/") return Status::Ok();
  struct stat info;
  if (::stat(real(path).c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return Status::Ok();
    return Status::AlreadyExists(path + " exists as a file");
  }
  CKPT_RETURN_IF_ERROR(mkdirs(ParentPath(path)));
  if (::mkdir(real(path).c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  return FromErrno(errno, "mkdir", path);
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  return SyncPath(real(dir), O_RDONLY | O_DIRECTORY);
}

Status PosixFileSystem::sync_file(const std::string& path) {
  struct stat info;
  if (::stat(real(path).c_str(), &info) != 0) return FromErrno(errno, "stat", path);
  if (S_ISDIR(info.st_mode)) return Status::NotFound("file " + path + " is a directory");
  return SyncPath(real(path), O_RDONLY);
}

}  // namespace ckpt

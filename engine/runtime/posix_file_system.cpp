#include "engine/runtime/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace ckpt {

Status ErrnoStatus(int error, const std::string& message) {
  std::string text = message + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(text);
  if (error == EEXIST) return Status::AlreadyExists(text);
  if (error == ENOSPC || error == EDQUOT) return Status::NoSpace(text);
  if (error == EACCES || error == EPERM || error == EROFS) return Status::AccessDenied(text);
  return Status::IoError(text);
}

namespace {

Status FromErrno(int error, const std::string& what, const std::string& path) {
  return ErrnoStatus(error, what + " " + path);
}

Time ModificationTime(const struct stat& info) {
  return Time{static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000};
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

// A file descriptor closed when it goes.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A checkpoint directory is hostile input: a tree of links or depth beyond this is refused, and
// no file larger than this is read into memory (a checkpoint is kilobytes, an RDD file of a
// million keys tens of megabytes).
constexpr int kMaxTreeDepth = 256;
constexpr size_t kMaxReadFileBytes = size_t{1} << 30;

// Deletes `name` in `dir` and, for a directory, everything under it, never following a symbolic
// link (a link is deleted, not what it points to).
Status RemoveTreeAt(int dir, const std::string& name, const std::string& path, int depth) {
  struct stat info;
  if (::fstatat(dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return FromErrno(errno, "stat", path);
  }
  if (!S_ISDIR(info.st_mode)) {
    return ::unlinkat(dir, name.c_str(), 0) == 0 ? Status::Ok() : FromErrno(errno, "unlink", path);
  }
  if (depth >= kMaxTreeDepth)
    return Status::IoError("remove " + path + ": directory tree too deep");
  UniqueFd child(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (child.get() < 0) return FromErrno(errno, "open", path);
  int listed = ::dup(child.get());  // fdopendir takes it over; closedir closes it
  DIR* handle = listed < 0 ? nullptr : ::fdopendir(listed);
  if (handle == nullptr) {
    int error = errno;
    if (listed >= 0) ::close(listed);
    return FromErrno(error, "opendir", path);
  }
  std::vector<std::string> children;
  while (const dirent* entry = ::readdir(handle)) {
    std::string child_name = entry->d_name;
    if (child_name != "." && child_name != "..") children.push_back(child_name);
  }
  ::closedir(handle);
  for (const std::string& child_name : children) {
    CKPT_RETURN_IF_ERROR(
        RemoveTreeAt(child.get(), child_name, JoinPath(path, child_name), depth + 1));
  }
  return ::unlinkat(dir, name.c_str(), AT_REMOVEDIR) == 0 ? Status::Ok()
                                                          : FromErrno(errno, "rmdir", path);
}

}  // namespace

// Where an engine path lies beneath the root: the opened directory holding it and its last
// component ("." for the root itself).
struct PosixFileSystem::Location {
  UniqueFd dir;
  std::string name;
};

PosixFileSystem::PosixFileSystem(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
  // The empty root is the whole filesystem, named by real absolute paths: the caller's own
  // paths, which may pass through links. Under any other root nothing is followed.
  no_follow_ = root_.empty() ? 0 : O_NOFOLLOW;
}

Result<PosixFileSystem::Location> PosixFileSystem::locate(const std::string& path) const {
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("not an absolute path: " + path);
  }
  std::vector<std::string> components = PathComponents(path);
  for (const std::string& component : components) {
    if (component == "." || component == "..") {
      return Status::InvalidArgument("refusing a path with a '" + component +
                                     "' component: " + path);
    }
  }
  std::string root = root_.empty() ? "/" : root_;
  UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return FromErrno(errno, "open root", root);
  if (components.empty()) return Location{std::move(dir), "."};
  for (size_t i = 0; i + 1 < components.size(); ++i) {
    UniqueFd next(::openat(dir.get(), components[i].c_str(),
                           O_RDONLY | O_DIRECTORY | no_follow_ | O_CLOEXEC));
    if (next.get() < 0) return refused(errno, path);
    dir = std::move(next);
  }
  return Location{std::move(dir), components.back()};
}

// A component that is a symbolic link (ELOOP, or ENOTDIR from O_DIRECTORY | O_NOFOLLOW) would
// lead outside the root: said so, rather than the kernel's bare error.
Status PosixFileSystem::refused(int error, const std::string& path) const {
  if (no_follow_ && (error == ELOOP || error == ENOTDIR)) {
    return Status::IoError("open " + path +
                           ": refusing a path through a symbolic link or a non-directory");
  }
  return FromErrno(error, "open", path);
}

Result<std::unique_ptr<WritableFile>> PosixFileSystem::create(const std::string& path) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(path));
  int fd = ::openat(at.dir.get(), at.name.c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | no_follow_, 0644);
  if (fd < 0) return refused(errno, path);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
}

Result<std::string> PosixFileSystem::read_file(const std::string& path) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(path));
  UniqueFd fd(::openat(at.dir.get(), at.name.c_str(), O_RDONLY | O_CLOEXEC | no_follow_));
  if (fd.get() < 0) return refused(errno, path);
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return FromErrno(errno, "read", path);
    if (got == 0) break;
    if (content.size() + static_cast<size_t>(got) > kMaxReadFileBytes) {
      return Status::IoError("read " + path + ": larger than " + std::to_string(kMaxReadFileBytes) +
                             " bytes");
    }
    content.append(buffer, static_cast<size_t>(got));
  }
  return content;
}

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  CKPT_ASSIGN_OR_RETURN(Location source, locate(from));
  CKPT_ASSIGN_OR_RETURN(Location target, locate(to));
  if (::renameat2(source.dir.get(), source.name.c_str(), target.dir.get(), target.name.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  return FromErrno(errno, "rename " + from + " to", to);
}

Status PosixFileSystem::rename_replacing(const std::string& from, const std::string& to) {
  CKPT_ASSIGN_OR_RETURN(Location source, locate(from));
  CKPT_ASSIGN_OR_RETURN(Location target, locate(to));
  if (::renameat(source.dir.get(), source.name.c_str(), target.dir.get(), target.name.c_str()) ==
      0) {
    return Status::Ok();
  }
  return FromErrno(errno, "rename " + from + " to", to);
}

Status PosixFileSystem::remove(const std::string& path, bool recursive) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(path));
  if (recursive) return RemoveTreeAt(at.dir.get(), at.name, path, 0);
  if (::unlinkat(at.dir.get(), at.name.c_str(), 0) == 0) return Status::Ok();
  if (errno != EISDIR) return FromErrno(errno, "unlink", path);
  return ::unlinkat(at.dir.get(), at.name.c_str(), AT_REMOVEDIR) == 0
             ? Status::Ok()
             : FromErrno(errno, "rmdir", path);
}

Result<bool> PosixFileSystem::exists(const std::string& path) {
  Result<Location> at = locate(path);
  if (!at.ok()) {
    if (at.status().code() == StatusCode::kNotFound) return false;
    return at.status();
  }
  struct stat info;
  int flags = no_follow_ ? AT_SYMLINK_NOFOLLOW : 0;
  if (::fstatat(at.value().dir.get(), at.value().name.c_str(), &info, flags) == 0) return true;
  if (errno == ENOENT) return false;
  return FromErrno(errno, "stat", path);
}

Result<std::vector<FileStatus>> PosixFileSystem::list(const std::string& dir) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(dir));
  int fd = ::openat(at.dir.get(), at.name.c_str(), O_RDONLY | O_DIRECTORY | no_follow_ | O_CLOEXEC);
  if (fd < 0) return refused(errno, dir);
  DIR* handle = ::fdopendir(fd);
  if (handle == nullptr) {
    ::close(fd);
    return FromErrno(errno, "list", dir);
  }
  std::vector<FileStatus> listing;
  int stat_flags = no_follow_ ? AT_SYMLINK_NOFOLLOW : 0;
  while (const dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info;
    // An entry deleted between readdir and stat is simply not listed.
    if (::fstatat(fd, name.c_str(), &info, stat_flags) != 0) continue;
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
  CKPT_RETURN_IF_ERROR(mkdirs(ParentPath(path)));
  CKPT_ASSIGN_OR_RETURN(Location at, locate(path));
  struct stat info;
  int flags = no_follow_ ? AT_SYMLINK_NOFOLLOW : 0;
  if (::fstatat(at.dir.get(), at.name.c_str(), &info, flags) == 0) {
    if (S_ISDIR(info.st_mode)) return Status::Ok();
    return Status::AlreadyExists(path + " exists as a file");
  }
  if (::mkdirat(at.dir.get(), at.name.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  return FromErrno(errno, "mkdir", path);
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(dir));
  UniqueFd fd(
      ::openat(at.dir.get(), at.name.c_str(), O_RDONLY | O_DIRECTORY | no_follow_ | O_CLOEXEC));
  if (fd.get() < 0) return refused(errno, dir);
  return ::fsync(fd.get()) == 0 ? Status::Ok() : FromErrno(errno, "fsync", dir);
}

Status PosixFileSystem::sync_file(const std::string& path) {
  CKPT_ASSIGN_OR_RETURN(Location at, locate(path));
  struct stat info;
  int flags = no_follow_ ? AT_SYMLINK_NOFOLLOW : 0;
  if (::fstatat(at.dir.get(), at.name.c_str(), &info, flags) != 0) {
    return FromErrno(errno, "stat", path);
  }
  if (S_ISDIR(info.st_mode)) return Status::NotFound("file " + path + " is a directory");
  UniqueFd fd(::openat(at.dir.get(), at.name.c_str(), O_RDONLY | no_follow_ | O_CLOEXEC));
  if (fd.get() < 0) return refused(errno, path);
  return ::fsync(fd.get()) == 0 ? Status::Ok() : FromErrno(errno, "fsync", path);
}

}  // namespace ckpt

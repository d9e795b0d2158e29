#include "engine/runtime/file_system.h"

namespace ckpt {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string ParentPath(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status WriteWholeFile(FileSystem& fs, const std::string& path, std::string_view data, bool sync) {
  Result<std::unique_ptr<WritableFile>> file = fs.create(path);
  if (!file.ok()) return file.status();
  CKPT_RETURN_IF_ERROR(file.value()->append(data));
  if (sync) CKPT_RETURN_IF_ERROR(file.value()->sync());
  return file.value()->close();
}

}  // namespace ckpt

#include "engine/runtime/file_system.h"

#include <algorithm>

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

std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> components;
  for (size_t begin = 0; begin < path.size();) {
    size_t end = std::min(path.find('/', begin), path.size());
    if (end > begin) components.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return components;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status WriteWholeFile(FileSystem& fs, const std::string& path, std::string_view data, bool sync) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.create(path));
  CKPT_RETURN_IF_ERROR(file->append(data));
  if (sync) CKPT_RETURN_IF_ERROR(file->sync());
  return file->close();
}

}  // namespace ckpt

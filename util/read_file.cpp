#include "util/read_file.h"

#include <filesystem>
#include <fstream>

namespace sim {

ckpt::Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error || status.type() == std::filesystem::file_type::not_found) {
    return ckpt::Status::NotFound(path + ": no such file");
  }
  if (status.type() != std::filesystem::file_type::regular) {
    return ckpt::Status::InvalidArgument(path + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ckpt::Status::IoError(path + ": cannot read");
  std::string text;
  char buffer[1 << 16];
  // Bounded while reading too: the size checked above may grow before the read ends.
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    if (text.size() + static_cast<uint64_t>(in.gcount()) > max_bytes) {
      return ckpt::Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                           " bytes");
    }
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return ckpt::Status::IoError(path + ": cannot read");
  return text;
}

}  // namespace sim

#include "engine/frame.h"

#include <cstring>

#include "engine/value.h"

namespace ckpt {
namespace {

template <typename T>
void PutLittleEndian(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

template <typename T>
T GetLittleEndian(std::string_view bytes, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

}  // namespace

std::string Frame(std::string_view magic, std::string_view payload) {
  CKPT_ASSERT(magic.size() == 8, "frame magic must be 8 bytes");
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  out.append(magic);
  PutLittleEndian<uint32_t>(out, kFormatVersion);
  PutLittleEndian<uint64_t>(out, payload.size());
  PutLittleEndian<uint64_t>(out, Fnv1a(payload.data(), payload.size(), kFnvOffset));
  out.append(payload);
  return out;
}

Result<std::string_view> Unframe(std::string_view magic, std::string_view bytes) {
  if (bytes.size() < kFrameHeaderBytes) {
    return Status::Corruption("file of " + std::to_string(bytes.size()) +
                              " bytes is shorter than the frame header");
  }
  if (bytes.substr(0, 8) != magic) return Status::Corruption("bad magic");
  auto version = GetLittleEndian<uint32_t>(bytes, 8);
  if (version != kFormatVersion) {
    return Status::Corruption("unsupported format version " + std::to_string(version));
  }
  auto length = GetLittleEndian<uint64_t>(bytes, 12);
  if (length != bytes.size() - kFrameHeaderBytes) {
    return Status::Corruption("payload length " + std::to_string(length) + " but " +
                              std::to_string(bytes.size() - kFrameHeaderBytes) + " bytes present");
  }
  std::string_view payload = bytes.substr(kFrameHeaderBytes);
  if (GetLittleEndian<uint64_t>(bytes, 20) != Fnv1a(payload.data(), payload.size(), kFnvOffset)) {
    return Status::Corruption("checksum mismatch");
  }
  return payload;
}

}  // namespace ckpt

#include "engine/checkpoint/frame.h"

#include <bit>
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

// The payload's checksum, 8 bytes per step (FNV-1a's byte loop cost 7% of an exploration's
// instructions). Each step is a bijection of the state (xor a word, multiply by an odd constant,
// rotate), so a change confined to one word, a single flipped bit among them, always changes it.
static_assert(std::endian::native == std::endian::little, "words are read little-endian");
uint64_t Checksum(std::string_view payload) {
  constexpr uint64_t kOddMultiplier = 0x9e3779b97f4a7c15ULL;
  uint64_t hash = kFnvOffset ^ payload.size();
  size_t at = 0;
  for (; at + 8 <= payload.size(); at += 8) {
    uint64_t word;
    std::memcpy(&word, payload.data() + at, 8);
    hash = std::rotl((hash ^ word) * kOddMultiplier, 31);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, payload.data() + at, payload.size() - at);
  return std::rotl((hash ^ tail) * kOddMultiplier, 31);
}

}  // namespace

std::string Frame(std::string_view magic, std::string_view payload) {
  std::string framed;
  framed.reserve(kFrameHeaderBytes + payload.size());
  framed.resize(kFrameHeaderBytes);
  framed.append(payload);
  SealFrame(magic, &framed);
  return framed;
}

void SealFrame(std::string_view magic, std::string* framed) {
  CKPT_ASSERT(magic.size() == 8, "frame magic must be 8 bytes");
  CKPT_ASSERT(framed->size() >= kFrameHeaderBytes, "no room for the frame header");
  std::string_view payload = std::string_view(*framed).substr(kFrameHeaderBytes);
  std::string header;
  header.reserve(kFrameHeaderBytes);
  header.append(magic);
  PutLittleEndian<uint32_t>(header, kFormatVersion);
  PutLittleEndian<uint64_t>(header, payload.size());
  PutLittleEndian<uint64_t>(header, Checksum(payload));
  framed->replace(0, kFrameHeaderBytes, header);
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
  if (GetLittleEndian<uint64_t>(bytes, 20) != Checksum(payload)) {
    return Status::Corruption("checksum mismatch");
  }
  return payload;
}

Result<std::string_view> UnframeNext(std::string_view magic, std::string_view bytes,
                                     size_t* frame_bytes) {
  if (bytes.size() < kFrameHeaderBytes) return Unframe(magic, bytes);
  auto length = GetLittleEndian<uint64_t>(bytes, 12);
  if (length > bytes.size() - kFrameHeaderBytes) {
    return Status::Corruption("frame of " + std::to_string(length) +
                              " payload bytes cut short at " +
                              std::to_string(bytes.size() - kFrameHeaderBytes));
  }
  *frame_bytes = kFrameHeaderBytes + length;
  return Unframe(magic, bytes.substr(0, *frame_bytes));
}

}  // namespace ckpt

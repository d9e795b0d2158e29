// Boost.Serialization support for Value (included only by the checkpoint codec).
#pragma once

#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/split_member.hpp>
#include <boost/serialization/string.hpp>
#include <cstring>
#include <memory>

#include "engine/runtime/assert.h"
#include "engine/value.h"

namespace ckpt {

// A value's bytes as a binary archive writes them field by field: the kind byte, then an int64
// or a double in native byte order, a string's std::size_t length and its bytes, a pair's two
// values, nothing more for None, a Some's value, or a list's std::size_t count and its values.
// load() reads them back field by field.
inline size_t ArchiveBytesSize(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kDouble:
      return 1 + 8;
    case Value::Kind::kString:
      return 1 + sizeof(std::size_t) + value.as_string().size();
    case Value::Kind::kPair:
      return 1 + ArchiveBytesSize(value.first()) + ArchiveBytesSize(value.second());
    case Value::Kind::kNone:
      return 1;
    case Value::Kind::kSome:
      return 1 + ArchiveBytesSize(value.some_value());
    case Value::Kind::kList: {
      size_t size = 1 + sizeof(std::size_t);
      for (const Value& item : value.items()) size += ArchiveBytesSize(item);
      return size;
    }
  }
  return 1;
}

// Writes ArchiveBytesSize(value) bytes at `out`; returns the end.
inline char* WriteArchiveBytes(const Value& value, char* out) {
  auto put = [&out](const auto& field) {
    std::memcpy(out, &field, sizeof field);
    out += sizeof field;
  };
  put(static_cast<uint8_t>(value.kind()));
  switch (value.kind()) {
    case Value::Kind::kInt:
      put(value.as_int());
      break;
    case Value::Kind::kDouble:
      put(value.as_double());
      break;
    case Value::Kind::kString:
      put(static_cast<std::size_t>(value.as_string().size()));
      std::memcpy(out, value.as_string().data(), value.as_string().size());
      out += value.as_string().size();
      break;
    case Value::Kind::kPair:
      out = WriteArchiveBytes(value.first(), out);
      out = WriteArchiveBytes(value.second(), out);
      break;
    case Value::Kind::kNone:
      break;
    case Value::Kind::kSome:
      out = WriteArchiveBytes(value.some_value(), out);
      break;
    case Value::Kind::kList:
      put(static_cast<std::size_t>(value.items().size()));
      for (const Value& item : value.items()) out = WriteArchiveBytes(item, out);
      break;
  }
  return out;
}

// One call into the archive per value rather than one per field: the archive's per-field dispatch
// cost more than the bytes. (A batch's records go in one call for all: RecordsInOneWrite in the
// codec.)
template <class Archive>
void Value::save(Archive& archive, unsigned /*version*/) const {
  size_t size = ArchiveBytesSize(*this);
  char small[64];
  std::unique_ptr<char[]> large(size > sizeof small ? new char[size] : nullptr);
  char* bytes = large ? large.get() : small;
  WriteArchiveBytes(*this, bytes);
  archive.save_binary(bytes, size);
}

// Pairs, Somes and lists nest at most this deep in a decoded value: a hostile file of nested
// tags must not recurse the decoder off its stack.
inline constexpr int kMaxDecodedPairDepth = 64;

// An unknown kind byte or too deep a nesting is corruption, reported by throwing the archive's
// own exception type (converted to a Status by the codec).
template <class Archive>
void Value::load(Archive& archive, unsigned /*version*/) {
  static thread_local int depth = 0;
  struct Nest {
    Nest() { ++depth; }
    ~Nest() { --depth; }
  } nest;
  if (depth > kMaxDecodedPairDepth) {
    boost::serialization::throw_exception(boost::archive::archive_exception(
        boost::archive::archive_exception::input_stream_error, "pairs nested too deep"));
  }
  uint8_t kind = 0;
  archive >> kind;
  switch (static_cast<Kind>(kind)) {
    case Kind::kInt: {
      int64_t number = 0;
      archive >> number;
      *this = Int(number);
      break;
    }
    case Kind::kDouble: {
      double number = 0;
      archive >> number;
      *this = Double(number);
      break;
    }
    case Kind::kString: {
      std::string text;
      archive >> text;
      *this = String(std::move(text));
      break;
    }
    case Kind::kPair: {
      Value first, second;
      archive >> first >> second;
      *this = Pair(std::move(first), std::move(second));
      break;
    }
    case Kind::kNone:
      *this = None();
      break;
    case Kind::kSome: {
      Value inner;
      archive >> inner;
      *this = Some(std::move(inner));
      break;
    }
    case Kind::kList: {
      // Read as a collection's size (the same std::size_t bytes), which the checkpoint's
      // bounded archive checks against the bytes left: each item takes at least one.
      boost::serialization::collection_size_type count;
      archive >> count;
      std::vector<Value> items;
      for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
        Value item;
        archive >> item;
        items.push_back(std::move(item));
      }
      *this = List(std::move(items));
      break;
    }
    default:
      boost::serialization::throw_exception(
          boost::archive::archive_exception(boost::archive::archive_exception::input_stream_error));
  }
}

}  // namespace ckpt

namespace boost::serialization {
template <class Archive>
void serialize(Archive& archive, ckpt::Value& value, const unsigned version) {
  split_member(archive, value, version);
}
}  // namespace boost::serialization

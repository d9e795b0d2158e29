// Boost.Serialization support for Value (included only by the checkpoint codec).
#pragma once

#include <boost/archive/archive_exception.hpp>
#include <boost/serialization/split_member.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "engine/checkpoint/bounded_iarchive.h"
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

[[noreturn]] inline void ThrowCorruptValue(const std::string& what) {
  boost::serialization::throw_exception(boost::archive::archive_exception(
      boost::archive::archive_exception::input_stream_error, what.c_str()));
}

// Reads one value that WriteArchiveBytes wrote at `in` (before `end`) into `value` and returns
// the end of its bytes. Bytes that are no value (an unknown kind byte, a length or count beyond
// `end`, nesting deeper than kMaxDecodedPairDepth) throw the archive's exception, which the codec
// turns into Corruption. Values are read in place rather than field by field through the
// archive, whose dispatch per field cost more than the bytes when recovering a large state
// (issue 26: decoding 1,000,000 keys took 1.7 times as long).
inline const char* ReadArchiveBytes(const char* in, const char* end, Value& value, int depth = 0) {
  if (depth >= kMaxDecodedPairDepth) ThrowCorruptValue("pairs nested too deep");
  auto left = [&in, end] { return static_cast<size_t>(end - in); };
  auto take = [&in, &left](auto& field) {
    if (left() < sizeof field) ThrowCorruptValue("a value cut short");
    std::memcpy(&field, in, sizeof field);
    in += sizeof field;
  };
  auto take_length = [&](const char* what) {
    std::size_t length = 0;
    take(length);
    // Every byte of a string, and every item of a list, takes at least one byte.
    if (length > left()) {
      ThrowCorruptValue(std::string(what) + " " + std::to_string(length) + " beyond the " +
                        std::to_string(left()) + " bytes left");
    }
    return length;
  };
  uint8_t kind = 0;
  take(kind);
  switch (static_cast<Value::Kind>(kind)) {
    case Value::Kind::kInt: {
      int64_t number = 0;
      take(number);
      value = Value::Int(number);
      return in;
    }
    case Value::Kind::kDouble: {
      double number = 0;
      take(number);
      value = Value::Double(number);
      return in;
    }
    case Value::Kind::kString: {
      size_t length = take_length("string of");
      value = Value::String(std::string(in, length));
      return in + length;
    }
    case Value::Kind::kPair: {
      Value first, second;
      in = ReadArchiveBytes(in, end, first, depth + 1);
      in = ReadArchiveBytes(in, end, second, depth + 1);
      value = Value::Pair(std::move(first), std::move(second));
      return in;
    }
    case Value::Kind::kNone:
      value = Value::None();
      return in;
    case Value::Kind::kSome: {
      Value inner;
      in = ReadArchiveBytes(in, end, inner, depth + 1);
      value = Value::Some(std::move(inner));
      return in;
    }
    case Value::Kind::kList: {
      std::vector<Value> items(take_length("collection of"));
      for (Value& item : items) in = ReadArchiveBytes(in, end, item, depth + 1);
      value = Value::List(std::move(items));
      return in;
    }
  }
  ThrowCorruptValue("unknown value kind " + std::to_string(kind));
}

// Reads the value in place from the archive's input (ReadArchiveBytes): the checkpoint's bounded
// archive is the only one that loads values.
template <class Archive>
void Value::load(Archive& archive, unsigned /*version*/) {
  SpanSource& source = archive.source();
  std::string_view rest = source.rest();
  source.skip_to(ReadArchiveBytes(rest.data(), rest.data() + rest.size(), *this));
}

}  // namespace ckpt

namespace boost::serialization {
template <class Archive>
void serialize(Archive& archive, ckpt::Value& value, const unsigned version) {
  split_member(archive, value, version);
}
}  // namespace boost::serialization

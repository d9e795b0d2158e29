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

// Reads the values WriteArchiveBytes wrote, from `in` up to `end`. Bytes that are no value (an
// unknown kind byte, a length or count beyond `end`, nesting deeper than kMaxDecodedPairDepth)
// throw the archive's exception, which the codec turns into Corruption. Values are read in place
// rather than field by field through the archive, whose dispatch per field cost more than the
// bytes, and each is built where it is returned rather than assigned (issue 26: recovering
// 1,000,000 keys is decoding them).
class ArchiveBytesReader {
 public:
  ArchiveBytesReader(const char* in, const char* end) : in_(in), end_(end) {}

  Value read(int depth = 0) {
    if (depth >= kMaxDecodedPairDepth) ThrowCorruptValue("pairs nested too deep");
    uint8_t kind = take<uint8_t>();
    switch (static_cast<Value::Kind>(kind)) {
      case Value::Kind::kInt:
        return Value::Int(take<int64_t>());
      case Value::Kind::kDouble:
        return Value::Double(take<double>());
      case Value::Kind::kString: {
        size_t length = take_length("string of");
        const char* text = in_;
        in_ += length;
        return Value::String(text, length);
      }
      case Value::Kind::kPair: {
        Value first = read(depth + 1);
        Value second = read(depth + 1);
        return Value::Pair(std::move(first), std::move(second));
      }
      case Value::Kind::kNone:
        return Value::None();
      case Value::Kind::kSome:
        return Value::Some(read(depth + 1));
      case Value::Kind::kList: {
        std::vector<Value> items;
        read_into(items, take<size_t>(), depth + 1);
        return Value::List(std::move(items));
      }
    }
    ThrowCorruptValue("unknown value kind " + std::to_string(kind));
  }

  // Appends `count` values to `values`; a count beyond the bytes left throws (every value takes
  // at least one byte), so what it reserves is bounded by the input.
  void read_into(std::vector<Value>& values, size_t count, int depth = 0) {
    if (count > left()) ThrowBeyondTheEnd("collection of", count, left());
    values.reserve(values.size() + count);
    for (size_t i = 0; i < count; ++i) values.push_back(read(depth));
  }

  const char* position() const { return in_; }

 private:
  // A string's length, refused beyond the bytes left.
  size_t take_length(const char* what) {
    size_t length = take<size_t>();
    if (length > left()) ThrowBeyondTheEnd(what, length, left());
    return length;
  }

  template <class T>
  T take() {
    T field;
    if (left() < sizeof field) ThrowCorruptValue("a value cut short");
    std::memcpy(&field, in_, sizeof field);
    in_ += sizeof field;
    return field;
  }

  size_t left() const { return static_cast<size_t>(end_ - in_); }
  [[noreturn, gnu::cold, gnu::noinline]] static void ThrowBeyondTheEnd(const char* what,
                                                                       size_t length, size_t left) {
    ThrowCorruptValue(std::string(what) + " " + std::to_string(length) + " beyond the " +
                      std::to_string(left) + " bytes left");
  }

  const char* in_;
  const char* end_;
};

// Reads the value in place from the archive's input (ArchiveBytesReader): the checkpoint's
// bounded archive is the only one that loads values.
template <class Archive>
void Value::load(Archive& archive, unsigned /*version*/) {
  SpanSource& source = archive.source();
  std::string_view rest = source.rest();
  ArchiveBytesReader reader(rest.data(), rest.data() + rest.size());
  *this = reader.read();
  source.skip_to(reader.position());
}

}  // namespace ckpt

namespace boost::serialization {
template <class Archive>
void serialize(Archive& archive, ckpt::Value& value, const unsigned version) {
  split_member(archive, value, version);
}
}  // namespace boost::serialization

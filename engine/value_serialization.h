// Boost.Serialization support for Value (included only by the checkpoint codec).
#pragma once

#include <boost/serialization/split_member.hpp>
#include <boost/serialization/string.hpp>

#include "engine/runtime/assert.h"
#include "engine/value.h"

namespace ckpt {

// Appends `value` as a binary archive writes it field by field: the kind byte, then an int64 or
// a double in native byte order, a string's std::size_t length and its bytes, or a pair's two
// values. load() reads it back field by field.
inline void AppendArchiveBytes(const Value& value, std::string& out) {
  auto append = [&out](const auto& field) {
    out.append(reinterpret_cast<const char*>(&field), sizeof field);
  };
  append(static_cast<uint8_t>(value.kind()));
  switch (value.kind()) {
    case Value::Kind::kInt:
      append(value.as_int());
      break;
    case Value::Kind::kDouble:
      append(value.as_double());
      break;
    case Value::Kind::kString:
      append(static_cast<std::size_t>(value.as_string().size()));
      out += value.as_string();
      break;
    case Value::Kind::kPair:
      AppendArchiveBytes(value.first(), out);
      AppendArchiveBytes(value.second(), out);
      break;
  }
}

// One call into the archive per value rather than one per field: a state RDD's checkpoint file
// holds a pair per key, and the archive's per-field dispatch was most of its encoding time.
template <class Archive>
void Value::save(Archive& archive, unsigned /*version*/) const {
  thread_local std::string bytes;
  bytes.clear();
  AppendArchiveBytes(*this, bytes);
  archive.save_binary(bytes.data(), bytes.size());
}

// Pairs nest at most this deep in a decoded value: a hostile file of nested pair tags must not
// recurse the decoder off its stack.
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

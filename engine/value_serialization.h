// Boost.Serialization support for Value (included only by the checkpoint codec).
#pragma once

#include <boost/serialization/split_member.hpp>
#include <boost/serialization/string.hpp>

#include "engine/runtime/assert.h"
#include "engine/value.h"

namespace ckpt {

template <class Archive>
void Value::save(Archive& archive, unsigned /*version*/) const {
  auto kind = static_cast<uint8_t>(kind_);
  archive << kind;
  switch (kind_) {
    case Kind::kInt:
      archive << int_;
      break;
    case Kind::kDouble:
      archive << double_;
      break;
    case Kind::kString:
      archive << string_;
      break;
    case Kind::kPair:
      archive << pair_->first << pair_->second;
      break;
  }
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
    case Kind::kInt:
      archive >> int_;
      kind_ = Kind::kInt;
      break;
    case Kind::kDouble:
      archive >> double_;
      kind_ = Kind::kDouble;
      break;
    case Kind::kString:
      archive >> string_;
      kind_ = Kind::kString;
      break;
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

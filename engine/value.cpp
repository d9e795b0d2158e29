#include "engine/value.h"

#include <bit>
#include <cstring>

#include "engine/runtime/assert.h"

namespace ckpt {

Value Value::Int(int64_t v) {
  Value value;
  value.int_ = v;
  return value;
}

Value Value::Double(double v) {
  Value value;
  value.kind_ = Kind::kDouble;
  value.double_ = v;
  return value;
}

Value Value::String(std::string v) {
  Value value;
  value.kind_ = Kind::kString;
  value.string_ = std::move(v);
  return value;
}

Value Value::Pair(Value first, Value second) {
  Value value;
  value.kind_ = Kind::kPair;
  value.pair_ = std::make_shared<const PairData>(PairData{std::move(first), std::move(second)});
  return value;
}

int64_t Value::as_int() const {
  CKPT_ASSERT(is_int(), "value " + to_string() + " is not an integer");
  return int_;
}

double Value::as_double() const {
  CKPT_ASSERT(is_double(), "value " + to_string() + " is not a double");
  return double_;
}

const std::string& Value::as_string() const {
  CKPT_ASSERT(is_string(), "value " + to_string() + " is not a string");
  return string_;
}

const Value& Value::first() const {
  CKPT_ASSERT(is_pair(), "value " + to_string() + " is not a pair");
  return pair_->first;
}

const Value& Value::second() const {
  CKPT_ASSERT(is_pair(), "value " + to_string() + " is not a pair");
  return pair_->second;
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kInt:
      return std::to_string(int_);
    case Kind::kDouble: {
      std::string text = std::to_string(double_);
      while (text.size() > 1 && text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
      return text;
    }
    case Kind::kString:
      return string_;
    case Kind::kPair:
      return "(" + pair_->first.to_string() + "," + pair_->second.to_string() + ")";
  }
  return "?";
}

uint64_t Fnv1a(const void* data, size_t size, uint64_t seed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t hash = seed;
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

uint64_t Value::digest(uint64_t seed) const {
  auto kind_byte = static_cast<uint8_t>(kind_);
  uint64_t hash = Fnv1a(&kind_byte, 1, seed);
  switch (kind_) {
    case Kind::kInt:
      return Fnv1a(&int_, sizeof int_, hash);
    case Kind::kDouble:
      return Fnv1a(&double_, sizeof double_, hash);
    case Kind::kString:
      return Fnv1a(string_.data(), string_.size() + 1, hash);
    case Kind::kPair:
      return pair_->second.digest(pair_->first.digest(hash));
  }
  return hash;
}

std::strong_ordering Value::operator<=>(const Value& other) const {
  if (kind_ != other.kind_) return kind_ <=> other.kind_;
  switch (kind_) {
    case Kind::kInt:
      return int_ <=> other.int_;
    case Kind::kDouble:
      // A total order on doubles (NaNs included) so that sorting never misbehaves.
      return std::strong_order(double_, other.double_);
    case Kind::kString:
      return string_ <=> other.string_;
    case Kind::kPair: {
      if (auto order = pair_->first <=> other.pair_->first; order != 0) return order;
      return pair_->second <=> other.pair_->second;
    }
  }
  return std::strong_ordering::equal;
}

std::string RecordsToString(const Records& records) {
  std::string text = "[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) text += ", ";
    text += records[i].to_string();
  }
  return text + "]";
}

}  // namespace ckpt

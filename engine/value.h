// Record values: int64, double, string and pairs of values.
//
// That is enough for Spark's own streaming tests (words, ("a", 2), counts and sums). Values are
// immutable; a pair shares its two halves, so copies are cheap. Values are totally ordered (kind
// first, then content) so that keyed operators and the oracle iterate deterministically.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ckpt {

class Value {
 public:
  enum class Kind : uint8_t { kInt = 0, kDouble = 1, kString = 2, kPair = 3 };

  Value() = default;  // the integer 0
  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Pair(Value first, Value second);

  Kind kind() const { return kind_; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_double() const { return kind_ == Kind::kDouble; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_pair() const { return kind_ == Kind::kPair; }

  // Accessors. REQUIRES: the matching kind.
  int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Value& first() const;
  const Value& second() const;

  // Scala-like rendering, as Spark's tests print records: a, 2, 2.5, (a,2).
  std::string to_string() const;
  // Adds this value to a 64-bit FNV-1a digest.
  uint64_t digest(uint64_t seed) const;

  std::strong_ordering operator<=>(const Value& other) const;
  bool operator==(const Value& other) const { return (*this <=> other) == 0; }

  template <class Archive>
  void save(Archive& archive, unsigned version) const;
  template <class Archive>
  void load(Archive& archive, unsigned version);

 private:
  struct PairData;
  Kind kind_ = Kind::kInt;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::shared_ptr<const PairData> pair_;
};

struct Value::PairData {
  Value first;
  Value second;
};

// One batch's records (Spark's RDD partitions collapsed: every check compares multisets).
using Records = std::vector<Value>;

// Renders records as "[a, (b,2)]".
std::string RecordsToString(const Records& records);

// 64-bit FNV-1a over bytes, continuing from `seed` (start with kFnvOffset).
inline constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
uint64_t Fnv1a(const void* data, size_t size, uint64_t seed);

}  // namespace ckpt

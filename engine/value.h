// Record values: int64, double, string, pairs of values, Scala's Option (None, Some(v)) and
// sequences of values (List(...)).
//
// That is enough for Spark's own streaming tests: words, ("a", 2), counts and sums, and what
// the pair operators make of two streams (an outer join's (k, (v, None)), a cogroup's
// (k, (List(v, ...), List(w, ...)))). Values are
// immutable; they are totally ordered (kind first, then content) so that keyed operators and the
// oracle iterate deterministically.
//
// A Value is 16 bytes: its kind and either the number itself or a pointer to a shared, immutable,
// reference-counted cell holding a string, a pair, a Some or a list. Records are the engine's
// hottest data (every batch maps, sorts, merges, copies and frees thousands of them), so copying or
// moving a number is two words and copying a string or a pair is one reference count. The count is
// atomic because one parsed scenario's values are copied by the explorer's worker threads.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ckpt {

class Value {
 public:
  enum class Kind : uint8_t {
    kInt = 0,
    kDouble = 1,
    kString = 2,
    kPair = 3,
    kNone = 4,  // Scala's None
    kSome = 5,  // Scala's Some(value)
    kList = 6,  // a sequence of values (a cogroup's CompactBuffer)
  };

  Value() = default;  // the integer 0
  Value(const Value& other) : kind_(other.kind_), payload_(other.payload_) { retain(); }
  Value(Value&& other) noexcept : kind_(other.kind_), payload_(other.payload_) {
    other.kind_ = Kind::kInt;  // a moved-from value is the integer 0
    other.payload_.integer = 0;
  }
  Value& operator=(const Value& other) {
    Value copy(other);
    swap(copy);
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    Value moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~Value() {
    if (on_heap()) release();
  }
  static Value Int(int64_t v) {
    Value value;
    value.payload_.integer = v;
    return value;
  }
  static Value Double(double v) {
    Value value;
    value.kind_ = Kind::kDouble;
    value.payload_.real = v;
    return value;
  }
  static Value String(std::string v);
  static Value String(const char* data, size_t size);  // copies the bytes once
  static Value Pair(Value first, Value second);
  static Value None() {
    Value value;
    value.kind_ = Kind::kNone;
    return value;
  }
  static Value Some(Value inner);
  static Value List(std::vector<Value> items);

  Kind kind() const { return kind_; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_double() const { return kind_ == Kind::kDouble; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_pair() const { return kind_ == Kind::kPair; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_some() const { return kind_ == Kind::kSome; }
  bool is_list() const { return kind_ == Kind::kList; }

  // Accessors. REQUIRES: the matching kind.
  int64_t as_int() const {
    if (!is_int()) WrongKind("an integer");
    return payload_.integer;
  }
  double as_double() const {
    if (!is_double()) WrongKind("a double");
    return payload_.real;
  }
  const std::string& as_string() const;
  const Value& first() const;
  const Value& second() const;
  const Value& some_value() const;
  const std::vector<Value>& items() const;

  // Scala-like rendering, as Spark's tests print records: a, 2, 2.5, (a,2), None, Some(1),
  // List(1, 2).
  std::string to_string() const;
  // Adds this value to a 64-bit FNV-1a digest.
  uint64_t digest(uint64_t seed) const;

  std::strong_ordering operator<=>(const Value& other) const {
    if (kind_ == Kind::kInt && other.kind_ == Kind::kInt)
      return payload_.integer <=> other.payload_.integer;
    return compare(other);
  }
  bool operator==(const Value& other) const {
    if (kind_ != other.kind_) return false;
    if (kind_ == Kind::kInt) return payload_.integer == other.payload_.integer;
    return compare(other) == 0;
  }

  template <class Archive>
  void save(Archive& archive, unsigned version) const;
  template <class Archive>
  void load(Archive& archive, unsigned version);

 private:
  struct Cell;
  struct StringCell;
  struct PairCell;
  struct ListCell;
  union Payload {
    int64_t integer = 0;
    double real;
    Cell* cell;  // strings, pairs, Some and lists
  };

  bool on_heap() const {
    return kind_ == Kind::kString || kind_ == Kind::kPair || kind_ == Kind::kSome ||
           kind_ == Kind::kList;
  }
  void retain() const;
  void release();
  void swap(Value& other) noexcept {
    std::swap(kind_, other.kind_);
    std::swap(payload_, other.payload_);
  }
  std::strong_ordering compare(const Value& other) const;
  [[noreturn]] void WrongKind(const char* wanted) const;

  Kind kind_ = Kind::kInt;
  Payload payload_;
};

// A string's or a pair's cell. Its count is the number of Values that point to it. Cells come
// from a per-thread pool of equal slots (value.cpp), not from malloc.
struct Value::Cell {
  static void* operator new(size_t bytes);
  static void operator delete(void* cell);
  mutable std::atomic<uint32_t> references{1};
};

struct Value::StringCell : Cell {
  explicit StringCell(std::string text) : text(std::move(text)) {}
  StringCell(const char* data, size_t size) : text(data, size) {}
  const std::string text;
};

struct Value::PairCell : Cell {
  PairCell(Value first, Value second) : first(std::move(first)), second(std::move(second)) {}
  const Value first;
  const Value second;
};

// Some(v) holds one item, a list any number.
struct Value::ListCell : Cell {
  explicit ListCell(std::vector<Value> items) : items(std::move(items)) {}
  const std::vector<Value> items;
};

inline const std::string& Value::as_string() const {
  if (!is_string()) WrongKind("a string");
  return static_cast<const StringCell*>(payload_.cell)->text;
}

inline const Value& Value::first() const {
  if (!is_pair()) WrongKind("a pair");
  return static_cast<const PairCell*>(payload_.cell)->first;
}

inline const Value& Value::second() const {
  if (!is_pair()) WrongKind("a pair");
  return static_cast<const PairCell*>(payload_.cell)->second;
}

inline const Value& Value::some_value() const {
  if (!is_some()) WrongKind("a Some");
  return static_cast<const ListCell*>(payload_.cell)->items[0];
}

inline const std::vector<Value>& Value::items() const {
  if (!is_list()) WrongKind("a list");
  return static_cast<const ListCell*>(payload_.cell)->items;
}

inline void Value::retain() const {
  if (on_heap()) payload_.cell->references.fetch_add(1, std::memory_order_relaxed);
}

// One batch's records (Spark's RDD partitions collapsed: every check compares multisets).
using Records = std::vector<Value>;

// Puts records in order: the form in which the oracle compares them as multisets. Records often
// arrive in order already (a log's batch, a state in key order), and checking is cheaper than
// sorting.
void SortRecords(Records& records);

// Renders records as "[a, (b,2)]".
std::string RecordsToString(const Records& records);

// 64-bit FNV-1a over bytes, continuing from `seed` (start with kFnvOffset).
inline constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
uint64_t Fnv1a(const void* data, size_t size, uint64_t seed);

}  // namespace ckpt

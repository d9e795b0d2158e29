#include "engine/value.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "engine/runtime/assert.h"
#include "engine/value_pool.h"

namespace ckpt {

namespace {

// The pool behind cells. A trial creates and frees a pair cell or two per record (every
// (key, value) record of a batch and every entry of a new state), and through malloc that was a
// quarter of a simulation's instructions: glibc's small-object caches are too short for a batch's
// thousand frees, so they went through its general path and its consolidation.
//
// Each thread keeps a free list of slots; a slot freed by another thread than the one that
// carved it simply joins the freeing thread's list. Slots are carved from 64 KiB chunks that
// live as long as the process (memory reaches the peak of live cells and stays there), and a
// thread that ends hands its free slots to the shared list, which refills threads first, at most
// a chunk's worth at a time: a thread that took the whole shared list walked all of it when it
// ended, while the threads beside it found the list empty and carved new chunks, so with the
// explorer's threads (started per batch of trials) the pool and that walk grew with every batch.
// Sanitizer builds use the global allocator instead, so that AddressSanitizer keeps seeing every
// cell's lifetime.
#if defined(__SANITIZE_ADDRESS__)
#define CKPT_CELL_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CKPT_CELL_POOL 0
#endif
#endif
#ifndef CKPT_CELL_POOL
#define CKPT_CELL_POOL 1
#endif

constexpr size_t kSlotBytes = 40;  // checked against the cells below

#if CKPT_CELL_POOL
constexpr size_t kSlotsPerChunk = (64 * 1024) / kSlotBytes;

union Slot {
  Slot* next;
  alignas(Value) unsigned char bytes[kSlotBytes];  // a cell holds values
};

struct SharedSlots {
  std::mutex mutex;
  Slot* free = nullptr;
  std::vector<std::unique_ptr<Slot[]>> chunks;
};

// Never destroyed: values in static storage may be freed after every destructor has run.
SharedSlots& Shared() {
  static auto* shared = new SharedSlots;
  return *shared;
}

// Trivially destructible, so that a thread's list stays usable while its other thread-locals and
// the program's statics are destroyed (their values free cells too).
thread_local Slot* local_free = nullptr;

struct HandBackAtThreadEnd {
  ~HandBackAtThreadEnd() {
    if (local_free == nullptr) return;
    Slot* last = local_free;
    while (last->next != nullptr) last = last->next;
    std::lock_guard<std::mutex> lock(Shared().mutex);
    last->next = Shared().free;
    Shared().free = local_free;
    local_free = nullptr;
  }
};
thread_local HandBackAtThreadEnd hand_back;

// Fills this thread's empty list: up to a chunk's worth of the shared free slots, else a new
// chunk.
void Refill() {
  (void)&hand_back;  // registers the hand-back for this thread
  SharedSlots& shared = Shared();
  std::lock_guard<std::mutex> lock(shared.mutex);
  if (shared.free != nullptr) {
    Slot* last = shared.free;
    for (size_t taken = 1; taken < kSlotsPerChunk && last->next != nullptr; ++taken) {
      last = last->next;
    }
    local_free = std::exchange(shared.free, last->next);
    last->next = nullptr;
    return;
  }
  shared.chunks.push_back(std::make_unique<Slot[]>(kSlotsPerChunk));
  Slot* chunk = shared.chunks.back().get();
  for (size_t i = 0; i + 1 < kSlotsPerChunk; ++i) chunk[i].next = &chunk[i + 1];
  chunk[kSlotsPerChunk - 1].next = nullptr;
  local_free = chunk;
}
#endif  // CKPT_CELL_POOL

}  // namespace

size_t ValueCellPoolChunks() {
#if CKPT_CELL_POOL
  std::lock_guard<std::mutex> lock(Shared().mutex);
  return Shared().chunks.size();
#else
  return 0;
#endif
}

void* Value::Cell::operator new(size_t bytes) {
  static_assert(sizeof(StringCell) <= kSlotBytes && sizeof(PairCell) <= kSlotBytes &&
                sizeof(ListCell) <= kSlotBytes);
  CKPT_ASSERT(bytes <= kSlotBytes, "a value cell is larger than a pool slot");
#if CKPT_CELL_POOL
  if (local_free == nullptr) Refill();
  Slot* slot = local_free;
  local_free = slot->next;
  return slot;
#else
  return ::operator new(bytes);
#endif
}

void Value::Cell::operator delete(void* cell) {
#if CKPT_CELL_POOL
  auto* slot = static_cast<Slot*>(cell);
  slot->next = local_free;
  local_free = slot;
#else
  ::operator delete(cell);
#endif
}

Value Value::String(std::string v) {
  Value value;
  value.kind_ = Kind::kString;
  value.payload_.cell = new StringCell(std::move(v));
  return value;
}

Value Value::String(const char* data, size_t size) {
  Value value;
  value.kind_ = Kind::kString;
  value.payload_.cell = new StringCell(data, size);
  return value;
}

Value Value::Pair(Value first, Value second) {
  Value value;
  value.kind_ = Kind::kPair;
  value.payload_.cell = new PairCell(std::move(first), std::move(second));
  return value;
}

Value Value::Some(Value inner) {
  Value value;
  value.kind_ = Kind::kSome;
  value.payload_.cell = new ListCell(std::vector<Value>{std::move(inner)});
  return value;
}

Value Value::List(std::vector<Value> items) {
  Value value;
  value.kind_ = Kind::kList;
  value.payload_.cell = new ListCell(std::move(items));
  return value;
}

void Value::release() {
  // The last owner deletes. A count of 1 is ours alone: no other thread can hold a copy to
  // add to it, so the atomic decrement is needed only when the cell is shared.
  Cell* cell = payload_.cell;
  if (cell->references.load(std::memory_order_acquire) != 1 &&
      cell->references.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  if (kind_ == Kind::kString) {
    delete static_cast<StringCell*>(cell);
  } else if (kind_ == Kind::kPair) {
    delete static_cast<PairCell*>(cell);
  } else {
    delete static_cast<ListCell*>(cell);
  }
}

void Value::WrongKind(const char* wanted) const {
  AssertFailed(__FILE__, __LINE__, "value " + to_string() + " is not " + wanted);
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kInt:
      return std::to_string(payload_.integer);
    case Kind::kDouble: {
      std::string text = std::to_string(payload_.real);
      while (text.size() > 1 && text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
      return text;
    }
    case Kind::kString:
      return as_string();
    case Kind::kPair:
      return "(" + first().to_string() + "," + second().to_string() + ")";
    case Kind::kNone:
      return "None";
    case Kind::kSome:
      return "Some(" + some_value().to_string() + ")";
    case Kind::kList: {
      std::string text = "List(";
      for (size_t i = 0; i < items().size(); ++i) {
        if (i > 0) text += ", ";
        text += items()[i].to_string();
      }
      return text + ")";
    }
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
      return Fnv1a(&payload_.integer, sizeof payload_.integer, hash);
    case Kind::kDouble:
      return Fnv1a(&payload_.real, sizeof payload_.real, hash);
    case Kind::kString:
      return Fnv1a(as_string().data(), as_string().size() + 1, hash);
    case Kind::kPair:
      return second().digest(first().digest(hash));
    case Kind::kNone:
      return hash;
    case Kind::kSome:
      return some_value().digest(hash);
    case Kind::kList: {
      uint64_t count = items().size();
      hash = Fnv1a(&count, sizeof count, hash);
      for (const Value& item : items()) hash = item.digest(hash);
      return hash;
    }
  }
  return hash;
}

std::strong_ordering Value::compare(const Value& other) const {
  if (kind_ != other.kind_) return kind_ <=> other.kind_;
  if (on_heap() && payload_.cell == other.payload_.cell) return std::strong_ordering::equal;
  switch (kind_) {
    case Kind::kInt:
      return payload_.integer <=> other.payload_.integer;
    case Kind::kDouble:
      // A total order on doubles (NaNs included) so that sorting never misbehaves.
      return std::strong_order(payload_.real, other.payload_.real);
    case Kind::kString:
      return as_string() <=> other.as_string();
    case Kind::kPair: {
      if (auto order = first() <=> other.first(); order != 0) return order;
      return second() <=> other.second();
    }
    case Kind::kNone:
      return std::strong_ordering::equal;
    case Kind::kSome:
      return some_value() <=> other.some_value();
    case Kind::kList:
      return std::lexicographical_compare_three_way(items().begin(), items().end(),
                                                    other.items().begin(), other.items().end());
  }
  return std::strong_ordering::equal;
}

void SortRecords(Records& records) {
  if (!std::is_sorted(records.begin(), records.end())) std::sort(records.begin(), records.end());
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

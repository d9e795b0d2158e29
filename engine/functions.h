// Named functions that pipelines reference.
//
// Spark serializes closures into the checkpoint. We cannot serialize C++ closures, so a pipeline
// names a registered function (plus arguments) and the checkpoint stores that reference; a
// recovered graph binds it again. A checkpoint or scenario naming an unknown function fails with
// an error that lists the registered ones.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt {

// A reference to a registered function: its name and its arguments.
struct FunctionRef {
  std::string name;
  std::vector<Value> args;

  bool empty() const { return name.empty(); }
  std::string to_string() const;  // "add(100)"
  auto operator<=>(const FunctionRef&) const = default;
};

enum class FunctionKind {
  kMap,
  kFlatMap,
  kFilter,
  kReduce,
  kUpdateState,
  kTransform,
  kMapWithState
};
const char* FunctionKindName(FunctionKind kind);

using MapFn = std::function<Result<Value>(const Value&)>;
using FlatMapFn = std::function<Result<Records>(const Value&)>;
using FilterFn = std::function<Result<bool>(const Value&)>;
using ReduceFn = std::function<Result<Value>(const Value&, const Value&)>;
// updateStateByKey: (new values of a key, previous state) -> new state, or none to drop the key.
using UpdateStateFn =
    std::function<Result<std::optional<Value>>(const Records&, const std::optional<Value>&)>;
// transform / foreachRDD: a whole batch's records -> records.
using TransformFn = std::function<Result<Records>(const Records&)>;

// mapWithState: what the mapping function did with a key's state, and what it returned.
struct StateMapping {
  enum class Action { kKeep, kUpdate, kRemove };
  Action action = Action::kKeep;
  Value new_state;              // with kUpdate
  std::optional<Value> mapped;  // the mapped record, if any
};
// (key, this batch's value or none, the current state or none, timing out?) -> mapping. A timing
// out state cannot be updated or removed (Spark's State throws); the key goes away regardless.
using MapWithStateFn =
    std::function<Result<StateMapping>(const Value& key, const std::optional<Value>& value,
                                       const std::optional<Value>& state, bool timing_out)>;

class FunctionRegistry {
 public:
  // The registry with every built-in function (see functions.cpp for the list).
  static const FunctionRegistry& Builtins();

  struct Entry {
    FunctionKind kind;
    int arity;  // number of arguments the reference must carry
    std::string description;
    std::function<MapFn(const std::vector<Value>&)> make_map;
    std::function<FlatMapFn(const std::vector<Value>&)> make_flat_map;
    std::function<FilterFn(const std::vector<Value>&)> make_filter;
    std::function<ReduceFn(const std::vector<Value>&)> make_reduce;
    std::function<UpdateStateFn(const std::vector<Value>&)> make_update_state;
    std::function<TransformFn(const std::vector<Value>&)> make_transform;
    std::function<MapWithStateFn(const std::vector<Value>&)> make_map_with_state;
  };

  void add(const std::string& name, Entry entry);

  // Binds a reference to a callable. InvalidArgument when the name is unknown (the message lists
  // the registered names of that kind), of another kind, or given the wrong number of arguments.
  Result<MapFn> bind_map(const FunctionRef& ref) const;
  Result<FlatMapFn> bind_flat_map(const FunctionRef& ref) const;
  Result<FilterFn> bind_filter(const FunctionRef& ref) const;
  Result<ReduceFn> bind_reduce(const FunctionRef& ref) const;
  Result<UpdateStateFn> bind_update_state(const FunctionRef& ref) const;
  Result<TransformFn> bind_transform(const FunctionRef& ref) const;
  Result<MapWithStateFn> bind_map_with_state(const FunctionRef& ref) const;

  // Checks that `ref` names a function of `kind` with the right arity.
  Status check(const FunctionRef& ref, FunctionKind kind) const;

  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  Result<const Entry*> find(const FunctionRef& ref, FunctionKind kind) const;
  std::map<std::string, Entry> entries_;
};

}  // namespace ckpt

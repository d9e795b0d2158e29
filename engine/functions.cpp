#include "engine/functions.h"

#include <algorithm>
#include <sstream>

namespace ckpt {
namespace {

Status TypeError(const char* function, const Value& value, const char* expected) {
  return Status::InvalidArgument(std::string(function) + " expects " + expected + ", got " +
                                 value.to_string());
}

// Numeric addition with Spark's promotion: int + int stays int, anything with a double is double.
// Integers wrap on overflow as the JVM's do (and without C++'s undefined behaviour).
Result<Value> Add(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) {
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(a.as_int()) +
                                           static_cast<uint64_t>(b.as_int())));
  }
  auto as_number = [](const Value& v) -> std::optional<double> {
    if (v.is_int()) return static_cast<double>(v.as_int());
    if (v.is_double()) return v.as_double();
    return std::nullopt;
  };
  auto x = as_number(a), y = as_number(b);
  if (!x || !y) return TypeError("sum", x ? b : a, "numbers");
  return Value::Double(*x + *y);
}

FunctionRegistry::Entry MapEntry(int arity, std::string description,
                                 std::function<MapFn(const std::vector<Value>&)> make) {
  FunctionRegistry::Entry entry{
      FunctionKind::kMap, arity, std::move(description), {}, {}, {}, {}, {}, {}, {}};
  entry.make_map = std::move(make);
  return entry;
}

FunctionRegistry::Entry TransformEntry(std::string description, TransformFn transform) {
  FunctionRegistry::Entry entry{
      FunctionKind::kTransform, 0, std::move(description), {}, {}, {}, {}, {}, {}, {}};
  entry.make_transform = [transform](const std::vector<Value>&) { return transform; };
  return entry;
}

void AddTransforms(FunctionRegistry& registry) {
  registry.add("count_records",
               TransformEntry("records -> [their count] (Spark's rdd.count())",
                              [](const Records& in) -> Result<Records> {
                                return Records{Value::Int(static_cast<int64_t>(in.size()))};
                              }));
  registry.add("distinct", TransformEntry("records -> the distinct records, sorted",
                                          [](const Records& in) -> Result<Records> {
                                            Records out = in;
                                            std::sort(out.begin(), out.end());
                                            out.erase(std::unique(out.begin(), out.end()),
                                                      out.end());
                                            return out;
                                          }));
  registry.add("swap_pairs", TransformEntry("(k, v) -> (v, k) for every record",
                                            [](const Records& in) -> Result<Records> {
                                              Records out;
                                              for (const Value& v : in) {
                                                if (!v.is_pair())
                                                  return TypeError("swap_pairs", v, "pairs");
                                                out.push_back(Value::Pair(v.second(), v.first()));
                                              }
                                              return out;
                                            }));
}

// MapWithStateSuite's runningCount: state = state + value (0 when absent), returns (key, state).
// A timing-out key reports its last count and goes away.
void AddMapWithStateFunctions(FunctionRegistry& registry) {
  FunctionRegistry::Entry count{FunctionKind::kMapWithState,
                                0,
                                "(key, value, state) -> state += value; returns (key, state)",
                                {},
                                {},
                                {},
                                {},
                                {},
                                {},
                                {}};
  count.make_map_with_state = [](const std::vector<Value>&) -> MapWithStateFn {
    return [](const Value& key, const std::optional<Value>& value,
              const std::optional<Value>& state, bool timing_out) -> Result<StateMapping> {
      StateMapping mapping;
      Value current = state.value_or(Value::Int(0));
      if (timing_out) {
        mapping.mapped = Value::Pair(key, current);
        return mapping;
      }
      CKPT_ASSIGN_OR_RETURN(Value next, Add(current, value.value_or(Value::Int(0))));
      mapping.action = StateMapping::Action::kUpdate;
      mapping.new_state = next;
      mapping.mapped = Value::Pair(key, next);
      return mapping;
    };
  };
  registry.add("running_count", std::move(count));
}

FunctionRegistry BuildBuiltins() {
  FunctionRegistry registry;
  registry.add("identity", MapEntry(0, "x -> x", [](const std::vector<Value>&) -> MapFn {
                 return [](const Value& v) -> Result<Value> { return v; };
               }));
  registry.add("pair_with_one", MapEntry(0, "x -> (x, 1)", [](const std::vector<Value>&) -> MapFn {
                 return
                     [](const Value& v) -> Result<Value> { return Value::Pair(v, Value::Int(1)); };
               }));
  registry.add("pair_with", MapEntry(1, "x -> (x, v)", [](const std::vector<Value>& args) -> MapFn {
                 Value paired = args[0];
                 return
                     [paired](const Value& v) -> Result<Value> { return Value::Pair(v, paired); };
               }));
  registry.add("add",
               MapEntry(1, "x -> x + n (numbers)", [](const std::vector<Value>& args) -> MapFn {
                 Value n = args[0];
                 return [n](const Value& v) -> Result<Value> { return Add(v, n); };
               }));
  registry.add("modulo", MapEntry(1, "x -> x mod n (integers; n > 0)",
                                  [](const std::vector<Value>& args) -> MapFn {
                                    Value n = args[0];
                                    return [n](const Value& v) -> Result<Value> {
                                      if (!v.is_int()) return TypeError("modulo", v, "an integer");
                                      if (!n.is_int() || n.as_int() <= 0) {
                                        return TypeError("modulo", n, "a positive integer");
                                      }
                                      int64_t rest = v.as_int() % n.as_int();
                                      return Value::Int(rest < 0 ? rest + n.as_int() : rest);
                                    };
                                  }));
  // Spark's `6 / x` of its StreamingQuerySuite (TV3, TV4): the JVM's integer division, which
  // truncates, throws on zero and wraps MIN / -1.
  registry.add(
      "divide_into",
      MapEntry(1, "x -> n / x (integers, truncated; fails on x = 0)",
               [](const std::vector<Value>& args) -> MapFn {
                 Value n = args[0];
                 return [n](const Value& x) -> Result<Value> {
                   if (!x.is_int()) return TypeError("divide_into", x, "an integer");
                   if (!n.is_int()) return TypeError("divide_into", n, "an integer");
                   if (x.as_int() == 0) {
                     return Status::InvalidArgument("java.lang.ArithmeticException: / by zero");
                   }
                   if (x.as_int() == -1) {
                     return Value::Int(static_cast<int64_t>(0 - static_cast<uint64_t>(n.as_int())));
                   }
                   return Value::Int(n.as_int() / x.as_int());
                 };
               }));
  registry.add("keyed", MapEntry(1, "x -> (k, x)", [](const std::vector<Value>& args) -> MapFn {
                 Value key = args[0];
                 return [key](const Value& v) -> Result<Value> { return Value::Pair(key, v); };
               }));
  registry.add("pair_key", MapEntry(0, "(k, v) -> k", [](const std::vector<Value>&) -> MapFn {
                 return [](const Value& v) -> Result<Value> {
                   if (!v.is_pair()) return TypeError("pair_key", v, "pairs");
                   return v.first();
                 };
               }));
  registry.add("pair_value", MapEntry(0, "(k, v) -> v", [](const std::vector<Value>&) -> MapFn {
                 return [](const Value& v) -> Result<Value> {
                   if (!v.is_pair()) return TypeError("pair_value", v, "pairs");
                   return v.second();
                 };
               }));
  registry.add("pair_with_self", MapEntry(0, "x -> (x, x)", [](const std::vector<Value>&) -> MapFn {
                 return [](const Value& v) -> Result<Value> { return Value::Pair(v, v); };
               }));
  registry.add("to_int",
               MapEntry(0, "decimal string -> integer", [](const std::vector<Value>&) -> MapFn {
                 return [](const Value& v) -> Result<Value> {
                   if (v.is_int()) return v;
                   if (!v.is_string()) return TypeError("to_int", v, "a string");
                   try {
                     size_t used = 0;
                     int64_t n = std::stoll(v.as_string(), &used);
                     if (used == v.as_string().size()) return Value::Int(n);
                   } catch (const std::exception&) {
                   }
                   return TypeError("to_int", v, "a decimal string");
                 };
               }));

  FunctionRegistry::Entry split{
      FunctionKind::kFlatMap, 0, "string -> its space-separated words", {}, {}, {}, {}, {}, {}, {}};
  split.make_flat_map = [](const std::vector<Value>&) -> FlatMapFn {
    return [](const Value& v) -> Result<Records> {
      if (!v.is_string()) return TypeError("split_words", v, "a string");
      Records words;
      std::istringstream stream(v.as_string());
      for (std::string word; stream >> word;) words.push_back(Value::String(word));
      return words;
    };
  };
  registry.add("split_words", std::move(split));

  FunctionRegistry::Entry non_empty{
      FunctionKind::kFilter, 0, "keeps non-empty strings", {}, {}, {}, {}, {}, {}, {}};
  non_empty.make_filter = [](const std::vector<Value>&) -> FilterFn {
    return [](const Value& v) -> Result<bool> { return !v.is_string() || !v.as_string().empty(); };
  };
  registry.add("non_empty", std::move(non_empty));

  FunctionRegistry::Entry even{
      FunctionKind::kFilter, 0, "keeps even integers", {}, {}, {}, {}, {}, {}, {}};
  even.make_filter = [](const std::vector<Value>&) -> FilterFn {
    return [](const Value& v) -> Result<bool> {
      if (!v.is_int()) return TypeError("is_even", v, "an integer");
      return v.as_int() % 2 == 0;
    };
  };
  registry.add("is_even", std::move(even));

  FunctionRegistry::Entry ends_with{FunctionKind::kFilter,
                                    1,
                                    "keeps strings ending with s (a file stream's path filter)",
                                    {},
                                    {},
                                    {},
                                    {},
                                    {},
                                    {},
                                    {}};
  ends_with.make_filter = [](const std::vector<Value>& args) -> FilterFn {
    Value suffix = args[0];
    return [suffix](const Value& v) -> Result<bool> {
      if (!suffix.is_string()) return TypeError("ends_with", suffix, "a string suffix");
      if (!v.is_string()) return TypeError("ends_with", v, "a string");
      return v.as_string().ends_with(suffix.as_string());
    };
  };
  registry.add("ends_with", std::move(ends_with));

  FunctionRegistry::Entry sum{
      FunctionKind::kReduce, 0, "(a, b) -> a + b", {}, {}, {}, {}, {}, {}, {}};
  sum.make_reduce = [](const std::vector<Value>&) -> ReduceFn { return Add; };
  registry.add("sum", std::move(sum));

  FunctionRegistry::Entry subtract{
      FunctionKind::kReduce, 0, "(a, b) -> a - b (the inverse of sum)", {}, {}, {}, {}, {}, {}, {}};
  subtract.make_reduce = [](const std::vector<Value>&) -> ReduceFn {
    return [](const Value& a, const Value& b) -> Result<Value> {
      if (b.is_int()) return Add(a, Value::Int(-b.as_int()));
      if (b.is_double()) return Add(a, Value::Double(-b.as_double()));
      return TypeError("subtract", b, "a number");
    };
  };
  registry.add("subtract", std::move(subtract));

  FunctionRegistry::Entry nonzero{
      FunctionKind::kFilter, 0, "keeps (k, v) pairs whose v is not 0", {}, {}, {}, {}, {}, {}, {}};
  nonzero.make_filter = [](const std::vector<Value>&) -> FilterFn {
    return [](const Value& v) -> Result<bool> {
      if (!v.is_pair()) return TypeError("nonzero_value", v, "a (key, value) pair");
      const Value& value = v.second();
      return !(value.is_int() && value.as_int() == 0) &&
             !(value.is_double() && value.as_double() == 0);
    };
  };
  registry.add("nonzero_value", std::move(nonzero));

  FunctionRegistry::Entry running{FunctionKind::kUpdateState,
                                  0,
                                  "(values, state) -> Some(sum(values) + state.getOrElse(0))",
                                  {},
                                  {},
                                  {},
                                  {},
                                  {},
                                  {},
                                  {}};
  running.make_update_state = [](const std::vector<Value>&) -> UpdateStateFn {
    return [](const Records& values,
              const std::optional<Value>& state) -> Result<std::optional<Value>> {
      Value total = state.value_or(Value::Int(0));
      for (const Value& v : values) {
        CKPT_ASSIGN_OR_RETURN(Value next, Add(total, v));
        total = std::move(next);
      }
      return std::optional<Value>(total);
    };
  };
  registry.add("running_sum", std::move(running));
  AddTransforms(registry);
  AddMapWithStateFunctions(registry);
  return registry;
}

}  // namespace

std::string FunctionRef::to_string() const {
  if (args.empty()) return name;
  std::string text = name + "(";
  for (size_t i = 0; i < args.size(); ++i) text += (i ? ", " : "") + args[i].to_string();
  return text + ")";
}

const char* FunctionKindName(FunctionKind kind) {
  switch (kind) {
    case FunctionKind::kMap:
      return "map";
    case FunctionKind::kFlatMap:
      return "flat_map";
    case FunctionKind::kFilter:
      return "filter";
    case FunctionKind::kReduce:
      return "reduce";
    case FunctionKind::kUpdateState:
      return "update_state";
    case FunctionKind::kTransform:
      return "transform";
    case FunctionKind::kMapWithState:
      return "map_with_state";
  }
  return "?";
}

const FunctionRegistry& FunctionRegistry::Builtins() {
  static const FunctionRegistry registry = BuildBuiltins();
  return registry;
}

void FunctionRegistry::add(const std::string& name, Entry entry) {
  CKPT_ASSERT(!entries_.count(name), "function registered twice: " + name);
  entries_.emplace(name, std::move(entry));
}

Result<const FunctionRegistry::Entry*> FunctionRegistry::find(const FunctionRef& ref,
                                                              FunctionKind kind) const {
  auto it = entries_.find(ref.name);
  if (it == entries_.end() || it->second.kind != kind) {
    std::string known;
    for (const auto& [name, entry] : entries_) {
      if (entry.kind == kind) known += (known.empty() ? "" : ", ") + name;
    }
    std::string what = it == entries_.end() ? "unknown" : "not a";
    return Status::InvalidArgument(what + " " + FunctionKindName(kind) + " function '" + ref.name +
                                   "' (registered: " + known + ")");
  }
  if (static_cast<int>(ref.args.size()) != it->second.arity) {
    return Status::InvalidArgument("function '" + ref.name + "' takes " +
                                   std::to_string(it->second.arity) + " argument(s), got " +
                                   std::to_string(ref.args.size()));
  }
  return &it->second;
}

Status FunctionRegistry::check(const FunctionRef& ref, FunctionKind kind) const {
  return find(ref, kind).status();
}

#define CKPT_DEFINE_BIND(method, Type, kind, maker)                     \
  Result<Type> FunctionRegistry::method(const FunctionRef& ref) const { \
    Result<const Entry*> entry = find(ref, kind);                       \
    if (!entry.ok()) return entry.status();                             \
    return entry.value()->maker(ref.args);                              \
  }
CKPT_DEFINE_BIND(bind_map, MapFn, FunctionKind::kMap, make_map)
CKPT_DEFINE_BIND(bind_flat_map, FlatMapFn, FunctionKind::kFlatMap, make_flat_map)
CKPT_DEFINE_BIND(bind_filter, FilterFn, FunctionKind::kFilter, make_filter)
CKPT_DEFINE_BIND(bind_reduce, ReduceFn, FunctionKind::kReduce, make_reduce)
CKPT_DEFINE_BIND(bind_update_state, UpdateStateFn, FunctionKind::kUpdateState, make_update_state)
CKPT_DEFINE_BIND(bind_transform, TransformFn, FunctionKind::kTransform, make_transform)
CKPT_DEFINE_BIND(bind_map_with_state, MapWithStateFn, FunctionKind::kMapWithState,
                 make_map_with_state)
#undef CKPT_DEFINE_BIND

}  // namespace ckpt

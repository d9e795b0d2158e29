// The interface of a function plugin: a shared library of the user's own functions, which
// scenarios name like the built-in ones (`ckptsim ... --plugin PATH`, or `plugins:` in a scenario).
//
// A plugin is one C++ file that includes this header and defines its registration function:
//
//   #include "engine/plugin.h"
//   CKPTSIM_PLUGIN(registrar) {
//     registrar.add_map("triple", 0, "x -> 3x", [](const std::vector<ckpt::Value>&) -> ckpt::MapFn
//     {
//       return [](const ckpt::Value& v) -> ckpt::Result<ckpt::Value> {
//         return ckpt::Value::Int(3 * v.as_int());
//       };
//     });
//   }
//
// built as a shared library against the same ckptsim (examples/plugin/ shows the CMake lines).
// Contract for the functions a plugin registers:
// - Deterministic: the same arguments give the same result, with no clock, randomness, threads,
//   I/O or state shared between calls (the simulator replays trials from a seed and compares
//   digests). A function runs on the simulation's thread.
// - Errors are returned as a Status (a job fails, as a Spark task's exception fails its job); an
//   exception escaping a function is caught and reported the same way.
// - A registered name must not be taken: by a built-in function or by another loaded plugin.
// - `arity` is the number of arguments a reference must carry (`add(100)` has one); the factory
//   receives them and returns the callable. A checkpoint stores the name and the arguments, so a
//   recovered process binds them again: one that does not load the plugin fails recovery, as
//   Spark's does when the class of a checkpointed closure is missing.
//
// The ABI version changes whenever this header or the types it names (engine/functions.h,
// engine/value.h, engine/runtime/status.h) change in a way a built plugin would notice; ckptsim
// refuses a plugin built for another version.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "engine/functions.h"

namespace ckpt {

inline constexpr int kPluginAbiVersion = 1;

// What a plugin's registration function is given: one method per kind of function.
class PluginRegistrar {
 public:
  template <typename Fn>
  using Factory = std::function<Fn(const std::vector<Value>&)>;

  virtual ~PluginRegistrar() = default;

  // Registers `entry` under `name`; a bad registration (a taken name, a factory missing) is
  // reported by the loader when the registration function returns.
  virtual void add(const std::string& name, FunctionRegistry::Entry entry) = 0;

  void add_map(const std::string& name, int arity, std::string description, Factory<MapFn> make) {
    add(name, Make(FunctionKind::kMap, arity, std::move(description), &Entry::make_map, make));
  }
  void add_flat_map(const std::string& name, int arity, std::string description,
                    Factory<FlatMapFn> make) {
    add(name,
        Make(FunctionKind::kFlatMap, arity, std::move(description), &Entry::make_flat_map, make));
  }
  void add_filter(const std::string& name, int arity, std::string description,
                  Factory<FilterFn> make) {
    add(name,
        Make(FunctionKind::kFilter, arity, std::move(description), &Entry::make_filter, make));
  }
  void add_reduce(const std::string& name, int arity, std::string description,
                  Factory<ReduceFn> make) {
    add(name,
        Make(FunctionKind::kReduce, arity, std::move(description), &Entry::make_reduce, make));
  }
  void add_update_state(const std::string& name, int arity, std::string description,
                        Factory<UpdateStateFn> make) {
    add(name, Make(FunctionKind::kUpdateState, arity, std::move(description),
                   &Entry::make_update_state, make));
  }
  void add_transform(const std::string& name, int arity, std::string description,
                     Factory<TransformFn> make) {
    add(name, Make(FunctionKind::kTransform, arity, std::move(description), &Entry::make_transform,
                   make));
  }
  void add_map_with_state(const std::string& name, int arity, std::string description,
                          Factory<MapWithStateFn> make) {
    add(name, Make(FunctionKind::kMapWithState, arity, std::move(description),
                   &Entry::make_map_with_state, make));
  }

 private:
  using Entry = FunctionRegistry::Entry;

  // The entry of one kind, its callable wrapped so that an exception becomes an error Status.
  template <typename Fn>
  static Entry Make(FunctionKind kind, int arity, std::string description, Factory<Fn> Entry::*slot,
                    Factory<Fn> make) {
    Entry entry{kind, arity, std::move(description), {}, {}, {}, {}, {}, {}, {}};
    if (!make) return entry;  // the loader reports the missing factory
    entry.*slot = [make](const std::vector<Value>& args) -> Fn {
      Fn inner = make(args);
      return [inner](const auto&... in) -> decltype(inner(in...)) {
        try {
          return inner(in...);
        } catch (const std::exception& e) {
          return Status::InvalidArgument(std::string("plugin function threw: ") + e.what());
        } catch (...) {
          return Status::InvalidArgument("plugin function threw a non-standard exception");
        }
      };
    };
    return entry;
  }
};

}  // namespace ckpt

// Defines the plugin's two entry points: its ABI version, and its registration function, whose
// body follows the macro (`registrar` names the PluginRegistrar&).
#define CKPTSIM_PLUGIN(registrar)                                                   \
  extern "C" int ckptsim_plugin_abi_version() { return ::ckpt::kPluginAbiVersion; } \
  extern "C" void ckptsim_plugin_register(::ckpt::PluginRegistrar& registrar)

#include "scenario/plugins.h"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "engine/plugin.h"

namespace sim {
namespace {

using ckpt::FunctionRegistry;
using ckpt::Status;

// Collects a plugin's registrations, keeping the first error.
class CollectingRegistrar : public ckpt::PluginRegistrar {
 public:
  void add(const std::string& name, FunctionRegistry::Entry entry) override {
    if (!error_.empty()) return;
    if (name.empty()) {
      error_ = "registers a function with an empty name";
    } else if (entries_.count(name)) {
      error_ = "registers '" + name + "' twice";
    } else if (entry.arity < 0) {
      error_ = "registers '" + name + "' with a negative arity";
    } else if (!HasFactory(entry)) {
      error_ = "registers '" + name + "' without a function";
    } else {
      entries_.emplace(name, std::move(entry));
    }
  }
  const std::string& error() const { return error_; }
  std::map<std::string, FunctionRegistry::Entry>& entries() { return entries_; }

 private:
  static bool HasFactory(const FunctionRegistry::Entry& entry) {
    switch (entry.kind) {
      case ckpt::FunctionKind::kMap:
        return static_cast<bool>(entry.make_map);
      case ckpt::FunctionKind::kFlatMap:
        return static_cast<bool>(entry.make_flat_map);
      case ckpt::FunctionKind::kFilter:
        return static_cast<bool>(entry.make_filter);
      case ckpt::FunctionKind::kReduce:
        return static_cast<bool>(entry.make_reduce);
      case ckpt::FunctionKind::kUpdateState:
        return static_cast<bool>(entry.make_update_state);
      case ckpt::FunctionKind::kTransform:
        return static_cast<bool>(entry.make_transform);
      case ckpt::FunctionKind::kMapWithState:
        return static_cast<bool>(entry.make_map_with_state);
    }
    return false;
  }

  std::string error_;
  std::map<std::string, FunctionRegistry::Entry> entries_;
};

// Every plugin this process loaded and every registry built from them. Neither is ever freed:
// functions bound from a plugin may live as long as the process.
struct PluginState {
  std::mutex mutex;
  std::map<std::string, std::map<std::string, FunctionRegistry::Entry>> plugins;  // by path
  std::map<std::vector<std::string>, std::unique_ptr<const FunctionRegistry>> registries;
};

PluginState& State() {
  static PluginState* state = new PluginState();  // outlives static destructors on purpose
  return *state;
}

Status Load(PluginState& state, const std::string& path) {
  if (state.plugins.count(path)) return Status::Ok();
  auto failed = [&path](const std::string& what) {
    return Status::InvalidArgument("plugin " + path + ": " + what);
  };
  // RTLD_LOCAL: two plugins may define the same helper symbols without clashing.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* error = dlerror();
    return failed(std::string("cannot be loaded (") + (error ? error : "unknown error") + ")");
  }
  auto version = reinterpret_cast<int (*)()>(dlsym(handle, "ckptsim_plugin_abi_version"));
  auto registration =
      reinterpret_cast<void (*)(ckpt::PluginRegistrar&)>(dlsym(handle, "ckptsim_plugin_register"));
  if (!version || !registration) {
    dlclose(handle);
    return failed("is not a ckptsim plugin (it lacks the entry points CKPTSIM_PLUGIN defines)");
  }
  if (int built_for = version(); built_for != ckpt::kPluginAbiVersion) {
    dlclose(handle);
    return failed("was built for plugin ABI version " + std::to_string(built_for) +
                  "; this ckptsim loads version " + std::to_string(ckpt::kPluginAbiVersion) +
                  " (rebuild it against this ckptsim's engine/plugin.h)");
  }
  CollectingRegistrar registrar;
  try {
    registration(registrar);
  } catch (const std::exception& e) {
    return failed(std::string("its registration threw: ") + e.what());
  }
  if (!registrar.error().empty()) return failed(registrar.error());
  // The handle stays open for the life of the process (see PluginState).
  state.plugins.emplace(path, std::move(registrar.entries()));
  return Status::Ok();
}

}  // namespace

ckpt::Result<std::string> CanonicalPluginPath(const std::string& path) {
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::canonical(path, error);
  if (error || !std::filesystem::is_regular_file(canonical, error)) {
    return Status::InvalidArgument("no such plugin file: " + path);
  }
  return canonical.string();
}

Status LoadPlugin(const std::string& canonical_path) {
  PluginState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  return Load(state, canonical_path);
}

ckpt::Result<const FunctionRegistry*> RegistryWithPlugins(
    const std::vector<std::string>& canonical_paths) {
  if (canonical_paths.empty()) return &FunctionRegistry::Builtins();
  PluginState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto built = state.registries.find(canonical_paths);
  if (built != state.registries.end()) return built->second.get();
  auto registry = std::make_unique<FunctionRegistry>(FunctionRegistry::Builtins());
  std::map<std::string, std::string> provider;  // function name -> the plugin registering it
  for (const std::string& path : canonical_paths) {
    CKPT_RETURN_IF_ERROR(Load(state, path));
    for (const auto& [name, entry] : state.plugins.at(path)) {
      if (registry->entries().count(name)) {
        auto other = provider.find(name);
        return Status::InvalidArgument("plugin " + path + " registers '" + name + "', which " +
                                       (other == provider.end()
                                            ? "is a built-in function"
                                            : "plugin " + other->second + " registers too"));
      }
      registry->add(name, entry);
      provider[name] = path;
    }
  }
  const FunctionRegistry* result = registry.get();
  state.registries.emplace(canonical_paths, std::move(registry));
  return result;
}

}  // namespace sim

// Loading function plugins (engine/plugin.h) and the function registries they make.
//
// A plugin is loaded once per process and stays loaded (its functions may be bound at any time);
// a registry (the built-in functions plus a list of plugins' functions) is built once per list and
// never changes, so any thread may use the pointer it was handed. Loading happens while scenarios
// are read, before any simulation runs.
#pragma once

#include <string>
#include <vector>

#include "engine/functions.h"
#include "engine/runtime/status.h"

namespace sim {

// The absolute, symlink-free path of a plugin file; InvalidArgument when there is no such file.
ckpt::Result<std::string> CanonicalPluginPath(const std::string& path);

// Loads the plugin at `canonical_path` (if not loaded yet) and checks it: a shared library with
// the two entry points of CKPTSIM_PLUGIN, built for this ckptsim's ABI version, whose
// registrations are all valid. InvalidArgument describing what is wrong otherwise.
ckpt::Status LoadPlugin(const std::string& canonical_path);

// The built-in functions plus those of the plugins at `canonical_paths` (loaded first if needed),
// in that order; InvalidArgument when two of them register the same name. The built-ins
// themselves when the list is empty.
ckpt::Result<const ckpt::FunctionRegistry*> RegistryWithPlugins(
    const std::vector<std::string>& canonical_paths);

}  // namespace sim

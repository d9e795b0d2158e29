// A plugin built for another ABI version than this ckptsim's: loading it must fail, naming both
// versions (tests only).
#include "engine/plugin.h"

extern "C" int ckptsim_plugin_abi_version() { return ckpt::kPluginAbiVersion + 998; }
extern "C" void ckptsim_plugin_register(ckpt::PluginRegistrar& registrar) {
  registrar.add_map("never_registered", 0, "", {});
}

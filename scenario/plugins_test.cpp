// Function plugins: loading the example plugin and binding its functions, the errors of a plugin
// that cannot serve (another ABI version, not a shared library, names taken), and the registrar's
// contract that a function's exception becomes an error.
#include "scenario/plugins.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/plugin.h"

namespace sim {
namespace {

using ckpt::FunctionRef;
using ckpt::Records;
using ckpt::Value;

std::string Canonical(const std::string& path) { return CanonicalPluginPath(path).value(); }

TEST(Plugins, TheExamplePluginsFunctionsBindAndRun) {
  auto registry = RegistryWithPlugins({Canonical(CKPTSIM_EXAMPLE_PLUGIN)});
  ASSERT_TRUE(registry.ok()) << registry.status().to_string();
  auto tokens = registry.value()->bind_flat_map({"tokens", {}});
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens.value()(Value::String("The cat, sat!")).value(),
            (Records{Value::String("The"), Value::String("cat"), Value::String("sat")}));
  auto top = registry.value()->bind_transform({"top", {Value::Int(1)}});
  ASSERT_TRUE(top.ok());
  Records counts = {Value::Pair(Value::String("a"), Value::Int(1)),
                    Value::Pair(Value::String("b"), Value::Int(3))};
  EXPECT_EQ(top.value()(counts).value(), (Records{counts[1]}));
  // A wrong argument is the function's error, as a Spark task's exception fails its job.
  auto longer = registry.value()->bind_filter({"longer_than", {Value::String("two")}});
  ASSERT_TRUE(longer.ok());
  EXPECT_NE(longer.value()(Value::String("word")).status().message().find("expects an integer"),
            std::string::npos);
  // The built-ins stay, and the same list gives the same registry.
  EXPECT_TRUE(registry.value()->check({"sum", {}}, ckpt::FunctionKind::kReduce).ok());
  EXPECT_EQ(RegistryWithPlugins({Canonical(CKPTSIM_EXAMPLE_PLUGIN)}).value(), registry.value());
  EXPECT_EQ(RegistryWithPlugins({}).value(), &ckpt::FunctionRegistry::Builtins());
}

TEST(Plugins, APluginBuiltForAnotherAbiVersionIsRefused) {
  ckpt::Status loaded = LoadPlugin(Canonical(CKPTSIM_WRONG_ABI_PLUGIN));
  EXPECT_NE(loaded.message().find("built for plugin ABI version 999; this ckptsim loads version 1"),
            std::string::npos)
      << loaded.to_string();
}

TEST(Plugins, AFileThatIsNoPluginIsRefused) {
  std::filesystem::path fake = std::filesystem::temp_directory_path() / "ckptsim_not_a_plugin.so";
  std::ofstream(fake) << "not a shared library\n";
  ckpt::Status loaded = LoadPlugin(Canonical(fake.string()));
  EXPECT_NE(loaded.message().find("cannot be loaded"), std::string::npos) << loaded.to_string();
  EXPECT_NE(CanonicalPluginPath("/no/such/plugin.so").status().message().find("no such plugin"),
            std::string::npos);
}

TEST(Plugins, TwoPluginsRegisteringOneNameAreRefusedTogether) {
  std::filesystem::path copy = std::filesystem::temp_directory_path() / "ckptsim_plugin_copy.so";
  std::filesystem::copy_file(CKPTSIM_EXAMPLE_PLUGIN, copy,
                             std::filesystem::copy_options::overwrite_existing);
  std::string first = Canonical(CKPTSIM_EXAMPLE_PLUGIN), second = Canonical(copy.string());
  EXPECT_TRUE(RegistryWithPlugins({second}).ok());  // each alone serves
  auto both = RegistryWithPlugins({first, second});
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("which plugin " + first + " registers too"),
            std::string::npos)
      << both.status().to_string();
}

// What the header promises plugin authors: an exception escaping a function is an error Status.
TEST(Plugins, AFunctionsExceptionBecomesItsError) {
  struct Capture : ckpt::PluginRegistrar {
    void add(const std::string&, ckpt::FunctionRegistry::Entry e) override { entry = e; }
    ckpt::FunctionRegistry::Entry entry{};
  } registrar;
  registrar.add_map("boom", 0, "throws", [](const std::vector<Value>&) -> ckpt::MapFn {
    return [](const Value&) -> ckpt::Result<Value> { throw std::runtime_error("kaput"); };
  });
  ckpt::Result<Value> result = registrar.entry.make_map({})(Value::Int(1));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "plugin function threw: kaput");
}

}  // namespace
}  // namespace sim

#pragma once
// What a plugin .so exports. Each plugin defines its register function and names itself with
// GANRIG_PLUGIN(name, version, register_fn); the macro exports three Boost.DLL aliases:
//   ganrig_abi_<abi>_torch_<x>_<y>_<z>_cxx11_<0|1>  -> what it was built for, in the symbol's name,
//       so the host checks it in the file's symbol table before loading (no code of a foreign
//       plugin runs, not even its static initialisers)
//   ganrig_plugin_info_v1      -> PluginInfo (plain data, read before anything else is called)
//   ganrig_plugin_register_v1  -> void(Registry&)
#include <boost/dll/alias.hpp>
#include <torch/version.h>

#include "ganrig/registry.hpp"

// Bumped whenever an interface in the core changes layout or meaning.
// 2: Discriminator::forward_pair, StatsSink::add(name, tensor).
// 3: the ABI symbol checked before loading.
// 4: ConvLayer::init_normal.
// 5: Discriminator export_state_as / import_state_as / constructor_json_as.
// 6: class conditions (Generator/Discriminator forward(x, c) and classes(), Dataset labels,
//    LossInputs real_c / fake_c, BuildContext classes).
// 7: ConvLayer::forward_upsampled.
// 8: FrozenConvBNImpl's members (the stride-2 depthwise kernel one tap larger): a plugin built
//    against 7 that constructs one crashes the host's forward.
#define GANRIG_ABI_VERSION 8

#ifndef GANRIG_PLUGIN_ABI_VERSION
#define GANRIG_PLUGIN_ABI_VERSION GANRIG_ABI_VERSION  // tests override this to build a mismatch
#endif

#define GANRIG_STRINGIFY_(x) #x
#define GANRIG_STRINGIFY(x) GANRIG_STRINGIFY_(x)
#define GANRIG_TORCH_VERSION_STRING \
  GANRIG_STRINGIFY(TORCH_VERSION_MAJOR) "." GANRIG_STRINGIFY(TORCH_VERSION_MINOR) "." GANRIG_STRINGIFY(TORCH_VERSION_PATCH)
#ifdef __clang__
#define GANRIG_COMPILER_STRING "clang " __clang_version__
#elif defined(__GNUC__)
#define GANRIG_COMPILER_STRING "gcc " __VERSION__
#else
#define GANRIG_COMPILER_STRING "unknown"
#endif
#ifdef _GLIBCXX_USE_CXX11_ABI
#define GANRIG_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#define GANRIG_CXX11_ABI_TOKEN _GLIBCXX_USE_CXX11_ABI
#else
#define GANRIG_CXX11_ABI -1
#define GANRIG_CXX11_ABI_TOKEN none
#endif
#define GANRIG_ABI_SYMBOL_(abi, major, minor, patch, cxx11) \
  ganrig_abi_##abi##_torch_##major##_##minor##_##patch##_cxx11_##cxx11
#define GANRIG_ABI_SYMBOL_EXPAND(...) GANRIG_ABI_SYMBOL_(__VA_ARGS__)
// The ABI symbol of a build for `abi` with this compiler's libtorch and C++11 ABI flag.
#define GANRIG_ABI_SYMBOL(abi) \
  GANRIG_ABI_SYMBOL_EXPAND(abi, TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH, GANRIG_CXX11_ABI_TOKEN)
#define GANRIG_ABI_SYMBOL_EXPORT_(symbol) BOOST_DLL_ALIAS(ganrig_plugin_exports::ganrig_plugin_info, symbol)
#define GANRIG_ABI_SYMBOL_EXPORT(symbol) GANRIG_ABI_SYMBOL_EXPORT_(symbol)

namespace ganrig {

struct PluginInfo {
  const char* name;
  const char* version;
  int abi_version;
  const char* torch_version;
  const char* compiler;
  int cxx11_abi;
};

using PluginInfoFn = PluginInfo();
using PluginRegisterFn = void(Registry&);

// The values the host itself was built with (compared against each plugin's).
PluginInfo host_build_info();

}  // namespace ganrig

#define GANRIG_PLUGIN(NAME, VERSION, REGISTER_FN)                                              \
  namespace ganrig_plugin_exports {                                                             \
  ::ganrig::PluginInfo ganrig_plugin_info() {                                                   \
    return {NAME, VERSION, GANRIG_PLUGIN_ABI_VERSION, GANRIG_TORCH_VERSION_STRING,              \
            GANRIG_COMPILER_STRING, GANRIG_CXX11_ABI};                                          \
  }                                                                                             \
  void ganrig_plugin_register(::ganrig::Registry& registry) { REGISTER_FN(registry); }          \
  }                                                                                             \
  BOOST_DLL_ALIAS(ganrig_plugin_exports::ganrig_plugin_info, ganrig_plugin_info_v1)             \
  GANRIG_ABI_SYMBOL_EXPORT(GANRIG_ABI_SYMBOL(GANRIG_PLUGIN_ABI_VERSION))                        \
  BOOST_DLL_ALIAS(ganrig_plugin_exports::ganrig_plugin_register, ganrig_plugin_register_v1)

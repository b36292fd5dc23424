#pragma once
// What a plugin .so exports. Each plugin defines its register function and names itself with
// GANRIG_PLUGIN(name, version, register_fn); the macro exports two Boost.DLL aliases:
//   ganrig_plugin_info_v1      -> PluginInfo (plain data, read before anything else is called)
//   ganrig_plugin_register_v1  -> void(Registry&)
#include <boost/dll/alias.hpp>
#include <torch/version.h>

#include "ganrig/registry.hpp"

// Bumped whenever an interface in the core changes layout or meaning.
// 2: Discriminator::forward_pair, StatsSink::add(name, tensor).
#define GANRIG_ABI_VERSION 2

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
#else
#define GANRIG_CXX11_ABI -1
#endif

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
  BOOST_DLL_ALIAS(ganrig_plugin_exports::ganrig_plugin_register, ganrig_plugin_register_v1)

# The header-only dependencies (toml++, fmt, nlohmann-json, CLI11, Boost.DLL and Catch2 v2) from the
# system's packages, or from one folder given at configure time: -DGANRIG_DEPS_DIR=DIR, as
# tools/device/pack.sh gathers it (DIR/include, DIR/cmake) for a machine without Debian's packages.
# From the folder, every C++ dependency compiles from its headers with LibTorch's flags, so any
# LibTorch links, whatever its _GLIBCXX_USE_CXX11_ABI.
set(GANRIG_DEPS_DIR "" CACHE PATH "Folder of header-only dependencies (tools/device/pack.sh); empty: the system's")

function(ganrig_header_only_target name)
  add_library(${name} INTERFACE IMPORTED)
  set_target_properties(${name} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${GANRIG_DEPS_DIR}/include"
                                           INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
endfunction()

if(GANRIG_DEPS_DIR)
  foreach(header toml++/toml.h fmt/format.h nlohmann/json.hpp CLI/CLI.hpp boost/dll/shared_library.hpp)
    if(NOT EXISTS "${GANRIG_DEPS_DIR}/include/${header}")
      message(FATAL_ERROR "GANRIG_DEPS_DIR=${GANRIG_DEPS_DIR} has no include/${header}: make the folder with "
                          "tools/device/pack.sh (on a machine with Debian's packages) and copy it whole.")
    endif()
  endforeach()
  ganrig_header_only_target(tomlplusplus::tomlplusplus TOML_HEADER_ONLY=1)
  ganrig_header_only_target(fmt::fmt FMT_HEADER_ONLY=1)
  ganrig_header_only_target(nlohmann_json::nlohmann_json)
  ganrig_header_only_target(CLI11::CLI11)
  ganrig_header_only_target(Boost::headers)
  if(EXISTS "${GANRIG_DEPS_DIR}/include/catch2/catch.hpp")
    ganrig_header_only_target(Catch2::Catch2)
    set(Catch2_FOUND TRUE)
    set(Catch2_VERSION 2)
    list(APPEND CMAKE_MODULE_PATH "${GANRIG_DEPS_DIR}/cmake")  # Catch.cmake: catch_discover_tests
  endif()
  message(STATUS "Header-only dependencies from ${GANRIG_DEPS_DIR}")
else()
  # Boost.DLL is header-only when used with std::filesystem.
  find_package(Boost 1.70 REQUIRED)
  find_package(tomlplusplus REQUIRED)
  find_package(fmt REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
  find_package(CLI11 REQUIRED)
endif()

# Which LibTorch the build found, said in one line, and the combinations that cannot link refused
# with a sentence instead of pages of undefined references. Any LibTorch works that CMake can find:
# Debian's libtorch-dev, a pytorch.org archive (-DTorch_DIR=/opt/libtorch/share/cmake/Torch) or
# pip's torch (-DCMAKE_PREFIX_PATH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')).

# _GLIBCXX_USE_CXX11_ABI: LibTorch says which in TORCH_CXX_FLAGS (absent means the compiler's default, 1).
set(GANRIG_TORCH_ABI 1)
if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=([01])")
  set(GANRIG_TORCH_ABI ${CMAKE_MATCH_1})
endif()
if(TARGET c10_cuda)
  set(GANRIG_TORCH_CUDA "CUDA")
else()
  set(GANRIG_TORCH_CUDA "CPU only")
endif()

# NCCL: built when the LibTorch is a CUDA build that ships c10d's NCCL backend (AUTO), or as told.
set(GANRIG_WITH_NCCL AUTO CACHE STRING "NCCL backend for [exec] backend = \"nccl\": AUTO (when the LibTorch has it), ON, OFF")
set_property(CACHE GANRIG_WITH_NCCL PROPERTY STRINGS AUTO ON OFF)
set(GANRIG_NCCL OFF)
# c10d's NCCL header includes nccl.h, which pytorch.org's archive ships and pip's torch leaves to the
# nvidia-nccl package (tools/device/run.sh passes its include folder as GANRIG_NCCL_INCLUDE_DIR).
if(GANRIG_WITH_NCCL STREQUAL "AUTO")
  find_file(GANRIG_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
  if(TARGET c10_cuda AND GANRIG_NCCL_HEADER)
    find_path(GANRIG_NCCL_INCLUDE_DIR nccl.h HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS} ENV NCCL_INCLUDE_DIR)
    if(GANRIG_NCCL_INCLUDE_DIR)
      set(GANRIG_NCCL ON)
    else()
      message(STATUS "NCCL backend OFF: this CUDA LibTorch has c10d's NCCL but no nccl.h was found "
                     "(-DGANRIG_NCCL_INCLUDE_DIR=...; pip: site-packages/nvidia/nccl/include)")
    endif()
  endif()
elseif(GANRIG_WITH_NCCL)
  set(GANRIG_NCCL ON)
endif()

message(STATUS "LibTorch ${Torch_VERSION} (${GANRIG_TORCH_CUDA}, _GLIBCXX_USE_CXX11_ABI=${GANRIG_TORCH_ABI}, "
               "NCCL backend ${GANRIG_NCCL}) from ${Torch_DIR}")

# The system's compiled C++ libraries (toml++, fmt) use the new ABI; a pre-cxx11 LibTorch (pip's torch
# before 2.6 on most platforms, pytorch.org's "Pre-cxx11 ABI" archives) cannot link with them.
# With GANRIG_DEPS_DIR (cmake/GanrigDeps.cmake) and no OpenCV, nothing compiled links but LibTorch: fine.
if(GANRIG_TORCH_ABI STREQUAL "0" AND GANRIG_DEPS_DIR AND NOT GANRIG_WITH_OPENCV)
  message(STATUS "Old C++ ABI: every C++ dependency compiles from the headers in ${GANRIG_DEPS_DIR} with it")
elseif(GANRIG_TORCH_ABI STREQUAL "0")
  message(FATAL_ERROR
    "The LibTorch in ${Torch_DIR} was built with the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0), and the "
    "C++ libraries ganrig links (toml++, fmt) use the new one: the build would end in undefined "
    "references to std::__cxx11::basic_string. Use a LibTorch with the cxx11 ABI: pytorch.org's "
    "\"cxx11 ABI\" archive (libtorch-cxx11-abi-shared-with-deps-*.zip), or pip's torch 2.6 or later, "
    "whose torch.compiled_with_cxx11_abi() is True; or build without OpenCV and take the header-only "
    "libraries from a folder (-DGANRIG_WITH_OPENCV=OFF -DGANRIG_DEPS_DIR=..., tools/device/pack.sh).")
endif()

"""The process settings a benchmark peer must share with ganrig: allocator and its configuration,
BLAS threads, intra-op threads. `of_this_process()` reads them from the running Python process the
way ganrig reads its own (framework/core/src/cpu_runtime.cpp: jemalloc's mallctl, OpenBLAS's
thread count); `peer_environment()` gives a peer process ganrig's."""
import ctypes
import os
import re
import subprocess

import torch

JEMALLOC_OPTIONS = (("dirty_decay_ms", ctypes.c_ssize_t), ("muzzy_decay_ms", ctypes.c_ssize_t),
                    ("lg_extent_max_active_fit", ctypes.c_size_t))


def _loaded(pattern):
    with open("/proc/self/maps") as f:
        for line in f:
            if re.search(pattern, line):
                return line.split()[-1]
    return None


def _jemalloc_conf(lib):
    mallctl = ctypes.CDLL(lib).mallctl
    values = []
    for name, kind in JEMALLOC_OPTIONS:
        value, size = kind(), ctypes.c_size_t(ctypes.sizeof(kind))
        if mallctl(f"opt.{name}".encode(), ctypes.byref(value), ctypes.byref(size), None, ctypes.c_size_t(0)) == 0:
            values.append(f"{name}:{value.value}")
    return ",".join(values)


def of_this_process():
    jemalloc = _loaded(r"libjemalloc\.so")
    if jemalloc:
        allocator, conf = "jemalloc", _jemalloc_conf(jemalloc)
    else:
        allocator = "glibc malloc"
        conf = ",".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("MALLOC_")) or "defaults"
    openblas = _loaded(r"libopenblas[^/]*\.so")
    blas_threads = ctypes.CDLL(openblas).openblas_get_num_threads() if openblas else None
    return {"allocator": allocator, "malloc_conf": conf, "blas_threads": blas_threads,
            "threads": torch.get_num_threads()}


def ganrig_jemalloc(ganrig):
    """The jemalloc library the ganrig executable links, or None."""
    out = subprocess.run(["ldd", ganrig], capture_output=True, text=True).stdout
    found = re.search(r"libjemalloc\S* => (\S+)", out)
    return found.group(1) if found else None


def peer_environment(ganrig, settings):
    """Environment variables that give a Python peer ganrig's allocator, configuration and BLAS threads
    (`settings`: what `ganrig bench --json` reported of itself)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "LD_PRELOAD"}
    if settings["allocator"] == "jemalloc":
        env["LD_PRELOAD"] = ganrig_jemalloc(ganrig)
        env["MALLOC_CONF"] = settings["malloc_conf"]
    elif settings["malloc_conf"] != "defaults":  # glibc as ganrig tuned it: "M_MMAP_THRESHOLD=...,..."
        for option in settings["malloc_conf"].split(","):  # mallopt's M_X=v is glibc's MALLOC_X_=v
            name, value = option.split("=")
            env[f"MALLOC_{name[2:]}_"] = value
    if settings.get("blas_threads"):
        env["OPENBLAS_NUM_THREADS"] = str(settings["blas_threads"])
    return env

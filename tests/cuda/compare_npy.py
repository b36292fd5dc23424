#!/usr/bin/env python3
"""Largest absolute difference of two float32 .npy arrays of one shape, against a tolerance (stdlib only:
a GPU machine's Python need not have numpy). Exit 0 within the tolerance, 1 otherwise.

    compare_npy.py A.npy B.npy TOLERANCE
"""
import ast
import struct
import sys


def read_npy(path):
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not a .npy file")
    major = data[6]
    header_len = struct.unpack("<H" if major == 1 else "<I", data[8:10] if major == 1 else data[8:12])[0]
    start = 10 if major == 1 else 12
    header = ast.literal_eval(data[start:start + header_len].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        sys.exit(f"{path}: expected C-order float32, got {header}")
    body = data[start + header_len:]
    return header["shape"], struct.unpack(f"<{len(body) // 4}f", body)


def main():
    (shape_a, a), (shape_b, b) = read_npy(sys.argv[1]), read_npy(sys.argv[2])
    tolerance = float(sys.argv[3])
    if shape_a != shape_b:
        sys.exit(f"shapes differ: {shape_a} vs {shape_b}")
    worst = max(abs(x - y) for x, y in zip(a, b))
    print(f"{len(a)} values of shape {shape_a}: largest difference {worst:.3g} (tolerance {tolerance:g})")
    sys.exit(0 if worst <= tolerance else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Exports timm's tf_efficientnet_lite0 ImageNet weights into ganrig's weight file format.

Run where PyTorch and timm 0.5.4 are installed and the weights can be downloaded (not possible on
ganrig's offline CI machines), then copy the output to <cache>/weights/ (cache: $GANRIG_CACHE or
./cache):

    pip install timm==0.5.4 torch
    python3 tools/export_efficientnet_lite0.py tf_efficientnet_lite0-timm-0.5.4.bin

Format: b"GANRIGW1", uint64 little-endian header length, a JSON header
{"source": {...}, "tensors": [{"name", "shape", "offset"}]}, then float32 little-endian values,
with timm's state-dict names and PyTorch layouts (only the trunk: conv_stem, bn1, blocks).
"""
import json
import struct
import sys

import timm
import torch


def main(output):
    model = timm.create_model("tf_efficientnet_lite0", pretrained=True).eval()
    tensors, chunks, offset = [], [], 0
    for name, value in model.state_dict().items():
        if not (name.startswith("conv_stem") or name.startswith("bn1") or name.startswith("blocks")):
            continue
        if name.endswith("num_batches_tracked"):
            continue
        data = value.detach().float().contiguous().numpy()
        tensors.append({"name": name, "shape": list(data.shape), "offset": offset})
        chunks.append(data.tobytes())
        offset += data.size
    header = json.dumps({"source": {"package": "timm", "version": timm.__version__,
                                    "model": "tf_efficientnet_lite0", "layout": "pytorch"},
                         "tensors": tensors}).encode()
    with open(output, "wb") as f:
        f.write(b"GANRIGW1" + struct.pack("<Q", len(header)) + header + b"".join(chunks))
    print(f"wrote {output}: {len(tensors)} tensors, {offset} values")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tf_efficientnet_lite0-timm-0.5.4.bin")

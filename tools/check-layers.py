#!/usr/bin/env python3
"""Checks that the layers point one way (docs/architecture.md): each folder may include only the
ganrig headers of the layers below it. The build enforces the same through per-library include
folders; this check also covers headers and names the offending line. Exits 1 on a violation."""
import pathlib
import re
import sys

# folder -> the ganrig include prefixes it may use ("" = core's ganrig/<name>.hpp).
ALLOWED = {
    "framework/core": {""},
    "framework/metrics": {"", "metrics"},
    "framework/train": {"", "metrics", "train"},
    "framework/study": {"", "study"},
    "framework/data": {"", "data"},
    "framework/cli": {"", "metrics", "train", "study", "data"},
    "plugins": {"", "data"},  # image_folder shares the data tool's file reading
}
INCLUDE = re.compile(r'#include\s+"ganrig/(?:(\w+)/)?[\w.]+"')


def main(root):
    problems = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.search(line)
                if m and (m.group(1) or "") not in allowed:
                    problems.append(f"{path.relative_to(root)}:{number}: {folder} must not include {m.group(0)[9:]}")
    for p in problems:
        print(p)
    print(f"layers: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])))

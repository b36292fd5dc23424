#!/usr/bin/env python3
"""Checks the code-size rules of docs/architecture.md: no C++ source file over 350 lines and no
function body over 80 lines, in framework/ and plugins/. Exceptions are listed below with why.

A function is found by its opening brace at the end of a line whose text looks like a signature
(not a class, namespace, struct, enum, control statement or initializer), and measured to its
matching closing brace. Prints every violation; exits 1 when there is one."""
import pathlib
import re
import sys

MAX_FILE_LINES = 350
MAX_FUNCTION_LINES = 80
# path -> why it may be longer (keep this short).
FILE_EXCEPTIONS = {}
FUNCTION_EXCEPTIONS = {}

NOT_FUNCTION = re.compile(r"^\s*(namespace|class|struct|enum|union|extern|if|for|while|switch|do|else|try|catch)\b|=\s*\{$|^\s*\{$|\)\s*const\s*=|\[\]\(|\]\s*\(|\[&\]|\[=\]")
SIGNATURE = re.compile(r"\)\s*(const)?\s*(override)?\s*(noexcept)?\s*(->\s*[\w:<>]+\s*)?\{$")


def strip(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def functions(lines):
    for i, raw in enumerate(lines):
        line = strip(raw).rstrip()
        if not SIGNATURE.search(line) or NOT_FUNCTION.search(line):
            continue
        depth = 0
        for j in range(i, len(lines)):
            text = strip(lines[j])
            depth += text.count("{") - text.count("}")
            if depth <= 0:
                yield i + 1, j - i + 1, raw.strip()
                break


def main(root):
    problems = []
    for folder in ("framework", "plugins"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            rel = path.relative_to(root).as_posix()
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > MAX_FILE_LINES and rel not in FILE_EXCEPTIONS:
                problems.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE_LINES})")
            for start, length, text in functions(lines):
                if length > MAX_FUNCTION_LINES and f"{rel}:{text}" not in FUNCTION_EXCEPTIONS:
                    problems.append(f"{rel}:{start}: function of {length} lines (at most {MAX_FUNCTION_LINES}): {text}")
    for p in problems:
        print(p)
    print(f"code size: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])))

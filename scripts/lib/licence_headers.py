#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The project's licence line (README "Licence"): every source file of its own (C and C++,
Python, JavaScript, CMake, the scripts) names its licence in an SPDX line at the top, after a
shebang. Vendored and generated files (the fuzz corpora, node_modules) are not the project's.

usage: licence_headers.py [--fix] [ROOT]
  without --fix: lists the files that lack the line; exit 1 if any does
  --fix: adds the line to them"""
import pathlib
import subprocess
import sys

LINE = "SPDX-License-Identifier: Apache-2.0"
NOT_OURS = ("tests/fuzz/corpus/", "tests/integration/node_modules/")


def comment_for(path):
    """The comment that carries LINE in this file's language; None for files without one."""
    if path.suffix in (".cpp", ".h", ".c", ".js"):
        return "// " + LINE
    if path.suffix in (".py", ".cmake") or path.name in ("CMakeLists.txt", "uninstall.cmake.in"):
        return "# " + LINE
    if path.parts[0] in ("scripts", ".ci") and path.suffix in ("", ".sh", ".supp"):
        return "# " + LINE
    return None


def sources(root):
    listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                            check=True).stdout.split()
    for name in listed:
        path = pathlib.Path(name)
        if not name.startswith(NOT_OURS) and comment_for(path):
            yield path


def lacks_line(root, path):
    return LINE not in (root / path).read_text()[:500]


def add_line(root, path):
    lines = (root / path).read_text().split("\n")
    at = 1 if lines and lines[0].startswith("#!") else 0
    lines.insert(at, comment_for(path))
    (root / path).write_text("\n".join(lines))


def main(argv):
    fix = "--fix" in argv
    rest = [arg for arg in argv if arg != "--fix"]
    root = pathlib.Path(rest[0] if rest else ".")
    missing = [path for path in sources(root) if lacks_line(root, path)]
    for path in missing:
        if fix:
            add_line(root, path)
        print(path)
    return 0 if fix or not missing else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

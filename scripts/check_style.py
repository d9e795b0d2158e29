#!/usr/bin/env python3
"""The house style, kept by a test rather than by habit (ctest style.*, docs/architecture.md).

Checks every tracked C++ source of the project (or, with --root, every source below a folder):
  format     clang-format in check mode (.clang-format: Google, 100 columns);
  length     no source file over 600 lines, no function over 70 lines (signature to closing
             brace) unless scripts/style_allow.txt lists it with a reason;
  determinism in the simulation layers (engine/, util/, scenario/, oracle/, sim/, explore/): no
             wall clock or sleep, no <random> engines or distributions, no rand(), no unordered
             container (iterating one can change behaviour between standard libraries), unless
             scripts/style_allow.txt lists the file with a reason.

Exit 0 when everything holds, 1 with one line per breach ("path:line: rule: what"), 2 on usage.
Usage: check_style.py [--root DIR] [--allow FILE] [--no-format]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

from project_files import sources

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 70
SIMULATION_LAYERS = ("engine/", "util/", "scenario/", "oracle/", "sim/", "explore/")
BANNED = [
    ("wall clock", re.compile(r"\b(system_clock|steady_clock|high_resolution_clock|gettimeofday|"
                              r"clock_gettime|localtime|gmtime)\b|(?<![\w.>])time\s*\(\s*(nullptr|NULL|0|&\w+)\s*\)")),
    ("sleep", re.compile(r"\b(sleep_for|sleep_until|usleep|nanosleep)\s*\(|(?<![\w.>:])sleep\s*\(")),
    ("<random>", re.compile(r"#\s*include\s*<random>|\b(mt19937\w*|minstd_rand\w*|random_device|"
                            r"default_random_engine|\w+_distribution)\b")),
    ("rand()", re.compile(r"(?<![\w.>:])s?rand\s*\(")),
    ("unordered container", re.compile(r"\bunordered_(map|set|multimap|multiset)\b")),
]
NOT_FUNCTIONS = {"if", "for", "while", "switch", "catch", "do", "else", "return", "sizeof",
                 "decltype", "alignof", "static_assert", "requires"}


def load_allow(path):
    """'<path>[:<function>] <rule> <reason...>' lines; '#' starts a comment."""
    allowed = {}
    if not os.path.exists(path):
        return allowed
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"{path}:{number}: an entry needs a place, a rule and a reason")
            allowed[(parts[0], parts[1])] = parts[2]
    return allowed


def strip_code(text):
    """The text with comments, string and character literals blanked (newlines kept), so that
    braces and names inside them do not count."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + (m.group(1) if m else "") + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else "") + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + (c if j - i >= 2 else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, last line) of every function body at namespace or class scope."""
    code = strip_code(text)
    code = re.sub(r"^\s*#.*$", lambda m: " " * len(m.group(0)), code, flags=re.M)
    found = []
    scopes = []  # per open brace: "scope" (namespace, class, extern) or "function" or "other"
    statement_start = 0
    for i, c in enumerate(code):
        if c in ";":
            statement_start = i + 1
        elif c == "{":
            prefix = code[statement_start:i]
            kind = classify(prefix, scopes)
            scopes.append((kind, i, statement_start, prefix))
            statement_start = i + 1
        elif c == "}":
            if not scopes:
                continue
            kind, _, start, prefix = scopes.pop()
            if kind == "function":
                first = code.count("\n", 0, start + len(prefix) - len(prefix.lstrip())) + 1
                last = code.count("\n", 0, i) + 1
                found.append((function_name(prefix), first, last))
            statement_start = i + 1
    return found


def classify(prefix, scopes):
    if scopes and scopes[-1][0] != "scope":
        return "other"  # lambdas and blocks inside a function count with it
    words = prefix.strip()
    if re.search(r"\b(namespace|extern\s+\"C\")\b", words) or not words:
        return "scope"
    if re.match(r"^(template\s*<.*>\s*)?(class|struct|union|enum)\b", words, re.S) and \
            "(" not in words.split(":")[0]:
        return "scope"
    if "=" in words.split("(")[0] or ")" not in words:
        return "other"  # an initializer
    name = function_name(words)
    if name.split("::")[-1] in NOT_FUNCTIONS:
        return "other"
    return "function"


def function_name(prefix):
    test = re.search(r"\b(TEST|TEST_F|TEST_P)\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)", prefix)
    if test:
        return f"{test.group(2)}.{test.group(3)}"  # a GoogleTest test: Suite.Name
    head = prefix.split("(")[0]
    match = re.search(r"([\w:~]+|operator\s*\S+)\s*$", head)
    return match.group(1) if match else "?"


def check_file(root, path, allowed, breaches):
    with open(os.path.join(root, path), errors="replace") as f:
        text = f.read()
    lines = text.count("\n")
    if lines > MAX_FILE_LINES and (path, "file-length") not in allowed:
        breaches.append(f"{path}:1: file-length: {lines} lines (at most {MAX_FILE_LINES})")
    for name, first, last in functions(text):
        length = last - first + 1
        if length > MAX_FUNCTION_LINES and (f"{path}:{name}", "function-length") not in allowed:
            breaches.append(f"{path}:{first}: function-length: {name} has {length} lines "
                            f"(at most {MAX_FUNCTION_LINES}; scripts/style_allow.txt for an "
                            "exception with its reason)")
    if path.startswith(SIMULATION_LAYERS) and not path.endswith("_test.cpp"):
        code = strip_code(text)
        for rule, pattern in BANNED:
            if (path, rule.replace(" ", "-")) in allowed:
                continue
            for number, line in enumerate(code.split("\n"), 1):
                if pattern.search(line):
                    breaches.append(f"{path}:{number}: {rule.replace(' ', '-')}: not in a "
                                    "simulation layer (determinism)")


def check_format(root, paths, breaches):
    binary = shutil.which("clang-format")
    if not binary:
        breaches.append("clang-format: not installed (scripts/install-deps.sh installs it)")
        return
    for start in range(0, len(paths), 50):
        chunk = paths[start:start + 50]
        done = subprocess.run([binary, "--dry-run", "--Werror", "--style=file"] + chunk, cwd=root,
                              capture_output=True, text=True)
        reported = set()
        for line in done.stderr.splitlines():
            if ": error:" not in line:
                continue
            path, number = line.replace(root + "/", "").split(":")[:2]
            if path not in reported:  # the first place per file; clang-format -i mends them all
                reported.add(path)
                breaches.append(f"{path}:{number}: format: not clang-formatted (clang-format -i)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))
    parser.add_argument("--allow", default=None)
    parser.add_argument("--no-format", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    allowed = load_allow(args.allow or os.path.join(root, "scripts", "style_allow.txt"))
    paths = sources(root)
    breaches = []
    if not args.no_format:
        check_format(root, paths, breaches)
    for path in paths:
        check_file(root, path, allowed, breaches)
    for breach in breaches:
        print(breach)
    print(f"style: {len(paths)} files, {len(breaches)} breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())

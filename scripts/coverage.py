#!/usr/bin/env python3
"""Line and branch coverage of engine/ from a gcov-instrumented build (make coverage).

Usage: coverage.py BUILD_DIR SOURCE_DIR [--min-lines PCT] [--min-branches PCT] [--out FILE]
                   [--outside FILE ...]

Reads every .gcda file in BUILD_DIR with `gcov --json-format`, keeps engine/'s sources, merges
the counts per source line (a header's line counts once, executed if any object executed it),
and prints per engine file: lines and branches covered. Branches that only an exception takes
(`throw`) are left out, as the engine reports errors with Status, not exceptions. Exits 1 when
the totals fall below the minimums. Files given with --outside (code that exploration cannot run,
such as the real runtime's POSIX filesystem and wall clock) are listed apart, out of the totals.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys


def gcda_files(build_dir):
    # Every object's counts, not only the engine's: the linker keeps one copy of each inline
    # function of an engine header, often from the object that comes first (the CLI's).
    for directory, _, names in os.walk(os.path.join(build_dir, "CMakeFiles")):
        for name in names:
            if name.endswith(".gcda"):
                yield os.path.abspath(os.path.join(directory, name))


def gcov_json(gcda, build_dir):
    """The gcov JSON documents for one object's counts."""
    out = subprocess.run(["gcov", "--json-format", "--stdout", "--branch-probabilities", gcda],
                         cwd=build_dir, capture_output=True, check=True).stdout
    try:
        out = gzip.decompress(out)
    except OSError:
        pass
    for line in out.decode().splitlines():
        if line.strip():
            yield json.loads(line)


def collect(build_dir, source_dir):
    """file -> line -> (executed, [branch taken, ...])"""
    files = {}
    prefix = os.path.join(os.path.abspath(source_dir), "engine") + os.sep
    for gcda in gcda_files(build_dir):
        for document in gcov_json(gcda, build_dir):
            for entry in document.get("files", []):
                path = os.path.abspath(os.path.join(document.get("current_working_directory", ""),
                                                    entry["file"]))
                if not path.startswith(prefix) or path.endswith("_test.cpp"):
                    continue
                lines = files.setdefault(os.path.relpath(path, source_dir), {})
                for line in entry["lines"]:
                    number = line["line_number"]
                    branches = [b["count"] > 0 for b in line.get("branches", []) if not b["throw"]]
                    executed, taken = lines.get(number, (False, [False] * len(branches)))
                    if len(taken) != len(branches):  # another object saw other branches
                        taken = taken if len(taken) > len(branches) else [False] * len(branches)
                        branches = (branches + [False] * len(taken))[:len(taken)]
                    lines[number] = (executed or line["count"] > 0,
                                     [a or b for a, b in zip(taken, branches)])
    return files


def percent(part, whole):
    return 100.0 * part / whole if whole else 100.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("source_dir")
    parser.add_argument("--min-lines", type=float, default=0)
    parser.add_argument("--min-branches", type=float, default=0)
    parser.add_argument("--out")
    parser.add_argument("--outside", nargs="*", default=[])
    args = parser.parse_args()
    files = collect(args.build_dir, args.source_dir)
    if not files:
        print("coverage: no gcov data under " + args.build_dir, file=sys.stderr)
        return 2
    rows = []
    total = [0, 0, 0, 0]
    outside = []
    for name in sorted(files):
        lines = files[name]
        counts = [sum(1 for e, _ in lines.values() if e), len(lines),
                  sum(sum(t) for _, t in lines.values()), sum(len(t) for _, t in lines.values())]
        if name in args.outside:
            outside.append("%s (%d lines, not in the totals)" % (name, counts[1]))
            continue
        total = [a + b for a, b in zip(total, counts)]
        missed = sorted(n for n, (e, _) in lines.items() if not e)
        rows.append("%-48s %5d/%-5d %6.1f%%  %5d/%-5d %6.1f%%  %s" % (
            name, counts[0], counts[1], percent(counts[0], counts[1]), counts[2], counts[3],
            percent(counts[2], counts[3]), ",".join(map(str, missed[:12])) +
            (" ..." if len(missed) > 12 else "")))
    header = "%-48s %18s  %18s  %s" % ("engine file", "lines", "branches", "lines not run")
    line_pct, branch_pct = percent(total[0], total[1]), percent(total[2], total[3])
    footer = "%-48s %5d/%-5d %6.1f%%  %5d/%-5d %6.1f%%" % (
        "total", total[0], total[1], line_pct, total[2], total[3], branch_pct)
    report = "\n".join([header] + rows + [footer]) + "\n"
    if outside:
        report += "outside exploration: " + ", ".join(outside) + "\n"
    sys.stdout.write(report)
    if args.out:
        with open(args.out, "w") as out:
            out.write(report)
    ok = line_pct >= args.min_lines and branch_pct >= args.min_branches
    print("coverage: lines %.1f%% (minimum %.0f%%), branches %.1f%% (minimum %.0f%%): %s" % (
        line_pct, args.min_lines, branch_pct, args.min_branches, "met" if ok else "BELOW"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Tests of the tests: each structure and style rule is shown to fail on a planted breach.

Plants, in a fresh folder laid out like the project, one breach of every rule that
check_layers.py and check_style.py enforce, plus near misses that must pass (a 70-line function, an
allow-listed one, a member named time(), an include that points down), and asserts that each
checker names exactly the planted breaches. Prints "checkers: N planted breaches caught" and exits
0, or names the rule that let its breach through and exits 1.
Usage: check_checkers.py
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS = "engine/runtime engine util scenario oracle sim explore real reports cli"


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def function(name, lines):
    body = "".join(f"  int v{i} = {i};\n" for i in range(lines - 3))
    return f"int {name}() {{\n{body}  return 0;\n}}\n"


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    return done.returncode, done.stdout


def plant_layers(root):
    write(root, "engine/planted.cpp", '#include "cli/planted.h"\n#include "engine/runtime/ok.h"\n')
    write(root, "engine/runtime/planted.h", '#include "engine/value.h"\n')
    write(root, "real/planted.cpp", '#include "sim/sim_fs.h"\n#include "sim/trial.h"\n')
    write(root, "explore/planted_test.cpp", '#include "cli/anything.h"\n')  # tests are exempt
    expected = ["engine/planted.cpp:1: includes cli/planted.h",
                "engine/runtime/planted.h:1: includes engine/value.h",
                "real/planted.cpp:1: includes sim/sim_fs.h"]
    code, out = run([sys.executable, os.path.join(HERE, "check_layers.py"), "--root", root,
                     "--layers", LAYERS, "--narrow", "real:sim/trial.h,explore/references.h"])
    return code, out, expected


def plant_style(root):
    write(root, ".clang-format", "BasedOnStyle: Google\nColumnLimit: 100\n")
    write(root, "sim/clock.cpp", "#include <chrono>\nauto t = std::chrono::steady_clock::now();\n")
    write(root, "sim/random.cpp", "#include <random>\nint r() { return rand(); }\n")
    write(root, "oracle/set.h", "#include <unordered_set>\nstd::unordered_set<int> s;\n")
    write(root, "engine/sleep.cpp", "void f() { usleep(10); }\n")
    write(root, "engine/rdd.h", "struct R {\n  int time() const { return 0; }\n};\n")
    write(root, "explore/long.cpp", function("TooLong", 71) + function("JustFits", 70))
    write(root, "explore/allowed.cpp", function("Allowed", 90))
    write(root, "cli/big.cpp", "".join(f"int x{i} = {i};\n" for i in range(601)))
    write(root, "cli/ugly.cpp", "int  main( ){return 0;}\n")
    write(root, "cli/real_clock.cpp", "auto t = std::chrono::steady_clock::now();\n")  # not sim
    write(root, "allow.txt", "explore/allowed.cpp:Allowed function-length planted exception\n")
    expected = ["sim/clock.cpp:2: wall-clock", "sim/random.cpp:1: <random>",
                "sim/random.cpp:2: rand()", "oracle/set.h:1: unordered-container",
                "oracle/set.h:2: unordered-container", "engine/sleep.cpp:1: sleep",
                "explore/long.cpp:1: function-length: TooLong has 71 lines",
                "cli/big.cpp:1: file-length: 601 lines", "cli/ugly.cpp:1:"]
    code, out = run([sys.executable, os.path.join(HERE, "check_style.py"), "--root", root,
                     "--allow", os.path.join(root, "allow.txt")])
    return code, out, expected


def main():
    failures = []
    caught = 0
    for plant in (plant_layers, plant_style):
        with tempfile.TemporaryDirectory() as root:
            code, out, expected = plant(root)
            reported = [line for line in out.splitlines() if ": " in line and
                        not line.startswith(("layers:", "style:"))]
            if code != 1:
                failures.append(f"{plant.__name__}: exit {code}, expected 1\n{out}")
            for want in expected:
                if any(line.startswith(want) for line in reported):
                    caught += 1
                else:
                    failures.append(f"{plant.__name__}: not reported: {want}\n{out}")
            if len(reported) != len(expected):
                failures.append(f"{plant.__name__}: {len(reported)} reported, {len(expected)} "
                                f"planted (a near miss was flagged?)\n{out}")
    for failure in failures:
        print(failure)
    print(f"checkers: {caught} planted breaches caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

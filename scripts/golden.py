#!/usr/bin/env python3
"""Prints what the harness decides on the bundled catalogue, in a stable text form.

The golden file testing/golden/results.txt holds this output from before a refactoring; the
ctest golden.results_unchanged compares a fresh run with it, so that a change meant to be
invisible (moving code between layers, a new representation) is shown to change no trial digest,
failing list, failure kind, token or JSON result. Wall-clock figures (elapsed_s) are dropped and
the binary's and catalogue's paths are written relative, so the file does not depend on the
checkout it was made in.

Two tiers, each with its own file:
- quick (testing/golden/results.txt, ctest golden.results_unchanged, run by make test): the
  catalogue explored exhaustively and at random, each DStream defect on scenarios/regressions and
  each structured defect on scenarios/structured. About a minute on 2 cores.
- heavy (testing/golden/results-heavy.txt, ctest golden.heavy_results_unchanged, label heavy, run
  by make heavy): each DStream defect on the whole catalogue, structured scenarios included (they
  must not notice it). About 15 minutes on 2 cores.

Usage: golden.py CKPTSIM SOURCE_DIR [--tier quick|heavy] [--write FILE]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

RUNS = [
    # (label, arguments after "explore <catalogue>")
    ("exhaustive", ["--strategy", "exhaustive"]),
    # About 2,000 trials over the whole catalogue (trials are per scenario).
    ("random", ["--strategy", "random", "--trials", "40", "--seed", "2026"]),
]


def defects(binary):
    """(name, engine) of every defect the binary plants."""
    out = subprocess.run([binary, "defects", "--json"], check=True, capture_output=True, text=True)
    return [(entry["name"], entry["engine"]) for entry in json.loads(out.stdout)["defects"]]


def runs_of(tier, binary):
    """(label, catalogue, arguments after "explore <catalogue>") of one tier."""
    exhaustive = ["--strategy", "exhaustive"]
    if tier == "heavy":
        return [(f"defect {name}", "scenarios", exhaustive + ["--defect", name])
                for name, engine in defects(binary) if engine != "structured"]
    runs = [(label, "scenarios", arguments) for label, arguments in RUNS]
    for name, engine in defects(binary):
        catalogue = "scenarios/structured" if engine == "structured" else "scenarios/regressions"
        runs.append((f"defect {name}", catalogue, exhaustive + ["--defect", name]))
    return runs


def explore(binary, source_dir, catalogue, arguments):
    command = [binary, "explore", catalogue, "--jobs", "2", "--json"] + arguments
    done = subprocess.run(command, cwd=source_dir, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"golden: {' '.join(command)} exited {done.returncode}: {done.stderr}")
    result = json.loads(done.stdout.replace(binary, "build/ckptsim"))
    result.pop("elapsed_s", None)
    for scenario in result.get("scenarios", []):
        scenario.pop("elapsed_ms", None)  # wall time, like elapsed_s
    return summarise(result)


def summarise(result):
    """Every scenario's summary in full; each list of trials as a count and a SHA-256 of its
    canonical JSON (details, tokens, replay commands and all), which keeps the file small while
    any change to any entry still shows."""
    lines = []
    for key in sorted(result):
        value = result[key]
        if key == "scenarios":
            for scenario in value:
                lines.append("scenario " + json.dumps(scenario, sort_keys=True))
        elif isinstance(value, list):
            canonical = json.dumps(value, sort_keys=True).encode()
            lines.append(f"{key}: {len(value)} entries, sha256 {hashlib.sha256(canonical).hexdigest()}")
        else:
            lines.append(f"{key}: {json.dumps(value, sort_keys=True)}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("source_dir")
    parser.add_argument("--tier", choices=["quick", "heavy"], default="quick")
    parser.add_argument("--write", metavar="FILE")
    options = parser.parse_args()
    binary = os.path.abspath(options.binary)
    lines = []
    for label, catalogue, arguments in runs_of(options.tier, binary):
        lines.append(f"== {label}: explore {catalogue} {' '.join(arguments)}")
        lines.append(explore(binary, options.source_dir, catalogue, arguments))
    text = "\n".join(lines) + "\n"
    if options.write:
        with open(options.write, "w") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()

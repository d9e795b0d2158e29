#!/usr/bin/env python3
"""Every #include points down the layers (ctest layers.include_direction, docs/architecture.md).

The layers come from CMakeLists.txt (CKPT_LAYERS, bottom to top), where they also decide which
library links which: a file of a layer may include headers of its own layer and of the layers
below it, never of one above. A folder belongs to the longest layer that prefixes it
(engine/runtime/ is its own layer below engine/). Tests (*_test.cpp, testing/) and the clients on
top (bench/, fuzz/, property_tests/) may include anything and are not checked.

--narrow LAYER:HEADER,HEADER,... restricts what LAYER may take from the layers below it that the
headers' folders name: for real/, only the simulator's public trial interface and the references
built with it, never the simulator's internals.

Exit 0 when every include points down, 1 with one line per breach, 2 on usage.
Usage: check_layers.py --root DIR --layers "L1 L2 ..." [--narrow LAYER:H1,H2 ...]
"""
import argparse
import os
import re
import sys

from project_files import sources

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(path, layers):
    best = None
    for layer in layers:
        if path.startswith(layer + "/") and (best is None or len(layer) > len(best)):
            best = layer
    return best


def exempt(path):
    return path.endswith("_test.cpp") or path.startswith("testing/")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--layers", required=True)
    parser.add_argument("--narrow", action="append", default=[])
    args = parser.parse_args()
    layers = args.layers.replace(";", " ").split()
    rank = {layer: index for index, layer in enumerate(layers)}
    narrow = {}
    for entry in args.narrow:
        layer, _, headers = entry.partition(":")
        narrow[layer] = set(filter(None, headers.split(",")))
    breaches = []
    checked = 0
    for path in sources(os.path.abspath(args.root)):
        own = layer_of(path, layers)
        if own is None or exempt(path):
            continue
        checked += 1
        with open(os.path.join(args.root, path), errors="replace") as f:
            for number, line in enumerate(f, 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                header = match.group(1)
                theirs = layer_of(header, layers)
                if theirs is None:
                    continue
                if rank[theirs] > rank[own]:
                    breaches.append(f"{path}:{number}: includes {header}: layer {theirs}/ is "
                                    f"above {own}/")
                elif own in narrow and theirs != own and \
                        any(layer_of(h, layers) == theirs for h in narrow[own]) and \
                        header not in narrow[own]:
                    breaches.append(f"{path}:{number}: includes {header}: {own}/ may take from "
                                    f"{theirs}/ only {', '.join(sorted(h for h in narrow[own] if layer_of(h, layers) == theirs))}")
    for breach in breaches:
        print(breach)
    print(f"layers: {checked} files, {len(breaches)} includes pointing up or across")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())

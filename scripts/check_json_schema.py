#!/usr/bin/env python3
"""ckptsim's --json output validates against reports/results.schema.json (the reports.json_schema
ctest; python3-jsonschema from scripts/install-deps.sh).

Usage: check_json_schema.py CKPTSIM SOURCE_DIR

Validates the results of an exhaustive exploration, a random one cut short by a budget
(INCOMPLETE), a defect's failing trials, and `run` with a scenario's own crashes; then checks that
the schema rejects a result missing a required key, so that the test can fail. Prints
"json schema: valid" when every check holds.
"""
import json
import os
import subprocess
import sys

import jsonschema


def result(ckptsim, source_dir, *arguments):
    out = subprocess.run([ckptsim, *arguments, "--json"], cwd=source_dir, capture_output=True,
                         text=True)
    if out.returncode not in (0, 1):
        sys.exit("json schema: %s exited %d: %s" % (" ".join(arguments), out.returncode,
                                                     out.stderr))
    return json.loads(out.stdout)


def main():
    ckptsim, source_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(source_dir, "reports", "results.schema.json")) as schema_file:
        schema = json.load(schema_file)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    runs = {
        "exhaustive": ["explore", "scenarios/basic"],
        "incomplete": ["explore", "scenarios/basic/running_count.yaml", "--strategy", "random",
                       "--trials", "50", "--max-trials", "5"],
        "defect": ["explore", "scenarios/basic/running_count.yaml", "--defect",
                   "skip-pending-times"],
        "run": ["run", "scenarios/spark"],
    }
    failed = False
    for name, arguments in runs.items():
        document = result(ckptsim, source_dir, *arguments)
        for error in validator.iter_errors(document):
            failed = True
            print("json schema: %s: %s at %s" % (name, error.message, list(error.absolute_path)))
        if name == "exhaustive":
            broken = dict(document)
            del broken["complete"]
            if validator.is_valid(broken):
                failed = True
                print("json schema: a result without 'complete' passed the schema")
    if failed:
        return 1
    print("json schema: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())

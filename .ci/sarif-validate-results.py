"""Reads the SARIF Multitool's results for sarif-validate.

    python3 sarif-validate-results.py TMP RC STRICT

TMP holds names.txt (one "SAFE<TAB>GIVEN" line per input: the name the
multitool saw and the file the user gave), console.txt (the multitool's
output) and validation.sarif (its results). Prints one line per input and
every error and warning; exits 1 when any input is invalid (error-level
results, with STRICT=1 also warning-level ones) or the run failed.
"""

import json
import os
import re
import sys

tmp, rc, strict = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
with open(os.path.join(tmp, "names.txt"), encoding="utf-8") as fh:
    names = dict(line.rstrip("\n").split("\t", 1) for line in fh if line.strip())
with open(os.path.join(tmp, "console.txt"), encoding="utf-8", errors="replace") as fh:
    console = fh.read()
for safe, given in names.items():
    console = console.replace(os.path.join(tmp, "in", safe), given)


def fail(msg):
    print(f"sarif-validate: error: {msg}", file=sys.stderr)
    if console.strip():
        print(console.rstrip(), file=sys.stderr)
    sys.exit(1)


try:
    with open(os.path.join(tmp, "validation.sarif"), encoding="utf-8-sig") as fh:
        log = json.load(fh)
except (OSError, ValueError) as e:
    fail(f"the multitool wrote no readable results ({e}); exit status {rc}")

counts = {given: {"error": 0, "warning": 0, "note": 0} for given in names.values()}
problems = {given: [] for given in names.values()}
general = 0  # errors about the run, not about one input


def input_of(res):
    """The given file a result is about, from its location's URI."""
    for loc in res.get("locations") or []:
        uri = ((loc.get("physicalLocation") or {}).get("artifactLocation") or {}).get("uri", "")
        given = names.get(uri.rsplit("/", 1)[-1])
        if given:
            return given
    return None


for run in log.get("runs") or []:
    for res in run.get("results") or []:
        level = res.get("level", "warning")
        if res.get("kind", "fail") != "fail" or level not in ("error", "warning", "note"):
            continue
        given = input_of(res)
        if given is None:
            if level == "error":
                general += 1
                print(f"sarif-validate: error {res.get('ruleId', '?')}: about no input file", file=sys.stderr)
            continue
        counts[given][level] += 1
        if level != "note":
            problems[given].append((level, res.get("ruleId", "?")))
    for inv in run.get("invocations") or []:
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for n in inv.get(key) or []:
                if n.get("level", "warning") == "error":
                    general += 1
                    text = (n.get("message") or {}).get("text", "")
                    ident = (n.get("descriptor") or {}).get("id", "?")
                    print(f"sarif-validate: error {ident}: {text}", file=sys.stderr)
        if inv.get("executionSuccessful") is False and general == 0:
            general += 1
            print("sarif-validate: error: the multitool did not complete", file=sys.stderr)

# The console has the rendered messages ("FILE(l,c): level ID: text"); the
# SARIF log has only message IDs and arguments.
rendered = [l for l in console.splitlines() if re.search(r"\): (error|warning) [A-Z]+[0-9]+", l)]


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


status = 0
for given in names.values():
    c = counts[given]
    mine = [l for l in rendered if l.startswith(given + "(")]
    for l in mine:
        print(l, file=sys.stderr)
    if problems[given] and not mine:  # should not happen; still say what failed
        for level, rule in problems[given]:
            print(f"{given}: {level} {rule}", file=sys.stderr)
    summary = ", ".join(plural(c[k], k) for k in ("error", "warning", "note"))
    if c["error"] + (c["warning"] if strict else 0):
        print(f"{given}: invalid SARIF ({summary})", file=sys.stderr)
        status = 1
    else:
        print(f"{given}: ok ({summary})")
if general:
    status = 1
elif rc != 0 and status == 0:
    fail(f"the multitool exited with status {rc}")
sys.exit(status)

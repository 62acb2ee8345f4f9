"""Where the time goes: py-spy (GIL holder only) on a benchmark server under wrk load, summarized.

``python -m benchmarks.profiling [PATH ...] [--scale 100] [--seconds 5] [--journal on|off]`` prints, per hot
path, the share of samples in each stage of a request and the heaviest functions; raw py-spy stacks
are kept in ``benchmarks/results/profiles/`` (feed them to flamegraph.pl or speedscope).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import dataset
from benchmarks import load
from benchmarks import paths
from benchmarks import servers

OUT = Path(__file__).with_name("results") / "profiles"
CONNECTIONS = 16  # as make bench loads
FRAME = re.compile(r"^(?P<func>.+) \((?P<file>[^:()]+)(?::\d+)?\)$")
# (label, frame key substring): a sample belongs to the first rule that matches any of its frames.
STAGES = [
    ("journal: inspection (envelope, classify, findings)", "mockscim/server/inspection.py:"),
    ("journal: record hook (entry, masking, append)", "journaling.py:init_app.<locals>._record"),
    ("view (store, render, JSON)", "mockscim/server/scim_api.py:"),
    ("other hooks (tenant, auth, faults, lock, persist)", "init_app.<locals>."),
    ("Flask request/response machinery", "flask/app.py:Flask.wsgi_app"),
    ("view (store, render, JSON)", "benchmarks/launcher.py:ceiling_app"),
    ("werkzeug WSGI server", "werkzeug/serving.py:WSGIRequestHandler.run_wsgi"),
    ("http.server: read and parse the request", "http/server.py:BaseHTTPRequestHandler.handle_one_request"),
    ("waitress: read, parse, queue, write", "waitress/"),
]
# Inclusive shares worth knowing for every path (frame key substrings).
MARKERS = {
    "JSON-Schema validation (jsonschema)": "jsonschema/",
    "findings.inspect": "mockscim/inspect/findings.py:inspect",
    "classify": "mockscim/inspect/classify.py:classify",
    "journaling._entry": "mockscim/server/journaling.py:_entry",
    "inspection._prior (store.get)": "mockscim/server/inspection.py:_prior",
    "store": "mockscim/store.py:",
    "render": "mockscim/server/render.py:",
    "json.dumps/loads": "json/",
    "normalize_resource": "mockscim/scim/resource.py:normalize_resource",
    "apply_patch": "mockscim/scim/patch.py:apply_patch",
    "auth check": "mockscim/server/auth.py:check_credentials",
}


def frame_key(frame: str) -> str:
    """``func (path/file.py:12)`` -> ``path/file.py:func`` (site-packages and stdlib prefixes dropped)."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = re.sub(r"^.*?(site-packages/|python3\.\d+/)", "", match["file"])
    return f"{path}:{match['func']}"


def read_stacks(raw: Path) -> list[tuple[list[str], int]]:
    """Parse py-spy's raw (collapsed) output into (frame keys root->leaf, count)."""
    stacks = []
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append(([frame_key(f) for f in stack.split(";")], int(count)))
    return stacks


def stage_of(frames: list[str]) -> str:
    """The first STAGES rule that matches any frame of the stack."""
    for label, key in STAGES:
        if any(key in frame for frame in frames):
            return label
    return "other (thread switches, accept, GC)"


def summarize(stacks: list[tuple[list[str], int]], top: int = 12) -> dict[str, Any]:
    """Stage shares, marker shares, heaviest mockscim functions (inclusive) and leaf functions (self)."""
    total = sum(count for _, count in stacks) or 1
    stages, inclusive, leaf = Counter(), Counter(), Counter()
    for frames, count in stacks:
        stages[stage_of(frames)] += count
        inclusive.update({f: count for f in set(frames)})
        leaf[frames[-1]] += count
    share = lambda n: round(n / total, 3)  # noqa: E731
    markers = {
        label: share(sum(c for fs, c in stacks if any(key in f for f in fs)))
        for label, key in MARKERS.items()
    }
    ours = [(f, share(n)) for f, n in inclusive.most_common() if f.startswith("mockscim/")][:top]
    return {
        "samples": total,
        "stages": {label: share(n) for label, n in stages.most_common()},
        "markers": markers,
        "inclusive": ours,
        "self": [(f, share(n)) for f, n in leaf.most_common(top)],
    }


def spy_on(pid: int, seconds: int, raw: Path) -> subprocess.Popen[str]:
    """Start py-spy on ``pid``: GIL holder only, by function, without pausing the process."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "-d", str(seconds), "-r", "250", "--gil"]
    command += ["--function", "--nonblocking", "-f", "raw", "-o", str(raw)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def start_server(name: str, scale: str, journal: bool) -> tuple[servers.Server, list[paths.Request]]:
    """The server for a hot path (or the ceiling app) and the requests to send it."""
    if name in paths.CEILING_PATHS:
        return servers.start("ceiling"), paths.ceiling_requests(name)
    return servers.start("mockscim", scale, journal), paths.requests_for(name, dataset.SCALES[scale])


def record(name: str, scale: str, seconds: int, journal: bool) -> dict[str, Any]:
    """Serve ``scale``, load ``name`` with wrk while py-spy samples the server, and summarize."""
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"{name}-{scale}-journal-{'on' if journal else 'off'}.txt"
    server, requests = start_server(name, scale, journal)
    try:
        file = paths.write_file(requests, OUT / f"{name}.req")
        load.warm_up(server.url, requests, "profile-warm")
        spying = spy_on(server.pid, seconds, raw)
        result = load.run_load(server.url, file, seconds + 1, CONNECTIONS, f"profile-{name}")
        if spying.wait() != 0:
            raise RuntimeError(f"py-spy failed: {spying.stderr.read() if spying.stderr else ''}")
    finally:
        server.stop()
    summary = summarize(read_stacks(raw))
    return {"path": name, "scale": scale, "rps": round(result.rps), **summary, "raw": str(raw)}


def print_profile(profile: dict[str, Any]) -> None:
    """A readable summary of one profile."""
    print(
        f"\n== {profile['path']} at {profile['scale']} users: {profile['rps']} req/s, {profile['samples']} samples"
    )
    for title, rows in (
        ("stages", profile["stages"].items()),
        ("markers (inclusive)", profile["markers"].items()),
        ("mockscim functions (inclusive)", profile["inclusive"]),
        ("leaf functions (self)", profile["self"]),
    ):
        print(f"  {title}:")
        for label, share in rows:
            print(f"    {share * 100:5.1f}%  {label}")


def main(argv: list[str] | None = None) -> None:
    """Profile the named hot paths (all by default) and write a JSON summary next to the raw stacks."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", default=list(paths.HOT_PATHS), help="hot paths, or ceiling")
    parser.add_argument("--scale", default="5k", choices=sorted(dataset.SCALES))
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--journal", choices=("on", "off"), default="on")
    args = parser.parse_args(argv)
    profiles = [record(name, args.scale, args.seconds, args.journal == "on") for name in args.paths]
    for profile in profiles:
        print_profile(profile)
    summary = OUT / f"summary-{args.scale}-journal-{args.journal}.json"
    summary.write_text(json.dumps(profiles, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {summary}")


if __name__ == "__main__":
    main()

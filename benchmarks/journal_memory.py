"""Journal memory: RSS of mockscim with 5,000 users after a full journal, against its journal-off twin.

``python -m benchmarks.journal_memory [REQUESTS]`` starts both servers (``benchmarks.launcher``),
sends each the same Okta requests (lookups, gets, PUTs and deactivations in equal parts: none grows
the store) over keep-alive connections, waits until the journal's idle worker has completed every
entry (the server uses no CPU any more), and prints one JSON line: both RSS figures, the journal's
memory per entry, (RSS on - RSS off) / entries, and the RSS once an import has read every user.
With fewer requests than the journal holds (bench-quick), the full journal's RSS is estimated from
the per-entry figure and says so.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
import threading
from typing import Any

from benchmarks import dataset
from benchmarks import load
from benchmarks import paths
from benchmarks import servers

MIX = ("lookup", "get_user", "put_user", "deactivate")
JOURNAL_SIZE = 10_000  # mockscim's default --journal-size
CONNECTIONS = 4


def requests_mix(count: int) -> list[paths.Request]:
    """``count`` requests, the MIX paths in turn, on users drawn over the whole 5k store."""
    scale = dataset.SCALES["5k"]
    per_path = {name: paths.requests_for(name, scale, seed=2) for name in MIX}
    return [per_path[MIX[n % len(MIX)]][n // len(MIX) % paths.SAMPLES] for n in range(count)]


def send_all(port: int, requests: list[paths.Request]) -> int:
    """Send every request over CONNECTIONS keep-alive connections; return how many failed."""
    failures = [0]

    def worker(share: list[paths.Request], wid: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n, request in enumerate(share):
            status, _ = load.send(conn, request, f"mem-{wid}-{n}")
            failures[0] += status >= 300
        conn.close()

    threads = [
        threading.Thread(target=worker, args=(requests[i::CONNECTIONS], i)) for i in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures[0]


def journal_count(port: int) -> int:
    """How many entries the journal holds (counting completes nothing)."""
    token = base64.b64encode(f"{dataset.AUTH_USER}:{dataset.AUTH_TOKEN}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/__admin/requests/count", headers={"Authorization": f"Basic {token}"})
    count = json.loads(conn.getresponse().read())["count"]
    conn.close()
    return int(count)


def measure(count: int) -> dict[str, Any]:
    """Both servers, the same requests, RSS after the journal is complete."""
    on, off = servers.start("mockscim", "5k", True), servers.start("mockscim", "5k", False)
    try:
        requests = requests_mix(count)
        failed = send_all(on.port, requests) + send_all(off.port, requests)
        on.wait_idle(quiet_s=1.5, limit_s=180)
        entries = journal_count(on.port)
        rss_on, rss_off = on.rss_kb(), off.rss_kb()
        failed += send_all(on.port, paths.import_walk(dataset.SCALES["5k"]))  # keeps each user's JSON
        on.wait_idle(quiet_s=1.5, limit_s=180)
        rss_imported = on.rss_kb()
    finally:
        on.stop()
        off.stop()
    per_entry = (rss_on - rss_off) * 1024 / max(entries, 1)
    full = rss_on + (JOURNAL_SIZE - entries) * per_entry / 1024 if entries < JOURNAL_SIZE else rss_on
    return {
        "requests": count,
        "failed": failed,
        "entries": entries,
        "rss_on_mib": round(rss_on / 1024, 1),
        "rss_off_mib": round(rss_off / 1024, 1),
        "bytes_per_entry": per_entry,  # exact: the report compares these two with the goals
        "rss_full_journal_mib": full / 1024,
        "rss_after_import_mib": round((full + rss_imported - rss_on) / 1024, 1),
        "estimated": entries < JOURNAL_SIZE,
    }


def main(argv: list[str]) -> None:
    """``python -m benchmarks.journal_memory [REQUESTS]``: print one JSON line."""
    print(json.dumps(measure(int(argv[0]) if argv else JOURNAL_SIZE)))


if __name__ == "__main__":
    main(sys.argv[1:])

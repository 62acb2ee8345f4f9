"""Cost of large membership PATCHes, the work one request does under the tenant's store lock.

Against the real threaded server (journal on, Okta profile) over loopback HTTP, a group of
5,000 members receives:

- ``remove-all``: one operation, ``remove members[value pr]`` (every member matches);
- ``1,000 removals``: 1,000 operations ``remove members[value eq "<id>"]``, Okta's form
  (docs/okta-reference.md §9.3), then one ``add`` putting them back (1,001 would be refused);
- ``1,000 adds``: 1,000 operations ``add members`` of one member each.

The group is rebuilt with PUT before each timed PATCH. Prints the median milliseconds of each
as one JSON line (``benchmarks.run`` reads it); ``--members``/``--repeat`` change the sizes::

    python -m benchmarks.patch_cost [--members 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import requests

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.serving import start_background

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
OPERATIONS = 1000


def _session() -> requests.Session:
    """A session with the benchmark server's credentials."""
    session = requests.Session()
    session.auth = ("bench", "bench-token")
    session.headers["Content-Type"] = "application/scim+json"
    return session


def _seed(base: str, session: requests.Session, members: int) -> list[str]:
    """Create ``members`` + 1,000 users through the admin API; return their ids."""
    ids = [f"u-{k:06d}" for k in range(members + OPERATIONS)]
    users = [{"id": rid, "userName": f"{rid}@example.com"} for rid in ids]
    admin = base.rsplit("/scim/v2", 1)[0] + "/__admin/seed"
    session.post(admin, json={"users": users}, timeout=300).raise_for_status()
    return ids


def _timed(send: Callable[[], requests.Response], reset: Callable[[], None], repeat: int) -> float:
    """Median milliseconds of ``send`` (each after ``reset``), checking every answer is 2xx."""
    samples = []
    for _ in range(repeat):
        reset()
        started = time.perf_counter()
        response = send()
        samples.append(time.perf_counter() - started)
        if response.status_code >= 300:
            raise RuntimeError(f"PATCH answered {response.status_code}: {response.text[:300]}")
    return round(statistics.median(samples) * 1000, 1)


def measure(members: int, repeat: int) -> dict[str, Any]:
    """Serve an app, build the group, time each PATCH shape."""
    settings = Settings(port=0, auth=AuthConfig.parse("basic:bench:bench-token"))
    running = start_background(create_app(settings))
    try:
        base, session = running.url + "/scim/v2", _session()
        ids = _seed(base, session, members)
        body = {
            "schemas": [GROUP_URN],
            "displayName": "Big",
            "members": [{"value": i} for i in ids[:members]],
        }
        group = session.post(f"{base}/Groups", json=body, timeout=60).json()
        url = f"{base}/Groups/{group['id']}"

        def reset() -> None:
            session.put(url, json=body, timeout=60).raise_for_status()

        def patch(operations: list[dict[str, Any]]) -> Callable[[], requests.Response]:
            return lambda: session.patch(
                url, json={"schemas": [PATCH_OP], "Operations": operations}, timeout=300
            )

        removals = [{"op": "remove", "path": f'members[value eq "{i}"]'} for i in ids[: OPERATIONS - 1]]
        put_back = {"op": "add", "path": "members", "value": [{"value": i} for i in ids[: OPERATIONS - 1]]}
        adds = [{"op": "add", "path": "members", "value": [{"value": i}]} for i in ids[members:]]
        return {
            "members": members,
            "repeat": repeat,
            "remove_all_ms": _timed(patch([{"op": "remove", "path": "members[value pr]"}]), reset, repeat),
            "removals_1000_ms": _timed(patch([*removals, put_back]), reset, repeat),
            "adds_1000_ms": _timed(patch(adds), reset, repeat),
        }
    finally:
        running.stop()


def main() -> None:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.members, args.repeat)))


if __name__ == "__main__":
    main()

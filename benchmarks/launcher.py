"""A benchmark server process: mockscim pre-seeded with N users (or the Flask ceiling app), served by
``mockscim.server.serving.build_server`` on a loopback port.

Prints one JSON line (port, seeding time, RSS at each stage), then serves until SIGTERM::

    python -m benchmarks.launcher --app mockscim --scale 100k --journal on
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import time
from typing import Any

from flask import Flask
from flask import request

from benchmarks import dataset
from benchmarks.dataset import Scale


def rss_kb() -> int:
    """This process's resident set size in KiB (VmRSS from /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ceiling_app() -> Flask:
    """The framework ceiling: a minimal Flask app answering a small JSON document."""
    app = Flask("ceiling")

    @app.get("/ping")
    def ping() -> Any:
        return {"schemas": [dataset.USER_URN], "id": dataset.user_id(1), "active": True}

    @app.post("/echo")
    def echo() -> Any:
        body = request.get_json(force=True)
        return {"schemas": [dataset.USER_URN], "id": dataset.user_id(1), "keys": len(body)}

    return app


def mockscim_app(journal: bool) -> Flask:
    """The real app (Okta profile, Basic credentials); ``journal=False`` is ``--no-journal``."""
    from mockscim.config import AuthConfig
    from mockscim.config import Settings
    from mockscim.server import create_app

    auth = AuthConfig.parse(f"basic:{dataset.AUTH_USER}:{dataset.AUTH_TOKEN}")
    return create_app(Settings(port=0, auth=auth, base_path=dataset.BASE_PATH, journal=journal))


def seed_users(store: Any, scale: Scale) -> None:
    """Create the scale's users directly in the store, parsed and validated the way POST /Users does
    (parsing JSON text matters: it gives every user its own strings, as real requests do)."""
    from mockscim.scim.resource import normalize_resource
    from mockscim.scim.schema import USER_TYPE

    for k in range(scale.users):
        body = json.loads(dataset.compact(dataset.okta_user(k)))
        resource, password = normalize_resource(body, USER_TYPE)
        store.create("User", resource, password=password, rid=dataset.user_id(k))


def seed_groups(store: Any, scale: Scale) -> None:
    """Create the scale's groups with their members."""
    from mockscim.scim.resource import normalize_resource
    from mockscim.scim.schema import GROUP_TYPE

    for i in range(scale.groups):
        resource, _ = normalize_resource(
            json.loads(dataset.compact(dataset.okta_group(scale, i))), GROUP_TYPE
        )
        store.create("Group", resource, rid=dataset.group_id(i))


def settled_rss() -> int:
    """RSS after a full garbage collection."""
    gc.collect()
    return rss_kb()


def seed(app: Flask, scale: Scale) -> dict[str, Any]:
    """Seed users then groups; return the seeding time and the RSS before, after users, after groups."""
    store = app.extensions["mockscim"].store
    facts: dict[str, Any] = {"rss_empty_kb": settled_rss()}
    started = time.perf_counter()
    seed_users(store, scale)
    facts["rss_users_kb"] = settled_rss()
    seed_groups(store, scale)
    facts["seed_s"] = round(time.perf_counter() - started, 3)
    facts["rss_groups_kb"] = settled_rss()
    return facts


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", choices=("mockscim", "ceiling"), default="mockscim")
    parser.add_argument("--scale", choices=sorted(dataset.SCALES), default=None)
    parser.add_argument("--journal", choices=("on", "off"), default="on")
    parser.add_argument("--port", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build, seed, announce, serve."""
    from mockscim.server.serving import build_server

    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = ceiling_app() if args.app == "ceiling" else mockscim_app(args.journal == "on")
    facts = seed(app, dataset.SCALES[args.scale]) if args.scale else {"rss_empty_kb": settled_rss()}
    server = build_server(app, "127.0.0.1", args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(json.dumps({"port": server.server_port, **facts}), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

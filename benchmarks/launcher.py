"""A benchmark server process: mockscim pre-seeded with N users (or the Flask ceiling app), served by
``mockscim.server.serving.build_server`` on a loopback port, or by another WSGI server for comparison
(``--server werkzeug|waitress|cheroot|gunicorn``: each library with its plain settings and 8 threads).

Prints one JSON line (port, seeding time, RSS at each stage), then serves until SIGTERM::

    python -m benchmarks.launcher --app mockscim --scale 100k --journal on
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
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


def mockscim_app(journal: bool, **settings: Any) -> Flask:
    """The real app (Okta profile, Basic credentials); ``journal=False`` is ``--no-journal``."""
    from mockscim.config import AuthConfig
    from mockscim.config import Settings
    from mockscim.server import create_app

    auth = AuthConfig.parse(f"basic:{dataset.AUTH_USER}:{dataset.AUTH_TOKEN}")
    return create_app(Settings(port=0, auth=auth, base_path=dataset.BASE_PATH, journal=journal, **settings))


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
    parser.add_argument("--server", choices=SERVERS, default="mockscim")
    parser.add_argument("--max-connections", type=int, help="mockscim's --max-connections (default: its own)")
    return parser.parse_args(argv)


THREADS = 8  # the compared servers' worker threads (mockscim's own default is in its settings)
SERVERS = ("mockscim", "werkzeug", "waitress", "cheroot", "gunicorn")


def announce(port: int, facts: dict[str, Any]) -> None:
    """The one JSON line the orchestrator waits for."""
    print(json.dumps({"port": port, **facts}), flush=True)


def serve_mockscim(app: Flask, port: int, facts: dict[str, Any]) -> None:
    """mockscim's own server (``mockscim.server.serving``), with its default settings."""
    from mockscim.server.serving import build_server
    from mockscim.server.serving import limit_malloc_arenas
    from mockscim.server.serving import settle

    limit_malloc_arenas()  # as ``mockscim serve`` does, before the server's threads start
    server = build_server(app, "127.0.0.1", port)
    settle()  # as ``mockscim serve`` does once it has loaded its state
    announce(server.port, facts)
    server.serve_forever()


def serve_werkzeug(app: Flask, port: int, facts: dict[str, Any]) -> None:
    """werkzeug's threaded development server: a thread and a connection per request."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    announce(server.server_port, facts)
    server.serve_forever()


def serve_waitress(app: Flask, port: int, facts: dict[str, Any]) -> None:
    """waitress with its defaults but the thread count."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=port, threads=THREADS)
    announce(int(server.effective_port), facts)
    server.run()


def serve_cheroot(app: Flask, port: int, facts: dict[str, Any]) -> None:
    """cheroot (CherryPy's server) with its defaults but the thread count."""
    from cheroot.wsgi import Server

    server = Server(("127.0.0.1", port), app, numthreads=THREADS)
    server.prepare()
    announce(server.bind_addr[1], facts)
    server.serve()


def serve_gunicorn(app: Flask, port: int, facts: dict[str, Any]) -> None:
    """gunicorn's gthread worker: one worker process (forked from this one) with THREADS threads."""
    from gunicorn.app.base import BaseApplication

    class Embedded(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {"bind": f"127.0.0.1:{port}", "workers": 1, "worker_class": "gthread"}
            for key, value in {**options, "threads": THREADS, "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    port = port or free_port()
    announce(port, facts)
    Embedded().run()


def free_port() -> int:
    """A loopback port that is free now (gunicorn binds in its arbiter, after the announcement)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    """Build, seed, announce, serve."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    extra = {"max_connections": args.max_connections} if args.max_connections else {}
    app = ceiling_app() if args.app == "ceiling" else mockscim_app(args.journal == "on", **extra)
    facts = seed(app, dataset.SCALES[args.scale]) if args.scale else {"rss_empty_kb": settled_rss()}
    if args.server != "gunicorn":  # gunicorn's arbiter handles SIGTERM itself
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging.disable(logging.WARNING)  # no access lines or queue warnings: the same work for every server
    globals()[f"serve_{args.server}"](app, args.port, facts)


if __name__ == "__main__":
    main()

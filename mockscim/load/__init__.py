"""``mockscim load``: Okta-shaped load on Locust, then a reconciliation of the target's state.

Layers (``tests/test_architecture.py``): like the runner, this package knows only a base URL and
never imports the server, the store or ``mockscim.scim``; it reuses the runner (client, loader,
final-state check). Only ``engine.py`` imports Locust, which patches its process with gevent, so
it always runs as its own process (``python -m mockscim.load.engine``) and nothing imports it.
"""

"""Inspecting requests: which Okta operation a request is, and how it deviates from Okta's shape.

Pure functions over plain dicts (no Flask); the server's journaling hook and offline tools
(export, verify) share them. See ``mockscim/inspect/README.md``.
"""

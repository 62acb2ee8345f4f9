"""Vendor behaviour as data. Every Okta quirk the server tolerates is named here, with its source.

Code elsewhere reads these flags; it never tests for "Okta" itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How tolerant the server is, and how it answers, for one kind of SCIM client."""

    name: str
    # Okta "HTTP Header" auth may send the token without the "Bearer " prefix (wire ref §2.3, S20).
    accept_bare_bearer: bool = True
    # A base URL ending in "/" may produce "//Users" (wire ref §2.1, UNCONFIRMED): collapse it.
    collapse_double_slashes: bool = True
    # Keys ignored in a path-less PATCH value: Okta's group rename sends {"id", "displayName"}
    # (wire ref §9.5, S1) and the id must be ignored, not rejected.
    pathless_ignored: tuple[str, ...] = ("id", "meta", "schemas", "groups")
    # Okta's PUT/AIW clients echo read-only attributes (id, meta, groups) back (wire ref §6, S12).
    ignore_read_only_on_input: bool = True
    # Custom attribute mappings arrive under a custom extension URN listed in "schemas" (§5.2).
    custom_extensions: bool = True
    # AIW group PUTs re-send the group's own displayName (wire ref §9.4, S28); names are unique
    # among other groups only.
    unique_group_names: bool = True
    # PATCH answers 200 with the resource (Okta accepts 200 or 204, wire ref §7.1, §9.3).
    patch_returns_resource: bool = True
    # Okta pages with count=100 (wire ref §4, S1).
    default_count: int = 100


OKTA = Profile("okta")
STRICT_RFC = Profile(
    "strict-rfc",
    accept_bare_bearer=False,
    collapse_double_slashes=False,
    pathless_ignored=(),
    custom_extensions=False,
    unique_group_names=False,
)
PROFILES = {p.name: p for p in (OKTA, STRICT_RFC)}

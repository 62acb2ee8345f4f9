"""Vendor behaviour as data. Every Okta quirk the server tolerates is named here, with its source.

Code elsewhere reads these flags; it never tests for "Okta" itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockscim.constants import SERVER_OWNED_ATTRIBUTES


@dataclass(frozen=True)
class Profile:
    """How tolerant the server is, and how it answers, for one kind of SCIM client."""

    name: str
    # Okta "HTTP Header" auth may send the token without the "Bearer " prefix
    # (docs/okta-reference.md §2.3).
    accept_bare_bearer: bool = True
    # A base URL ending in "/" may produce "//Users" (docs/okta-reference.md §2.1, UNCONFIRMED):
    # collapse it.
    collapse_double_slashes: bool = True
    # Keys ignored in a path-less PATCH value: Okta's group rename sends {"id", "displayName"}
    # (docs/okta-reference.md §9.5) and the id must be ignored, not rejected.
    pathless_ignored: tuple[str, ...] = SERVER_OWNED_ATTRIBUTES
    # Custom attribute mappings arrive under a custom extension URN listed in "schemas" (§5.2).
    custom_extensions: bool = True
    # AIW group PUTs re-send the group's own displayName (docs/okta-reference.md §9.4); names are unique
    # among other groups only.
    unique_group_names: bool = True
    # PATCH answers 200 with the resource (Okta accepts 200 or 204, docs/okta-reference.md §7.1, §9.3).
    patch_returns_resource: bool = True
    # Okta pages with count=100 (docs/okta-reference.md §4).
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

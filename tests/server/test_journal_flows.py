"""Every Okta flow of docs/okta-reference.md, both dialects: classified right, zero findings."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("dialect", ["aiw", "oin"])
def test_okta_flows_are_classified_with_zero_findings(okta, okta_flows, scim, dialect):
    okta_flows[dialect](okta)
    journal = scim.session.get(scim.base.replace("/scim/v2", "/__admin/requests")).json()["requests"][::-1]
    assert [(e["operation"], e["dialect"]) for e in journal] == okta.expected
    assert [(e["operation"], e["findings"]) for e in journal if e["findings"]] == []
    listing = ("test-connector", "import-users", "import-groups", "user-lookup", "group-lookup")
    assert all(e["resource"]["id"] for e in journal if e["operation"] not in listing)

"""mockscim: an Okta-compatible SCIM 2.0 mock server and contract-test harness."""

__version__ = "0.1.0"

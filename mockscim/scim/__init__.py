"""Pure SCIM protocol logic: plain dicts in, plain dicts out. See README.md in this folder."""

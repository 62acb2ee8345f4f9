"""Inline ``$ref``s before compiling a validator: jsonschema resolves every ``$ref`` again on
every validation, which was about half of the journal's validation time (docs/performance.md).

``{"$ref": X, ...}`` becomes ``{"allOf": [<X inlined>], ...}``: the same meaning in draft
2020-12 (``$ref`` applies alongside its sibling keywords) and the same error paths. A reference
back into a schema that is still being inlined (recursion, as in ``scim/Schema``) stays a
``$ref``, made absolute so it resolves from anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urldefrag
from urllib.parse import urljoin

if TYPE_CHECKING:
    from referencing import Registry


def inline(schema: dict[str, Any], base_uri: str, registry: Registry) -> dict[str, Any]:
    """A copy of ``schema`` (whose URI is ``base_uri``) with every non-recursive ``$ref`` inlined."""
    return _walk(schema, base_uri, registry, (_key(base_uri),))


def _key(uri: str) -> str:
    """A reference's identity: ``doc.json`` and ``doc.json#`` are the same document."""
    return uri if "#" in uri else uri + "#"


def _walk(node: Any, base: str, registry: Registry, stack: tuple[str, ...]) -> Any:
    """Inline the references inside one node."""
    if isinstance(node, list):
        return [_walk(item, base, registry, stack) for item in node]
    if not isinstance(node, dict):
        return node
    base = urljoin(base, node["$id"]) if isinstance(node.get("$id"), str) else base
    # Keywords are strings; a "$ref" whose value is a schema is a property named "$ref" (RFC 7643
    # §4.1.2 groups[].$ref) inside "properties", and stays.
    out = {
        k: _walk(v, base, registry, stack)
        for k, v in node.items()
        if not (k in ("$ref", "$id", "$schema") and isinstance(v, str))
    }
    reference = node.get("$ref")
    if not isinstance(reference, str):
        return out
    target = urljoin(base, reference)
    if _key(target) in stack:
        return {**out, "$ref": target}  # recursion: leave it to the registry
    resolved = registry.resolver(base_uri=base).lookup(reference)
    target_base = urldefrag(target)[0]
    inlined = _walk(resolved.contents, target_base, registry, (*stack, _key(target)))
    return {**out, "allOf": [*out.get("allOf", []), inlined]} if out else inlined

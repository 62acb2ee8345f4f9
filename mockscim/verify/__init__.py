"""Expect mode: check that a journal contains, in order, the requests an Okta flow describes.

A scenario plays Okta's side against a server; read the other way, its steps say what a
server should *receive*. ``match_flow`` walks the journal and matches each step's request
(method, path, query, body as a subset) in order, binding the values the client chooses
(ids saved from responses, user names, ``externalId``) on first sight and requiring them to
agree afterwards. A missing step is reported with the closest received request and how it
differs.
"""

from mockscim.verify.mapping import MappingError
from mockscim.verify.mapping import check_mappings
from mockscim.verify.mapping import load_mappings
from mockscim.verify.matcher import FlowResult
from mockscim.verify.matcher import StepResult
from mockscim.verify.matcher import expected_steps
from mockscim.verify.matcher import match_flow

__all__ = [
    "FlowResult",
    "MappingError",
    "StepResult",
    "check_mappings",
    "expected_steps",
    "load_mappings",
    "match_flow",
]

"""Expect mode: check that a journal contains, in order, the requests an Okta flow describes.

A scenario plays Okta's side against a server; read the other way, its steps say what a
server should *receive*. ``match_flow`` searches the journal for each step's request (method,
path, query, body as a subset) in order, binding the values the client chooses (ids saved from
responses, user names, ``externalId``) on first sight and requiring them to agree afterwards;
every possible start is tried (``search.py``). A missing step is reported with the closest
received request and how it differs. ``verify`` (``service.py``) is the one entry point of the
CLI, the admin API and the dashboard.
"""

from mockscim.verify.mapping import MappingError
from mockscim.verify.mapping import check_mappings
from mockscim.verify.mapping import load_mappings
from mockscim.verify.matcher import FlowResult
from mockscim.verify.matcher import StepResult
from mockscim.verify.matcher import match_flow
from mockscim.verify.service import Report
from mockscim.verify.service import VerifyInputError
from mockscim.verify.service import load
from mockscim.verify.service import verify
from mockscim.verify.steps import expected_steps

__all__ = [
    "FlowResult",
    "MappingError",
    "Report",
    "StepResult",
    "VerifyInputError",
    "check_mappings",
    "expected_steps",
    "load",
    "load_mappings",
    "match_flow",
    "verify",
]

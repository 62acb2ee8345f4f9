"""SCIM filters: parse text to an AST, print it back, and compile it into a predicate."""

from mockscim.scim.filter.ast import And
from mockscim.scim.filter.ast import Compare
from mockscim.scim.filter.ast import Expr
from mockscim.scim.filter.ast import Not
from mockscim.scim.filter.ast import Or
from mockscim.scim.filter.ast import Present
from mockscim.scim.filter.ast import ValuePath
from mockscim.scim.filter.ast import referenced_paths
from mockscim.scim.filter.ast import to_text
from mockscim.scim.filter.evaluate import compile_expr
from mockscim.scim.filter.evaluate import compile_filter
from mockscim.scim.filter.evaluate import element_resolver
from mockscim.scim.filter.evaluate import equality_terms
from mockscim.scim.filter.evaluate import resolve_attribute
from mockscim.scim.filter.parser import PatchPath
from mockscim.scim.filter.parser import parse_filter
from mockscim.scim.filter.parser import parse_patch_path

__all__ = [
    "And",
    "Compare",
    "Expr",
    "Not",
    "Or",
    "PatchPath",
    "Present",
    "ValuePath",
    "compile_expr",
    "compile_filter",
    "element_resolver",
    "equality_terms",
    "parse_filter",
    "parse_patch_path",
    "referenced_paths",
    "resolve_attribute",
    "to_text",
]

"""Attribute definitions for User, EnterpriseUser and Group (RFC 7643 §4 and §8.7.1)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Any

from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import USER_SCHEMA


@dataclass(frozen=True)
class Attribute:
    """One attribute definition, with the RFC 7643 §7 characteristics."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    description: str = ""
    sub_attributes: tuple[Attribute, ...] = ()
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    _index: dict[str, Attribute] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({sub.name.lower(): sub for sub in self.sub_attributes})

    def sub(self, name: str) -> Attribute | None:
        """Return the sub-attribute called ``name`` (case-insensitive, RFC 7643 §2.1)."""
        return self._index.get(name.lower())

    # Cached, not properties: normalizing a body reads both for every value it checks, and a
    # cached value is a plain attribute read after the first (the definitions never change).
    @cached_property
    def is_complex(self) -> bool:
        """True for ``type: complex``."""
        return self.type == "complex"

    @cached_property
    def read_only(self) -> bool:
        """True when clients may never set this attribute."""
        return self.mutability == "readOnly"


@dataclass(frozen=True)
class Schema:
    """A schema: a URN and its top-level attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _index: dict[str, Attribute] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({attr.name.lower(): attr for attr in self.attributes})

    def attribute(self, name: str) -> Attribute | None:
        """Return the attribute called ``name`` (case-insensitive)."""
        return self._index.get(name.lower())

    @cached_property
    def required(self) -> tuple[Attribute, ...]:
        """The attributes a resource carrying this schema must have (RFC 7643 §2.2)."""
        return tuple(attr for attr in self.attributes if attr.required)


@dataclass(frozen=True)
class ResourceType:
    """A resource type: endpoint, core schema and schema extensions (RFC 7643 §6)."""

    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[tuple[Schema, bool], ...] = ()

    def schemas(self) -> tuple[Schema, ...]:
        """Return the core schema followed by every extension schema."""
        return (self.schema, *(ext for ext, _ in self.extensions))

    def extension(self, urn: str) -> Schema | None:
        """Return the extension schema whose URN is ``urn`` (case-insensitive)."""
        return self._extensions_by_urn.get(urn.lower())

    @cached_property  # asked for every key of every body; the schemas never change
    def _extensions_by_urn(self) -> dict[str, Schema]:
        """The extension schemas by their lower-case URN."""
        return {ext.id.lower(): ext for ext, _ in self.extensions}

    def attribute(self, name: str) -> Attribute | None:
        """Return a core attribute or a common attribute (id, externalId, meta)."""
        named = self.top_level.get(name.lower())
        return named if isinstance(named, Attribute) else None

    @cached_property  # one lookup per key of every body, instead of three
    def top_level(self) -> dict[str, Attribute | Schema]:
        """What a top-level key of a body names, by its lower-case form: a core attribute, a
        common one (id, externalId, meta) or an extension schema (by URN)."""
        names: dict[str, Attribute | Schema] = {attr.name.lower(): attr for attr in COMMON.attributes}
        names.update((attr.name.lower(), attr) for attr in self.schema.attributes)  # the core wins
        names.update(self._extensions_by_urn)
        return names

    @cached_property  # read for every rendered resource; the schemas never change
    def never_returned(self) -> tuple[tuple[str, str], ...]:
        """(extension URN, attribute) pairs a response never carries (declared writeOnly)."""
        return tuple(
            (ext.id, attr.name)
            for ext, _ in self.extensions
            for attr in ext.attributes
            if attr.returned == "never"
        )

    def immutable(self) -> tuple[tuple[str, str], ...]:
        """(extension URN, attribute) pairs that may be set once and never changed."""
        return tuple(
            (ext.id, attr.name)
            for ext, _ in self.extensions
            for attr in ext.attributes
            if attr.mutability == "immutable"
        )

    def locate(self, urn: str | None, name: str) -> tuple[str | None, Attribute] | None:
        """Where attribute ``name`` lives: (extension URN or None for the core, its definition).

        ``urn`` qualifies it (RFC 7644 §3.10); without one, an extension attribute is found too
        (leniently: clients write ``department`` for the enterprise extension's). None: unknown.
        """
        if urn and urn.lower() != self.schema.id.lower():
            ext = self.extension(urn)
            attr = ext.attribute(name) if ext else None
            return (ext.id, attr) if ext and attr else None
        if (attr := self.attribute(name)) is not None:
            return None, attr
        for ext, _ in self.extensions:
            if (attr := ext.attribute(name)) is not None:
                return ext.id, attr
        return None


def _a(name: str, type_: str = "string", **kw: object) -> Attribute:
    """Shorthand constructor used by the tables below."""
    return Attribute(name, type_, **kw)  # type: ignore[arg-type]


def _multi(name: str, description: str, *, types: tuple[str, ...] = (), extra: tuple = ()) -> Attribute:
    """A multi-valued complex attribute with value/display/type/primary (RFC 7643 §2.4)."""
    subs = (
        _a("value", description=f"The {name} value."),
        _a("display", mutability="readWrite", description="A human-readable name."),
        _a("type", canonical_values=types, description="A label for the value's function."),
        _a("primary", "boolean", description="Marks the preferred value."),
        *extra,
    )
    return _a(name, "complex", multi_valued=True, sub_attributes=subs, description=description)


META = _a(
    "meta",
    "complex",
    mutability="readOnly",
    description="Resource metadata (RFC 7643 §3.1).",
    sub_attributes=(
        _a("resourceType", mutability="readOnly", case_exact=True),
        _a("created", "dateTime", mutability="readOnly"),
        _a("lastModified", "dateTime", mutability="readOnly"),
        _a("location", "reference", mutability="readOnly", case_exact=True, reference_types=("uri",)),
        _a("version", mutability="readOnly", case_exact=True),
    ),
)

# Attributes every resource has (RFC 7643 §3.1). "schemas" is handled separately.
COMMON = Schema(
    "urn:mockscim:common",
    "Common",
    "Attributes shared by all resources",
    (
        _a("id", mutability="readOnly", returned="always", case_exact=True, uniqueness="server"),
        _a("externalId", case_exact=True, description="Identifier set by the provisioning client."),
        META,
    ),
)

_NAME = _a(
    "name",
    "complex",
    description="The components of the user's name.",
    sub_attributes=tuple(
        _a(n)
        for n in (
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        )
    ),
)

_ADDRESS = _a(
    "addresses",
    "complex",
    multi_valued=True,
    description="Physical mailing addresses.",
    sub_attributes=(
        *(_a(n) for n in ("formatted", "streetAddress", "locality", "region", "postalCode")),
        _a("country"),
        _a("type", canonical_values=("work", "home", "other")),
        _a("primary", "boolean"),
    ),
)

_GROUPS = _a(
    "groups",
    "complex",
    multi_valued=True,
    mutability="readOnly",
    description="Groups the user belongs to, derived from group membership.",
    sub_attributes=(
        _a("value", mutability="readOnly"),
        _a("$ref", "reference", mutability="readOnly", reference_types=("User", "Group")),
        _a("display", mutability="readOnly"),
        _a("type", mutability="readOnly", canonical_values=("direct", "indirect")),
    ),
)

USER = Schema(
    USER_SCHEMA,
    "User",
    "User Account",
    (
        _a("userName", required=True, uniqueness="server", description="Unique identifier for the user."),
        _NAME,
        *(
            _a(n)
            for n in (
                "displayName",
                "nickName",
                "title",
                "userType",
                "preferredLanguage",
                "locale",
                "timezone",
            )
        ),
        _a("profileUrl", "reference", reference_types=("external",)),
        _a("active", "boolean", description="The user's administrative status."),
        _a("password", mutability="writeOnly", returned="never", description="Never returned."),
        _multi("emails", "Email addresses.", types=("work", "home", "other")),
        _multi("phoneNumbers", "Phone numbers.", types=("work", "home", "mobile", "fax", "pager", "other")),
        _multi("ims", "Instant messaging addresses."),
        _multi("photos", "URLs of photos.", types=("photo", "thumbnail")),
        _ADDRESS,
        _GROUPS,
        _multi("entitlements", "Entitlements."),
        _multi("roles", "Roles."),
        _multi("x509Certificates", "X.509 certificates."),
    ),
)

ENTERPRISE_USER = Schema(
    ENTERPRISE_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    (
        *(_a(n) for n in ("employeeNumber", "costCenter", "organization", "division", "department")),
        _a(
            "manager",
            "complex",
            sub_attributes=(
                _a("value"),
                _a("$ref", "reference", reference_types=("User",)),
                _a("displayName", mutability="readOnly"),
            ),
        ),
    ),
)

GROUP = Schema(
    GROUP_SCHEMA,
    "Group",
    "Group",
    (
        _a("displayName", required=True, description="A human-readable name for the group."),
        _a(
            "members",
            "complex",
            multi_valued=True,
            description="Members of the group.",
            sub_attributes=(
                _a("value", mutability="immutable", case_exact=True),
                _a("$ref", "reference", mutability="immutable", reference_types=("User", "Group")),
                _a("display"),
                _a("type", mutability="immutable", canonical_values=("User", "Group")),
            ),
        ),
    ),
)


def declared_attribute(doc: dict[str, Any]) -> Attribute:
    """An attribute from its RFC 7643 §7 representation (a validated extension file entry)."""
    mutability = doc.get("mutability", "readWrite")
    return Attribute(
        doc["name"],
        doc.get("type", "string"),
        multi_valued=doc.get("multiValued", False),
        required=doc.get("required", False),
        case_exact=doc.get("caseExact", False),
        mutability=mutability,
        # A write-only value is never returned (RFC 7643 §7 "returned": never).
        returned="never" if mutability == "writeOnly" else doc.get("returned", "default"),
        uniqueness=doc.get("uniqueness", "none"),
        description=doc.get("description", ""),
        sub_attributes=tuple(declared_attribute(sub) for sub in doc.get("subAttributes", ())),
        canonical_values=tuple(doc.get("canonicalValues", ())),
        reference_types=tuple(doc.get("referenceTypes", ())),
    )


def declared_schema(doc: dict[str, Any]) -> Schema:
    """A custom extension schema from its RFC 7643 §7 representation (``--schema-extension``)."""
    name = doc.get("name") or doc["id"].rpartition(":")[2]
    attributes = tuple(declared_attribute(a) for a in doc.get("attributes", ()))
    return Schema(doc["id"], name, doc.get("description") or f"Custom extension {name}", attributes)


def resource_types(extensions: tuple[Schema, ...] = ()) -> dict[str, ResourceType]:
    """User (core, enterprise, then every declared extension, none required) and Group.

    Declared extensions are modelled exactly like the enterprise one, so filters, PATCH paths,
    projection, validation and discovery treat them all the same way.
    """
    user_extensions = ((ENTERPRISE_USER, False), *((ext, False) for ext in extensions))
    user = ResourceType("User", "/Users", "User Account", USER, extensions=user_extensions)
    return {"User": user, "Group": ResourceType("Group", "/Groups", "Group", GROUP)}


# The resource types of a server started without --schema-extension.
RESOURCE_TYPES: dict[str, ResourceType] = resource_types()
USER_TYPE = RESOURCE_TYPES["User"]
GROUP_TYPE = RESOURCE_TYPES["Group"]
BUILT_IN_URNS = (USER.id, ENTERPRISE_USER.id, GROUP.id)
SCHEMAS: dict[str, Schema] = {s.id: s for s in (USER, ENTERPRISE_USER, GROUP)}

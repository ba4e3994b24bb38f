"""The validator of each attribute of the elements ``metaclone check`` compares with the IIS
schema, made once per element name from :data:`metaclone.iis7.schema.ELEMENTS`."""

from __future__ import annotations

import functools
from collections.abc import Callable

from metaclone.iis7.schema import ELEMENTS, AttributeSchema, Kind
from metaclone.model import rules
from metaclone.model.sites import is_ascii_number

#: Attributes the configuration system allows on every element.
_UNIVERSAL = frozenset(
    {
        "lockAttributes",
        "lockAllAttributesExcept",
        "lockElements",
        "lockAllElementsExcept",
        "lockItem",
        "configSource",
    }
)
#: Reported as ``certificate-on-binding`` already.
CERTIFICATE_ATTRIBUTES = frozenset({"certificateHash", "certificateStoreName"})
_MAX_UINT = 2**32 - 1

_RULES: dict[str, Callable[[str], str | None]] = {
    "siteName": rules.site_name_problem,
    "siteId": lambda value: (
        rules.site_id_problem(int(value), rules.MAX_IIS7_SITE_ID)
        if is_ascii_number(value.strip())
        else None
    ),
    "applicationPoolName": lambda value: rules.pool_name_problem(value) if value else None,
    "nonEmptyString": lambda value: "the value cannot be empty" if not value.strip() else None,
    "applicationPath": lambda value: None if value.startswith("/") else "the path starts with /",
    "virtualDirectoryPath": lambda value: (
        None if value.startswith("/") else "the path starts with /"
    ),
}


def ignored(name: str) -> bool:
    """Attributes not checked: universal ones, namespaces, those reported elsewhere."""
    return name in _UNIVERSAL or name in CERTIFICATE_ATTRIBUTES or name.startswith("xmlns")


def is_uint(text: str) -> bool:
    cleaned = text.strip()
    return is_ascii_number(cleaned) and int(cleaned) <= _MAX_UINT


#: What an attribute's value breaks: the code (schema-type, schema-rule) and the problem.
Validator = Callable[[str], "tuple[str, str] | None"]


@functools.cache
def attribute_validators(schema_name: str) -> tuple[dict[str, Validator | None], tuple[str, ...]]:
    """The validator of each attribute of ``schema_name`` (None: any string will do) and the
    names of the required ones, in the schema's order: made once per element name."""
    schema = ELEMENTS[schema_name]
    validators = {name: _validator(known) for name, known in schema.items()}
    return validators, tuple(name for name, known in schema.items() if known.required)


def _validator(schema: AttributeSchema) -> Validator | None:
    rule = _RULES.get(schema.validation or "")
    type_problem = _type_check(schema)
    if rule is None and type_problem is None:
        return None

    def validate(value: str) -> tuple[str, str] | None:
        problem = type_problem(value) if type_problem is not None else None
        if problem is not None:
            return "schema-type", problem
        problem = rule(value) if rule is not None else None
        return ("schema-rule", problem) if problem is not None else None

    return validate


def _type_check(schema: AttributeSchema) -> Callable[[str], str | None] | None:
    """Why a value is not of the attribute's type, or None (None: every string is)."""
    if schema.kind is Kind.UINT:
        return lambda value: (
            None if is_uint(value) else f"the value is a whole number from 0 to {_MAX_UINT} (uint)"
        )
    if schema.kind is Kind.BOOL:
        return lambda value: (
            None
            if value.strip().lower() in ("true", "false")
            else "the value is true or false (bool)"
        )
    if schema.kind is Kind.ENUM:
        names = frozenset(v.lower() for v in schema.values)
        problem = f"the value is one of {', '.join(sorted(schema.values))}"
        return lambda value: None if value.strip().lower() in names or is_uint(value) else problem
    return None

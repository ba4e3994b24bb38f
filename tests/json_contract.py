"""Every JSON document the command line prints during the tests is checked against its schema.

Installed once for the session (see conftest.py): ``Console.json`` validates what it prints,
``Console.out`` refuses to print a JSON object that bypassed it, and ``HttpSysPlan.to_json``
(the body of ``--plan PLAN.json``) validates what it returns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import jsonschema

from metaclone import schemas
from metaclone.cli import Console
from metaclone.httpsys import HttpSysPlan


@functools.cache
def validator(name: str) -> jsonschema.protocols.Validator:
    schema = schemas.schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(name: str, document: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``document`` follows schema ``name``."""
    validator(name).validate(document)


def _is_json_object(text: str) -> bool:
    if not text.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


@contextmanager
def checked_json_outputs() -> Iterator[None]:
    original_out = Console.out
    original_json = Console.json
    original_plan = HttpSysPlan.to_json

    def json_output(self: Console, schema: str, text: str | Iterable[str]) -> None:
        whole = text if isinstance(text, str) else "".join(text)
        validate(schema, json.loads(whole))
        original_json(self, schema, whole)

    def plain_output(self: Console, text: str) -> None:
        assert not _is_json_object(text), "JSON printed without a schema: use Console.json"
        original_out(self, text)

    def plan_json(self: HttpSysPlan) -> dict[str, object]:
        document = original_plan(self)
        validate("plan", document)
        return document

    patches: list[tuple[type, str, Callable[..., Any]]] = [
        (Console, "json", json_output),
        (Console, "out", plain_output),
        (HttpSysPlan, "to_json", plan_json),
    ]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)

"""What an IIS 6 site inherits from the keys above it.

MBSchema marks some properties ``INHERIT`` (:data:`~metaclone.iis6.schema.
INHERITABLE_PROPERTIES`): a key without its own value takes that of its nearest ancestor.  A
site at ``/LM/W3SVC/<id>`` inherits from ``/LM/W3SVC``, ``/LM`` and ``/`` (``IIS_ROOT``); an
``iiscnfg /export /inherited`` file has no ancestors, and lists what its top key inherits in an
``IIsInheritedProperties`` element instead, which counts as the farthest ancestor.

IIS writes keys in tree order, parents first, so a service's ancestors stand before its first
site: only that part of the text is searched, once per version of the document, however many
sites the file holds.  A document whose key index is built (as it is for any file the fast
listing pass cannot read) gives the ancestor keys from the index instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from metaclone.iis6.key_text import TAG_REST
from metaclone.iis6.keys import INHERITED_PROPERTIES, Service
from metaclone.iis6.schema import INHERITABLE_PROPERTIES
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Tag, TagKind, XmlDocument, markup

# A start tag with its Location when that is its first attribute (as IIS writes keys), or a
# comment, CDATA section or processing instruction, matched whole so that no key written
# inside one is read.
_ANCESTOR_KEY = re.compile(
    rf"<(?:{markup.OPAQUE}"
    r"|([^\s/>!?][^\s/>]*+)(?:\s+Location\s*=\s*(?:\"([^\"]*)\"|'([^']*)'))?)",
    re.S,
)
_ANCESTOR_PATHS = ("/", "/lm")
# The element an export lists what its top key inherits in, or a comment, CDATA section or
# processing instruction, matched whole so that none written inside one is read.
_INHERITED_ELEMENT = lazy_pattern(
    lambda: re.compile(
        rf"<(?:{markup.OPAQUE}|({INHERITED_PROPERTIES})(?=[\s/>]))",
        re.S,
    )
)


def inherited_values(
    xml: XmlDocument,
    service: Service,
    start: int,
    end: int,
    ancestors: Mapping[str, Tag] | None = None,
) -> dict[str, str]:
    """The inheritable properties a site of ``service`` inherits, decoded, by name.

    ``start`` and ``end`` bound ``<MBProperty>``'s content.  The nearest ancestor wins:
    ``/LM/<service>``, then ``/LM``, then ``/``, then ``IIsInheritedProperties``.
    ``ancestors`` gives the start tags of the ancestor keys by folded path, when the caller
    has them from its key index; else they are searched for before the service's first site.
    """
    text = xml.text
    wanted = ancestor_paths(service)
    found = dict(ancestors) if ancestors is not None else _scan_ancestors(text, service, start, end)
    layers: list[Tag] = []
    inherited_at = _inherited_element_at(text, start, end)
    if inherited_at >= 0:
        layers.append(_tag(text, inherited_at, INHERITED_PROPERTIES))
    layers.extend(found[path] for path in wanted if path in found)
    values: dict[str, str] = {}
    for tag in layers:
        for attribute in xml.attributes(tag):
            if attribute.name in INHERITABLE_PROPERTIES:
                values[attribute.name] = attribute.value
    return values


def ancestor_paths(service: Service) -> tuple[str, ...]:
    """The folded paths of the keys a site of ``service`` inherits from, farthest first."""
    return (*_ANCESTOR_PATHS, f"/lm/{service.name.lower()}")


def _inherited_element_at(text: str, start: int, end: int) -> int:
    """Where the ``IIsInheritedProperties`` element starts, or -1."""
    if text.find(f"<{INHERITED_PROPERTIES}", start, end) < 0:
        return -1  # as in any file but an export: the name is nowhere, so no markup is read
    for match in _INHERITED_ELEMENT.finditer(text, start, end):
        if match.group(1) is not None:
            return match.start()
    return -1


def _scan_ancestors(text: str, service: Service, start: int, end: int) -> dict[str, Tag]:
    """The ancestor keys written before the service's first site, with Location first (as IIS
    writes keys, and as the fast listing pass requires)."""
    wanted = ancestor_paths(service)
    found: dict[str, Tag] = {}
    for match in _ANCESTOR_KEY.finditer(text, start, end):
        name = match.group(1)
        if name is None:
            continue
        if name == service.key_type:
            break  # the first site: the ancestors stand before it
        location = match.group(2) if match.group(2) is not None else match.group(3)
        if location is None:
            continue
        folded = location.lower()
        if folded in wanted and folded not in found:
            found[folded] = _tag(text, match.start(), match.group(1))
    return found


def _tag(text: str, start: int, name: str) -> Tag:
    rest = TAG_REST.match(text, start + 1 + len(name))
    if rest is None:
        raise ValueError(f"<{name}> at offset {start} is never closed")
    return Tag(TagKind.EMPTY if rest.group(1) else TagKind.START, name, start, rest.end())

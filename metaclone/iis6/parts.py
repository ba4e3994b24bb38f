"""The parts of an IIS 6 metabase that a semantic comparison reads.

Every key below a site (by path relative to the site, with values naming the site's own path
written as ``/LM/W3SVC/<id>``, so that a re-numbered site's keys match) and application pool
keys (see :mod:`metaclone.model.parts`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator

from metaclone.iis6.keys import SERVICES
from metaclone.iis6.metabase import MetabaseDocument, MetabaseKey
from metaclone.iis6.schema import (
    PROPERTIES,
    SITE_PROPERTIES,
    format_flags,
    is_secure_blob,
    read_value,
)
from metaclone.model.lookup import site_path_pattern
from metaclone.model.parts import Node, Part, PartKind
from metaclone.model.rules import name_key
from metaclone.model.sites import Site


def application_context(doc: MetabaseDocument) -> str:
    """What the applications of every site inherit from outside it: the keys above the sites
    whose AppPoolId they inherit (for an export its whole text)."""
    if doc.is_export:
        # An export's applications may inherit from its IIsInheritedProperties; exports are
        # small, so every site's applications are read.
        return doc.xml.text
    keys = (doc.key(location) for location in ("/LM", "/LM/W3SVC", "/LM/MSFTPSVC"))
    return "\0".join(doc.xml.slice(key.start, key.end) if key else "" for key in keys)


# IIS 6 properties that the site's own values or its applications already report.
_SITE_VALUES = frozenset(SITE_PROPERTIES)
_APPLICATION_VALUES = frozenset({"AppPoolId", "AppRoot"})
_DIRECTORY_TYPES = frozenset({"IIsWebVirtualDir", "IIsFtpVirtualDir"})
_SERVER_TYPES = frozenset({"IIsWebServer", "IIsFtpServer"})
_POOL_TYPE = "IIsApplicationPool"
_POOLS_TYPE = "IIsApplicationPools"


def _keys_by_site(doc: MetabaseDocument) -> Iterator[tuple[Site, tuple[MetabaseKey, ...]]]:
    """Each site with its keys, found in one pass over the keys where the ids allow it."""
    keys = doc.keys
    sites = doc.sites
    roots = {f"/lm/{SERVICES[site.kind].name.lower()}/{site.id}": site for site in sites}
    grouped: dict[str, list[MetabaseKey]] = defaultdict(list)
    if len(roots) == len(sites):
        for key in keys:
            found = _SITE_ROOT.match(key.location)
            if found is not None and found.group(0).lower() in roots:
                grouped[found.group(0).lower()].append(key)
    for root, site in roots.items():
        # A site whose keys were not found by its id as written (a repeated id, digits written
        # another way) is looked up on its own.
        yield site, tuple(grouped[root]) if grouped.get(root) else doc.site_keys(site)


_SITE_ROOT = re.compile(site_path_pattern() + "(?=/|$)", re.IGNORECASE)


def metabase_parts(doc: MetabaseDocument) -> Iterator[Part]:
    for site, keys in _keys_by_site(doc):
        if not keys:
            continue
        first = _SITE_ROOT.match(keys[0].location)
        root = first.group(0) if first is not None else keys[0].location
        rewrite = _without_own_path(root)
        for key in keys:
            relative = key.location[len(root) :] or "/"
            skipped = set(_APPLICATION_VALUES)
            if key.key_type in _SERVER_TYPES and relative == "/":
                skipped |= _SITE_VALUES
            if key.key_type in _DIRECTORY_TYPES:
                skipped.add("Path")
            yield Part(
                PartKind.KEY,
                site,
                name_key(relative),
                key.location,
                key.line,
                rewrite(doc.xml.slice(key.start, key.end)),
                functools.partial(_key_node, doc, key, frozenset(skipped), rewrite),
                listed_elsewhere=key.key_type in _DIRECTORY_TYPES,
            )
    for key in doc.keys:
        if key.key_type == _POOL_TYPE:
            name = key.location.rstrip("/").rsplit("/", 1)[-1]
        elif key.key_type == _POOLS_TYPE:
            name = f"<{_POOLS_TYPE}>"
        else:
            continue
        yield Part(
            PartKind.POOL,
            None,
            name_key(name),
            name,
            key.line,
            doc.xml.slice(key.start, key.end),
            functools.partial(_key_node, doc, key, frozenset(), str),
        )


# A site's path inside a value: /LM/W3SVC/<id> followed by "/" or anything but a digit.
_SITE_PATH_IN_VALUE = re.compile(site_path_pattern() + "(?![0-9])", re.IGNORECASE)


def _without_own_path(root: str) -> Callable[[str], str]:
    """A function writing ``root`` (a site's path) as ``/LM/W3SVC/<id>`` wherever it occurs.

    A value naming the site's own path (AppRoot, a redirect) names it whatever the site's id.
    """
    folded = name_key(root)

    def marked(match: re.Match[str]) -> str:
        whole = match.group(0)
        if name_key(whole) != folded:
            return whole
        return whole[: match.start("id") - match.start()] + "<id>"

    def rewrite(text: str) -> str:
        return _SITE_PATH_IN_VALUE.sub(marked, text)

    return rewrite


def _key_node(
    doc: MetabaseDocument,
    key: MetabaseKey,
    skipped: frozenset[str],
    rewrite: Callable[[str], str],
) -> Node:
    """A key as a node: its properties, and its ``<Custom>`` properties by name, as values."""
    values = [
        (name, rewrite(_property_text(name, attribute.raw)))
        for name, attribute in doc.properties(key).items()
        if name not in skipped
    ]
    xml = doc.xml
    for child in xml.children(key.element):
        custom = {a.name: a for a in xml.attributes(child)}
        name = custom["Name"].value if "Name" in custom else child.name
        value = custom.get("Value")
        shown = _property_text(name, value.raw) if value is not None else ""
        kind = custom["Type"].value if "Type" in custom else ""
        values.append((f"Custom {name}", rewrite(f"{shown} ({kind})" if kind else shown)))
    return Node(key.key_type, tuple(sorted(values)))


def _property_text(name: str, raw: str) -> str:
    """A property's value in one canonical text, so that layout never makes two values differ.

    Flags compare by their bits (``AccessRead | AccessScript`` is ``AccessScript | AccessRead``),
    MULTISZ values by their entries; encrypted values as written.
    """
    if is_secure_blob(raw):
        return raw
    try:
        value = read_value(name, raw)
    except ValueError:
        return raw
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return format_flags(name, value) if name in PROPERTIES else str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return " ; ".join(value)
    return str(value)

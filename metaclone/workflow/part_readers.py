"""Reading the parts of a document (see :mod:`metaclone.model.parts`), format by format
(each format's readers: :func:`metaclone.loader.part_readers`).

IIS 7 (and appcmd XML): each site's own element without what the site's values say (its
settings), ``<location>`` blocks (by path relative to their site), customMetadata keys and
application pools.  IIS 6: every key below a site (by path relative to the site, with values
naming the site's own path written as ``/LM/W3SVC/<id>``, so that a re-numbered site's keys
match) and application pool keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from metaclone.document import ConfigDocument
from metaclone.loader import part_readers
from metaclone.model.parts import Part, PartKind, SiteMark, mark

#: Section groups of IIS and ASP.NET: a location block's elements are compared below these, so
#: that a change names its section.  A file's own ``<configSections>`` adds to them.
SECTION_GROUPS = frozenset(
    {
        "system.applicationHost",
        "system.webServer",
        "system.webServer/security",
        "system.webServer/security/authentication",
        "system.webServer/rewrite",
        "system.ftpServer",
        "system.ftpServer/security",
        "system.web",
        "system.net",
        "system.serviceModel",
    }
)


def parts_of(doc: ConfigDocument) -> tuple[Part, ...]:
    """The parts of ``doc`` (none for a document that is neither IIS 6 nor IIS 7)."""
    readers = part_readers(doc.format)
    return _numbered(readers.parts(doc)) if readers is not None else ()


def section_groups(doc: ConfigDocument) -> frozenset[str]:
    """:data:`SECTION_GROUPS` and the section groups ``doc`` declares."""
    readers = part_readers(doc.format)
    if readers is None:
        return SECTION_GROUPS
    return SECTION_GROUPS | readers.declared_section_groups(doc)


def application_context(doc: ConfigDocument) -> str:
    """What the applications of every site inherit from outside it, as text.

    Two files with the same context in which a site is written alike (its ``<site>`` element,
    or its IIS 6 keys) give that site the same applications: the pool of applications that name
    none (IIS 7), the keys above the sites whose AppPoolId they inherit (IIS 6; for an export
    its whole text).
    """
    readers = part_readers(doc.format)
    return readers.application_context(doc) if readers is not None else ""


def _numbered(parts: Iterable[Part]) -> tuple[Part, ...]:
    """``parts`` with a repeated identity told apart by its occurrence (``#2``, ``#3``...)."""
    seen: Counter[tuple[PartKind, SiteMark | None, str]] = Counter()
    result: list[Part] = []
    for part in parts:
        key = (part.kind, mark(part.site) if part.site else None, part.identity)
        seen[key] += 1
        repeated = seen[key] > 1
        result.append(
            attrs.evolve(part, identity=f"{part.identity}#{seen[key]}") if repeated else part
        )
    return tuple(result)

"""What a copy of an IIS 7+ site writes besides its element (its customMetadata, its application
pools) and the site-specific text it keeps: imported by the first copy, not by a listing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from metaclone.errors import (
    SiteNameError,
    SiteNotFoundError,
)
from metaclone.iis7.children import elements_named
from metaclone.iis7.index import (
    SITE_NAME_PROPERTIES,
    LocationEntry,
    MetadataKey,
    SiteElement,
)
from metaclone.lossless import Editor, Element, XmlDocument
from metaclone.lossless.shift import moved_tag
from metaclone.lossless.tokens import Attribute, Tag, TagKind, iter_markup
from metaclone.messages import listing, quoted
from metaclone.model.rules import name_key
from metaclone.model.sites import (
    ADDRESS_PROTOCOLS,
    Finding,
    Severity,
    Site,
)
from metaclone.model.validation import (
    require_pool_name,
)

_MAX_NOTES_PER_OPERATION = 50


def copy_locations(
    editor: Editor, scratch: Editor, locations: Sequence[LocationEntry], *, name: str
) -> None:
    """Copy the location blocks of a site for its clone named ``name``, each after its own."""
    for loc in locations:
        scratch.set_attribute(loc.element, "path", loc.renamed(name))
        editor.insert_after(loc.element, scratch.render(loc.element.start, loc.element.end))


def copy_metadata(
    xml: XmlDocument,
    editor: Editor,
    scratch: Editor,
    keys: Sequence[MetadataKey],
    *,
    site_id: int,
    name: str,
) -> None:
    """Copy the customMetadata ``keys`` of a site for its clone ``site_id`` named ``name``:
    the copies go together after the last of them."""
    if not keys:
        return
    newline = xml.newline_near(keys[-1].element.start)
    copies: list[str] = []
    for position, key in enumerate(keys):
        scratch.set_attribute(key.element, "path", key.moved(site_id))
        if key.is_site_root:
            for prop in elements_named(xml, key.element, "property"):
                if (xml.get(prop, "id") or "").strip() in SITE_NAME_PROPERTIES:
                    scratch.set_attribute(prop, "value", name)
        # insert_after indents the first copy; the others need their own indentation.
        indent = xml.indentation_before(key.element.start) if position else ""
        copies.append(indent + scratch.render(key.element.start, key.element.end))
    editor.insert_after(keys[-1].element, newline.join(copies))


def clone_pools(
    xml: XmlDocument,
    editor: Editor,
    scratch: Editor,
    *,
    entry: SiteElement,
    pools_element: Element | None,
    name: str,
    line: int,
) -> list[Finding]:
    """Copy the application pools the applications of ``entry`` name explicitly, under names
    made from the clone's ``name``, and point the clone's applications (in ``scratch``) at
    the copies; a note when the site names no pool of its own."""
    apps = list(elements_named(xml, entry.element, "application"))
    explicit = _explicit_pools(xml, apps)
    if not explicit:
        return [
            Finding(
                Severity.INFO,
                "no-pool-cloned",
                f"site {entry.name!r} names no application pool of its own; the clone "
                "uses the default pool like the source",
                entry.id,
                line,
            )
        ]
    pool_elements = (
        {name_key(xml.get(p, "name") or ""): p for p in elements_named(xml, pools_element, "add")}
        if pools_element is not None
        else {}
    )
    renamed: dict[str, str] = {}
    for folded, pool in explicit.items():
        new_pool = pool_name(pool, entry.name, name, single=len(explicit) == 1)
        require_pool_name(new_pool, path=xml.path)
        if name_key(new_pool) in pool_elements or name_key(new_pool) in {
            name_key(n) for n in renamed.values()
        }:
            raise SiteNameError(
                f"application pool {new_pool!r} already exists; clone without new pools "
                "or choose another site name",
                path=xml.path,
            )
        source_pool = pool_elements.get(folded)
        if source_pool is None:
            raise SiteNotFoundError(
                f"site {entry.name!r} uses application pool {pool!r}, which this file does "
                "not define",
                path=xml.path,
            )
        renamed[folded] = new_pool
        _copy_pool(editor, scratch, source_pool, new_pool)
    for app in apps:
        named = xml.get(app, "applicationPool")
        if named and name_key(named) in renamed:
            scratch.set_attribute(app, "applicationPool", renamed[name_key(named)])
    return []


def _explicit_pools(xml: XmlDocument, apps: Sequence[Element]) -> dict[str, str]:
    """The pools ``apps`` name, by name key, as first written."""
    explicit: dict[str, str] = {}
    for app in apps:
        pool = xml.get(app, "applicationPool")
        if pool:
            explicit.setdefault(name_key(pool), pool)
    return explicit


def _copy_pool(editor: Editor, scratch: Editor, source_pool: Element, new_pool: str) -> None:
    scratch.set_attribute(source_pool, "name", new_pool)
    editor.insert_after(source_pool, scratch.render(source_pool.start, source_pool.end))


#: Attributes a clone rewrites on these elements: never reported as still naming the source.
_REWRITTEN = frozenset({"name", "SITE.NAME", "bindingInformation", "bindings", "path"})
_REWRITTEN_ON = frozenset({"site", "SITE", "binding", "location"})


def site_specific_notes(
    xml: XmlDocument,
    entry: SiteElement,
    site: Site,
    locations: Sequence[LocationEntry],
    rewritten: set[str],
    *,
    line: int,
) -> list[Finding]:
    """Values copied as they are that still name the source ``site`` or one of its hosts."""
    patterns = _needles(entry, site)
    notes: list[Finding] = []
    regions = [(entry.block, "the clone")] + [
        (loc.element, "a copied location block") for loc in locations
    ]
    for element, where in regions:
        for token, attribute, hits in _hits(xml, element, patterns, rewritten):
            notes.append(
                Finding(
                    Severity.INFO,
                    "site-specific-value",
                    f"{where} keeps <{token.name} {attribute.name}="
                    f"{quoted(attribute.value)}>, which mentions "
                    f"{listing(map(repr, hits))}"
                    "; change it by hand if the clone needs its own",
                    entry.id,
                    xml.line_of(token.start),
                )
            )
    if len(notes) > _MAX_NOTES_PER_OPERATION:
        rest = len(notes) - _MAX_NOTES_PER_OPERATION
        notes = notes[:_MAX_NOTES_PER_OPERATION]
        notes.append(
            Finding(
                Severity.INFO,
                "site-specific-value",
                f"... and {rest} more values that mention the source site",
                entry.id,
                line,
            )
        )
    return notes


def _needles(entry: SiteElement, site: Site) -> dict[str, re.Pattern[str]]:
    """A pattern for the site's name and each host name of its bindings, by what it finds."""
    needles = {name_key(entry.name)}
    needles.update(
        name_key(b.host)
        for b in site.bindings
        if b.host and b.host != "*" and b.protocol.lower() in ADDRESS_PROTOCOLS
    )
    return {
        needle: re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
        for needle in needles
        if needle
    }


def _hits(
    xml: XmlDocument,
    element: Element,
    patterns: dict[str, re.Pattern[str]],
    rewritten: set[str],
) -> Iterator[tuple[Tag, Attribute, list[str]]]:
    """Each attribute in ``element`` the clone keeps as it is, with the needles it mentions."""
    # The element alone: a tag of it ends inside it, as at ``endpos`` in the whole text.
    window = xml.excerpt(element.start, element.end)
    for found in iter_markup(window):
        if not isinstance(found, Tag) or found.kind is TagKind.END:
            continue
        token = moved_tag(found, element.start)
        for attribute in xml.attributes(token):
            if attribute.name in rewritten or (
                attribute.name in _REWRITTEN and token.name in _REWRITTEN_ON
            ):
                continue
            value = name_key(attribute.value)
            hits = sorted(n for n, pattern in patterns.items() if pattern.search(value))
            if hits:
                yield token, attribute, hits


def pool_name(pool: str, old_site: str, new_site: str, *, single: bool) -> str:
    """A name for the clone's copy of ``pool``: the site name swapped in, else appended."""
    if name_key(pool) == name_key(old_site):
        return new_site
    position = name_key(pool).find(name_key(old_site))
    if position >= 0:
        return pool[:position] + new_site + pool[position + len(old_site) :]
    return new_site if single else f"{new_site} {pool}"

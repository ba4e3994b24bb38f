"""The two dialects of IIS 7+ site XML: applicationHost.config and appcmd XML, as data.

``appcmd list site /config /xml`` writes each ``<site>`` inside a ``<SITE SITE.NAME SITE.ID
bindings state>`` wrapper that must stay in step with it, under an ``<appcmd>`` root with no
location blocks, customMetadata or application pools.  Everything else is the same ``<site>``,
so one document class serves both and asks its :class:`Dialect` where they differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from metaclone.iis7.children import attribute_values
from metaclone.iis7.index import (
    SiteElement,
    SiteIndex,
    index_applicationhost,
    site_entry,
)
from metaclone.lazy import lazy_function
from metaclone.lossless import Element, XmlDocument
from metaclone.model.rules import name_key
from metaclone.model.sites import Severity

if TYPE_CHECKING:
    # The steps after a placeholder are told by the placeholder commands alone.
    from metaclone.handover import Handover
    from metaclone.model.sites import Finding
else:
    # Built by the commands that read or find them (see metaclone.model.sites).
    Finding = lazy_function("metaclone.model.findings", "Finding")


@attrs.frozen
class WrapperAttributes:
    """The attributes of a site's wrapper that repeat what its ``<site>`` says."""

    name: str
    id: str
    bindings: str


@attrs.frozen
class WrapperState:
    """The wrapper attribute that says whether the site runs, and its two values."""

    attribute: str
    started: str
    stopped: str


@attrs.frozen
class Dialect:
    """What tells one kind of IIS 7+ site XML from the other.

    ``listing_pass``: the sites are listed by the one-pass regular expression of
    :func:`~metaclone.iis7.index.scan_applicationhost` (else each is read exactly);
    ``may_be_express``: the file may be an IIS Express one; ``wrapper_attributes`` and
    ``wrapper_state``: the wrapper attributes written with the site (None: no wrapper);
    ``clone_notes``: notes on a clone, from its id and the source's line;
    ``standalone_sites``: the file may be cut down to some of its sites (``keep_only``);
    ``holds_pools``: the file can hold application pools.
    """

    format: str
    build_index: Callable[[XmlDocument], SiteIndex]
    listing_pass: bool
    may_be_express: bool
    wrapper_attributes: WrapperAttributes | None
    wrapper_state: WrapperState | None
    clone_notes: Callable[[int, int], list[Finding]] | None
    placeholder_steps: Callable[[Handover], tuple[str, ...]]
    standalone_sites: bool
    holds_pools: bool


def _id_from_file_only(site_id: int, line: int) -> list[Finding]:
    return [
        Finding(
            Severity.INFO,
            "id-from-file-only",
            f"site id {site_id} was chosen among the sites in this file; check that the "
            "server has no site with that id before `appcmd add site /in`",
            site_id,
            line,
        )
    ]


def _iis7_steps(handover: Handover) -> tuple[str, ...]:
    from metaclone.handover import iis7_steps  # noqa: PLC0415 - see TYPE_CHECKING

    return iis7_steps(handover)


def _appcmd_steps(handover: Handover) -> tuple[str, ...]:
    from metaclone.handover import appcmd_steps  # noqa: PLC0415 - see TYPE_CHECKING

    return appcmd_steps(handover)


def index_appcmd(xml: XmlDocument) -> SiteIndex:
    """The ``<SITE>`` wrappers of an appcmd XML file and the ``<site>`` inside each.

    A wrapper holding several ``<site>`` elements, or whose ``SITE.NAME``/``SITE.ID`` disagree
    with its ``<site>``, is recorded in :attr:`SiteIndex.problems` (the first ``<site>`` is
    the one read).
    """
    sites: list[SiteElement] = []
    problems: list[tuple[int, str]] = []
    text = xml.text
    for wrapper in xml.children(xml.root):
        if wrapper.name != "SITE":
            continue
        inner = [child for child in xml.children(wrapper) if child.name == "site"]
        if not inner:
            raise xml.parse_error(wrapper.start, "<SITE> holds no <site> element")
        entry = site_entry(xml, inner[0], wrapper)
        sites.append(entry)
        if len(inner) > 1:
            problems.append(
                (
                    wrapper.start,
                    f"<SITE SITE.NAME={entry.name!r}> holds {len(inner)} <site> elements; "
                    "appcmd writes one per <SITE> and `appcmd add site /in` reads one",
                )
            )
        problems.extend(_wrapper_disagreements(text, wrapper, inner[0]))
    return SiteIndex(
        version=xml.version,
        sites_element=xml.root,
        sites=tuple(sites),
        text=text,
        problems=tuple(problems),
    )


def _wrapper_disagreements(text: str, wrapper: Element, inner: Element) -> list[tuple[int, str]]:
    """Where ``SITE.NAME`` or ``SITE.ID`` of ``wrapper`` name another site than ``inner``."""
    outer = attribute_values(text, wrapper.start_tag)
    own = attribute_values(text, inner.start_tag)
    found: list[tuple[int, str]] = []
    for outer_name, own_name, key in (
        ("SITE.NAME", "name", name_key),
        ("SITE.ID", "id", str.strip),
    ):
        if outer_name in outer and own_name in own and key(outer[outer_name]) != key(own[own_name]):
            found.append(
                (
                    wrapper.start,
                    f"<SITE {outer_name}={outer[outer_name]!r}> wraps <site {own_name}="
                    f"{own[own_name]!r}>: appcmd writes the same site in both",
                )
            )
    return found


APPLICATIONHOST = Dialect(
    format="iis7-applicationhost",
    build_index=index_applicationhost,
    listing_pass=True,
    may_be_express=True,
    wrapper_attributes=None,
    wrapper_state=None,
    clone_notes=None,
    placeholder_steps=_iis7_steps,
    standalone_sites=False,
    holds_pools=True,
)

APPCMD = Dialect(
    format="appcmd-xml",
    build_index=index_appcmd,
    listing_pass=False,
    may_be_express=False,
    wrapper_attributes=WrapperAttributes(name="SITE.NAME", id="SITE.ID", bindings="bindings"),
    wrapper_state=WrapperState(attribute="state", started="Started", stopped="Stopped"),
    clone_notes=_id_from_file_only,
    placeholder_steps=_appcmd_steps,
    standalone_sites=True,
    holds_pools=False,
)

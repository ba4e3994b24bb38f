"""Bringing a :class:`~metaclone.iis7.index.SiteIndex` through an edit instead of building it
again.

A clone, rename, delete or start/stop patches a few places of a file with tens of thousands of
sites.  The index of the new text keeps every site, location block and customMetadata key the
patches left alone (moved by what the patches before it added or removed) and reads again only
the stretch between the untouched neighbours of each patch, with the same readers a fresh
index uses; what it gives is exactly what indexing the new text gives.  Anything else (a patch
on the tags of ``<sites>``, ``<customMetadata>`` or the root, appcmd's wrappers) builds the
index again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from metaclone.errors import ParseError
from metaclone.iis7.carried import Carried, Moves, holder, rebase_columns
from metaclone.iis7.children import attributes_of, child_spans
from metaclone.iis7.index import (
    SiteElement,
    SiteIndex,
    application_defaults_in,
    entry_from_span,
)
from metaclone.iis7.site_columns import SiteColumnsBuilder
from metaclone.lossless import Element
from metaclone.lossless.shift import Shift
from metaclone.lossless.text_edit import Reread, TextEdit
from metaclone.model.build import paused_garbage_collection

__all__ = ["rebase_index", "release_index"]

#: Markup whose presence between sites changes the collection defaults the index holds.
_SITES_LEVEL_DEFAULTS = "<applicationDefaults"


def rebase_index(index: SiteIndex, edit: TextEdit) -> SiteIndex | None:
    """``index`` for the text ``edit`` made, or None when it must be built again."""
    # Tens of thousands of acyclic values: see paused_garbage_collection.
    with paused_garbage_collection():
        return _rebased(index, edit)


def _rebased(index: SiteIndex, edit: TextEdit) -> SiteIndex | None:
    if index.configuration is None or index.problems or index.sites_element is None:
        return None  # appcmd XML: wrappers and their problems are read again
    shift = Shift(edit.patches)
    configuration = shift.parent(index.configuration)
    sites_element = shift.parent(index.sites_element)
    if configuration is None or sites_element is None:
        return None
    sections = [index.metadata_element, index.pools_element]
    moved_sections = [None if s is None else shift.parent(s) for s in sections]
    if any(
        old is not None and new is None for old, new in zip(sections, moved_sections, strict=True)
    ):
        return None
    source = _Located(edit)

    def rescan_sites(start: int, end: int) -> list[SiteElement]:
        # The stretch alone, read as the whole text reads it (the child pattern has no anchor
        # or look-behind), and the entries moved to the text's offsets.
        window = edit.excerpt(start, end)
        return [
            entry_from_span(source, _moved_span(span, start), attributes_of(span[4]))
            for span in child_spans(window, holder(0, end - start), "site")
        ]

    try:
        sites, stretches, site_moves = _rebase_sites(
            index.sites, index.sites_element, shift, rescan_sites
        )
    except _RebuildError:
        return None
    defaults = (index.default_pool, index.default_protocols)
    if any(
        edit.text_before(old_start, old_end).find(_SITES_LEVEL_DEFAULTS) >= 0
        or edit.excerpt(new_start, new_end).find(_SITES_LEVEL_DEFAULTS) >= 0
        for old_start, old_end, new_start, new_end in (
            (r.old_start, r.old_end, r.new_start, r.new_end) for r in stretches
        )
    ):
        defaults = application_defaults_in(edit.text, sites_element, sites)
    kept_sites = sites
    rebased = SiteIndex(
        version=edit.version,
        sites_element=sites_element,
        sites=kept_sites,
        metadata_element=moved_sections[0],
        pools_element=moved_sections[1],
        default_pool=defaults[0],
        default_protocols=defaults[1],
        configuration=configuration,
        text="" if edit.reader is not None else edit.text,
        reader=edit.reader,
        carried=Carried(index, shift, kept_sites, site_moves, edit),
    )
    return rebased


def _rebase_sites(
    sites: Sequence[SiteElement],
    parent: Element,
    shift: Shift,
    rescan: Callable[[int, int], list[SiteElement]],
) -> tuple[Sequence[SiteElement], list[Reread], Moves]:
    """:func:`rebase_columns` of the sites: the runs kept are copied, not made again entry by
    entry."""
    return rebase_columns(sites, parent, shift, rescan, SiteColumnsBuilder)


def release_index(index: SiteIndex) -> None:
    """Let go of the text of ``index``, which an edit replaced: :func:`rebase_index` reads
    the text after the edit, and a lookup the index neither made nor carried is then made
    from that text (see :meth:`Carried.release`)."""
    object.__setattr__(index, "_text", "")  # a frozen value, known to no one but its slot
    object.__setattr__(index, "reader", None)
    if isinstance(index.carried, Carried):
        index.carried.release()


class _Located:
    """What :func:`entry_from_span` needs of a document: its text, and errors, which a
    fresh index words instead (the index is built again)."""

    def __init__(self, edit: TextEdit) -> None:
        self._edit = edit

    @property
    def text(self) -> str:
        return self._edit.text

    def parse_error(self, offset: int, message: str) -> ParseError:
        raise _RebuildError(message)


class _RebuildError(Exception):
    """A stretch read again holds what a fresh index reports as an error."""


def _moved_span(span: tuple[int, int, int, int, str], delta: int) -> tuple[int, int, int, int, str]:
    start, content_start, content_end, end, attributes = span
    return start + delta, content_start + delta, content_end + delta, end + delta, attributes

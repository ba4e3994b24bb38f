"""Bringing the key index of a metabase through an edit: the keys the patches left alone
moved, the stretches they touched read again by the fast pass of
:func:`~metaclone.iis6.key_scan.scan_keys`.  Loaded by the first edit: a listing or a check
never needs it.
"""

from __future__ import annotations

import bisect

from metaclone.iis6.key_paths import PositionMove
from metaclone.iis6.key_scan import scan_keys
from metaclone.iis6.keys import KeyTable, ServerKeyEntry
from metaclone.iis6.names import server_comment_keys
from metaclone.lossless.columns import ColumnBuilder
from metaclone.lossless.shift import Shift
from metaclone.lossless.text_edit import Kept, Reread, TextEdit, plan
from metaclone.model.build import paused_garbage_collection

__all__ = ["rebase_keys"]


class _NotFastError(Exception):
    """A stretch the fast pass cannot read: the index is built again."""


def _fast_only() -> KeyTable:
    raise _NotFastError


def rebase_keys(table: KeyTable, edit: TextEdit) -> KeyTable | None:
    """The key index ``table`` for the text ``edit`` made: the keys the patches left alone
    moved, the stretches they touched read again by the fast pass; None when only a new index
    will do (the exact scanner made this one, or the patches touch ``<MBProperty>``'s tags)."""
    if table.content is None or not table.from_fast_pass:
        return None
    shift = Shift(edit.patches)
    content_start, content_end = table.content
    if shift.touches(content_start - 1, content_start) or shift.touches(
        content_end, content_end + 1
    ):
        return None
    try:
        with paused_garbage_collection():
            return _rebased(table, edit, shift)
    except _NotFastError:
        return None


def _rebased(table: KeyTable, edit: TextEdit, shift: Shift) -> KeyTable:
    assert table.content is not None
    content_start, content_end = table.content
    starts, ends, sites = ColumnBuilder(), ColumnBuilder(), ColumnBuilder()
    locations: list[str] = []
    kept_sites = table.site_positions
    old_starts, old_ends = table.columns
    steps = plan(old_starts, old_ends, shift, table.content)
    parts: list[tuple[int, KeyTable]] = []
    move = PositionMove()
    for step in steps:
        if isinstance(step, Kept):
            move.keep(step.first, step.last, len(locations))
            # Runs the edit left alone are copied and moved by a delta recorded once.
            starts.keep(old_starts, step.first, step.last, step.delta)
            ends.keep(old_ends, step.first, step.last, step.delta)
            low = bisect.bisect_left(kept_sites, step.first)
            high = bisect.bisect_left(kept_sites, step.last)
            sites.keep(kept_sites, low, high, len(locations) - step.first)
            locations.extend(table.locations[step.first : step.last])
            continue
        # The stretch alone: the pattern has no anchor or look-behind, and a match ends at
        # the stretch's end as it does at ``endpos``.
        window = edit.excerpt(step.new_start, step.new_end)
        part = scan_keys(window, 0, len(window), _fast_only)
        parts.append((len(locations), part))
        sites.add([p + len(locations) for p in part.site_positions])
        starts.add([start + step.new_start for start in part.starts])
        ends.add([end + step.new_start for end in part.ends])
        locations.extend(part.locations)
    source = edit.text if edit.reader is None else edit.reader
    rebased = KeyTable(
        source, starts.build(), ends.build(), locations, site_positions=sites.build()
    )
    rebased.content = (
        content_start + shift.after(content_start),
        content_end + shift.before(content_end),
    )
    _carry_sites(table, rebased, steps, parts)
    _carry_paths(table, rebased, steps, parts, move)
    _carry_names(table, rebased, edit, steps)
    return rebased


def _carry_names(
    table: KeyTable, rebased: KeyTable, edit: TextEdit, steps: list[Kept | Reread]
) -> None:
    """The names ``table`` counted, less those of the stretches read again as they were,
    plus those of the same stretches now: only the keys a stretch holds changed."""
    names = table.__dict__.pop("names", None)
    if names is None:
        return
    for step in steps:
        if isinstance(step, Reread):
            names.change(
                server_comment_keys(edit.text_before(step.old_start, step.old_end)),
                server_comment_keys(edit.excerpt(step.new_start, step.new_end)),
            )
    rebased.__dict__["names"] = names


def _carry_sites(
    table: KeyTable,
    rebased: KeyTable,
    steps: list[Kept | Reread],
    parts: list[tuple[int, KeyTable]],
) -> None:
    """The site entries of ``table``, if it listed them, moved into ``rebased``."""
    if "site_entries" not in table.__dict__:
        return
    old_entries = table.site_entries
    at = [entry.position for entry in old_entries]
    entries: list[ServerKeyEntry] = []
    pending = iter(parts)
    position = 0
    for step in steps:
        if isinstance(step, Kept):
            base = position - step.first
            low, high = bisect.bisect_left(at, step.first), bisect.bisect_left(at, step.last)
            entries.extend(
                ServerKeyEntry(e.service, e.id, e.segment, e.position + base, rebased)
                for e in old_entries[low:high]
            )
            position += step.last - step.first
            continue
        offset, part = next(pending)
        entries.extend(
            ServerKeyEntry(e.service, e.id, e.segment, e.position + offset, rebased)
            for e in part.site_entries
        )
        position = offset + len(part)
    rebased.__dict__["site_entries"] = tuple(entries)
    if "site_entries_by_id" in table.__dict__:
        # Built here, while the collector is paused, rather than on the next lookup.
        _ = rebased.site_entries_by_id


def _carry_paths(
    table: KeyTable,
    rebased: KeyTable,
    steps: list[Kept | Reread],
    parts: list[tuple[int, KeyTable]],
    move: PositionMove,
) -> None:
    """The lookups by path of ``table`` (its groups by site, the ids it counted) moved into
    ``rebased`` and changed by the keys the edit removed and read."""
    gone: list[str] = []
    done = 0
    for step in steps:
        if isinstance(step, Kept):
            gone.extend(table.locations[done : step.first])
            done = step.last
    gone.extend(table.locations[done:])
    added = [(offset + i, path) for offset, part in parts for i, path in enumerate(part.locations)]
    rebased.paths.take_over(table.paths, move, gone, added)

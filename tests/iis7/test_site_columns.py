"""Sites held as columns read as the entries they stand for, through runs kept and moved."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from metaclone.iis7.index import SiteElement
from metaclone.iis7.site_columns import SiteColumns, SiteColumnsBuilder


def _entries(count: int, at: int = 0) -> list[SiteElement]:
    """``count`` sites of 100 characters each from offset ``at``."""
    return [
        SiteElement(
            n + 1,
            f"Site {n}",
            at + 100 * n,
            at + 100 * n + 30,
            at + 100 * n + 90,
            at + 100 * n + 100,
            None,
            "" if n % 2 else "false",
        )
        for n in range(count)
    ]


def _moved(entry: SiteElement, delta: int) -> SiteElement:
    return SiteElement(
        entry.id,
        entry.name,
        entry.start + delta,
        entry.content_start + delta,
        entry.content_end + delta,
        entry.end + delta,
        None,
        entry.server_auto_start,
    )


@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(-50, 50)), max_size=6))
def test_columns_kept_through_edits_read_as_the_entries_moved(
    edits: list[tuple[int, int, int]],
) -> None:
    expected = _entries(8)
    builder = SiteColumnsBuilder()
    builder.add(expected)
    columns = builder.build()
    for wanted, width, delta in edits:
        # One new site in place of `width` sites from `wanted`, the sites after moved by delta.
        first = min(wanted, len(expected))
        last = min(first + width, len(expected))
        new = _entries(1, 10_000)
        builder = SiteColumnsBuilder()
        builder.keep(columns, 0, first, 0)
        builder.add(new)
        builder.keep(columns, last, len(expected), delta)
        columns = builder.build()
        expected = [*expected[:first], *new, *(_moved(e, delta) for e in expected[last:])]
        assert list(columns) == expected
        assert [columns[p] for p in range(len(expected))] == expected
        assert columns[-1] == expected[-1]
        assert columns[1:3] == tuple(expected[1:3])
        assert [e.server_auto_start for e in columns] == [e.server_auto_start for e in expected]
        assert columns == tuple(expected)
        assert tuple(expected) == columns
        assert hash(columns) == hash(tuple(expected))


def test_a_builder_keeps_runs_of_plain_entries() -> None:
    entries = _entries(5)
    builder = SiteColumnsBuilder()
    builder.keep(entries, 1, 4, 7)
    columns = builder.build()
    assert list(columns) == [_moved(e, 7) for e in entries[1:4]]
    assert isinstance(columns, SiteColumns)
    assert columns.ids == [2, 3, 4]
    assert columns != [1, 2]

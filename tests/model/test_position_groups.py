"""Groups held as positions follow edits of their list: equal to grouping the new list."""

from __future__ import annotations

from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from metaclone.model import build
from metaclone.model.build import MAX_RUNS, PositionGroups, grouped

KEYS = st.sampled_from("abcde")


def _fresh(entries: list[str]) -> dict[str, tuple[str, ...]]:
    return grouped((entry[0], entry) for entry in entries)


def _splice(
    groups: PositionGroups[str, str], entries: list[str], at: int, drop: int, new: list[str]
) -> tuple[PositionGroups[str, str], list[str]]:
    """``entries[at : at + drop]`` replaced by ``new``, as the groups see it."""
    after = [*entries[:at], *new, *entries[at + drop :]]
    kept = [(0, at, 0), (at + drop, len(entries), at + len(new))]
    kept = [run for run in kept if run[0] < run[1]]
    removed = [(entries[p][0], p) for p in range(at, at + drop)]
    added = [(after[p][0], p) for p in range(at, at + len(new))]
    return groups.moved(after, kept, removed, added), after


@given(
    st.lists(KEYS, max_size=12),
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 3), st.lists(KEYS, max_size=3)),
        max_size=12,
    ),
)
def test_groups_moved_through_edits_equal_fresh_groups(
    first: list[str], edits: list[tuple[int, int, list[str]]]
) -> None:
    serial = iter(range(10_000))
    entries = [f"{key}{next(serial)}" for key in first]
    groups = PositionGroups(grouped((e[0], p) for p, e in enumerate(entries)), entries)
    for wanted_at, wanted_drop, keys in edits:
        at = min(wanted_at, len(entries))
        drop = min(wanted_drop, len(entries) - at)
        new = [f"{key}{next(serial)}" for key in keys]
        groups, entries = _splice(groups, entries, at, drop, new)
        assert dict(groups) == _fresh(entries)
        assert set(groups.keys()) == set(_fresh(entries))
        for key in "abcdef":
            assert (key in groups) == (key in _fresh(entries))


@given(
    st.integers(0, 3),
    st.lists(st.sampled_from("abcdefghij"), max_size=12),
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 4), st.lists(st.sampled_from("abcdefghijk"))),
        max_size=12,
    ),
)
def test_groups_whose_changes_are_merged_again_equal_fresh_groups(
    limit: int, first: list[str], edits: list[tuple[int, int, list[str]]]
) -> None:
    """However few changed groups are held apart before they are merged into the others."""
    serial = iter(range(10_000))
    entries = [f"{key}{next(serial)}" for key in first]
    with mock.patch.object(build, "MAX_CHANGES", limit):
        groups = PositionGroups(grouped((e[0], p) for p, e in enumerate(entries)), entries)
        for wanted_at, wanted_drop, keys in edits:
            at = min(wanted_at, len(entries))
            drop = min(wanted_drop, len(entries) - at)
            new = [f"{key}{next(serial)}" for key in keys]
            before = dict(groups)
            moved, after = _splice(groups, entries, at, drop, new)
            assert dict(groups) == before  # the groups before the edit are left as they were
            groups, entries = moved, after
            assert dict(groups) == _fresh(entries)
            assert len(groups) == len(_fresh(entries))
            assert sorted(groups) == sorted(_fresh(entries))
            for key in "abcdefghijkl":
                assert (key in groups) == (key in _fresh(entries))
                assert groups.get(key) == _fresh(entries).get(key)


def test_many_edits_renumber_the_groups() -> None:
    entries = [f"a{n}" for n in range(4)]
    groups = PositionGroups(grouped((e[0], p) for p, e in enumerate(entries)), entries)
    for step in range(MAX_RUNS + 10):
        # An insertion in the middle splits a run: the runs grow until renumbered.
        groups, entries = _splice(groups, entries, 1, 0, [f"b{step}"])
    assert dict(groups) == _fresh(entries)
    assert groups["b"] == tuple(f"b{step}" for step in reversed(range(MAX_RUNS + 10)))

"""The ServerComment names a kept key index counts: read from the text, and changed by an edit
exactly as counting them again would."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from metaclone.iis6.names import NameCounts, server_comment_keys

_KEYS = st.lists(st.sampled_from(["A", "B", "SITE 1", "Ü", ""]), max_size=8)


@given(_KEYS, st.data())
def test_changed_counts_equal_the_counts_of_the_changed_names(
    keys: list[str], data: st.DataObject
) -> None:
    # Names the edit removed: some of those there were.
    gone = data.draw(st.permutations(keys))[: data.draw(st.integers(0, len(keys)))]
    added = data.draw(_KEYS)
    counts = NameCounts(keys)
    counts.change(gone, added)
    expected = Counter(keys)
    expected.subtract(gone)
    expected.update(added)
    assert counts == NameCounts(list(expected.elements()))
    assert len(counts) == sum(expected.values())
    for key in ("A", "B", "SITE 1", "Ü", "", "C"):
        assert (key in counts) == (expected[key] > 0)


def test_names_are_read_from_every_server_comment_decoded_and_in_upper_case() -> None:
    text = (
        '<IIsWebServer Location="/LM/W3SVC/1" ServerComment="Stra&#xDF;e"/>'
        "<IIsWebServer Location ='/LM/W3SVC/2' ServerComment = 'b&amp;c'/>"
        '<IIsWebServer Location="/LM/W3SVC/3"/>'
    )
    assert server_comment_keys(text) == ["STRAßE", "B&C"]
    assert server_comment_keys(text, text.index("<IIsWebServer Location ='")) == ["B&C"]
    assert server_comment_keys("<a/>") == []
    assert "B&C" in NameCounts(server_comment_keys(text))
    assert "b&c" not in NameCounts(server_comment_keys(text))
    assert NameCounts(["A"]) != ["A"]

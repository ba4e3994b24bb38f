"""Bounded messages: excerpts of long lines and values, lists cut at ten items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.cli import EXIT_REFUSED, main
from metaclone.errors import ParseError
from metaclone.messages import EXCERPT_CHARS, listing, quoted, shorten, window


def test_listing_names_ten_then_counts() -> None:
    assert listing(str(i) for i in range(3)) == "0, 1, 2"
    assert listing(str(i) for i in range(25)) == ", ".join(map(str, range(10))) + " and 15 more"
    assert listing(["a", "b", "c"], "; ", limit=2) == "a; b and 1 more"
    assert listing([]) == ""


def test_listing_with_a_total_reads_no_further() -> None:
    def endless() -> Iterator[str]:
        number = 0
        while True:
            yield str(number)
            number += 1

    assert listing(endless(), total=1_000_000) == (
        ", ".join(map(str, range(10))) + " and 999990 more"
    )


def test_shorten_keeps_both_ends() -> None:
    text = "start-" + "x" * 1000 + "-end"
    short = shorten(text)
    assert len(short) == EXCERPT_CHARS
    assert short.startswith("start-")
    assert short.endswith("-end")
    assert "..." in short
    assert shorten("short") == "short"
    assert quoted("a'b") == repr("a'b")


@given(st.text(max_size=400), st.integers(min_value=-5, max_value=450))
def test_window_points_at_the_same_character(line: str, column: int) -> None:
    shown, caret = window(line, column)
    assert len(shown) <= EXCERPT_CHARS + 6
    at = min(max(column - 1, 0), len(line))
    if at < len(line):
        assert shown[caret] == line[at]
    else:
        assert caret == len(shown) or shown[caret:] == "..."[: len(shown) - caret]


def test_parse_error_of_a_long_line_quotes_around_the_column() -> None:
    line = "<c>" + "y" * 5_000_000 + "</d>"
    error = ParseError("boom", path="f", line=1, column=5_000_004, source_line=line)
    rendered = str(error)
    assert len(rendered) < 400
    text_line, caret_line = rendered.splitlines()[1:]
    assert caret_line.index("^") == text_line.index("</d>")


def test_a_12_mb_line_prints_a_short_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "one-line.config"
    path.write_bytes(b"<configuration a='" + b"v" * (12 * 1024 * 1024) + b"'>")
    with pytest.raises(ParseError) as caught:
        metaclone.load(path)
    assert len(str(caught.value)) < 600
    assert main(["sites", str(path)]) == EXIT_REFUSED
    _, err = capsys.readouterr()
    assert len(err) < 600
    assert f"{path}:1:" in err
    assert "XML_PARSE_HUGE" not in err

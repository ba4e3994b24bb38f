"""HeldTexts: texts held compressed until a listing is printed, read back in order once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.cli.held_texts import HeldTexts


@given(st.lists(st.text(), max_size=40))
def test_texts_come_back_in_order_and_unchanged(texts: list[str]) -> None:
    held = HeldTexts()
    for text in texts:
        held.append(text)
    assert len(held) == len(texts)
    assert list(held) == texts


def test_many_texts_come_back_whole_across_compressed_parts() -> None:
    # Enough repetitive text that the compressor hands parts over while texts are added.
    texts = [
        f'[{{"path": "/app{n}", "physical_path": "D:\\\\sites\\\\{n}"}}]' * 40 for n in range(3000)
    ]
    held = HeldTexts()
    for text in texts:
        held.append(text)
    assert list(held) == texts


def test_texts_are_read_back_only_once() -> None:
    held = HeldTexts()
    held.append("[]")
    assert list(held) == ["[]"]
    with pytest.raises(RuntimeError, match="only once"):
        list(held)
    with pytest.raises(RuntimeError, match="once they are read"):
        held.append("[]")

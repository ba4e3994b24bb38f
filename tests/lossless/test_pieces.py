"""A commit records its patches; the new text is made when read, and written in pieces.

Whatever the document is asked for between two commits (its bytes in pieces, an excerpt, a
tag, the text before an edit) must be exactly what the whole new text gives.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.document import ConfigDocument
from metaclone.errors import FileChangedError
from metaclone.lossless import XmlDocument, gate, output
from metaclone.lossless import patches as patches_module
from metaclone.lossless.diff import unified_diff
from metaclone.lossless.patches import (
    Patch,
    PatchedText,
    apply_patches,
    encoded,
    handed_over,
    ordered_patches,
    patched_excerpt,
)
from metaclone.lossless.text_edit import TextEdit

#: ASCII, Latin-1, the rest of the BMP and beyond: each kind of string CPython keeps.
CHARACTERS = st.sampled_from(["a", "<", "\n", "\r", "é", "ÿ", "Ω", "中", "😀"])
TEXTS = st.lists(CHARACTERS, max_size=60).map("".join)


def excerpt_spans(offsets: list[int]) -> list[tuple[int, int]]:
    """Ranges between successive ``offsets`` (any order), and from the start to the first."""
    points = [0, *offsets]
    return [(min(a, b), max(a, b)) for a, b in itertools.pairwise(points)]


Pieces = tuple[bytes, dict[tuple[int, int], str]]


def read_in_pieces(doc: ConfigDocument, offsets: list[int]) -> Pieces:
    """The document's bytes as streamed, and excerpts between ``offsets``: read from the text
    before the last commit and its patches, before anything makes the whole new text."""
    streamed = b"".join(doc.chunks())
    return streamed, {span: doc.xml.excerpt(*span) for span in excerpt_spans(offsets)}


def assert_pieces_are_the_text(doc: ConfigDocument, pieces: Pieces) -> None:
    """What :func:`read_in_pieces` read equals the document's bytes and text, made whole."""
    streamed, excerpts = pieces
    assert streamed == doc.to_bytes()
    assert excerpts == {(a, b): doc.xml.text[a:b] for a, b in excerpts}


@st.composite
def patched(draw: st.DrawFn) -> tuple[str, list[Patch]]:
    """A text and patches on it that do not overlap."""
    text = draw(TEXTS)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    patches = [
        Patch(start, end, draw(TEXTS))
        for start, end in zip(cuts[::2], cuts[1::2], strict=False)
        if draw(st.booleans()) or start == end
    ]
    return text, patches


@given(patched(), st.lists(st.integers(0, 200), max_size=5))
def test_every_way_of_reading_patches_gives_the_patched_text(
    case: tuple[str, list[Patch]], offsets: list[int]
) -> None:
    text, patches = case
    ordered = ordered_patches(patches, 0, len(text))
    expected = apply_patches(text, patches)
    assert handed_over([text], ordered) == expected
    for start, end in excerpt_spans(offsets):
        assert patched_excerpt(text, ordered, start, end) == expected[start:end]
    patched_text = PatchedText(text, ordered)
    assert len(patched_text) == len(expected)
    for start, end in excerpt_spans(offsets):
        assert patched_text[start:end] == expected[start:end]
        for sub in ("\n", "a<"):
            assert patched_text.count(sub, start, end) == expected.count(sub, start, end)
            assert patched_text.rfind(sub, start, end) == expected.rfind(sub, start, end)
    for context in (0, 1, 3):
        diff = unified_diff(text, expected, "f", context)
        assert unified_diff(text, patched_text, "f", context) == diff
    for encoding in ("utf-8", "utf-16-le", "us-ascii", "windows-1252"):
        pieces = encoded(text, ordered, encoding, gate.CHARACTER_REFERENCES, 3)
        assert b"".join(pieces) == expected.encode(encoding, gate.CHARACTER_REFERENCES)


@given(patched(), st.lists(st.integers(0, 200), max_size=5))
def test_the_text_before_an_edit_is_made_from_the_text_after_it(
    case: tuple[str, list[Patch]], offsets: list[int]
) -> None:
    text, patches = case
    ordered = ordered_patches(patches, 0, len(text))
    after = apply_patches(text, ordered)
    edit = TextEdit(
        tuple((p.start, p.end, p.new) for p in ordered),
        1,
        lambda: after,
        tuple(text[p.start : p.end] for p in ordered),
    )
    for start, end in excerpt_spans(offsets):
        assert edit.text_before(start, end) == text[start:end]


def test_overlapping_patches_are_refused_before_anything_is_made() -> None:
    with pytest.raises(ValueError, match="overlap"):
        ordered_patches([Patch(0, 3, "x"), Patch(2, 4, "y")], 0, 6)
    with pytest.raises(ValueError, match="leave the range"):
        ordered_patches([Patch(5, 9, "x")], 0, 6)


SAMPLE = (
    '<?xml version="1.0" encoding="windows-1252"?>\r\n'
    '<root>\r\n  <site name="a&gt;b" id="1" />\r\n  <site name="c" id="2">x</site>\r\n</root>'
)


@pytest.mark.parametrize("encoding", ["windows-1252", "utf-8"])
@given(st.data())
def test_a_document_after_a_commit_reads_and_writes_as_its_whole_text(
    encoding: str, data: st.DataObject
) -> None:
    source = SAMPLE.replace("windows-1252", encoding)
    doc = XmlDocument.from_bytes(source.encode(encoding))
    editor = doc.edit()
    sites = [t for t in doc.child_tags(doc.root) if t.name == "site"]
    name = data.draw(st.sampled_from(["Ω é", "new", 'q"uote', ""]))
    editor.set_attribute(sites[0], "name", name)
    editor.insert_after(doc.element_at(sites[1]), '<site name="d" id="3"/>')
    editor.commit()
    offsets = data.draw(st.lists(st.integers(0, len(source) + 40), max_size=4))
    # All taken before the whole text is made.
    streamed = b"".join(doc.chunks(size=data.draw(st.integers(1, 9))))
    excerpts = {span: doc.excerpt(*span) for span in excerpt_spans(offsets)}
    # The first site's tag starts where it did; the second moved with the new name.
    second = doc.excerpt(0, len(source) * 2).index('<site name="c"')
    tags = {offset: doc.tag_text(offset) for offset in (sites[0].start, second)}
    whole = doc.text
    assert streamed == doc.to_bytes()
    assert streamed == whole.encode(encoding, gate.CHARACTER_REFERENCES)
    assert excerpts == {(a, b): whole[a:b] for a, b in excerpts}
    for offset, (text, at) in tags.items():
        end = whole.index(">", offset) + 1
        assert text[at:] == whole[offset:end]
    # Once made, a tag is read in the whole text.
    assert doc.tag_text(sites[0].start) == (whole, sites[0].start)


def test_a_tag_past_the_first_window_is_read_whole() -> None:
    long_value = "v" * 70_000
    source = f'<root><a x="1"/><b value="{long_value}" y="2"/></root>'
    doc = XmlDocument.from_bytes(source.encode())
    first = next(doc.child_tags(doc.root))
    editor = doc.edit()
    editor.set_attribute(first, "x", "22")
    editor.commit()
    start = doc.excerpt(0, 100).index("<b")
    text, at = doc.tag_text(start)
    assert text[at:] == f'<b value="{long_value}" y="2"/>'
    # No tag at an offset: what follows it, to the end.
    assert doc.tag_text(len(source) + 1 - 3) == ("ot>", 0)


def test_a_rollback_to_a_checkpoint_taken_between_commits_restores_that_text() -> None:
    doc = XmlDocument.from_bytes(SAMPLE.encode("windows-1252"))
    original = doc.text
    tag = next(doc.child_tags(doc.root))
    first = doc.edit()
    first.set_attribute(tag, "id", "10")
    first.commit()
    checkpoint = doc.checkpoint()  # taken while the first commit's text is not made
    between = doc.text
    second = doc.edit()
    second.set_attribute(next(doc.child_tags(doc.root)), "id", "20")
    second.commit()
    doc.rollback(checkpoint)
    assert doc.text == between
    assert 'id="10"' in between
    assert between.replace('id="10"', 'id="1"') == original


def test_saving_writes_the_pieces(tmp_path: Path) -> None:
    doc = XmlDocument.from_bytes(b"\xef\xbb\xbf" + SAMPLE.replace("windows-1252", "utf-8").encode())
    editor = doc.edit()
    editor.set_attribute(next(doc.child_tags(doc.root)), "name", "\u00e9")
    editor.commit()
    target = tmp_path / "out.config"
    doc.save(target)
    assert target.read_bytes() == doc.to_bytes()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_fingerprint_is_the_size_and_sha256_of_the_bytes() -> None:
    data = b"<root>\r\n</root>"
    print_of_pieces = output.Fingerprint.of(iter([data[:3], b"", data[3:]]))
    assert print_of_pieces == output.Fingerprint(len(data), hashlib.sha256(data).digest())
    assert output.Fingerprint.of(data) == print_of_pieces
    assert output.Fingerprint.of(data + b" ") != print_of_pieces


def test_replacing_in_place_by_fingerprint_keeps_the_file_as_backup(tmp_path: Path) -> None:
    config = tmp_path / "a.config"
    original = b"<root>old</root>"
    config.write_bytes(original)
    backup = output.replace_in_place(
        config, iter([b"<root>", b"new</root>"]), expected=output.Fingerprint.of(original)
    )
    assert config.read_bytes() == b"<root>new</root>"
    assert backup is not None
    assert backup.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.config", "a.config.bak"]


def test_a_file_changed_since_its_fingerprint_is_not_replaced(tmp_path: Path) -> None:
    config = tmp_path / "a.config"
    config.write_bytes(b"<root>changed</root>")
    expected = output.Fingerprint.of(b"<root>old!!!</root>")  # same size, other bytes
    for backup in (True, False):
        with pytest.raises(FileChangedError, match="changed since it was read"):
            output.replace_in_place(config, b"<new/>", expected=expected, backup=backup)
    assert config.read_bytes() == b"<root>changed</root>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.config"]


def test_a_text_interrupted_while_being_made_stays_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = XmlDocument.from_bytes(SAMPLE.encode("windows-1252"))
    original = doc.text
    editor = doc.edit()
    editor.set_attribute(next(doc.child_tags(doc.root)), "id", "10")
    editor.commit()
    expected = original.replace('id="1"', 'id="10"', 1)

    def interrupted(pieces: object, start: int, end: int) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(patches_module, "pieces", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _ = doc.text
    monkeypatch.undo()
    assert doc.text == expected
    assert doc.to_bytes() == expected.encode("windows-1252")

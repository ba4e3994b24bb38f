"""Files in encodings other than UTF-8: read as declared, edited losslessly, always well-formed.

Each result is re-parsed with lxml (a separate reader) to show that the file is well-formed in
the encoding it declares and says what the edit meant.
"""

from __future__ import annotations

import codecs
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.lossless.tokens import Tag, iter_markup
from tests.conftest import FIXTURES

IIS7 = FIXTURES / "iis7" / "applicationHost.config"
POWERSHELL = FIXTURES / "iis7" / "appcmd_sites_powershell_utf16.xml"
WINDOWS_1252 = FIXTURES / "iis7" / "applicationHost_windows1252.config"

#: (declared name, Python codec, byte-order mark) of each encoding under test.
ENCODINGS = [
    ("us-ascii", "ascii", b""),
    ("ISO-8859-1", "latin-1", b""),
    ("windows-1252", "cp1252", b""),
    ("UTF-16", "utf-16-le", codecs.BOM_UTF16_LE),
    ("UTF-16", "utf-16-be", codecs.BOM_UTF16_BE),
    # What Windows PowerShell's redirection writes: UTF-16 that still declares UTF-8.
    ("UTF-8", "utf-16-le", codecs.BOM_UTF16_LE),
]
IDS = ["us-ascii", "iso-8859-1", "windows-1252", "utf-16le", "utf-16be", "utf-16le-says-utf-8"]

#: A new name with characters inside and outside every single-byte encoding above (and an
#: apostrophe; IIS refuses < & > in a site name).
NEW_NAME = "Caf\u00e9 \u20ac \u65e5\u672c \U0001f600 'x'"


def _text(declared: str, codec: str) -> str:
    """The IIS 7 fixture declaring ``declared``, with text each encoding can hold where it can."""
    text = IIS7.read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    if codec != "ascii":
        text = text.replace('physicalPath="D:\\sites\\intranet"', 'physicalPath="D:\\B\u00fcro"')
    return text


def encoded(declared: str, codec: str, bom: bytes) -> bytes:
    return bom + _text(declared, codec).encode(codec)


def lxml_sites(data: bytes) -> dict[str | None, str | None]:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return {site.get("id"): site.get("name") for site in root.iter("site")}


def hex_references(text: str, codec: str) -> bytes:
    """``text`` as the file holds it: what ``codec`` cannot hold as ``&#x...;``."""
    return "".join(ch if _holds(codec, ch) else f"&#x{ord(ch):X};" for ch in text).encode(codec)


def _holds(codec: str, ch: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(("declared", "codec", "bom"), ENCODINGS, ids=IDS)
def test_loading_and_saving_returns_the_bytes(declared: str, codec: str, bom: bytes) -> None:
    data = encoded(declared, codec, bom)
    doc = metaclone.loads(data)
    assert doc.format == "iis7-applicationhost"
    assert doc.site("Intranet").name == "Intranet"
    assert doc.to_bytes() == data
    # Also through the re-encoding path an edit takes.
    assert doc.xml.bom + doc.xml.text.encode(doc.xml.encoding) == data


@pytest.mark.parametrize(("declared", "codec", "bom"), ENCODINGS, ids=IDS)
def test_rename_in_place_writes_the_file_in_its_own_encoding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, declared: str, codec: str, bom: bytes
) -> None:
    data = encoded(declared, codec, bom)
    path = tmp_path / "applicationHost.config"
    path.write_bytes(data)
    status = main(["rename", str(path), "--site", "Shop", "--name", NEW_NAME, "--in-place"])
    assert status == EXIT_OK, capsys.readouterr().err
    out = path.read_bytes()
    # What the same rename makes of the UTF-8 file, written in this encoding by hand: every
    # byte the rename did not mean to change is the input's.
    text = _text(declared, codec)
    doc = metaclone.loads(text.replace(f'encoding="{declared}"', 'encoding="UTF-8"').encode())
    doc.rename_site("Shop", NEW_NAME)
    renamed = doc.xml.text.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    assert out == bom + hex_references(renamed, codec)
    # Well-formed in its own encoding, and lxml reads the new name and every other unchanged.
    out[len(bom) :].decode(codec)  # strict: raises if a byte does not belong
    expected = lxml_sites(data) | {"2": NEW_NAME}
    assert lxml_sites(out) == expected
    assert Path(f"{path}.bak").read_bytes() == data


def test_powershell_utf16_appcmd_output_is_read_as_its_bom_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = POWERSHELL.read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    assert 'encoding="UTF-8"'.encode("utf-16-le") in data
    doc = metaclone.load(POWERSHELL)
    assert doc.format == "appcmd-xml"
    assert doc.to_bytes() == data
    out = tmp_path / "sites.xml"
    status = main(["stop", str(POWERSHELL), "--site", "shop-api", "-o", str(out)])
    assert status == EXIT_OK, capsys.readouterr().err
    written = out.read_bytes()
    assert written.startswith(codecs.BOM_UTF16_LE)
    root = etree.fromstring(written)
    assert next(e.get("SITE.NAME") for e in root.iter("SITE")) == "shop-api"
    assert len(written) != len(data)
    assert metaclone.loads(written).site("shop-api").auto_start is False


def test_windows_1252_fixture_keeps_its_bytes_after_an_edit(tmp_path: Path) -> None:
    data = WINDOWS_1252.read_bytes()
    doc = metaclone.load(WINDOWS_1252)
    assert doc.xml.encoding == "cp1252"
    doc.rename_site("Intranet", "Intranet \u20ac2")
    out = doc.to_bytes()
    assert out == data.replace(b'name="Intranet"', b'name="Intranet \x802"')
    assert lxml_sites(out)["9"] == "Intranet \u20ac2"
    assert b"intranet-z\xfcrich" in out


@pytest.mark.parametrize(
    ("path", "first"),
    [
        (POWERSHELL, "# metaclone: review diff of the decoded text"),
        (WINDOWS_1252, "# metaclone: review diff of the decoded text"),
        (IIS7, "--- "),
    ],
    ids=["utf-16", "windows-1252", "utf-8"],
)
def test_diff_of_a_file_not_in_utf8_says_patch_cannot_apply_it(
    capsys: pytest.CaptureFixture[str], path: Path, first: str
) -> None:
    site = metaclone.load(path).sites[0]
    status = main(["stop", str(path), "--site", str(site.id), "--diff"])
    out = capsys.readouterr().out
    assert status == EXIT_OK
    assert out.splitlines()[0].startswith(first)
    if first.startswith("#"):
        assert "patch cannot apply it" in out.splitlines()[0]
        assert out.splitlines()[1].startswith("--- ")


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (b'<?xml version="1.0" encoding="x-nothing"?>\n<a/>', "1:31", "unknown encoding"),
        (b'<?xml version="1.0" encoding="us-ascii"?>\n<a n="\xc3\xa9"/>', "2:7", "declared"),
        (b'<?xml version="1.0" encoding="windows-1252"?>\n<a n="\x90"/>', "2:7", "declared"),
        (b'<?xml version="1.0" encoding="UTF-16"?>\n<a/>', "1:31", "byte-order mark"),
        # cp932 reads 87 90 and 81 E0 as the same character, and writes 81 E0.
        (b'<?xml version="1.0" encoding="cp932"?>\n<a n="\x87\x90"/>', "2:7", "written back"),
    ],
    ids=["unknown", "not-ascii", "undefined-in-cp1252", "utf16-without-bom", "no-round-trip"],
)
def test_bad_encodings_are_refused_with_a_location(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes, where: str, words: str
) -> None:
    path = tmp_path / "x.config"
    path.write_bytes(data)
    assert main(["sites", str(path)]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert f"{path}:{where}: " in err
    assert words in err
    with pytest.raises(metaclone.ParseError) as caught:
        metaclone.loads(data, "x.config")
    assert f"{caught.value.line}:{caught.value.column}" == where


_XML_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff").filter(
    lambda ch: ch in "\t\n\r" or ch >= " "
)


@given(
    encoding=st.sampled_from(ENCODINGS),
    value=st.text(_XML_CHARS, max_size=20),
)
def test_any_value_in_any_encoding_reads_back_through_lxml(
    encoding: tuple[str, str, bytes], value: str
) -> None:
    declared, codec, bom = encoding
    data = encoded(declared, codec, bom)
    doc = metaclone.loads(data).xml
    target = next(
        t
        for t in iter_markup(doc.text)
        if isinstance(t, Tag) and t.name == "site" and doc.get(t, "id") == "2"
    )
    editor = doc.edit()
    editor.set_attribute(target, "name", value)
    editor.commit()
    out = doc.to_bytes()
    out[len(bom) :].decode(codec)
    assert lxml_sites(out)["2"] == value
    assert out.startswith(data[: data.index('<site name="Shop"'.encode(codec))])


def test_diff_of_an_ascii_file_shows_the_references_and_applies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "applicationHost.config"
    path.write_bytes(encoded("us-ascii", "ascii", b""))
    rename = ["rename", str(path), "--site", "Shop", "--name", NEW_NAME]
    assert main([*rename, "--diff"]) == EXIT_OK
    diff = capsys.readouterr().out
    assert diff.startswith("--- ")
    assert '+            <site name="Caf&#xE9; &#x20AC;' in diff
    assert diff.isascii()
    if shutil.which("patch") is None:
        pytest.skip("patch(1) not installed")
    assert main([*rename, "-o", str(tmp_path / "expected.config")]) == EXIT_OK
    subprocess.run(["patch", "--quiet", "--binary", str(path)], input=diff.encode(), check=True)
    assert path.read_bytes() == (tmp_path / "expected.config").read_bytes()


def test_an_encoding_python_knows_and_libxml2_does_not(tmp_path: Path) -> None:
    data = encoded("mac-roman", "mac-roman", b"")
    doc = metaclone.loads(data)
    assert doc.xml.encoding == "mac-roman"
    assert doc.to_bytes() == data
    doc.rename_site("Shop", "Caf\u00e9 \u65e5")
    out = doc.to_bytes()
    assert 'name="Caf\u00e9 &#x65E5;"'.encode("mac-roman") in out
    # lxml cannot read mac-roman; metaclone reads its own output back to the same names.
    assert {s.name for s in metaclone.loads(out).sites} >= {"Caf\u00e9 \u65e5", "Intranet"}

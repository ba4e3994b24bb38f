"""Finding a site's placeholder without reading every site of the file.

``ConfigDocument.may_have_site_named`` may say True for a name no site has, never False for a
name a site has; ``placeholder begin`` asks it before it looks a placeholder up by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone import workflow
from metaclone.cli import EXIT_OK, main
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model.rules import name_key
from tests.conftest import FIXTURES

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
THUMB = "ab" * 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Shop", True),
        ("sHOP", True),
        ("Default Web Site", True),
        ("Shop (placeholder)", False),
        ("Sho", False),
        ("Shop ", False),
        ("", True),
    ],
)
def test_an_iis6_name_is_looked_for_in_the_text(name: str, expected: bool) -> None:
    assert metaclone.load(IIS6).may_have_site_named(name) is expected


def test_iis7_names_are_left_to_the_index() -> None:
    doc = metaclone.load(IIS7)
    assert doc.may_have_site_named("Shop (placeholder)")
    assert all(doc.may_have_site_named(site.name) for site in doc.sites)


def _written(name: str, references: list[bool]) -> str:
    """``name`` as an attribute value, some characters as character references."""
    out = []
    for char, as_reference in zip(name, references + [False] * len(name), strict=False):
        plain = char not in '<&"\t\n\r' and char.isprintable()
        out.append(char if plain and not as_reference else f"&#x{ord(char):X};")
    return "".join(out)


_NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
)


@settings(deadline=None)
@given(name=_NAMES, other=_NAMES, references=st.lists(st.booleans(), max_size=12))
def test_no_site_name_is_ever_said_to_be_absent(
    name: str, other: str, references: list[bool]
) -> None:
    data = IIS6.read_bytes().replace(
        b'ServerComment="Shop"', f'ServerComment="{_written(name, references)}"'.encode()
    )
    doc = metaclone.loads(data, name="MetaBase.xml")
    for site in doc.sites:
        assert doc.may_have_site_named(site.name)
        for variant in (site.name.swapcase(), site.name.upper(), site.name.lower()):
            if name_key(variant) == name_key(site.name):
                assert doc.may_have_site_named(variant)
    if not doc.may_have_site_named(other):
        assert all(name_key(site.name) != name_key(other) for site in doc.sites)


#: The id of the site named Shop in the IIS 6 fixture: selected by id, a site is found in the
#: key index; by name every site is read.
SHOP = "1962875481"


def test_begin_reads_only_the_sites_it_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = tmp_path / "expected.xml"
    argv = ["placeholder", "begin", str(IIS6), "--site", SHOP, "--thumbprint", THUMB]
    assert main([*argv, "-o", str(expected)]) == EXIT_OK

    def every_site(self: MetabaseDocument) -> None:
        raise AssertionError("every site of the file was read")

    monkeypatch.setattr(MetabaseDocument, "sites", property(every_site))
    out = tmp_path / "out.xml"
    assert main([*argv, "-o", str(out)]) == EXIT_OK
    assert out.read_bytes() == expected.read_bytes()
    doc = metaclone.load(IIS6)
    result = workflow.begin(doc, SHOP)
    assert result.placeholder is not None
    assert result.placeholder.name == "Shop (placeholder)"

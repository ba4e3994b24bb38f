"""What placeholder begin and finish return is what a fresh load of their result reads, though
they read sites back only where an edit may have changed them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import metaclone
from metaclone import workflow
from metaclone.document import ConfigDocument
from metaclone.model.sites import CertificateRef, Site
from tests.conftest import FIXTURES
from tests.helpers import load_fixture

IIS6_SOURCE = (FIXTURES / "iis6" / "MetaBase.xml").read_bytes()
#: Shop without ServerAutoStart: stopping it writes the attribute on a line of its own, which
#: moves the placeholder written after it down a line.
IIS6_NO_AUTO_START = IIS6_SOURCE.replace(
    b'\t\tServerAutoStart="TRUE"\r\n\t\tServerBindings=":80:shop', b'\t\tServerBindings=":80:shop'
)
CASES: dict[str, tuple[bytes | str, str]] = {
    "iis6": (IIS6_SOURCE, "Shop"),
    "iis6-line-added": (IIS6_NO_AUTO_START, "Shop"),
    "iis7": ("iis7/applicationHost.config", "Shop"),
    "express": ("iis7/iisexpress_applicationhost.config", "Storefront"),
    "appcmd": ("iis7/appcmd_sites.xml", "shop-api"),
}
NEW = CertificateRef("cd" * 20, "MY")


def _as_loaded(doc: ConfigDocument, site: Site) -> Site:
    return metaclone.loads(doc.to_bytes(), doc.path).site(site.id)


def test_the_no_auto_start_variant_lacks_the_attribute_for_shop_only() -> None:
    assert IIS6_NO_AUTO_START.count(b"ServerAutoStart") == IIS6_SOURCE.count(b"ServerAutoStart") - 1
    assert load_fixture(IIS6_NO_AUTO_START).site("Shop").auto_start


@pytest.mark.parametrize(
    "certificate", [None, CertificateRef("ab" * 20, "MY")], ids=["own", "given"]
)
@pytest.mark.parametrize("case", list(CASES))
def test_begin_returns_the_sites_as_written(case: str, certificate: CertificateRef | None) -> None:
    fixture, name = CASES[case]
    doc = load_fixture(fixture)
    result = workflow.begin(doc, name, certificate=certificate)
    assert result.placeholder is not None
    assert result.placeholder == _as_loaded(doc, result.placeholder)
    assert result.original == _as_loaded(doc, result.original)
    assert not result.original.auto_start


@pytest.mark.parametrize("delete", [False, True], ids=["stop", "delete"])
@pytest.mark.parametrize("case", list(CASES))
def test_finish_returns_the_sites_as_written(case: str, delete: bool) -> None:
    fixture, name = CASES[case]
    doc = load_fixture(fixture)
    placeholder = workflow.begin(doc, name).placeholder
    assert placeholder is not None
    begun = metaclone.loads(doc.to_bytes(), doc.path)
    result = workflow.finish(begun, name, placeholder.id, NEW, delete=delete)
    assert result.original == _as_loaded(begun, result.original)
    assert result.original.auto_start
    assert (result.placeholder is None) is delete


def test_steps_told_before_the_last_edit_are_those_of_the_result(tmp_path: Path) -> None:
    doc = load_fixture(IIS6_NO_AUTO_START)
    result = workflow.begin(doc, "Shop", saved_as=str(tmp_path / "begun.xml"))
    assert result.placeholder is not None
    again = metaclone.loads(doc.to_bytes(), doc.path)
    handover = metaclone.handover.Handover(
        metaclone.handover.Stage.BEGIN,
        again.site(result.original.id),
        again.site(result.placeholder.id),
        str(tmp_path / "begun.xml"),
    )
    assert result.next_steps == again.placeholder_steps(handover)


def test_a_transaction_holds_no_reference_to_the_text_before_it() -> None:
    doc = load_fixture(IIS6_SOURCE)
    text = doc.xml.text
    references = sys.getrefcount(text)
    with doc.transaction():
        assert sys.getrefcount(text) == references
        doc.set_auto_start("Shop", False)
        assert doc.xml.text != text
        assert sys.getrefcount(text) == references - 1

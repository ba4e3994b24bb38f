"""What every document offers whatever its format: transactions, the review diff, the
capabilities the workflow asks about instead of testing classes."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone import httpsys
from metaclone.document import ConfigDocument
from metaclone.errors import SiteNotFoundError, UnsupportedDocumentError
from metaclone.lossless.diff import unified_diff
from tests.conftest import FIXTURES
from tests.helpers import assert_refused, load_fixture

IIS6 = FIXTURES / "iis6" / "MetaBase_inherit.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost_defaults.config"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
WINDOWS_1252 = FIXTURES / "iis7" / "applicationHost_windows1252.config"


@pytest.mark.parametrize("path", [IIS6, IIS7, APPCMD], ids=["iis6", "iis7", "appcmd"])
def test_a_failed_transaction_leaves_the_document_as_it_was(path: Path) -> None:
    def two_steps(doc: ConfigDocument) -> None:
        with doc.transaction():
            first = doc.sites[0]
            doc.rename_site(first, "Renamed first")
            doc.notes.append(metaclone.Finding(metaclone.Severity.INFO, "kept", "noted"))
            doc.site("No such site")

    caught = assert_refused(path, two_steps, SiteNotFoundError)
    assert caught.value.path


def test_a_transaction_keeps_its_edits_and_the_notes_survive_a_rollback() -> None:
    doc = load_fixture(IIS6)
    shop = doc.site("Shop")
    with doc.transaction():
        doc.rename_site(shop, "Store")
    renamed = doc.to_bytes()
    assert doc.site("Store").id == shop.id
    doc.notes.append(metaclone.Finding(metaclone.Severity.INFO, "kept", "noted"))

    def interrupted() -> None:
        with doc.transaction():
            doc.rename_site("Store", "Again")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert doc.to_bytes() == renamed
    assert doc.site("Store").id == shop.id
    assert [n.code for n in doc.notes] == ["kept"]


def test_capabilities_per_format() -> None:
    iis6, iis7, appcmd = (metaclone.load(p) for p in (IIS6, IIS7, APPCMD))
    generic = metaclone.loads(b"<root/>")
    assert [d.is_iis for d in (iis6, iis7, appcmd, generic)] == [True, True, True, False]
    assert [d.certificates_in_file for d in (iis6, iis7, appcmd)] == [True, False, False]
    assert iis6.app_id == iis7.app_id == httpsys.IIS_APP_ID
    assert metaclone.load(EXPRESS).app_id == httpsys.IIS_EXPRESS_APP_ID


def test_netsh_entries_are_refused_by_a_file_that_keeps_its_certificates() -> None:
    doc = metaclone.load(IIS6)
    with pytest.raises(UnsupportedDocumentError, match="--sslcert applies to IIS 7"):
        doc.attach_sslcerts(())
    assert not doc.modified


@pytest.mark.parametrize("path", [IIS6, IIS7, APPCMD], ids=["iis6", "iis7", "appcmd"])
def test_exact_is_a_load_option(path: Path) -> None:
    assert not metaclone.load(path).exact
    assert metaclone.load(path, exact=True).exact
    assert metaclone.load(path, exact=True).sites == metaclone.load(path).sites
    assert metaclone.loads(path.read_bytes(), exact=True).exact


def test_the_review_diff_is_the_diff_of_the_text() -> None:
    doc = metaclone.load(IIS7)
    before = doc.to_bytes()
    assert doc.unified_diff(before, "a.config") == ""
    doc.rename_site("Gallery", "Pictures")
    expected = unified_diff(before.decode("utf-8-sig"), doc.xml.text, "a.config")
    assert doc.unified_diff(before, "a.config") == expected
    assert expected.startswith("--- a.config\n+++ a.config\n")


def test_the_review_diff_of_another_encoding_says_patch_cannot_apply_it() -> None:
    doc = metaclone.load(WINDOWS_1252)
    before = doc.to_bytes()
    doc.rename_site(doc.sites[0], "Caf\u00e9 renamed")
    diff = doc.unified_diff(before, "w.config")
    assert diff.startswith("# metaclone: review diff of the decoded text of w.config")
    assert "\n+" in diff
    assert "Caf\u00e9 renamed" in diff

"""metaclone.workflow.review: checking many files and comparing with a baseline, through the API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import metaclone
from metaclone.errors import ParseError, UnsupportedDocumentError
from metaclone.model.sites import Severity
from metaclone.workflow.report import UNREADABLE
from metaclone.workflow.review import (
    check_file,
    check_paths,
    compare,
    compare_with_base,
    find_files,
)
from tests.conftest import FIXTURES

REVIEW = FIXTURES / "review"
GENERIC = FIXTURES / "xml" / "lexical_variants.xml"


def test_find_files_walks_folders_in_order_and_leaves_hidden_ones_out(tmp_path: Path) -> None:
    for name in ("b/applicationHost.config", "a/x.xml", "a/readme.md", ".svn/y.config", "c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("<configuration />")
    named = tmp_path / "c.txt"
    found = list(find_files([str(tmp_path), str(named), str(named)]))
    assert found == [
        (str(tmp_path / "a" / "x.xml"), False),
        (str(tmp_path / "b" / "applicationHost.config"), True),
        (str(named), True),
    ]


def test_check_paths_reports_named_files_that_do_not_load(tmp_path: Path) -> None:
    shutil.copy(REVIEW / "MetaBase.before.xml", tmp_path / "MetaBase.xml")
    (tmp_path / "other.xml").write_text("<not closed>")
    results = check_paths([str(tmp_path), str(GENERIC)])
    assert [(r.path, r.format) for r in results] == [
        (str(tmp_path / "MetaBase.xml"), "iis6-metabase"),
        (str(GENERIC), None),
    ]
    assert isinstance(results[1].error, UnsupportedDocumentError)
    (item,) = results[1].items
    assert (item.code, item.severity) == (UNREADABLE, Severity.ERROR)
    assert results[1].problems == 1
    assert results[1].to_json()["error"] == {
        "message": item.message,
        "line": None,
        "column": None,
    }


def test_check_file_with_sslcert_on_an_iis6_file_is_an_error() -> None:
    result = check_file(
        str(REVIEW / "MetaBase.before.xml"), sslcert=str(REVIEW / "sslcert.after.txt")
    )
    assert isinstance(result.error, UnsupportedDocumentError)
    assert "--sslcert applies to IIS 7+ files" in str(result.error)


def test_compare_with_base_needs_a_readable_base(tmp_path: Path) -> None:
    broken = tmp_path / "base.config"
    broken.write_text("<configuration>\n<sites>\n")
    with pytest.raises(ParseError) as caught:
        compare_with_base(str(broken), [str(REVIEW / "applicationHost.after.config")])
    assert caught.value.path == str(broken)
    with pytest.raises(UnsupportedDocumentError):
        compare_with_base(str(GENERIC), [str(GENERIC)])


def test_compare_reports_each_file_on_its_own(tmp_path: Path) -> None:
    base = metaclone.load(REVIEW / "appcmd_sites.before.xml")
    missing = compare(base, str(tmp_path / "gone.xml"))
    assert missing.format is None
    assert "no such file" in str(missing.error)
    assert missing.to_json()["new"] == str(tmp_path / "gone.xml")
    other = compare(base, str(REVIEW / "MetaBase.before.xml"))
    assert "cannot compare" in str(other.error)
    fine = compare(base, str(REVIEW / "appcmd_sites.after.xml"))
    assert fine.error is None
    assert [i.code for i in fine.items] == [c.kind for c in fine.changes]
    assert len(fine.changes) == 4


def test_diff_documents_of_generic_xml_is_refused() -> None:
    doc = metaclone.load(GENERIC)
    assert metaclone.diff_documents(doc, metaclone.load(GENERIC)) == ()
    changed = metaclone.loads(doc.to_bytes() + b"\n", "changed")
    with pytest.raises(UnsupportedDocumentError, match="cannot list sites"):
        metaclone.diff_documents(doc, changed)

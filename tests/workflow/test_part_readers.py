"""Each IIS format reads its parts through metaclone.loader.PART_READERS; other XML has none."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.loader import APPCMD_XML, IIS6_METABASE, IIS7_APPLICATIONHOST, PART_READERS
from metaclone.model.parts import PartKind
from metaclone.workflow.part_readers import (
    SECTION_GROUPS,
    application_context,
    parts_of,
    section_groups,
)
from tests.conftest import FIXTURES

REVIEW = FIXTURES / "review"
IIS6_KINDS = {PartKind.KEY, PartKind.POOL}
IIS7_KINDS = {PartKind.SETTINGS, PartKind.LOCATION, PartKind.METADATA, PartKind.POOL}


def test_every_iis_format_has_part_readers() -> None:
    assert set(PART_READERS) == {IIS6_METABASE, IIS7_APPLICATIONHOST, APPCMD_XML}


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        (REVIEW / "MetaBase.before.xml", IIS6_KINDS),
        (REVIEW / "applicationHost.before.config", IIS7_KINDS),
        (REVIEW / "appcmd_sites.before.xml", IIS7_KINDS),
    ],
)
def test_parts_come_from_the_readers_of_the_documents_format(
    path: Path, kinds: set[PartKind]
) -> None:
    doc = metaclone.load(path)
    assert doc.is_iis
    parts = parts_of(doc)
    assert parts
    assert {part.kind for part in parts} <= kinds
    # Repeated identities are numbered: no two parts of one kind and site share one.
    keys = [(p.kind, p.site.id if p.site else None, p.identity) for p in parts]
    assert len(keys) == len(set(keys))
    assert section_groups(doc) >= SECTION_GROUPS


def test_a_file_that_is_not_iis_has_no_parts(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<configuration><appSettings /></configuration>\n')
    doc = metaclone.load(path)
    assert not doc.is_iis
    assert parts_of(doc) == ()
    assert section_groups(doc) == SECTION_GROUPS
    assert application_context(doc) == ""

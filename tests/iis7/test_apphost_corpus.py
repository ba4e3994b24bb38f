"""Every real applicationHost.config of the corpus lists its sites and clones its first one."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from lxml import etree

import metaclone
from metaclone.iis7.applicationhost import AppcmdDocument, AppHostDocument
from tests.conftest import corpus_params

FULL_CONFIGS = corpus_params("iis7/*applicationHost*.config", "iis7/*applicationhost*.config")
APPCMD_CAPTURES = corpus_params("iis7/appcmd_list_site*.xml")
# JexusManager writes its configurations from the IIS Express template (%IIS_USER_HOME%, %IIS_BIN%).
IIS_EXPRESS_PREFIXES = ("iisexpress", "jexus")


@pytest.mark.parametrize("path", FULL_CONFIGS)
def test_corpus_config_lists_and_clones(path: Path) -> None:
    data = path.read_bytes()
    doc = metaclone.loads(data, path.name)
    assert isinstance(doc, AppHostDocument)
    sites = doc.sites
    assert sites
    assert len({s.id for s in sites}) == len(sites)
    assert doc.is_iis_express == path.name.startswith(IIS_EXPRESS_PREFIXES)
    source = sites[0]
    before = doc.xml.text
    clone = doc.clone_site(source.id, new_name=f"{source.name} clone")
    assert clone.id > max(s.id for s in sites)
    assert clone.bindings == source.bindings
    assert not clone.auto_start
    old, new = before.split("\n"), doc.xml.text.split("\n")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    assert all(op in ("equal", "insert") for op, *_ in matcher.get_opcodes())
    root = etree.fromstring(doc.to_bytes())
    assert len(root.findall("system.applicationHost/sites/site")) == len(sites) + 1
    assert doc.to_bytes().startswith(data[:3])


@pytest.mark.parametrize("path", APPCMD_CAPTURES)
def test_corpus_appcmd_capture_lists_and_clones(path: Path) -> None:
    data = path.read_bytes()
    doc = metaclone.loads(data, path.name)
    assert isinstance(doc, AppcmdDocument)
    assert doc.to_bytes() == data
    source = doc.sites[0]
    clone = doc.clone_site(source.id, new_name=f"{source.name}-clone")
    root = etree.fromstring(doc.to_bytes())
    wrappers = root.findall("SITE")
    assert len(wrappers) == len(doc.sites)
    copy = next(w for w in wrappers if w.get("SITE.ID") == str(clone.id))
    site_element = copy.find("site")
    assert site_element is not None
    assert copy.get("SITE.NAME") == clone.name == site_element.get("name")
    assert copy.get("state") == "Stopped"
    newline = b"\r\r\n" if b"\r\r\n" in data else b"\r\n"
    assert (
        doc.to_bytes().count(newline)
        == data.count(newline)
        + data[data.index(b"<SITE") : data.index(b"</SITE>")].count(newline)
        + 1
    )

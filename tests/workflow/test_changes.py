"""metaclone.diff_documents: what changed per site, on hand-written pairs and generated files.

Each pair under ``fixtures/review`` holds one example of every kind of change its format can
have; the reformatted copies and the copy rewritten the way IIS Manager writes files hold none
(or only the one change made in IIS Manager).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import FormatMismatchError, NetshParseError
from metaclone.httpsys import parse_netsh_sslcert
from metaclone.model.parts import Node, differences
from metaclone.workflow.change_kinds import CHANGE_KINDS
from metaclone.workflow.changes import Change, match_items
from metaclone.workflow.sslcert_changes import diff_sslcerts
from tests.conftest import FIXTURES
from tests.iis6.test_metabase_properties import Generated, metabases
from tests.iis7.test_apphost_properties import documents

REVIEW = FIXTURES / "review"
IIS7_BEFORE = REVIEW / "applicationHost.before.config"
IIS7_AFTER = REVIEW / "applicationHost.after.config"
IIS6_BEFORE = REVIEW / "MetaBase.before.xml"
IIS6_AFTER = REVIEW / "MetaBase.after.xml"
APPCMD_BEFORE = REVIEW / "appcmd_sites.before.xml"
APPCMD_AFTER = REVIEW / "appcmd_sites.after.xml"

PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def diff(old: Path, new: Path) -> tuple[Change, ...]:
    return metaclone.diff_documents(metaclone.load(old), metaclone.load(new))


def summary(
    changes: tuple[Change, ...],
) -> list[tuple[str, int | None, str, str | None, str | None]]:
    return [(c.kind, c.site_id, c.what, c.old, c.new) for c in changes]


# -- IIS 7 ------------------------------------------------------------------------------------


def test_iis7_pair_lists_every_kind_of_change() -> None:
    assert summary(diff(IIS7_BEFORE, IIS7_AFTER)) == [
        ("application-removed", 1, "/legacy", "DefaultAppPool", None),
        ("virtual-directory-removed", 1, "/docs", r"D:\docs", None),
        ("binding-changed", 2, "https/*:443:shop.example.com", "sslFlags=1", "sslFlags=3"),
        ("binding-added", 2, "https/10.0.0.5:443:", None, None),
        ("application-added", 2, "/checkout", None, "Shop"),
        ("virtual-directory-changed", 2, "/media", r"\\files\shop-media", r"\\files2\shop-media"),
        ("application-changed", 2, "/api", "Shop API", "Shop API v2"),
        ("site-settings-changed", 2, "logFile/@directory", r"D:\logs\shop", r"E:\logs\shop"),
        (
            "location-changed",
            2,
            "Shop: system.webServer/security/access",
            '<access sslFlags="Ssl, SslNegotiateCert" />',
            '<access sslFlags="Ssl, SslRequireCert" />',
        ),
        (
            "location-changed",
            2,
            "Shop: system.webServer/security/authentication/windowsAuthentication",
            '<windowsAuthentication enabled="false" />',
            '<windowsAuthentication enabled="true" />',
        ),
        ("location-removed", 2, "Shop/api", "system.webServer/handlers", None),
        ("location-added", 2, "Shop/checkout", None, "system.webServer/security/access"),
        ("metadata-key-removed", 2, "LM/W3SVC/2/ROOT/old", None, None),
        ("metadata-key-added", 2, "LM/W3SVC/2/ROOT/checkout", None, None),
        ("site-renamed", 4, "", "Blog", "Journal"),
        ("site-id-changed", 6, "", "5", "6"),
        ("site-state-changed", 6, "", "stopped", "started"),
        ("binding-added", 6, "http/*:8080:", None, None),
        ("binding-removed", 6, "http/10.0.0.7:80:", None, None),
        (
            "certificate-changed",
            12,
            "",
            "1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e (MY)",
            "8d2e4c6a0b1f3e5d7c9a8d2e4c6a0b1f3e5d7c9a (MY)",
        ),
        ("site-added", 13, "", None, "http/*:80:status.example.com"),
        ("site-removed", 9, "", "http/*:80:intranet", None),
        (
            "location-changed",
            None,
            '"" (global): system.webServer/handlers',
            '<handlers accessPolicy="Read, Script" />',
            '<handlers accessPolicy="Read, Script, Execute" />',
        ),
        ("pool-changed", None, "Reports: managedPipelineMode", "Classic", "Integrated"),
        ("pool-removed", None, "Intranet", None, None),
        ("pool-added", None, "Shop API v2", None, None),
        ("pool-added", None, "Status", None, None),
    ]


def test_changes_carry_lines_in_both_files() -> None:
    old, new = metaclone.load(IIS7_BEFORE), metaclone.load(IIS7_AFTER)
    changes = metaclone.diff_documents(old, new)
    renamed = next(c for c in changes if c.kind == "site-renamed")
    assert renamed.old_line == old.site(4).line
    assert renamed.new_line == new.site(4).line
    added = next(c for c in changes if c.kind == "site-added")
    assert (added.old_line, added.new_line) == (None, new.site(13).line)
    removed = next(c for c in changes if c.kind == "site-removed")
    assert (removed.old_line, removed.new_line) == (old.site(9).line, None)
    location = next(c for c in changes if c.kind == "location-added")
    new_lines = IIS7_AFTER.read_text().splitlines()
    assert location.new_line is not None
    assert new_lines[location.new_line - 1].strip() == '<location path="Shop/checkout">'
    pool = next(c for c in changes if c.kind == "pool-removed")
    old_lines = IIS7_BEFORE.read_text().splitlines()
    assert pool.old_line is not None
    assert old_lines[pool.old_line - 1].strip() == '<add name="Intranet" />'


def test_a_renamed_site_keeps_its_location_blocks() -> None:
    # Blog became Journal and its blocks "Blog" and "Blog/admin" followed: only the rename.
    changes = [c for c in diff(IIS7_BEFORE, IIS7_AFTER) if c.site_id == 4]
    assert [c.kind for c in changes] == ["site-renamed"]


def test_renaming_through_the_api_is_one_change() -> None:
    old = metaclone.load(IIS7_BEFORE)
    new = metaclone.load(IIS7_BEFORE)
    new.rename_site("Shop", "Shop Online")
    assert "Shop Online/api" in new.to_bytes().decode()
    changes = metaclone.diff_documents(old, new)
    assert summary(changes) == [("site-renamed", 2, "", "Shop", "Shop Online")]
    assert changes[0].message == "site 2 'Shop Online': renamed: Shop -> Shop Online"


@pytest.mark.parametrize(
    "other",
    [REVIEW / "applicationHost.reformatted.config", REVIEW / "MetaBase.reformatted.xml"],
    ids=["iis7", "iis6"],
)
def test_reformatting_is_no_change(other: Path) -> None:
    before = IIS7_BEFORE if other.suffix == ".config" else IIS6_BEFORE
    assert other.read_bytes() != before.read_bytes()
    assert diff(before, other) == ()


def test_a_file_written_by_iis_manager_shows_only_what_was_done_in_it() -> None:
    # IIS Manager wrote every attribute back in its own order; the only change is Shop stopped.
    changes = diff(IIS7_BEFORE, REVIEW / "applicationHost.iismanager.config")
    assert summary(changes) == [("site-state-changed", 2, "", "started", "stopped")]


def test_a_clone_is_one_added_site() -> None:
    old = metaclone.load(IIS7_BEFORE)
    new = metaclone.load(IIS7_BEFORE)
    clone = new.clone_site("Shop", new_name="Shop Staging")
    changes = metaclone.diff_documents(old, new)
    assert [(c.kind, c.site_id, c.site_name) for c in changes] == [
        ("site-added", clone.id, "Shop Staging")
    ]
    assert changes[0].new == "http/*:80:shop.example.com, https/*:443:shop.example.com"


def test_identical_files_have_no_changes() -> None:
    doc = metaclone.load(IIS7_AFTER)
    assert metaclone.diff_documents(doc, metaclone.load(IIS7_AFTER)) == ()


def test_formats_must_match() -> None:
    with pytest.raises(FormatMismatchError, match="same format") as caught:
        diff(IIS7_BEFORE, IIS6_BEFORE)
    assert caught.value.path == str(IIS7_BEFORE)


# -- IIS 6 and appcmd -----------------------------------------------------------------------


def test_iis6_pair_lists_every_kind_of_change() -> None:
    shop = "/LM/W3SVC/1962875481"
    assert summary(diff(IIS6_BEFORE, IIS6_AFTER)) == [
        ("site-id-changed", 13, "", "12", "13"),
        ("binding-added", 1962875481, "https/10.0.0.5:443:", None, None),
        ("binding-removed", 1962875481, "http/:80:www.shop.example.com", None, None),
        (
            "certificate-changed",
            1962875481,
            "",
            "5c3d8a1f0e9b7a6d4c2b1a09f8e7d6c5b4a39281 (MY)",
            "9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3 (MY)",
        ),
        ("virtual-directory-added", 1962875481, "/images", None, r"\\files\shop-images"),
        ("virtual-directory-changed", 1962875481, "/", r"C:\inetpub\shop", r"D:\inetpub\shop"),
        ("application-changed", 1962875481, "/checkout", "ShopPool", "CheckoutPool"),
        (
            "key-changed",
            1962875481,
            f"{shop}/root/checkout: AccessSSLFlags",
            "AccessSSL | AccessSSLNegotiateCert",
            "AccessSSL | AccessSSLRequireCert",
        ),
        ("key-removed", 1962875481, f"{shop}/root/checkout/pay.aspx", "IIsWebFile", None),
        ("key-added", 1962875481, f"{shop}/root/aspnet_client", None, "IIsWebDirectory"),
        ("site-renamed", 98004751, "", "Contrib", "Contributions"),
        ("site-state-changed", 98004751, "", "started", "stopped"),
        ("site-added", 2104123, "", None, "http/:80:status.example.com"),
        ("site-removed", 123, "", "http/:8123:", None),
        ("pool-removed", None, "PartnersPool", None, None),
        ("pool-changed", None, "ShopPool: PeriodicRestartTime", "1740", "0"),
        ("pool-added", None, "StatusPool", None, None),
    ]


def test_iis6_site_with_a_new_id_is_one_change_though_its_paths_moved() -> None:
    # Intranet moved from /LM/W3SVC/12 to 13: its keys, AppRoot and a redirect naming its own
    # path all changed in the text, and none of that is reported beside the new id.
    text = IIS6_AFTER.read_text(encoding="utf-8-sig")
    assert 'HttpRedirect="/LM/W3SVC/13/ROOT/home"' in text
    assert [c.kind for c in diff(IIS6_BEFORE, IIS6_AFTER) if c.site_id == 13] == ["site-id-changed"]


def test_iis6_clone_is_one_added_site() -> None:
    old = metaclone.load(IIS6_BEFORE)
    new = metaclone.load(IIS6_BEFORE)
    clone = new.clone_site("Shop", new_name="Shop copy")
    assert [(c.kind, c.site_id) for c in metaclone.diff_documents(old, new)] == [
        ("site-added", clone.id)
    ]


def test_appcmd_pair() -> None:
    assert summary(diff(APPCMD_BEFORE, APPCMD_AFTER)) == [
        ("binding-added", 4, "https/*:443:api.shop.example", None, None),
        ("application-changed", 4, "/", "shop-api", "api-v2"),
        ("site-state-changed", 2, "", "started", "stopped"),
        ("site-added", 7, "", None, "http/*:8080:"),
    ]


def test_every_kind_is_documented_and_shown_by_a_fixture() -> None:
    seen = {
        c.kind
        for old, new in [(IIS7_BEFORE, IIS7_AFTER), (IIS6_BEFORE, IIS6_AFTER)]
        for c in diff(old, new)
    }
    sslcert = {c.kind for c in sslcert_changes()}
    assert seen | sslcert == set(CHANGE_KINDS)


# -- HTTP.sys -------------------------------------------------------------------------------


def sslcert_changes() -> tuple[Change, ...]:
    before, after = (
        parse_netsh_sslcert((REVIEW / f"sslcert.{side}.txt").read_text(), side)
        for side in ("before", "after")
    )
    return diff_sslcerts(before, after, metaclone.load(IIS7_AFTER).sites)


def test_sslcert_captures_compare_per_endpoint() -> None:
    assert summary(sslcert_changes()) == [
        (
            "sslcert-changed",
            None,
            "hostnameport=shop.example.com:443",
            "5c3d8a1f0e9b7a6d4c2b1a09f8e7d6c5b4a39281 (MY)",
            "9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3 (MY)",
        ),
        (
            "sslcert-removed",
            None,
            "ipport=10.0.0.7:443",
            "40da7e6686d698efae7172220f4da438025dfeea (MY)",
            None,
        ),
        # Only Shop's https binding on 10.0.0.5 is served there: the change names it.
        (
            "sslcert-added",
            2,
            "ipport=10.0.0.5:443",
            None,
            "5226dc6c54559761cd471b86eb51c096252c90f2 (MY)",
        ),
    ]


def test_sslcert_endpoint_given_twice_is_refused() -> None:
    # One capture refuses a repeated endpoint itself; entries joined from two captures are
    # refused when compared.
    entries = parse_netsh_sslcert((REVIEW / "sslcert.before.txt").read_text(), "before")
    with pytest.raises(NetshParseError, match="given twice"):
        diff_sslcerts(entries + entries, ())


# -- the pieces -----------------------------------------------------------------------------


def test_match_items_tries_keys_in_turn() -> None:
    pairs, old_left, new_left = match_items(
        ["a1", "b2", "c3"], ["b9", "x1", "d4"], lambda s: s[1], lambda s: s[0]
    )
    assert pairs == [("a1", "x1"), ("b2", "b9")]
    assert (old_left, new_left) == (["c3"], ["d4"])


def test_differences_name_attributes_and_children() -> None:
    old = Node("add", (("name", "P"), ("queueLength", "1000")), (Node("processModel"),))
    new = Node("add", (("name", "P"),), (Node("processModel", (("idleTimeout", "00:05:00"),)),))
    found = differences(old, new)
    assert [(d.where, d.old, d.new) for d in found] == [
        ("queueLength", "1000", None),
        ("processModel/@idleTimeout", None, "00:05:00"),
    ]


def test_change_json_has_the_documented_fields() -> None:
    change = diff(APPCMD_BEFORE, APPCMD_AFTER)[0]
    assert change.to_json() == {
        "kind": "binding-added",
        "site_id": 4,
        "site_name": "shop-api",
        "what": "https/*:443:api.shop.example",
        "old": None,
        "new": None,
        "old_line": change.old_line,
        "new_line": change.new_line,
    }
    assert change.message == "site 4 'shop-api': binding added https/*:443:api.shop.example"


# -- properties -----------------------------------------------------------------------------

EDITS = ["rename", "stop-start", "bindings", "clone-delete"]


def edit_and_undo(doc: metaclone.ConfigDocument, site: metaclone.Site, edit: str) -> str:
    """Apply ``edit`` to ``site``, then its inverse; the kind the edit alone is reported as."""
    if edit == "rename":
        doc.rename_site(site, "Renamed 7")
        doc.rename_site("Renamed 7", site.name)
        return "site-renamed"
    if edit == "stop-start":
        doc.set_auto_start(site, not site.auto_start)
        doc.set_auto_start(site, site.auto_start)
        return "site-state-changed"
    if edit == "bindings":
        doc.set_bindings(site, ["http/*:8181:edited.example"])
        doc.set_bindings(site, site.bindings)
        return "binding-added"
    clone = doc.clone_site(site, new_name="Clone 7")
    doc.delete_site(clone)
    return "site-added"


def edited_once(doc: metaclone.ConfigDocument, site: metaclone.Site, edit: str) -> None:
    if edit == "rename":
        doc.rename_site(site, "Renamed 7")
    elif edit == "stop-start":
        doc.set_auto_start(site, not site.auto_start)
    elif edit == "bindings":
        doc.set_bindings(site, ["http/*:8181:edited.example"])
    else:
        doc.clone_site(site, new_name="Clone 7")


def check_edit_and_undo(data: bytes, site_id: int, edit: str) -> None:
    original = metaclone.loads(data, "original")
    once = metaclone.loads(data, "once")
    site = once.site(site_id)
    edited_once(once, site, edit)
    kinds = {c.kind for c in metaclone.diff_documents(original, once)}
    undone = metaclone.loads(data, "undone")
    expected = edit_and_undo(undone, undone.site(site_id), edit)
    assert expected in kinds
    assert metaclone.diff_documents(original, undone) == ()


@PROFILE
@given(documents(), st.data())
def test_iis7_edit_and_its_inverse_is_no_change(
    generated: tuple[str, list[tuple[int, str]]], data: st.DataObject
) -> None:
    text, sites = generated
    site_id = data.draw(st.sampled_from([i for i, _ in sites]))
    check_edit_and_undo(text.encode(), site_id, data.draw(st.sampled_from(EDITS)))


@PROFILE
@given(metabases(), st.data())
def test_iis6_edit_and_its_inverse_is_no_change(generated: Generated, data: st.DataObject) -> None:
    site_id = data.draw(st.sampled_from(generated.ids))
    check_edit_and_undo(generated.data, site_id, data.draw(st.sampled_from(EDITS)))


def check_clone(data: bytes, site_id: int) -> None:
    original = metaclone.loads(data, "original")
    doc = metaclone.loads(data, "cloned")
    clone = doc.clone_site(site_id, new_name="Clone 7")
    changes = metaclone.diff_documents(original, doc)
    assert [(c.kind, c.site_id, c.site_name) for c in changes] == [
        ("site-added", clone.id, clone.name)
    ]
    assert changes[0].new_line == clone.line


@PROFILE
@given(documents(), st.data())
def test_iis7_clone_reports_exactly_the_added_site(
    generated: tuple[str, list[tuple[int, str]]], data: st.DataObject
) -> None:
    text, sites = generated
    check_clone(text.encode(), data.draw(st.sampled_from([i for i, _ in sites])))


@PROFILE
@given(metabases(), st.data())
def test_iis6_clone_reports_exactly_the_added_site(
    generated: Generated, data: st.DataObject
) -> None:
    check_clone(generated.data, data.draw(st.sampled_from(generated.ids)))


@PROFILE
@given(documents())
def test_iis7_reversed_attributes_are_no_change(
    generated: tuple[str, list[tuple[int, str]]],
) -> None:
    text, _ = generated

    def reverse(match: re.Match[str]) -> str:
        pairs = re.findall(r'\s+([^\s=]+="[^"]*")', match.group(2))
        return f"<{match.group(1)} " + " ".join(reversed(pairs)) + match.group(3)

    shuffled = re.sub(r'<([\w.]+)((?:\s+[^\s=/>]+="[^"]*")+)(\s*/?>)', reverse, text)
    changes = metaclone.diff_documents(
        metaclone.loads(text.encode()), metaclone.loads(shuffled.encode())
    )
    assert changes == ()
    assert Counter(shuffled) == Counter(text)


def test_change_is_a_frozen_value() -> None:
    change = Change("site-added", 1, "a", "")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        change.kind = "x"  # type: ignore[misc]


# -- every format ---------------------------------------------------------------------------

BEFORE_FILES = [IIS7_BEFORE, IIS6_BEFORE, APPCMD_BEFORE]


def reversed_attributes(text: str) -> str:
    """``text`` with the attributes of every tag in reverse order, as another tool writes them."""

    def reverse(match: re.Match[str]) -> str:
        pairs = re.findall(r'\s+([^\s=]+\s*=\s*"[^"]*")', match.group(2))
        return f"<{match.group(1)} " + " ".join(reversed(pairs)) + match.group(3)

    return re.sub(r'<([\w.]+)((?:\s+[^\s=/>]+\s*=\s*"[^"]*")+)(\s*/?>)', reverse, text)


@pytest.mark.parametrize("path", BEFORE_FILES, ids=lambda p: p.name)
def test_other_attribute_order_and_line_ends_are_no_change(path: Path) -> None:
    data = path.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom) :].decode()
    other = reversed_attributes(text).replace("\r\r\n", "\n").replace("\n", "\r\n")
    assert other != text
    changes = metaclone.diff_documents(
        metaclone.loads(data, "before"), metaclone.loads(bom + other.encode(), "after")
    )
    assert changes == ()


@pytest.mark.parametrize("path", BEFORE_FILES, ids=lambda p: p.name)
def test_rename_and_clone_in_every_format(path: Path) -> None:
    old = metaclone.load(path)
    site = old.sites[-1]
    renamed = metaclone.load(path)
    renamed.rename_site(site, "Renamed")
    assert summary(metaclone.diff_documents(old, renamed)) == [
        ("site-renamed", site.id, "", site.name, "Renamed")
    ]
    cloned = metaclone.load(path)
    clone = cloned.clone_site(site, new_name="Cloned")
    assert [(c.kind, c.site_id) for c in metaclone.diff_documents(old, cloned)] == [
        ("site-added", clone.id)
    ]


def test_a_pool_inherited_from_above_the_sites_is_seen_in_every_site() -> None:
    # The sites are written alike in both files, but the service key above them names another
    # AppPoolId: each application that names none changes pool.
    text = IIS6_BEFORE.read_text(encoding="utf-8-sig")
    other = text.replace(
        '<IIsWebService\tLocation ="/LM/W3SVC"\n\t\tAppPoolId="DefaultAppPool"',
        '<IIsWebService\tLocation ="/LM/W3SVC"\n\t\tAppPoolId="FarmPool"',
    )
    assert other != text
    changes = metaclone.diff_documents(
        metaclone.loads(text.encode()), metaclone.loads(other.encode())
    )
    assert summary(changes) == [("application-changed", 1, "/", "DefaultAppPool", "FarmPool")]


def test_an_export_inherits_its_pool_from_its_inherited_properties() -> None:
    text = (FIXTURES / "iis6" / "export_site_1962875481.xml").read_text()
    text = text.replace('\t\tAppPoolId="ShopPool"\n', "")

    def export(pool: str) -> metaclone.ConfigDocument:
        inherited = (
            f'<IIsInheritedProperties\n\t\tAppPoolId="{pool}"\n\t>\n</IIsInheritedProperties>\n'
        )
        return metaclone.loads(text.replace("</MBProperty>", inherited + "</MBProperty>").encode())

    changes = metaclone.diff_documents(export("DefaultAppPool"), export("FarmPool"))
    assert summary(changes) == [
        ("application-changed", 1962875481, "/", "DefaultAppPool", "FarmPool"),
        ("application-changed", 1962875481, "/checkout", "DefaultAppPool", "FarmPool"),
    ]


def test_iis7_default_pool_is_seen_in_every_site_that_uses_it() -> None:
    text = IIS7_BEFORE.read_text()
    old_defaults = '<applicationDefaults applicationPool="DefaultAppPool" />'
    other = text.replace(old_defaults, '<applicationDefaults applicationPool="FarmPool" />')
    assert other != text
    changes = metaclone.diff_documents(
        metaclone.loads(text.encode()), metaclone.loads(other.encode())
    )
    # The root applications of Default Web Site and Files name no pool of their own.
    assert summary(changes) == [
        ("application-changed", 1, "/", "DefaultAppPool", "FarmPool"),
        ("application-changed", 12, "/", "DefaultAppPool", "FarmPool"),
    ]


def test_values_cannot_forge_lines_of_the_changelog() -> None:
    text = IIS7_BEFORE.read_text()
    forged = "D:\\docs&#xA;site 1 'Default Web Site': binding removed http/*:80:"
    other = text.replace('physicalPath="D:\\docs"', f'physicalPath="{forged}"')
    assert other != text
    (change,) = metaclone.diff_documents(
        metaclone.loads(text.encode()), metaclone.loads(other.encode())
    )
    assert change.new == "D:\\docs\nsite 1 'Default Web Site': binding removed http/*:80:"
    assert "\n" not in change.message
    assert change.message.endswith(
        "-> D:\\docs\\nsite 1 'Default Web Site': binding removed http/*:80:"
    )


def test_a_new_site_takes_over_what_was_left_behind_for_it() -> None:
    # fixtures/iis7/applicationHost.config keeps metadata of site 20 and a block for 'Legacy
    # Portal', which no site has; a site added with that id and name takes them over: nothing
    # was removed.
    path = FIXTURES / "iis7" / "applicationHost.config"
    text = path.read_text()
    site = (
        '<site name="Legacy Portal" id="20">\n'
        '                <bindings><binding protocol="http" bindingInformation="*:8020:" />'
        "</bindings>\n            </site>\n            <siteDefaults>"
    )
    other = text.replace("<siteDefaults>", site, 1)
    old, new = metaclone.loads(text.encode()), metaclone.loads(other.encode())
    assert {k.path for k in new.metadata_keys if k.site_id == 20} == {"LM/W3SVC/20"}  # type: ignore[attr-defined]
    assert summary(metaclone.diff_documents(old, new)) == [
        ("site-added", 20, "", None, "http/*:8020:")
    ]
    # And the other way round: the site goes, what it left behind stays.
    assert summary(metaclone.diff_documents(new, old)) == [
        ("site-removed", 20, "", "http/*:8020:", None)
    ]

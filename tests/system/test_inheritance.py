"""What IIS derives: values inherited from siteDefaults, applicationDefaults and the IIS 6 keys
above a site, reported as the effective values, and edits that give the effective result.

Fixtures: ``iis7/applicationHost_defaults.config`` (an IIS 10 file whose ``<siteDefaults>``
stops every site, supplies a binding and an FTP certificate) and ``iis6/MetaBase_inherit.xml``
(``/LM/W3SVC`` with an inheritable certificate and pool, and a ServerAutoStart that MBSchema
does not let sites inherit).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone import workflow
from metaclone.cli import EXIT_OK, main
from metaclone.httpsys import load_netsh_sslcert
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis7.applicationhost import AppHostDocument
from tests.conftest import FIXTURES

DEFAULTS = FIXTURES / "iis7" / "applicationHost_defaults.config"
INHERIT6 = FIXTURES / "iis6" / "MetaBase_inherit.xml"
BOTH_ENTRIES = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
FTP_HASH = "9f3c1a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f01"
W3SVC_HASH = "7b0e2c4d6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c"


def load7() -> AppHostDocument:
    doc = metaclone.load(DEFAULTS)
    assert isinstance(doc, AppHostDocument)
    return doc


def load6() -> MetabaseDocument:
    doc = metaclone.load(INHERIT6)
    assert isinstance(doc, MetabaseDocument)
    return doc


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- IIS 7: reading ----------------------------------------------------------------------------


def test_site_defaults_supply_what_a_site_does_not_set() -> None:
    sites = {s.name: s for s in load7().sites}
    # serverAutoStart from <siteDefaults serverAutoStart="false">.
    assert (sites["Shop"].auto_start, sites["Shop"].inherited) == (False, ("auto_start",))
    # A site's own value wins.
    assert (sites["Blog"].auto_start, sites["Straße"].auto_start) == (True, False)
    assert sites["Straße"].inherited == ()
    # A site without bindings has siteDefaults' bindings.
    assert [b.summary for b in sites["Blog"].bindings] == ["http/*:8080:"]
    assert sites["Blog"].inherited == ("bindings",)
    # An FTP site without ssl settings has siteDefaults' certificate.
    files = sites["Files"]
    assert files.kind is metaclone.SiteKind.FTP
    assert files.certificate == metaclone.CertificateRef(FTP_HASH, "WebHosting")
    assert files.inherited == ("auto_start", "certificate")


def test_listing_and_single_site_reading_agree() -> None:
    doc = load7()
    listed = doc.sites
    again = load7()
    assert [again.site(s.id) for s in listed] == list(listed)


def test_application_defaults_inner_wins_over_sites_level() -> None:
    doc = load7()
    root, api = doc.applications("Shop")
    # The site's own <applicationDefaults applicationPool="ShopPool"> wins over the sites
    # level one; enabledProtocols comes from the sites level.
    assert (root.application_pool, root.enabled_protocols) == ("ShopPool", "http,net.tcp")
    assert root.inherited == ("application_pool", "enabled_protocols")
    assert (api.application_pool, api.enabled_protocols, api.inherited) == ("ApiPool", "https", ())
    (blog,) = doc.applications("Blog")
    assert blog.application_pool == "DefaultAppPool"


def test_sites_json_and_text_report_effective_values(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "sites", DEFAULTS, "--json", "--applications")
    assert status == EXIT_OK
    by_name = {s["name"]: s for s in json.loads(out)["sites"]}
    assert by_name["Shop"]["auto_start"] is False
    assert by_name["Shop"]["inherited"] == ["auto_start"]
    assert by_name["Shop"]["applications"][0]["inherited"] == [
        "application_pool",
        "enabled_protocols",
    ]
    assert by_name["Files"]["certificate"] == {"thumbprint": FTP_HASH, "store": "WebHosting"}
    status, out, _ = run(capsys, "sites", DEFAULTS)
    assert "Shop  [stopped]" in out
    assert "Blog  [started]" in out


# -- IIS 7: edits ------------------------------------------------------------------------------


def test_start_writes_an_explicit_value_when_the_inherited_one_differs() -> None:
    doc = load7()
    started = doc.set_auto_start("Shop", True)
    assert started.auto_start is True
    assert '<site name="Shop" id="1" serverAutoStart="true">' in doc.xml.text
    assert metaclone.loads(doc.to_bytes()).site("Shop").auto_start is True


def test_stop_leaves_a_site_that_already_inherits_stopped() -> None:
    doc = load7()
    before = doc.to_bytes()
    assert doc.set_auto_start("Shop", False).auto_start is False
    assert doc.to_bytes() == before


def test_start_command_does_what_it_reports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.config"
    status, _, err = run(capsys, "start", DEFAULTS, "--site", "Shop", "-o", out)
    assert status == EXIT_OK
    assert "marked started" in err
    assert metaclone.load(out).site("Shop").auto_start is True


def test_clone_started_and_stopped_give_the_effective_state() -> None:
    doc = load7()
    started = doc.clone_site("Shop", new_name="Shop Two", auto_start=True)
    stopped = doc.clone_site("Blog", new_name="Blog Two")
    reread = metaclone.loads(doc.to_bytes())
    assert (started.auto_start, reread.site("Shop Two").auto_start) == (True, True)
    assert (stopped.auto_start, reread.site("Blog Two").auto_start) == (False, False)
    # The clone of a site that inherits its bindings inherits them too.
    assert [b.summary for b in reread.site("Blog Two").bindings] == ["http/*:8080:"]


def test_placeholder_of_a_site_stopped_by_site_defaults() -> None:
    doc = load7()
    # Shop inherits serverAutoStart="false": it serves nothing, so begin refuses it now
    # (it used to be listed as started and get a placeholder that did not start).
    with pytest.raises(metaclone.MetacloneError, match="is marked stopped"):
        workflow.begin(doc, "Shop", new_name="Shop placeholder", saved_as="out.config")
    doc.set_auto_start("Shop", True)
    result = workflow.begin(doc, "Shop", new_name="Shop placeholder", saved_as="out.config")
    reread = metaclone.loads(doc.to_bytes())
    assert reread.site("Shop placeholder").auto_start is True
    assert reread.site("Shop").auto_start is False
    assert result.changes


def test_removing_an_ftp_certificate_that_is_inherited_says_so() -> None:
    doc = load7()
    assert doc.remove_certificate("Files") is None
    (note,) = [n for n in doc.notes if n.code == "inherited-certificate"]
    assert "siteDefaults" in note.message
    assert FTP_HASH in note.message


def test_removing_a_certificate_still_served_by_the_wildcard_says_so() -> None:
    doc = load7()
    doc.attach_sslcerts(load_netsh_sslcert(BOTH_ENTRIES))
    plan = doc.remove_certificate("Shop")
    assert plan is not None
    assert [str(c.endpoint) for c in plan.changes] == ["ipport=10.0.0.5:443"]
    (note,) = [n for n in doc.notes if n.code == "inherited-certificate"]
    assert "ipport=0.0.0.0:443" in note.message


# -- IIS 6 -------------------------------------------------------------------------------------


def test_iis6_certificate_inherited_from_the_www_service() -> None:
    sites = {s.name: s for s in load6().sites}
    default = sites["Default Web Site"]
    assert default.certificate == metaclone.CertificateRef(W3SVC_HASH, "MY")
    assert default.inherited == ("certificate",)
    assert all(b.certificate == default.certificate for b in default.secure_bindings)
    # Its own value wins; an empty SSLCertHash of its own is no certificate (pending request).
    assert sites["Shop"].certificate == metaclone.CertificateRef(
        "40da7e6686d698efae7172220f4da438025dfeea", "WebHosting"
    )
    assert sites["Shop"].inherited == ()
    assert sites["Pending"].certificate is None
    assert sites["Pending"].waiting_for_certificate is True


def test_iis6_server_auto_start_is_not_inherited() -> None:
    # MBSchema gives ServerAutoStart NO_ATTRIBUTES: /LM/W3SVC's FALSE stops no site.
    assert all(s.auto_start for s in load6().sites)


def test_iis6_site_and_listing_agree() -> None:
    doc = load6()
    listed = doc.sites
    assert [load6().site(s) for s in listed] == list(listed)


def test_iis6_pool_inherited_from_the_www_service(capsys: pytest.CaptureFixture[str]) -> None:
    (root,) = load6().applications("Default Web Site")
    assert (root.application_pool, root.inherited) == ("SharedPool", ("application_pool",))
    status, out, _ = run(capsys, "sites", INHERIT6, "--json", "--applications")
    assert status == EXIT_OK
    listed = {s["name"]: s for s in json.loads(out)["sites"]}
    assert listed["Default Web Site"]["inherited"] == ["certificate"]
    assert listed["Default Web Site"]["applications"][0]["application_pool"] == "SharedPool"


def test_iis6_removing_a_certificate_that_is_then_inherited_says_so() -> None:
    doc = load6()
    doc.remove_certificate("Shop")
    after = doc.site("Shop")
    assert after.certificate == metaclone.CertificateRef(W3SVC_HASH, "MY")
    (note,) = [n for n in doc.notes if n.code == "inherited-certificate"]
    assert "/LM/W3SVC" in note.message


def test_iis6_export_inherited_properties_supply_the_certificate() -> None:
    data = INHERIT6.read_bytes()
    start = data.index(b"<IIsWebService")
    end = data.index(b"</IIsWebService>\r\n") + len(b"</IIsWebService>\r\n")
    inherited = (
        b'<IIsInheritedProperties\r\n\t\tSSLCertHash="00112233445566778899aabbccddeeff00112233"'
        b"\r\n\t>\r\n</IIsInheritedProperties>\r\n"
    )
    doc = metaclone.loads(
        data[:start] + data[end:].replace(b"</MBProperty>", inherited + b"</MBProperty>")
    )
    certificate = doc.site("Default Web Site").certificate
    assert certificate is not None
    assert certificate.thumbprint == "00112233445566778899aabbccddeeff00112233"


def test_cert_show_reports_inherited_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / INHERIT6.name
    shutil.copy(INHERIT6, copy)
    status, out, _ = run(capsys, "cert", "show", copy, "--json", "--site", "1")
    assert status == EXIT_OK
    (site,) = json.loads(out)["sites"]
    assert site["certificate"]["thumbprint"] == W3SVC_HASH
    assert site["inherited"] == ["certificate"]


_START_VALUES = st.sampled_from([None, "true", "false", "False", " TRUE "])


@given(default=_START_VALUES, own=_START_VALUES, wanted=st.booleans())
def test_start_and_stop_give_the_asked_state_whatever_is_inherited(
    default: str | None, own: str | None, wanted: bool
) -> None:
    text = DEFAULTS.read_text(encoding="utf-8")
    text = text.replace('<siteDefaults serverAutoStart="false">', "<siteDefaults>")
    if default is not None:
        text = text.replace("<siteDefaults>", f'<siteDefaults serverAutoStart="{default}">')
    if own is not None:
        text = text.replace(
            '<site name="Shop" id="1">', f'<site name="Shop" id="1" serverAutoStart="{own}">'
        )
    doc = metaclone.loads(text.encode(), "prop.config")
    before = doc.site("Shop")
    value = own if own is not None else default
    assert before.auto_start is (value is None or value.strip().lower() != "false")
    assert ("auto_start" in before.inherited) is (own is None and default is not None)
    unchanged = doc.to_bytes()
    after = doc.set_auto_start("Shop", wanted)
    assert after.auto_start is wanted
    assert metaclone.loads(doc.to_bytes()).site("Shop").auto_start is wanted
    # Nothing is written when the site already starts (or not) as asked.
    assert (doc.to_bytes() == unchanged) is (before.auto_start is wanted)


def test_a_default_binding_with_bad_ssl_flags_is_a_parse_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = DEFAULTS.read_text(encoding="utf-8").replace(
        'bindingInformation="*:8080:" />', 'bindingInformation="*:8080:" sslFlags="one" />'
    )
    with pytest.raises(metaclone.ParseError, match="sslFlags='one' is not a number") as caught:
        _ = metaclone.loads(text.encode(), "bad.config").sites
    assert caught.value.line is not None
    bad = tmp_path / "bad.config"
    bad.write_text(text, encoding="utf-8")
    status, _, err = run(capsys, "sites", bad)
    assert status == 3
    assert "is not a number" in err


def test_check_sees_the_inherited_state() -> None:
    # Two sites with one binding clash only when both start; Shop is stopped by siteDefaults.
    text = DEFAULTS.read_text(encoding="utf-8").replace(
        'bindingInformation="*:80:strasse.example.com"',
        'bindingInformation="*:80:shop.example.com"',
    )
    doc = metaclone.loads(text.encode(), "clash.config")
    assert "duplicate-binding" not in [f.code for f in doc.check()]
    doc.set_auto_start("Shop", True)
    doc.set_auto_start("STRASSE", True)
    assert "duplicate-binding" in [f.code for f in doc.check()]

"""IIS's own rules for what metaclone writes and reads: validation of written values (both
formats, through the API and main(argv)), Windows name comparison, canonical customMetadata
ids, MULTISZ separators in every spelling, appcmd wrappers, HTTP.sys resolution in ``cert
show``, and the schema pass of ``metaclone check``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone import Binding, InconsistentSiteError
from metaclone.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, main
from metaclone.document import ConfigDocument
from metaclone.errors import BindingError, SiteIdOutOfRangeError, SiteNameError
from metaclone.iis6.schema import PROPERTIES, parse_multisz
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.index import APP_FRIENDLY_NAME_PROPERTY, SERVER_COMMENT_PROPERTY
from metaclone.model.rules import MAX_IIS6_SITE_ID, MAX_IIS7_SITE_ID
from tests.conftest import FIXTURES
from tests.helpers import assert_edit, assert_refused

DEFAULTS = FIXTURES / "iis7" / "applicationHost_defaults.config"
PROBLEMS = FIXTURES / "iis7" / "applicationHost_schema_problems.config"
INCONSISTENT = FIXTURES / "iis7" / "appcmd_inconsistent.xml"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
INHERIT6 = FIXTURES / "iis6" / "MetaBase_inherit.xml"
NETSH = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
FINDING_CODES = Path(__file__).resolve().parents[2] / "docs" / "reference" / "findings.md"


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- validation of written values --------------------------------------------------------------


@pytest.mark.parametrize("path", [DEFAULTS, INHERIT6], ids=["iis7", "iis6"])
@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Shop: placeholder", "IIS does not allow : in a site name"),
        ("a|b", "IIS does not allow | in a site name"),
        ("   ", "a site name cannot be empty"),
        ("two\nlines", "control characters"),
    ],
)
def test_site_names_iis_refuses_are_refused(path: Path, name: str, rule: str) -> None:
    def clone(doc: ConfigDocument) -> object:
        return doc.clone_site(doc.sites[-1], new_name=name)

    def rename(doc: ConfigDocument) -> object:
        return doc.rename_site(doc.sites[-1], name)

    assert_refused(path, clone, SiteNameError, re.escape(rule))
    assert_refused(path, rename, SiteNameError, re.escape(rule))


def test_refused_name_through_main(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.config"
    status, _, err = run(
        capsys, "clone", DEFAULTS, "--site", "Shop", "--name", "Shop: placeholder", "-o", out
    )
    assert status == EXIT_REFUSED
    assert "IIS does not allow : in a site name" in err
    assert not out.exists()


def test_pool_names_iis_refuses_are_refused() -> None:
    def clone_with_pools(doc: ConfigDocument) -> object:
        assert isinstance(doc, AppHostDocument)
        return doc.clone_site("Shop", new_name="Shop [staging]", clone_app_pools=True)

    # A valid site name, but the pool named after it would hold [ and ].
    rule = re.escape("IIS does not allow [ ] in an application")
    assert_refused(DEFAULTS, clone_with_pools, SiteNameError, rule)


def test_site_id_ranges_per_format() -> None:
    iis7 = metaclone.load(DEFAULTS)
    assert iis7.clone_site("Shop", new_id=MAX_IIS7_SITE_ID, new_name="Top").id == MAX_IIS7_SITE_ID
    assert_refused(
        DEFAULTS,
        lambda doc: doc.clone_site("Shop", new_id=MAX_IIS7_SITE_ID + 1, new_name="Over"),
        SiteIdOutOfRangeError,
        "run from 1 to 4294967295",
    )
    assert_refused(
        INHERIT6,
        lambda doc: doc.clone_site("Shop", new_id=MAX_IIS6_SITE_ID + 1),
        SiteIdOutOfRangeError,
        "run from 1 to 2147483647",
    )


def test_refused_id_through_main(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "clone", INHERIT6, "--site", "Shop", "--id", 2**31, "--dry-run")
    assert status == EXIT_REFUSED
    assert "site ids run from 1 to 2147483647" in err


@pytest.mark.parametrize(
    ("binding", "accepted"),
    [
        ("https/[::1]:443:", True),
        ("https/*:443:*.example.com", True),
        ("http/:80:", True),
        ("http/::1:443:", False),
        ("http/*:0:", False),
        ("http/*:443:a_b.example.com", False),
        ("http/*:443:*", False),
        ("http/10.0.0.300:80:", False),
        ("net.tcp/808:*", True),
    ],
)
def test_binding_information_rules_in_both_formats(binding: str, accepted: bool) -> None:
    documents = [metaclone.load(DEFAULTS)]
    if not binding.startswith("net."):
        documents.append(metaclone.load(INHERIT6))
    for doc in documents:
        if accepted:
            doc.set_bindings("Shop", [binding])
        else:
            with pytest.raises(BindingError, match="is refused"):
                doc.set_bindings("Shop", [binding])


def test_ssl_flags_known_to_the_file_version() -> None:
    iis10 = metaclone.load(DEFAULTS)
    iis10.set_bindings("Gallery", [Binding("https", "*:443:gallery.example.com", ssl_flags=65)])
    with pytest.raises(BindingError, match="sslFlags bits 128 are not known"):
        iis10.set_bindings("Gallery", [Binding("https", "*:443:g.example.com", ssl_flags=129)])
    # An IIS 8 file (webSocket declared, no IIS 10 mark) knows bits 1 and 2 only.
    iis8 = metaclone.loads(
        DEFAULTS.read_bytes().replace(b"IISWASOnlyCngProvider", b"IISWASOnlyAesProvider")
    )
    with pytest.raises(BindingError, match="sslFlags bits 4 are not known"):
        iis8.set_bindings("Gallery", [Binding("https", "*:443:gallery.example.com", ssl_flags=5)])
    # appcmd output does not tell its version: all seven bits.
    appcmd = metaclone.load(APPCMD)
    appcmd.set_bindings(appcmd.sites[0], [Binding("https", "*:443:a.example", ssl_flags=127)])


# -- names compared as Windows compares them ---------------------------------------------------


def test_strasse_is_not_strasse_with_eszett() -> None:
    doc = metaclone.load(DEFAULTS)
    assert doc.site("STRASSE").id == 5
    assert doc.site("straße").id == 4
    doc.delete_site("Straße")
    text = doc.xml.text
    assert '<location path="Straße">' not in text
    assert '<location path="STRASSE/admin">' in text
    assert doc.site("STRASSE").id == 5


def test_a_changed_location_block_belongs_to_the_site_windows_names() -> None:
    # Full case folding would give "STRASSE/admin" to Straße (listed first); IIS gives it to
    # STRASSE.
    old = metaclone.load(DEFAULTS)
    changed = DEFAULTS.read_bytes().replace(
        b'<defaultDocument enabled="false" />', b'<defaultDocument enabled="true" />'
    )
    changes = metaclone.diff_documents(old, metaclone.loads(changed))
    assert [(c.site_id, c.site_name) for c in changes] == [(5, "STRASSE")]


def test_metadata_keys_match_only_canonical_ids() -> None:
    doc = metaclone.load(DEFAULTS)
    clone = doc.clone_site("Gallery", new_name="Gallery Two")
    text = doc.xml.text
    assert text.count(f'<key path="LM/W3SVC/{clone.id}">') == 1
    assert text.count('<key path="LM/W3SVC/07">') == 1
    assert f"LM/W3SVC/{clone.id}1" not in text
    # Both name properties of the site key follow: ServerComment (1015), AppFriendlyName (2102).
    copied = text[text.index(f'<key path="LM/W3SVC/{clone.id}">') :]
    copied = copied[: copied.index("</key>")]
    assert copied.count('value="Gallery Two"') == 2
    assert 'value="Left over"' in text


def test_rename_follows_both_name_properties() -> None:
    gallery = 'attributes="Inherit" value="Gallery" />'
    pictures = 'attributes="Inherit" value="Pictures" />'
    assert_edit(
        DEFAULTS,
        lambda doc: doc.rename_site("Gallery", "Pictures"),
        f"""\
        -                <property id="1015" dataType="String" userType="1" {gallery}
        -                <property id="2102" dataType="String" userType="100" {gallery}
        +                <property id="1015" dataType="String" userType="1" {pictures}
        +                <property id="2102" dataType="String" userType="100" {pictures}
        -            <site name="Gallery" id="7">
        +            <site name="Pictures" id="7">
        """,
    )


# -- MULTISZ separators ------------------------------------------------------------------------

_SEPARATORS = ["\r\n", "\n", "&#xA;", "&#x0A;", "&#10;", "&#010;", "&#xD;&#xA;", "&#13;&#10;"]


@given(
    entries=st.lists(st.from_regex(r"[A-Za-z0-9:./,]{1,12}", fullmatch=True), min_size=1),
    separators=st.lists(st.sampled_from(_SEPARATORS), min_size=1),
)
def test_multisz_entries_split_at_every_spelling(entries: list[str], separators: list[str]) -> None:
    raw = entries[0]
    for position, entry in enumerate(entries[1:]):
        raw += separators[position % len(separators)] + entry
    assert parse_multisz(raw) == entries


def test_multisz_bindings_and_clone_rewrite_with_references() -> None:
    doc = metaclone.load(INHERIT6)
    shop = doc.site("Shop")
    assert [b.binding_information for b in shop.bindings if b.protocol == "http"] == [
        "10.0.0.5:80:shop.example.com",
        "10.0.0.5:80:www.shop.example.com",
        "10.0.0.5:8080:",
    ]
    clone = doc.clone_site("Shop", new_name="Shop copy")
    text = doc.xml.text
    copy = text[text.index(f'Location ="/LM/W3SVC/{clone.id}"') :]
    assert f'Value="/LM/W3SVC/{clone.id}&#x0A;/LM/W3SVC/{clone.id}/ROOT&#010;/LM/W3SVC/20"' in copy
    assert f'HttpErrors="404,*,URL,/LM/W3SVC/{clone.id}&#x0A;' in copy


# -- appcmd wrappers ---------------------------------------------------------------------------


def test_appcmd_wrappers_that_contradict_their_site_are_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    findings = metaclone.load(INCONSISTENT).check()
    assert [(f.code, f.line) for f in findings] == [
        ("inconsistent-site", 16),
        ("inconsistent-site", 38),
        ("inconsistent-site", 38),
    ]
    status, out, _ = run(capsys, "check", INCONSISTENT)
    assert status == EXIT_PROBLEMS
    assert "holds 2 <site> elements" in out
    assert "<SITE SITE.ID='5'> wraps <site id='6'>" in out


@pytest.mark.parametrize("site", ["reports", "intranet-new"])
def test_appcmd_wrappers_that_contradict_their_site_are_not_edited(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(
        INCONSISTENT,
        lambda doc: doc.rename_site(site, "renamed"),
        InconsistentSiteError,
        "correct the file first",
    )
    assert_refused(
        INCONSISTENT, lambda doc: doc.clone_site(site, new_name="copy"), InconsistentSiteError
    )
    assert_refused(INCONSISTENT, lambda doc: doc.set_auto_start(site, False), InconsistentSiteError)
    doc = metaclone.load(INCONSISTENT)
    status, _, err = run(capsys, "delete", INCONSISTENT, "--site", site, "--dry-run")
    assert status == EXIT_REFUSED
    assert "cannot be changed" in err
    doc.rename_site("portal", "portal-new")  # a consistent wrapper is edited as before


# -- HTTP.sys resolution in cert show ----------------------------------------------------------


def test_cert_show_json_says_which_entry_serves_each_binding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wildcard_only = tmp_path / "wildcard.txt"
    text = NETSH.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    wildcard_only.write_text(
        "\n\n".join(b for b in blocks if "10.0.0.5:443" not in b), encoding="utf-8"
    )
    status, out, _ = run(
        capsys, "cert", "show", DEFAULTS, "--site", "Shop", "--json", "--sslcert", wildcard_only
    )
    assert status == EXIT_OK
    (binding,) = json.loads(out)["sites"][0]["https_bindings"]
    assert binding["endpoint"] == "ipport=10.0.0.5:443"
    assert binding["served_by"] == "ipport=0.0.0.0:443"
    status, out, _ = run(capsys, "cert", "show", DEFAULTS, "--site", "Shop", "--sslcert", NETSH)
    assert "HTTP.sys ipport=10.0.0.5:443 (serves it)" in out
    status, out, _ = run(
        capsys, "cert", "show", DEFAULTS, "--site", "Shop", "--sslcert", wildcard_only
    )
    assert "HTTP.sys ipport=10.0.0.5:443 (served by ipport=0.0.0.0:443)" in out
    status, out, _ = run(capsys, "cert", "show", DEFAULTS, "--site", "Shop", "--json")
    assert json.loads(out)["sites"][0]["https_bindings"][0]["served_by"] is None


# -- the schema pass of check ------------------------------------------------------------------

_EXPECTED = [
    ("schema-type", 18),
    ("schema-rule", 20),
    ("schema-duplicate-key", 19),
    ("schema-rule", 30),
    ("schema-rule", 33),
    ("schema-type", 33),
    ("schema-unknown-attribute", 33),
    ("schema-rule", 41),
    ("schema-rule", 42),
    ("schema-missing-attribute", 45),
    ("schema-duplicate-key", 44),
    ("schema-duplicate-key", 36),
    ("undefined-pool", 38),
    ("schema-rule", 39),
    ("schema-duplicate-key", 38),
    ("schema-rule", 48),
    ("schema-type", 49),
    ("schema-type", 54),
]


def test_check_reports_what_the_iis_schema_rejects(capsys: pytest.CaptureFixture[str]) -> None:
    findings = metaclone.load(PROBLEMS).check()
    assert [(f.code, f.line) for f in findings] == _EXPECTED
    status, out, _ = run(capsys, "check", PROBLEMS, "--json")
    assert status == EXIT_PROBLEMS
    assert json.loads(out)["ok"] is False


def test_check_schema_pass_finds_nothing_in_clean_fixtures() -> None:
    for path in (DEFAULTS, FIXTURES / "iis7" / "applicationHost.config", APPCMD):
        assert [f for f in metaclone.load(path).check() if f.code.startswith("schema-")] == []


def test_the_docs_document_every_schema_code() -> None:
    readme = FINDING_CODES.read_text(encoding="utf-8")
    for code in {code for code, _ in _EXPECTED} | {"inconsistent-site", "inherited-certificate"}:
        assert f"`{code}`" in readme


@pytest.mark.parametrize("path", [DEFAULTS, INHERIT6], ids=["iis7", "iis6"])
def test_refused_binding_through_main(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "clone", path, "--site", "Shop", "--name", "Shop two", "--bindings",
        "http/*:80:bad_host.example.com", "--dry-run",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "'bad_host' is not a host name label" in err
    assert out == ""


def test_metadata_property_numbers_are_named_as_mbschema_names_them() -> None:
    assert int(SERVER_COMMENT_PROPERTY) == PROPERTIES["ServerComment"].id == 1015
    assert int(APP_FRIENDLY_NAME_PROPERTY) == PROPERTIES["AppFriendlyName"].id == 2102


def test_iis6_check_reports_what_iis_refuses_and_undefined_pools(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = INHERIT6.read_bytes()
    data = data.replace(b'ServerComment="Twenty"', b'ServerComment="Twenty: old"')
    data = data.replace(b'ServerBindings=":8020:"', b'ServerBindings=":8020:bad_host"')
    pools = (
        b'<IIsApplicationPools\tLocation ="/LM/W3SVC/AppPools"\r\n\t>\r\n</IIsApplicationPools>\r\n'
        b'<IIsApplicationPool\tLocation ="/LM/W3SVC/AppPools/SharedPool"\r\n\t>\r\n'
        b"</IIsApplicationPool>\r\n"
    )
    data = data.replace(
        b'<IIsWebServer\tLocation ="/LM/W3SVC/1"', pools + b'<IIsWebServer\tLocation ="/LM/W3SVC/1"'
    )
    findings = [(f.code, f.site_id) for f in metaclone.loads(data).check()]
    assert ("undefined-pool", 2) in findings  # ShopPool has no key
    assert ("undefined-pool", 1) not in findings  # SharedPool has one
    rules_broken = [f for f in metaclone.loads(data).check() if f.code == "schema-rule"]
    assert [f.site_id for f in rules_broken] == [20, 20]
    assert "IIS does not allow : in a site name" in rules_broken[0].message
    assert "'bad_host' is not a host name label" in rules_broken[1].message
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(data)
    status, out, _ = run(capsys, "check", path)
    assert status == EXIT_PROBLEMS
    assert "[schema-rule]" in out

"""The placeholder workflow's safeguards, through the API and through main(argv).

Each test starts from copies of the IIS 6, IIS 7, IIS Express and appcmd fixtures and checks
that a refused step leaves every file as it was.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone import certs, workflow
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.errors import (
    CertificateUsageError,
    MissingCertificateError,
    NotAPlaceholderError,
    NothingToKeepUpError,
    PlaceholderExistsError,
    PreviousConfigError,
)
from metaclone.handover import IISCNFG, IISWEB, cmd_variables
from metaclone.model.rules import copy_name
from tests.certgen import make_cert, new_key
from tests.conftest import FIXTURES
from tests.helpers import assert_refused

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS6_EXPORT = FIXTURES / "iis6" / "export_site_1962875481.xml"
IIS6_V54 = FIXTURES / "iis6" / "MetaBase_v54_crlf.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
NETSH = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
THUMB = "ab" * 20
NEW = "cd" * 20

#: Per format: a site with https to keep up, and an unrelated site without https.
SITES = {
    IIS6: ("Shop", "Default Web Site"),
    IIS7: ("Shop", "Default Web Site"),
    EXPRESS: ("Storefront", "WebSite1"),
    APPCMD: ("shop-api", "shop-web"),
}
ALL = list(SITES)

Arg = str | int | Path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for source in [*ALL, IIS6_EXPORT, IIS6_V54, NETSH]:
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: Arg) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def begun(capsys: pytest.CaptureFixture[str], work: Path, path: Path) -> tuple[Path, str]:
    """``path``'s copy after ``placeholder begin`` on its https site (with a certificate)."""
    site, _ = SITES[path]
    out = work / f"begun-{path.name}"
    status, _, err = run(
        capsys, "placeholder", "begin", work / path.name, "--site", site, "--thumbprint", THUMB,
        "-o", out,
    )  # fmt: skip
    assert status == EXIT_OK, err
    return out, site


def write_certificate(
    folder: Path,
    name: str,
    *,
    dns: tuple[str, ...] = ("shop.example.com",),
    usages: tuple[x509.ObjectIdentifier, ...] = (),
) -> Path:
    now = datetime.datetime.now(datetime.UTC)
    cert = make_cert(
        new_key(),
        dns[0],
        dns=dns,
        not_before=now - datetime.timedelta(days=1),
        not_after=now + datetime.timedelta(days=60),
        usages=usages,
    )
    path = folder / name
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


# -- 1. finish checks that P is SITE's placeholder ------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_finish_refuses_a_site_that_is_not_the_placeholder(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source, site = begun(capsys, work, path)
    unrelated = SITES[path][1]
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "finish", source, "--site", site, "--placeholder", unrelated,
        "--thumbprint", NEW, "--delete", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert f"{unrelated!r} is not the placeholder of" in err
    assert "it has no https binding" in err
    assert snapshot(work) == before
    assert out == ""
    # The production site is still there, and so is the real placeholder, still started.
    doc = metaclone.load(source)
    assert doc.site(unrelated)
    assert doc.site(f"{site} (placeholder)").auto_start


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=lambda p: p.name)
def test_force_finishes_with_another_site_and_says_so(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source, site = begun(capsys, work, path)
    unrelated = SITES[path][1]
    status, _, err = run(
        capsys, "placeholder", "finish", source, "--site", site, "--placeholder", unrelated,
        "--thumbprint", NEW, "--force", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "warning:" in err
    assert "going ahead because of --force" in err
    assert not metaclone.load(work / "done").site(unrelated).auto_start


def test_mismatch_names_the_bindings_that_differ() -> None:
    doc = metaclone.load(IIS7)
    shop, shop_old = doc.site("Shop"), doc.site("Shop Old")
    problem = workflow.placeholder_mismatch(shop, shop_old)
    assert problem == "it lacks https/*:443:shop.example.com"
    extra = workflow.placeholder_mismatch(shop_old, shop)
    assert extra == "it has https/*:443:shop.example.com, which 'Shop Old' has not"
    assert_refused(
        IIS7,
        lambda doc: workflow.finish(
            doc, "Shop", "Shop Old", metaclone.CertificateRef(NEW), delete=True
        ),
        NotAPlaceholderError,
        "it lacks",
    )
    assert_refused(
        IIS7,
        lambda doc: workflow.finish(doc, "Shop", "Shop", metaclone.CertificateRef(NEW), force=True),
        NotAPlaceholderError,
        "another site",
    )


def test_placeholder_of_a_site_whose_request_removed_its_https_bindings(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """The placeholder keeps the https bindings; finish gives them back to the original."""
    doc = metaclone.load(work / IIS6.name)
    placeholder = doc.clone_site("Shop", new_name="Shop (placeholder)", auto_start=True)
    doc.set_bindings("Shop", [b for b in doc.site("Shop").bindings if not b.is_secure])
    doc.save(work / "pending.xml")
    status, _, err = run(
        capsys, "placeholder", "finish", work / "pending.xml", "--site", "Shop",
        "--placeholder", placeholder.id, "--thumbprint", NEW, "--delete", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "back its https bindings" in err
    shop = metaclone.load(work / "done").site("Shop")
    assert [b.summary for b in shop.secure_bindings] == [
        b.summary for b in placeholder.secure_bindings
    ]


# -- 2. begin never starts a placeholder without a certificate ------------------------------------


def test_iis7_begin_refuses_bindings_http_sys_does_not_serve(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    before = snapshot(work)
    args: list[Arg] = ["placeholder", "begin", work / IIS7.name, "--site", "Intranet"]
    status, _, err = run(capsys, *args, "--sslcert", work / NETSH.name, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert "site 9 'Intranet' has no certificate to serve while it waits" in err
    assert "https/[::1]:443:" in err
    assert "marked" not in err
    assert snapshot(work) == before
    status, _, err = run(
        capsys, *args, "--sslcert", work / NETSH.name, "--thumbprint", THUMB, "-o", work / "o"
    )
    assert status == EXIT_OK, err
    assert metaclone.load(work / "o").site("Intranet (placeholder)").auto_start


@pytest.mark.parametrize("path", [EXPRESS, APPCMD], ids=lambda p: p.name)
def test_begin_refuses_without_an_http_sys_entry_on_every_iis7_flavour(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    site, _ = SITES[path]
    netsh = work / "only-ccs.txt"
    netsh.write_text(
        "SSL Certificate bindings:\n-------------------------\n\n"
        "    Central Certificate Store    : 9443\n"
        "    Certificate Hash             : (null)\n"
        "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
        "    Certificate Store Name       : (null)\n"
    )
    before = snapshot(work)
    status, _, err = run(
        capsys, "placeholder", "begin", work / path.name, "--site", site, "--sslcert", netsh,
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "no certificate to serve while it waits" in err
    assert snapshot(work) == before


def test_iis7_begin_accepts_bindings_http_sys_serves(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shop",
        "--sslcert", work / NETSH.name, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "could not be verified" not in err
    assert "no certificate" not in err


def test_iis7_begin_warns_about_bindings_no_entry_serves_beside_served_ones(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    # Shopping's *:443 binding falls back to 0.0.0.0:443; nothing serves its port 8443.
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shopping",
        "--sslcert", work / NETSH.name, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "warning: no certificate serves https/*:8443:shopping.example" in err


def test_iis7_begin_without_sslcert_says_what_to_check(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shop", "-o", work / "o"
    )
    assert status == EXIT_OK, err
    assert "warning: the certificate of 'Shop' could not be verified" in err
    assert "hostnameport=shop.example.com:443 or ipport=0.0.0.0:443" in err
    assert "ipport=10.0.0.5:443 or ipport=0.0.0.0:443" in err


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_begin_refuses_a_site_without_https(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    plain = SITES[path][1]
    before = snapshot(work)
    status, _, err = run(
        capsys, "placeholder", "begin", work / path.name, "--site", plain,
        "--thumbprint", THUMB, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "has no https binding: there is nothing to keep up" in err
    assert "--thumbprint" not in err
    assert snapshot(work) == before


def test_begin_api_refusals_leave_the_document_unchanged() -> None:
    assert_refused(
        IIS6,
        lambda doc: workflow.begin(doc, "Partners", certificate=metaclone.CertificateRef(THUMB)),
        NothingToKeepUpError,
    )
    assert_refused(
        IIS6, lambda doc: workflow.begin(doc, "Contrib"), MissingCertificateError, "Contrib"
    )


def test_from_a_file_without_the_site_or_of_another_format(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    before = snapshot(work)
    args: list[Arg] = ["placeholder", "begin", work / IIS6.name, "--site", "Contrib"]
    status, _, err = run(capsys, *args, "--from", work / IIS6_EXPORT.name, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert "has no site with id 98004751 ('Contrib')" in err
    status, _, err = run(capsys, *args, "--from", work / IIS7.name, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert "is iis7-applicationhost, but" in err
    assert "is iis6-metabase" in err
    assert snapshot(work) == before
    with pytest.raises(PreviousConfigError):
        workflow.begin(metaclone.load(IIS6), "Contrib", previous=metaclone.load(EXPRESS))


# -- 3. begin knows when a placeholder exists -----------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_begin_twice_is_refused(capsys: pytest.CaptureFixture[str], work: Path, path: Path) -> None:
    source, site = begun(capsys, work, path)
    placeholder = metaclone.load(source).site(f"{site} (placeholder)")
    before = snapshot(work)
    status, _, err = run(
        capsys, "placeholder", "begin", source, "--site", site, "--thumbprint", THUMB,
        "-o", work / "again",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert (
        f"a placeholder for {site!r} already exists (site {placeholder.id} "
        f"'{site} (placeholder)'); run placeholder finish"
    ) in err
    assert snapshot(work) == before


def test_a_placeholder_under_another_name_is_found_by_its_bindings() -> None:
    doc = metaclone.load(IIS7)
    workflow.begin(doc, "Shop", new_name="Stand-in")
    found = workflow.find_placeholder(doc, "Shop")
    assert found is not None
    assert found.name == "Stand-in"
    with pytest.raises(PlaceholderExistsError, match="'Stand-in'"):
        workflow.begin(doc, "Shop", new_name="Another")
    # Started again, the original has no placeholder any more: the other is a plain copy.
    doc.set_auto_start("Shop", True)
    assert workflow.find_placeholder(doc, "Shop") is None


# -- 4. certificate checks ------------------------------------------------------------------------


def test_host_names_come_from_tls_bindings_only(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    site = metaclone.load(IIS6).site("Shop")
    assert certs.site_hosts(site) == ["shop.example.com"]  # not www.shop.example.com (http)
    pem = write_certificate(work, "shop.pem")
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS6.name, "--site", "Shop", "--cert", pem,
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "does not cover" not in err


@pytest.mark.parametrize(
    ("names", "uncovered"),
    [
        (("*.example.com",), []),
        (("*.shop.example.com",), ["shop.example.com"]),  # not the bare domain
        (("*.com",), ["shop.example.com"]),  # one label only
        (("*.Shop.Example.com", "shop.example.com"), []),
    ],
)
def test_wildcards_cover_as_tls_matches_them(
    capsys: pytest.CaptureFixture[str], work: Path, names: tuple[str, ...], uncovered: list[str]
) -> None:
    pem = write_certificate(work, "wild.pem", dns=names)
    status, _, err = run(
        capsys, "cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pem, "-o", work / "o"
    )
    assert status == EXIT_OK, err
    if uncovered:
        assert "does not cover " + ", ".join(uncovered) in err
    else:
        assert "does not cover" not in err
    loaded = certs.load_certificate(write_certificate(work, "x.pem", dns=("*.example.com",)))
    assert certs.uncovered_hosts(loaded, ["a.example.com", "a.b.example.com", "example.com"]) == [
        "a.b.example.com",
        "example.com",
    ]


@pytest.mark.parametrize(
    ("path", "current"),
    [(IIS6, "5c3d8a1f0e9b7a6d4c2b1a09f8e7d6c5b4a39281"), (IIS7, None)],
    ids=["iis6", "iis7"],
)
def test_finish_with_the_certificate_the_site_has_warns(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path, current: str | None
) -> None:
    args: list[Arg] = ["placeholder", "begin", work / path.name, "--site", "Shop"]
    sslcert: list[Arg] = ["--sslcert", work / NETSH.name] if current is None else []
    assert run(capsys, *args, *sslcert, "-o", work / "b")[0] == EXIT_OK
    thumbprint = current or "2d125f4d735def823178e8f17e6579d04fb97b7a"
    status, _, err = run(
        capsys, "placeholder", "finish", work / "b", "--site", "Shop", "--placeholder",
        "Shop (placeholder)", "--thumbprint", thumbprint, *sslcert, "-o", work / "f",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert f"warning: this is the certificate 'Shop' already uses ({thumbprint})" in err


def test_a_certificate_not_for_servers_is_refused_unless_allowed(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    client = write_certificate(work, "client.pem", usages=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    args: list[Arg] = ["cert", "set", work / IIS6.name, "--site", "Shop", "--cert", client]
    status, _, err = run(capsys, *args, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert "client authentication, not server authentication" in err
    assert "--allow-any-eku" in err
    assert not (work / "o").exists()
    status, _, err = run(capsys, *args, "--allow-any-eku", "-o", work / "o")
    assert status == EXIT_OK, err
    assert "warning:" in err
    server = write_certificate(
        work,
        "server.pem",
        usages=(ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH),
    )
    assert certs.check_server_auth(certs.load_certificate(server)) is None
    assert certs.check_server_auth(certs.load_certificate(write_certificate(work, "n.pem"))) is None
    with pytest.raises(CertificateUsageError):
        certs.check_server_auth(certs.load_certificate(client))


# -- 6. next steps --------------------------------------------------------------------------------


def steps_of(err: str) -> list[str]:
    lines = err.splitlines()
    start = lines.index("metaclone: next steps on the server:") + 1
    return [line.split(". ", 1)[1] for line in lines[start:] if line.startswith("  ")]


def test_iis7_finish_imports_then_plans_then_switches_then_installs(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    source, _ = begun(capsys, work, IIS7)
    pfx = work / "shop-2026.pfx"
    status, _, err = run(
        capsys, "placeholder", "finish", source, "--site", "Shop", "--placeholder",
        "Shop (placeholder)", "--thumbprint", NEW, "--delete", "--plan", work / "f.cmd",
        "-o", work / "done.config",
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = steps_of(err)
    assert steps[0].startswith(f"import the new certificate {NEW} with its private key into")
    assert "certutil -p PASSWORD -importpfx MY" in steps[0]
    assert "Import-PfxCertificate" in steps[0]
    assert steps[1].startswith("run the HTTP.sys plan")
    appcmd = r'"%windir%\system32\inetsrv\appcmd.exe"'
    assert steps[2].endswith(
        f'{appcmd} stop site /site.name:"Shop (placeholder)" && '
        f'{appcmd} start site /site.name:"Shop"'
    )
    assert f'copy "{work / "done.config"}"' in steps[3]
    assert not pfx.exists()
    assert all("appcmd " not in step.replace("appcmd.exe", "") for step in steps)


def test_iis_express_steps_use_iisexpress_and_its_app_id(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    source, _ = begun(capsys, work, EXPRESS)
    status, _, err = run(
        capsys, "placeholder", "finish", source, "--site", "Storefront", "--placeholder",
        "Storefront (placeholder)", "--thumbprint", NEW, "--plan", work / "f.cmd",
        "-o", work / "done.config",
    )  # fmt: skip
    assert status == EXIT_OK, err
    text = "\n".join(steps_of(err))
    assert "inetsrv" not in text
    assert f'iisexpress.exe" /config:"{work / "done.config"}" /site:"Storefront"' in text
    assert "{214124cd-d05b-4309-9af9-9caa44b2b74a}" in text
    assert "{214124cd-d05b-4309-9af9-9caa44b2b74a}" in (work / "f.cmd").read_text()


@pytest.mark.parametrize(
    ("value", "live"),
    [("1", "edit-while-running is on in this file"), ("0", "turn on edit-while-running")],
    ids=["on", "off"],
)
def test_iis6_steps_use_edit_while_running_and_warn_about_iisreset(
    capsys: pytest.CaptureFixture[str], work: Path, value: str, live: str
) -> None:
    source = work / IIS6.name
    data = source.read_bytes()
    source.write_bytes(
        data.replace(b'EnableEditWhileRunning="1"', f'EnableEditWhileRunning="{value}"'.encode())
    )
    status, _, err = run(
        capsys, "placeholder", "begin", source, "--site", "Shop", "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = steps_of(err)
    assert steps[0].startswith(live)
    assert "iisreset" not in " ".join(steps[:3])
    assert "iisreset stops every site on the server" in steps[3]
    placeholder = metaclone.load(work / "o").site("Shop (placeholder)")
    assert steps[2].endswith(rf"&& {IISWEB} /start w3svc/{placeholder.id}")


def test_iis6_export_steps_import_each_site(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS6_EXPORT.name, "--site", "Shop",
        "-o", work / "o.xml",
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = steps_of(err)
    assert steps[0].startswith(f'{IISCNFG} /import /f "{work / "o.xml"}" /sp /LM/W3SVC/1962875482')
    assert "/sp /LM/W3SVC/1962875481 " in steps[1]
    assert steps[2].endswith(f"{IISWEB} /stop w3svc/1962875481 && {IISWEB} /start w3svc/1962875482")


def test_appcmd_only_new_writes_what_appcmd_add_site_takes(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    out = work / "placeholder.xml"
    status, _, err = run(
        capsys, "placeholder", "begin", work / APPCMD.name, "--site", "shop-api",
        "--thumbprint", THUMB, "--only-new", "-o", out,
    )  # fmt: skip
    assert status == EXIT_OK, err
    doc = metaclone.load(out)
    assert doc.format == "appcmd-xml"
    assert [(s.id, s.name) for s in doc.sites] == [(5, "shop-api (placeholder)")]
    assert out.read_text().count("<SITE ") == 1
    assert 'SITE.NAME="shop-api (placeholder)"' in out.read_text()
    steps = steps_of(err)
    assert steps[0] == (
        rf'add the placeholder: "%windir%\system32\inetsrv\appcmd.exe" add site /in < "{out}"'
    )
    # Without --only-new the steps say how to get it.
    status, _, err = run(
        capsys, "placeholder", "begin", work / APPCMD.name, "--site", "shop-api",
        "--thumbprint", THUMB, "-o", work / "all.xml",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "--only-new" in steps_of(err)[0]


def test_only_new_is_refused_on_other_formats(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    before = snapshot(work)
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shop", "--only-new",
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "only appcmd XML can be cut down" in err
    assert snapshot(work) == before


# -- 7. messages ---------------------------------------------------------------------------------


def test_sharing_entries_with_the_other_site_of_the_pair_is_a_note(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shop", "--thumbprint", THUMB,
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "note: hostnameport=shop.example.com:443 is shared with the original 'Shop'" in err
    warnings = [line for line in err.splitlines() if line.startswith("metaclone: warning:")]
    assert not any("hostnameport=shop.example.com:443" in line for line in warnings)
    # A site outside the pair is still warned about.
    assert 'warning: ipport=10.0.0.5:443 is shared: sites "Shop", "Shop Old"' in err


def test_plan_given_where_no_http_sys_change_is_needed(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    plan = work / "plan.cmd"
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS6.name, "--site", "Shop", "--plan", plan,
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert f"no HTTP.sys change is needed for this step; {plan} was not written" in err
    assert not plan.exists()


def test_nothing_is_said_to_be_done_before_an_error_that_wrote_nothing(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    before = snapshot(work)
    commands: list[list[Arg]] = [
        ["placeholder", "begin", work / IIS6.name, "--site", "Shop"],
        ["clone", work / IIS6.name, "--site", "Shop"],
        ["stop", work / IIS6.name, "--site", "Shop"],
    ]
    for args in commands:
        status, _, err = run(capsys, *args, "-o", work / "missing" / "o.xml")
        assert status == EXIT_REFUSED
        assert err.splitlines() == [f"metaclone: error: {work / 'missing'}: no such folder"]
    assert snapshot(work) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_a_document_on_stdout_ends_with_a_note(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    status, out, err = run(capsys, "stop", work / path.name, "--site", SITES[path][0])
    assert status == EXIT_OK, err
    assert out.startswith("<?xml") or out.startswith("\ufeff<?xml")
    assert err.splitlines()[-1] == (
        "metaclone: note: the document went to stdout; nothing was saved (-o OUT saves it)"
    )


def test_plan_given_where_http_sys_already_holds_the_certificate(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    plan = work / "plan.cmd"
    status, _, err = run(
        capsys, "cert", "set", work / IIS7.name, "--site", "Shop Old",
        "--thumbprint", "5226DC6C54559761CD471B86EB51C096252C90F2", "--sslcert", work / NETSH.name,
        "--plan", plan, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "HTTP.sys already holds these certificates: nothing to run" in err
    assert f"note: {plan} was not written" in err
    assert not plan.exists()


def test_result_json_and_cutting_down_other_formats() -> None:
    doc = metaclone.load(IIS7)
    result = workflow.begin(doc, "Shop", certificate=metaclone.CertificateRef(THUMB))
    data = result.to_json()
    assert data["notes"] == list(result.notes)
    assert data["notes"]
    assert data["warnings"] == list(result.warnings)
    assert data["next_steps"] == list(result.next_steps)
    before = doc.to_bytes()
    with pytest.raises(metaclone.UnsupportedDocumentError, match="only appcmd XML"):
        doc.keep_only(["Shop"])
    assert doc.to_bytes() == before
    assert metaclone.load(IIS7).uncertified_bindings("Shop") is None


@given(
    name=st.text(min_size=1, max_size=8),
    taken=st.sets(st.integers(min_value=1, max_value=6), max_size=6),
)
def test_copy_name_is_the_first_free_numbered_copy(name: str, taken: set[int]) -> None:
    def numbered(n: int) -> str:
        return f"{name} (copy)" if n == 1 else f"{name} (copy {n})"

    names = {numbered(n) for n in taken}
    chosen = copy_name(name, names.__contains__)
    assert chosen not in names
    assert chosen == numbered(min(n for n in range(1, 8) if n not in taken))


_BINDINGS = st.sampled_from(
    ["https/*:443:a.example", "https/:443:a.example", "https/10.0.0.5:443:", "ftp/*:21:",
     "https/*:8443:", "http/*:80:"]
)  # fmt: skip


@given(mine=st.sets(_BINDINGS, min_size=1), theirs=st.sets(_BINDINGS))
def test_a_placeholder_is_a_site_with_exactly_the_tls_bindings(
    mine: set[str], theirs: set[str]
) -> None:
    def site(site_id: int, bindings: set[str]) -> metaclone.Site:
        return metaclone.Site(
            site_id,
            f"s{site_id}",
            True,
            tuple(metaclone.Binding.parse(b) for b in sorted(bindings)),
        )

    def tls(bindings: set[str]) -> set[str]:
        # "*" and an empty IP are the same endpoint.
        return {b.replace("/*:", "/:") for b in bindings if not b.startswith("http/")}

    problem = workflow.placeholder_mismatch(site(1, mine), site(2, theirs))
    if not tls(theirs):
        assert problem is not None
    elif tls(mine):
        assert (problem is None) == (tls(mine) == tls(theirs))
    else:
        # An original without TLS bindings takes them back from a copy of itself.
        others = {b for b in mine if b.startswith("http/")}
        assert (problem is None) == (others == {b for b in theirs if b.startswith("http/")})


# -- names that cmd would expand in the printed steps ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Shop", ()),
        ("50% off", ()),
        ("100%% sure", ()),
        ("Shop %TEMP%", ("TEMP",)),
        ("a%b%c%", ("b", "c")),
        ("%x% and %x%", ("x", " and ")),
    ],
)
def test_cmd_variables_are_the_names_a_prompt_looks_up(text: str, names: tuple[str, ...]) -> None:
    assert cmd_variables(text) == names


@pytest.mark.parametrize("path", [IIS7, IIS6], ids=lambda p: p.name)
def test_a_name_holding_a_cmd_variable_is_warned_about_in_begin_and_finish(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    renamed = work / f"renamed-{path.name}"
    status, _, err = run(
        capsys, "rename", source, "--site", "Shop", "--name", "Shop %windir%", "-o", renamed
    )
    assert status == EXIT_OK, err
    begun = work / f"begun-{path.name}"
    status, _, err = run(
        capsys, "placeholder", "begin", renamed, "--site", "Shop %windir%", "--thumbprint",
        THUMB, "-o", begun,
    )  # fmt: skip
    assert status == EXIT_OK, err
    warnings = [line for line in err.splitlines() if line.startswith("metaclone: warning:")]
    about = [line for line in warnings if "'Shop %windir%'" in line]
    assert len(about) == 1, warnings
    assert "check that set windir answers" in about[0]
    status, _, err = run(
        capsys, "placeholder", "finish", begun, "--site", "Shop %windir%", "--placeholder",
        "Shop %windir% (placeholder)", "--thumbprint", NEW, "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "check that set windir answers" in err


def test_names_without_a_pair_of_percent_signs_give_no_such_warning(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    begun(capsys, work, IIS7)
    assert "between % signs" not in capsys.readouterr().err

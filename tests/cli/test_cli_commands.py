"""Every subcommand through main(argv), on IIS 6, IIS 7 and appcmd fixtures.

What each command writes is compared with what the library does, and every failure is checked
to leave the input and any existing output file exactly as they were.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

import metaclone
from metaclone.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, main
from metaclone.cli.console import Console
from metaclone.cli.outputs import emit, input_bytes
from metaclone.cli.parser import build_parser
from metaclone.document import Checkpoint
from metaclone.lossless import output
from tests.certgen import make_cert, new_key
from tests.conftest import FIXTURES

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
NETSH = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
ALL = [IIS6, IIS7, EXPRESS, APPCMD]
THUMB = "ab" * 20

#: One command-line argument: converted with str() when the argv is built.
Arg = str | int | Path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A scratch folder holding copies of the fixtures."""
    for source in [*ALL, NETSH]:
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: Arg) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def run_bytes(capfdbinary: pytest.CaptureFixture[bytes], *argv: Arg) -> tuple[int, bytes]:
    status = main([str(a) for a in argv])
    out, _ = capfdbinary.readouterr()
    return status, out


def first_site(path: Path) -> metaclone.Site:
    return next(s for s in metaclone.load(path).sites if s.kind is metaclone.SiteKind.WEB)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- sites ---------------------------------------------------------------------------------------


def test_sites_json_follows_the_documented_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "sites", IIS6, "--json")
    assert status == EXIT_OK
    data = json.loads(out)
    assert data["format"] == "iis6-metabase"
    assert data["path"] == str(IIS6)
    doc = metaclone.load(IIS6)
    assert [s["id"] for s in data["sites"]] == [s.id for s in doc.sites]
    for entry in data["sites"]:
        assert {"id", "name", "auto_start", "bindings", "certificate"} <= entry.keys()
        for binding in entry["bindings"]:
            assert {"protocol", "binding_information"} <= binding.keys()
            if binding["protocol"] in ("http", "https", "ftp"):
                assert {"ip", "port", "host"} <= binding.keys()
    shop = next(s for s in data["sites"] if s["name"] == "Shop")
    assert shop["certificate"]["store"] == "MY"
    assert len(shop["certificate"]["thumbprint"]) == 40


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=["iis6", "iis7"])
def test_sites_with_applications(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    doc = metaclone.load(path)
    status, out, _ = run(capsys, "sites", path, "--json", "--applications")
    assert status == EXIT_OK
    listed = json.loads(out)["sites"]
    assert [s["applications"] for s in listed] == [
        [a.to_json() for a in doc.applications(site)] for site in doc.sites
    ]
    assert any(len(s["applications"]) > 1 for s in listed)
    status, text, _ = run(capsys, "sites", path, "--applications")
    assert status == EXIT_OK
    shown = [line.strip() for line in text.splitlines() if line.strip().startswith("app ")]
    assert len(shown) == sum(len(s["applications"]) for s in listed)
    _, plain, _ = run(capsys, "sites", path, "--json")
    assert all("applications" not in s for s in json.loads(plain)["sites"])


def test_sites_applications_text(capsys: pytest.CaptureFixture[str]) -> None:
    _, text, _ = run(capsys, "sites", IIS7, "--applications")
    lines = text.splitlines()
    shop = next(i for i, line in enumerate(lines) if "  Shop  [" in line)
    assert lines[shop + 1 : shop + 3] == [
        r"            app /  pool: Shop  / = D:\sites\shop\www, /media = \\files\shop-media",
        r"            app /api  pool: Shop API  / = D:\sites\shop\api",
    ]


def test_sites_json_iis7_certificates_come_from_sslcert(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, plain, _ = run(capsys, "sites", IIS7, "--json")
    _, with_netsh, _ = run(capsys, "sites", IIS7, "--json", "--sslcert", NETSH)
    shop_plain = next(s for s in json.loads(plain)["sites"] if s["name"] == "Shop")
    shop = next(s for s in json.loads(with_netsh)["sites"] if s["name"] == "Shop")
    https_plain = [b for b in shop_plain["bindings"] if b["protocol"] == "https"]
    assert https_plain
    assert all(b["certificate"] is None for b in https_plain)
    assert shop_plain["waiting_for_certificate"] is None
    https = [b for b in shop["bindings"] if b["protocol"] == "https"]
    assert all(b["certificate"]["thumbprint"] for b in https)


def test_sites_text_lists_every_site(capsys: pytest.CaptureFixture[str]) -> None:
    for path in ALL:
        status, out, _ = run(capsys, "sites", path)
        assert status == EXIT_OK
        for site in metaclone.load(path).sites:
            assert site.name in out


def test_sslcert_is_refused_for_iis6(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "sites", IIS6, "--sslcert", NETSH)
    assert status == EXIT_REFUSED
    assert "IIS 7" in err


# -- clone and the ways of writing ------------------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_clone_to_output_matches_the_library(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    before = snapshot(work)
    site = first_site(source)
    out_file = work / "out.xml"
    status, _, err = run(
        capsys, "clone", source, "--site", site.id, "--name", "Clone 1", "-o", out_file
    )
    assert status == EXIT_OK, err
    expected = metaclone.load(source)
    expected.clone_site(site.id, new_name="Clone 1")
    assert out_file.read_bytes() == expected.to_bytes()
    assert snapshot(work) == {**before, "out.xml": expected.to_bytes()}
    clone = metaclone.load(out_file).site("Clone 1")
    assert not clone.auto_start
    assert f"as site {clone.id} 'Clone 1'" in err


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_diff_applied_with_patch_gives_the_output(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    if shutil.which("patch") is None:
        pytest.skip("patch(1) not installed")
    source = work / path.name
    site = first_site(source)
    args: list[Arg] = ["clone", source, "--site", site.id, "--name", "Clone 2"]
    run(capsys, *args, "-o", work / "expected.xml")
    status, diff, _ = run(capsys, *args, "--diff")
    assert status == EXIT_OK
    assert diff.startswith(f"--- {source}\n+++ {source}\n")
    subprocess.run(["patch", "--quiet", "--binary", str(source)], input=diff.encode(), check=True)
    assert source.read_bytes() == (work / "expected.xml").read_bytes()


def test_stdout_carries_the_document_bytes(
    capfdbinary: pytest.CaptureFixture[bytes], work: Path
) -> None:
    source = work / APPCMD.name
    site = first_site(source)
    status, out = run_bytes(capfdbinary, "clone", source, "--site", site.id, "--name", "X")
    assert status == EXIT_OK
    expected = metaclone.load(source)
    expected.clone_site(site.id, new_name="X")
    assert out == expected.to_bytes()
    assert b"\r\r\n" in out


def test_in_place_keeps_a_backup(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    source = work / IIS7.name
    original = source.read_bytes()
    status, out, err = run(capsys, "stop", source, "--site", "Shop", "--in-place")
    assert status == EXIT_OK
    assert out == ""
    assert (work / f"{IIS7.name}.bak").read_bytes() == original
    assert not metaclone.load(source).site("Shop").auto_start
    assert "previous version" in err


def test_in_place_without_backup(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    source = work / IIS6.name
    status, _, _ = run(capsys, "stop", source, "--site", "Shop", "--in-place", "--no-backup")
    assert status == EXIT_OK
    assert not (work / f"{IIS6.name}.bak").exists()
    assert not metaclone.load(source).site("Shop").auto_start


def test_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    before = snapshot(work)
    status, out, err = run(capsys, "clone", work / IIS6.name, "--site", "Shop", "--dry-run")
    assert status == EXIT_OK
    assert out == ""
    assert "would be changed" in err
    assert snapshot(work) == before


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["clone", "{file}", "--site", "No Such Site", "--name", "N"], "no site"),
        (["clone", "{file}", "--site", "Shop", "--id", "1", "--name", "N"], "1"),
        (["clone", "{file}", "--site", "Shop", "--id", "0", "--name", "N"], "0"),
        (["clone", "{file}", "--site", "Shop", "--name", "Shop Old"], "Shop Old"),
        (["clone", "{file}", "--site", "Shop", "--name", "N", "--bindings", "nonsense"], "binding"),
        (["rename", "{file}", "--site", "Shop", "--name", "a/b"], "a/b"),
        (["delete", "{file}", "--site", "999999"], "999999"),
        (["delete", "{file}", "--site", "\u00b2"], "no site named"),
        (["cert", "set", "{file}", "--site", "Shop", "--thumbprint", "12345"], "thumbprint"),
    ],
)
def test_refusals_exit_3_and_leave_files_alone(
    capsys: pytest.CaptureFixture[str], work: Path, argv: list[str], words: str
) -> None:
    out_file = work / "existing-output.config"
    out_file.write_bytes(b"keep me")
    before = snapshot(work)
    args = [a.replace("{file}", str(work / IIS7.name)) for a in argv]
    status, out, err = run(capsys, *args, "-o", out_file)
    assert status == EXIT_REFUSED
    assert out == ""
    assert err.startswith("metaclone: error: ")
    assert len(err.splitlines()) == 1
    assert words in err
    assert snapshot(work) == before


def test_unwritable_output_is_refused_without_traceback(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    status, _, err = run(
        capsys, "stop", work / IIS7.name, "--site", "Shop", "-o", work / "missing" / "out.config"
    )
    assert status == EXIT_REFUSED
    assert "Traceback" not in err
    assert not (work / "missing").exists()


# -- delete, rename, start, stop ---------------------------------------------------------------


@pytest.mark.parametrize("path", [IIS6, IIS7, APPCMD], ids=lambda p: p.name)
def test_delete_rename_start_stop(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    site = first_site(source)
    out = work / "out"
    assert run(capsys, "rename", source, "--site", site.id, "--name", "Renamed", "-o", out)[0] == 0
    assert metaclone.load(out).site(site.id).name == "Renamed"
    assert run(capsys, "stop", source, "--site", site.id, "-o", out)[0] == 0
    assert not metaclone.load(out).site(site.id).auto_start
    assert run(capsys, "start", out, "--site", site.id, "--in-place", "--no-backup")[0] == 0
    assert metaclone.load(out).site(site.id).auto_start
    assert run(capsys, "delete", source, "--site", site.id, "-o", out)[0] == 0
    remaining = metaclone.load(out)
    assert site.id not in [s.id for s in remaining.sites if s.kind is site.kind]
    etree.fromstring(out.read_bytes())


# -- certificates ------------------------------------------------------------------------------


def _write_certificate(
    folder: Path,
    *,
    expired: bool = False,
    host: str = "shop.example.com",
    starts_in_days: int = -1,
    name: str | None = None,
) -> Path:
    """A PEM certificate for ``host``; by default valid from yesterday for 30 days."""
    now = datetime.datetime.now(datetime.UTC)
    if expired:
        window = (now - datetime.timedelta(days=60), now - datetime.timedelta(days=1))
    else:
        start = now + datetime.timedelta(days=starts_in_days)
        window = (start, start + datetime.timedelta(days=30))
    cert = make_cert(new_key(), host, dns=(host,), not_before=window[0], not_after=window[1])
    path = folder / (name or ("expired.pem" if expired else "shop.pem"))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_cert_set_iis6_writes_the_pair(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    out = work / "out.xml"
    status, _, _ = run(
        capsys,
        "cert",
        "set",
        work / IIS6.name,
        "--site",
        "Shop",
        "--thumbprint",
        THUMB.upper(),
        "-o",
        out,
    )
    assert status == EXIT_OK
    site = metaclone.load(out).site("Shop")
    assert site.certificate == metaclone.CertificateRef(THUMB, "MY")


@pytest.mark.parametrize(("suffix", "marker"), [(".cmd", "netsh http"), (".ps1", "'{4dc3e181")])
def test_cert_set_iis7_writes_a_plan_not_the_file(
    capsys: pytest.CaptureFixture[str], work: Path, suffix: str, marker: str
) -> None:
    source = work / IIS7.name
    plan = work / f"plan{suffix}"
    out = work / "out.config"
    status, _, err = run(
        capsys,
        "cert",
        "set",
        source,
        "--site",
        "Shop",
        "--thumbprint",
        THUMB,
        "--plan",
        plan,
        "-o",
        out,
    )
    assert status == EXIT_OK, err
    assert out.read_bytes() == source.read_bytes()
    text = plan.read_text()
    assert marker in text
    assert THUMB in text
    assert "Shop Old" in err  # shares ipport=10.0.0.5:443 and gets the certificate too


def test_cert_set_plan_as_json_with_known_entries(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    plan = work / "plan.json"
    args: list[Arg] = ["cert", "set", work / IIS7.name, "--site", "Shop", "--thumbprint", THUMB]
    args += ["--sslcert", work / NETSH.name, "--plan", plan]
    status, _, _ = run(capsys, *args, "--dry-run")
    assert status == EXIT_OK
    assert not plan.exists()  # --dry-run writes nothing, not even the plan
    status, _, _ = run(capsys, *args, "-o", work / "out.config")
    assert status == EXIT_OK
    data = json.loads(plan.read_text())
    assert {c["action"] for c in data["changes"]} <= {"add", "update"}
    assert data["changes"]


def test_cert_set_from_a_certificate_file(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    pem = _write_certificate(work)
    loaded = metaclone.certs.load_certificate(pem)
    out = work / "out.xml"
    status, _, err = run(
        capsys, "cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pem, "-o", out
    )
    assert status == EXIT_OK, err
    assert metaclone.load(out).site("Shop").certificate == loaded.ref()


def test_expired_certificate_is_refused_unless_allowed(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    pem = _write_certificate(work, expired=True)
    out = work / "out.xml"
    args: list[Arg] = ["cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pem, "-o", out]
    status, _, err = run(capsys, *args)
    assert status == EXIT_REFUSED
    assert "expired" in err
    assert not out.exists()
    status, _, err = run(capsys, *args, "--allow-expired")
    assert status == EXIT_OK
    assert "warning" in err
    assert out.exists()


def test_pfx_password_from_environment(
    capsys: pytest.CaptureFixture[str], work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    now = datetime.datetime.now(datetime.UTC)
    cert = make_cert(
        key,
        "shop.example.com",
        dns=("shop.example.com",),
        not_before=now - datetime.timedelta(days=1),
        not_after=now + datetime.timedelta(days=9),
    )
    data = pkcs12.serialize_key_and_certificates(
        b"shop", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")
    )
    pfx = work / "shop.pfx"
    pfx.write_bytes(data)
    out = work / "out.xml"
    args: list[Arg] = ["cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pfx, "-o", out]
    status, _, err = run(capsys, *args)
    assert status == EXIT_REFUSED
    assert "--password-env" in err
    monkeypatch.setenv("PFX_PASSWORD", "s3cret")
    status, _, err = run(capsys, *args, "--password-env", "PFX_PASSWORD")
    assert status == EXIT_OK, err
    assert (
        metaclone.load(out).site("Shop").certificate
        == metaclone.certs.load_certificate(pfx, b"s3cret").ref()
    )


def test_cert_swap_iis6(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    doc = metaclone.load(work / IIS6.name)
    shop = doc.site("Shop")
    other = next(s for s in doc.sites if s.id != shop.id and s.kind is shop.kind)
    out = work / "out.xml"
    status, _, _ = run(
        capsys, "cert", "swap", work / IIS6.name, "--site", "Shop", "--with", other.id, "-o", out
    )
    assert status == EXIT_OK
    swapped = metaclone.load(out)
    assert swapped.site(shop.id).certificate == other.certificate
    assert swapped.site(other.id).certificate == shop.certificate


def test_cert_swap_iis7_needs_the_sslcert_output(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    status, _, err = run(
        capsys, "cert", "swap", work / IIS7.name, "--site", "Shop", "--with", "Shopping"
    )
    assert status == EXIT_REFUSED
    assert "sslcert" in err


def test_cert_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "cert", "show", IIS7, "--site", "Shop", "--json", "--sslcert", NETSH
    )
    assert status == EXIT_OK
    data = json.loads(out)
    (shop,) = data["sites"]
    endpoints = {b["endpoint"] for b in shop["https_bindings"]}
    assert "ipport=10.0.0.5:443" in endpoints
    status, out, _ = run(capsys, "cert", "show", IIS6)
    assert status == EXIT_OK
    assert "Shop" in out


# -- check ---------------------------------------------------------------------------------------


def test_check_reports_problems_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", IIS7, "--json")
    data = json.loads(out)
    assert status == EXIT_PROBLEMS
    assert data["ok"] is False
    codes = {f["code"] for f in data["findings"]}
    assert "orphaned-location" in codes
    for finding in data["findings"]:
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["line"], int)
    status, out, _ = run(capsys, "check", IIS7)
    assert status == EXIT_PROBLEMS
    assert f"{IIS7}:" in out


_DECOY_METABASE = """<?xml version ="1.0"?>
<configuration>
<MBProperty>
<IIsApplicationPools Location="/LM/W3SVC/AppPools">
</IIsApplicationPools>
<IIsApplicationPool Location="/LM/W3SVC/AppPools/Shop"/>
<IIsWebServer Location="/LM/W3SVC/1" ServerComment="Shop">
</IIsWebServer>
<IIsWebVirtualDir Location="/LM/W3SVC/1/ROOT" Description=" AppPoolId=" AppPoolId="Gone"
\tAppRoot="/LM/W3SVC/2/ROOT" AdminNote='AppRoot="/LM/W3SVC/1/ROOT"'>
</IIsWebVirtualDir>
</MBProperty>
</configuration>
"""


def test_check_reads_properties_not_text_inside_other_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_text(_DECOY_METABASE)
    status, out, _ = run(capsys, "check", path, "--json")
    assert status == EXIT_PROBLEMS
    found = [(f["code"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert found == [
        (
            "undefined-pool",
            9,
            "/LM/W3SVC/1/ROOT: AppPoolId 'Gone' names no application pool (no key under "
            "/LM/W3SVC/AppPools): IIS answers the requests of its applications with 503",
        ),
        (
            "approot-outside-site",
            10,
            "/LM/W3SVC/1/ROOT: AppRoot '/LM/W3SVC/2/ROOT' is outside site 1 (/LM/W3SVC/1)",
        ),
    ]


# -- the placeholder workflow -------------------------------------------------------------------


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=lambda p: p.name)
def test_placeholder_begin_then_finish(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    original = metaclone.load(source).site("Shop")
    status, _, err = run(capsys, "placeholder", "begin", source, "--site", "Shop", "--in-place")
    assert status == EXIT_OK, err
    assert "next steps" in err
    begun = metaclone.load(source)
    stand_in = begun.site("Shop (placeholder)")
    assert stand_in.auto_start
    assert not begun.site("Shop").auto_start
    assert [b.summary for b in stand_in.bindings] == [b.summary for b in original.bindings]
    plan = work / "finish.cmd"
    status, _, err = run(
        capsys,
        "placeholder",
        "finish",
        source,
        "--site",
        "Shop",
        "--placeholder",
        stand_in.id,
        "--thumbprint",
        THUMB,
        "--plan",
        plan,
        "--in-place",
        "--no-backup",
    )
    assert status == EXIT_OK, err
    finished = metaclone.load(source)
    assert finished.site("Shop").auto_start
    assert not finished.site(stand_in.id).auto_start
    if finished.format == "iis6-metabase":
        assert finished.site("Shop").certificate == metaclone.CertificateRef(THUMB, "MY")
        assert not plan.exists()
    else:
        assert THUMB in plan.read_text()


@pytest.mark.parametrize("path", [IIS6, IIS7, APPCMD], ids=lambda p: p.name)
def test_placeholder_round_trip_with_delete_restores_the_file(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    original_bytes = source.read_bytes()
    doc = metaclone.load(source)
    site = doc.site("Shop") if "shop" in [s.name.lower() for s in doc.sites] else first_site(source)
    # IIS 6 keeps the certificate in the file: finishing with the one it had changes nothing.
    certificate = site.certificate.thumbprint if site.certificate else THUMB
    begin: list[Arg] = [
        "placeholder",
        "begin",
        source,
        "--site",
        site.id,
        "--thumbprint",
        certificate,
    ]
    assert run(capsys, *begin, "--in-place", "--no-backup")[0] == EXIT_OK
    stand_in = metaclone.load(source).site(f"{site.name} (placeholder)")
    status, _, err = run(
        capsys,
        "placeholder",
        "finish",
        source,
        "--site",
        site.id,
        "--placeholder",
        stand_in.id,
        "--thumbprint",
        certificate,
        "--delete",
        "--in-place",
        "--no-backup",
    )
    assert status == EXIT_OK, err
    # Everything is as it was; only a serverAutoStart the file did not spell out may now be.
    assert metaclone.load(source).sites == metaclone.loads(original_bytes).sites


def test_placeholder_begin_iis6_pending_site_needs_a_certificate(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    doc = metaclone.load(work / IIS6.name)
    pending = next(s for s in doc.sites if s.waiting_for_certificate)
    before = snapshot(work)
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS6.name, "--site", pending.id, "-o", work / "o"
    )
    assert status == EXIT_REFUSED
    assert "--thumbprint" in err
    assert snapshot(work) == before
    status, _, err = run(
        capsys,
        "placeholder",
        "begin",
        work / IIS6.name,
        "--site",
        pending.id,
        "--thumbprint",
        THUMB,
        "-o",
        work / "o",
    )
    assert status == EXIT_OK, err
    placeholder = metaclone.load(work / "o").site(f"{pending.name} (placeholder)")
    assert placeholder.certificate == metaclone.CertificateRef(THUMB, "MY")
    assert placeholder.auto_start


def test_placeholder_begin_from_an_earlier_config(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """The request wiped the certificate: the earlier copy of the metabase still has it."""
    earlier = work / "MetaBase.history.xml"
    shutil.copy(work / IIS6.name, earlier)
    shop = metaclone.load(earlier).site("Shop")
    assert shop.certificate is not None
    doc = metaclone.load(work / IIS6.name)
    doc.remove_certificate("Shop")
    doc.save(work / IIS6.name)
    out = work / "o.xml"
    status, _, err = run(
        capsys,
        "placeholder",
        "begin",
        work / IIS6.name,
        "--site",
        "Shop",
        "--from",
        earlier,
        "-o",
        out,
    )
    assert status == EXIT_OK, err
    assert metaclone.load(out).site("Shop (placeholder)").certificate == shop.certificate


def test_not_yet_valid_certificate_is_refused(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    pem = _write_certificate(work, starts_in_days=2, name="future.pem")
    status, _, err = run(
        capsys, "cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pem, "-o", work / "o"
    )
    assert status == EXIT_REFUSED
    assert "not valid before" in err
    assert not (work / "o").exists()


def test_certificate_for_other_hosts_is_warned_about(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    pem = _write_certificate(work, host="other.example.org", name="other.pem")
    status, _, err = run(
        capsys, "cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pem, "-o", work / "o"
    )
    assert status == EXIT_OK
    assert "does not cover" in err
    assert "shop.example.com" in err


def test_pfx_without_its_key_is_refused(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    cert = make_cert(
        new_key(),
        "shop.example.com",
        dns=("shop.example.com",),
        not_before=now - datetime.timedelta(days=1),
        not_after=now + datetime.timedelta(days=9),
    )
    data = pkcs12.serialize_key_and_certificates(
        b"shop", None, cert, None, serialization.NoEncryption()
    )
    pfx = work / "nokey.pfx"
    pfx.write_bytes(data)
    status, _, err = run(
        capsys, "cert", "set", work / IIS6.name, "--site", "Shop", "--cert", pfx, "-o", work / "o"
    )
    assert status == EXIT_REFUSED
    assert "private key" in err
    assert len(err.splitlines()) == 1


def test_password_file_and_missing_variable(
    capsys: pytest.CaptureFixture[str], work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_PASSWORD_VARIABLE", raising=False)
    args: list[Arg] = ["cert", "set", work / IIS6.name, "--site", "Shop", "--cert", work / "x.pfx"]
    status, _, err = run(capsys, *args, "--password-env", "NO_SUCH_PASSWORD_VARIABLE")
    assert status == EXIT_REFUSED
    assert "NO_SUCH_PASSWORD_VARIABLE" in err
    status, _, err = run(capsys, *args, "--password-file", work / "missing-password.txt")
    assert status == EXIT_REFUSED
    assert "missing-password.txt" in err


@pytest.mark.parametrize("path", [IIS6, IIS7, APPCMD], ids=lambda p: p.name)
def test_clone_with_bindings_and_started(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source = work / path.name
    site = first_site(source)
    out = work / "out"
    status, _, err = run(
        capsys,
        "clone",
        source,
        "--site",
        site.id,
        "--name",
        "Staging",
        "--started",
        "--bindings",
        "http/*:8080:staging.example.com",
        "https/*:8443:staging.example.com",
        "-o",
        out,
    )
    assert status == EXIT_OK, err
    clone = metaclone.load(out).site("Staging")
    assert clone.auto_start
    assert [(b.protocol, b.port, b.host) for b in clone.bindings] == [
        ("http", 8080, "staging.example.com"),
        ("https", 8443, "staging.example.com"),
    ]
    assert metaclone.load(out).site(site.id).bindings == site.bindings


def test_unwritable_plan_destination_writes_nothing(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    before = snapshot(work)
    status, _, err = run(
        capsys,
        "cert",
        "set",
        work / IIS7.name,
        "--site",
        "Shop",
        "--thumbprint",
        THUMB,
        "--plan",
        work / "no-such-folder" / "plan.cmd",
        "-o",
        work / "out.config",
    )
    assert status == EXIT_REFUSED
    assert "no such folder" in err
    assert snapshot(work) == before


def test_cmd_plan_has_windows_line_ends(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    plan = work / "plan.cmd"
    status, _, _ = run(
        capsys,
        "cert",
        "set",
        work / IIS7.name,
        "--site",
        "Shop",
        "--thumbprint",
        THUMB,
        "--plan",
        plan,
        "-o",
        work / "out.config",
    )
    assert status == EXIT_OK
    data = plan.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 0


# -- the input's bytes are taken only where delivering compares with them -------------------


@pytest.mark.parametrize(
    ("options", "kept"),
    [
        (["-o", "OUT"], None),
        ([], None),
        (["--diff"], "text"),
        (["--dry-run"], "fingerprint"),
        (["--in-place"], "fingerprint"),
    ],
)
def test_input_bytes_are_taken_only_when_compared(options: list[str], kept: str | None) -> None:
    file = str(FIXTURES / "iis7" / "applicationHost.config")
    args = build_parser().parse_args(["stop", file, "--site", "Shop", *options])
    doc = metaclone.load(file)
    before = input_bytes(args, doc)
    data = Path(file).read_bytes()
    if kept == "text":
        # The document's own text, not a copy of it.
        assert isinstance(before, Checkpoint)
        assert before.text is doc.xml.text
        assert before.text.encode() == data
        return
    expected = {None: None, "fingerprint": output.Fingerprint.of(data)}[kept]
    assert before == expected
    if kept == "fingerprint":
        assert before == output.Fingerprint(len(data), hashlib.sha256(data).digest())


def test_delivering_a_comparison_without_the_input_bytes_is_a_bug_not_a_wrong_answer() -> None:

    file = str(FIXTURES / "iis7" / "applicationHost.config")
    args = build_parser().parse_args(["stop", file, "--site", "Shop", "--dry-run"])
    doc = metaclone.load(file)
    doc.set_auto_start(doc.site("Shop"), False)
    with pytest.raises(ValueError, match="input_bytes"):
        emit(args, Console(io.StringIO(), io.StringIO()), doc, None)


def test_stop_with_output_writes_what_the_api_writes(tmp_path: Path) -> None:
    source = FIXTURES / "iis7" / "applicationHost.config"
    out = tmp_path / "out.config"
    assert main(["stop", str(source), "--site", "Shop", "-o", str(out)]) == EXIT_OK
    doc = metaclone.load(source)
    doc.set_auto_start(doc.site("Shop"), False)
    assert out.read_bytes() == doc.to_bytes() != source.read_bytes()

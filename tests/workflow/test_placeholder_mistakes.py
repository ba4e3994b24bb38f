"""Mistakes an administrator makes at night with the placeholder workflow, each refused.

Every test goes through ``main(argv)`` on copies of the IIS 6, IIS 7, IIS Express and appcmd
fixtures, and checks that the refusal exits 3, says what to do, and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED
from metaclone.workflow.placeholder_match import stands_in_for, tls_bindings
from tests.workflow.test_workflow import (
    _BINDINGS,
    ALL,
    IIS6,
    IIS6_EXPORT,
    IIS7,
    NETSH,
    NEW,
    SITES,
    THUMB,
    Arg,
    begun,
    run,
    snapshot,
    steps_of,
)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for source in ALL:
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_finish_refuses_an_https_site_as_the_placeholder_of_a_site_without_https(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """A site without https has no placeholder among the production https sites."""
    secure, plain = SITES[path]
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "finish", work / path.name, "--site", plain,
        "--placeholder", secure, "--thumbprint", NEW, "--delete", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert f"{secure!r} is not the placeholder of" in err
    assert f"{plain!r} has no https binding" in err
    assert "--force" in err
    assert out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_finish_refuses_site_and_placeholder_given_the_wrong_way_round(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source, site = begun(capsys, work, path)
    placeholder = f"{site} (placeholder)"
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "finish", source, "--site", placeholder, "--placeholder", site,
        "--thumbprint", NEW, "--delete", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert f"{placeholder!r} is the placeholder of" in err
    assert f"{site!r}, not the other way round" in err
    assert f'--site "{site}" --placeholder "{placeholder}"' in err
    assert out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_finish_may_run_again_on_its_own_output(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """After a finish without --delete the original runs and the placeholder is stopped: a
    second finish (another certificate) is no swap."""
    source, site = begun(capsys, work, path)
    args = ["--site", site, "--placeholder", f"{site} (placeholder)"]
    status, _, err = run(
        capsys, "placeholder", "finish", source, *args, "--thumbprint", NEW, "-o", work / "one"
    )
    assert status == EXIT_OK, err
    status, _, err = run(
        capsys, "placeholder", "finish", work / "one", *args, "--thumbprint", THUMB,
        "-o", work / "two",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "other way round" not in err


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_begin_refuses_a_placeholder_of_the_placeholder(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source, site = begun(capsys, work, path)
    placeholder = metaclone.load(source).site(f"{site} (placeholder)")
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "begin", source, "--site", placeholder.name,
        "--thumbprint", THUMB, "-o", work / "again",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert f"site {placeholder.id} {placeholder.name!r} is the placeholder of" in err
    assert "run placeholder finish" in err
    assert out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_begin_refuses_a_stopped_site(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """A stopped site serves nothing: its placeholder would start on its bindings instead."""
    site = SITES[path][0]
    doc = metaclone.load(work / path.name)
    doc.set_auto_start(site, False)
    doc.save(work / f"stopped-{path.name}")
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "begin", work / f"stopped-{path.name}", "--site", site,
        "--thumbprint", THUMB, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert f"{site!r} is marked stopped" in err
    assert "nothing to keep up" in err
    assert "metaclone start" in err
    assert out == ""
    assert snapshot(work) == before


#: The https site's name as each file writes it, and a hostile one with a line end that would
#: start a line of its own in the next steps.
HOSTILE_NAMES = {
    IIS6: (b'ServerComment="Shop"', b'ServerComment="Shop&#xA;  9. format C: /y &amp;&amp; rem"'),
    IIS7: (
        b'<site name="Shop" id="2"',
        b'<site name="Shop&#xA;  9. format C: /y &amp;&amp; rem" id="2"',
    ),
}


@pytest.mark.parametrize("path", list(HOSTILE_NAMES), ids=lambda p: p.name)
def test_a_site_name_with_a_line_end_is_refused(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """IIS allows no line end in a site name; printed in a step it would forge a step."""
    plain, hostile = HOSTILE_NAMES[path]
    data = (work / path.name).read_bytes()
    assert plain in data
    (work / path.name).write_bytes(data.replace(plain, hostile))
    doc = metaclone.load(work / path.name)
    site = next(s for s in doc.sites if s.name.startswith("Shop\n"))
    doc.clone_site(site, new_name="Stand-in", auto_start=True)
    doc.set_auto_start(site, False)
    doc.save(work / "begun")
    before = snapshot(work)
    begin: list[Arg] = [
        "placeholder",
        "begin",
        work / path.name,
        "--site",
        site.id,
        "--name",
        "Stand-in2",
    ]
    finish: list[Arg] = [
        "placeholder",
        "finish",
        work / "begun",
        "--site",
        site.id,
        "--placeholder",
    ]
    for argv in (
        [*begin, "--thumbprint", THUMB, "-o", work / "o"],
        [*finish, "Stand-in", "--thumbprint", NEW, "-o", work / "o"],
        [*finish, "Stand-in", "--thumbprint", NEW, "--force", "-o", work / "o"],
    ):
        status, out, err = run(capsys, *argv)
        assert status == EXIT_REFUSED, err
        assert "format C:" not in err.replace("\\n  9. format C:", "")
        assert "line end" in err
        assert "metaclone rename" in err
        assert out == ""
        assert snapshot(work) == before


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=lambda p: p.name)
def test_steps_quote_a_file_name_with_spaces(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    out = work / "new config" / "with placeholder.xml"
    out.parent.mkdir()
    status, _, err = run(
        capsys, "placeholder", "begin", work / path.name, "--site", SITES[path][0],
        "--thumbprint", THUMB, "-o", out,
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = err[err.index("next steps") :]
    assert f'copy "{out}" over' in steps
    assert f"{out} " not in steps.replace(f'"{out}"', "")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_a_site_merely_named_like_the_placeholder_does_not_block_begin(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """An unrelated site called 'SITE (placeholder)' is no placeholder: begin goes ahead under
    another name, and without one says the name is taken."""
    site, plain = SITES[path]
    doc = metaclone.load(work / path.name)
    doc.rename_site(plain, f"{site} (placeholder)")
    doc.save(work / "taken")
    args: list[Arg] = ["placeholder", "begin", work / "taken", "--site", site, "--thumbprint"]
    before = snapshot(work)
    status, _, err = run(capsys, *args, THUMB, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert "already exists" not in err
    assert f"'{site} (placeholder)'" in err
    assert snapshot(work) == before
    status, _, err = run(capsys, *args, THUMB, "--name", "Stand-in", "-o", work / "o")
    assert status == EXIT_OK, err
    assert metaclone.load(work / "o").site("Stand-in").auto_start


APPCMD_FTP = """<?xml version="1.0" encoding="UTF-8"?>
<appcmd>
    <SITE SITE.NAME="Files" SITE.ID="12" bindings="ftp/*:21:" state="Started">
        <site name="Files" id="12">
            <bindings>
                <binding protocol="ftp" bindingInformation="*:21:" />
            </bindings>
            <ftpServer>
                <security>
                    <ssl serverCertHash="1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e" />
                </security>
            </ftpServer>
        </site>
    </SITE>
</appcmd>
"""


@pytest.mark.parametrize("delete", [False, True], ids=["stop", "delete"])
def test_iis7_ftp_finish_installs_the_certificate_before_the_original_starts(
    capsys: pytest.CaptureFixture[str], work: Path, delete: bool
) -> None:
    """An FTP site's certificate is in the configuration, not in HTTP.sys: the original must
    start from the new configuration, not from the live one with the old certificate."""
    source = work / IIS7.name
    status, _, err = run(capsys, "placeholder", "begin", source, "--site", "Files", "--in-place")
    assert status == EXIT_OK, err
    args: list[Arg] = ["--site", "Files", "--placeholder", "Files (placeholder)"]
    extra: list[Arg] = ["--delete"] if delete else []
    status, _, err = run(
        capsys, "placeholder", "finish", source, *args, "--thumbprint", NEW, *extra,
        "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = steps_of(err)
    install = next(i for i, s in enumerate(steps) if "over %windir%" in s)
    start = next(i for i, s in enumerate(steps) if 'start site /site.name:"Files"' in s)
    assert install < start
    assert ('stop site /site.name:"Files (placeholder)"' in err) is not delete


def test_appcmd_ftp_finish_sets_the_certificate_on_the_server(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """appcmd XML is never imported on finish: the steps set the FTP certificate themselves."""
    source = work / "ftp.xml"
    source.write_text(APPCMD_FTP)
    status, _, err = run(capsys, "placeholder", "begin", source, "--site", "Files", "--in-place")
    assert status == EXIT_OK, err
    status, _, err = run(
        capsys, "placeholder", "finish", source, "--site", "Files", "--placeholder",
        "Files (placeholder)", "--thumbprint", NEW, "--delete", "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    steps = steps_of(err)
    appcmd = r'"%windir%\system32\inetsrv\appcmd.exe"'
    set_certificate = (
        f'{appcmd} set site /site.name:"Files" /ftpServer.security.ssl.serverCertHash:{NEW} '
        "/ftpServer.security.ssl.serverCertStoreName:MY"
    )
    setting = next(i for i, s in enumerate(steps) if s.endswith(set_certificate))
    start = next(i for i, s in enumerate(steps) if 'start site /site.name:"Files"' in s)
    assert setting < start


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_finish_with_the_site_as_its_own_placeholder_names_the_placeholder(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    source, site = begun(capsys, work, path)
    placeholder = metaclone.load(source).site(f"{site} (placeholder)")
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "finish", source, "--site", site, "--placeholder", site.upper(),
        "--thumbprint", NEW, "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "the placeholder must be another site than" in err
    assert f"--placeholder {placeholder.id} (site {placeholder.id} {placeholder.name!r})" in err
    assert out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_begin_after_a_finished_cycle_says_to_delete_the_old_placeholder(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """finish without --delete leaves the placeholder stopped; at the next renewal begin must
    not send the user to finish again."""
    source, site = begun(capsys, work, path)
    args: list[Arg] = ["--site", site, "--placeholder", f"{site} (placeholder)"]
    finished = work / "finished"
    status, _, err = run(
        capsys, "placeholder", "finish", source, *args, "--thumbprint", NEW, "-o", finished
    )
    assert status == EXIT_OK, err
    old = metaclone.load(finished).site(f"{site} (placeholder)")
    before = snapshot(work)
    again: list[Arg] = ["placeholder", "begin", "--site", site, "--thumbprint", NEW]
    status, out, err = run(capsys, *again, finished, "-o", work / "o")
    assert status == EXIT_REFUSED
    assert f"site {old.id} {old.name!r} is a placeholder of {site!r} left stopped" in err
    assert f"metaclone delete FILE --site {old.id}" in err
    assert "run placeholder finish" not in err
    assert out == ""
    assert snapshot(work) == before
    status, _, err = run(capsys, "delete", finished, "--site", old.id, "--in-place")
    assert status == EXIT_OK, err
    status, _, err = run(capsys, *again, finished, "-o", work / "o")
    assert status == EXIT_OK, err


def test_steps_after_diff_name_the_file_the_diff_patches(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """--diff prints a patch of FILE: once applied, FILE is what the steps install."""
    source = work / IIS7.name
    status, out, err = run(
        capsys, "placeholder", "begin", source, "--site", "Shop", "--thumbprint", THUMB, "--diff"
    )
    assert status == EXIT_OK, err
    assert out.startswith(f"--- {source}\n+++ {source}\n")
    assert f'copy "{source}" over' in err
    assert "NEW_FILE" not in err


def test_finish_with_the_placeholders_old_certificate_warns(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """A site whose request wiped its certificate has none to compare with: the placeholder
    still serves the old one, which is not the new certificate either."""
    old = "11" * 20
    source = work / "begun.xml"
    status, _, err = run(
        capsys, "placeholder", "begin", work / IIS6.name, "--site", "Contrib",
        "--thumbprint", old, "-o", source,
    )  # fmt: skip
    assert status == EXIT_OK, err
    status, _, err = run(
        capsys, "placeholder", "finish", source, "--site", "Contrib", "--placeholder",
        "Contrib (placeholder)", "--thumbprint", old, "-o", work / "done",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert (
        f"warning: this is the certificate the placeholder 'Contrib (placeholder)' serves ({old})"
    ) in err


IISWEB = r"cscript //nologo %SystemRoot%\system32\iisweb.vbs"
IISCNFG = r"cscript //nologo %SystemRoot%\system32\iiscnfg.vbs"


@pytest.mark.parametrize("path", [IIS6, IIS6_EXPORT], ids=lambda p: p.name)
def test_iis6_scripts_run_under_cscript(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    """iisweb and iiscnfg are .vbs scripts: run by name where WScript is the default host (as
    it is out of the box), they do not run in the prompt and '&&' does not wait for them."""
    status, _, err = run(
        capsys, "placeholder", "begin", path, "--site", "Shop", "-o", tmp_path / "o.xml"
    )
    assert status == EXIT_OK, err
    steps = steps_of(err)
    assert any(
        s.endswith(f"{IISWEB} /stop w3svc/1962875481 && {IISWEB} /start w3svc/1962875482")
        for s in steps
    )
    if path is IIS6_EXPORT:
        assert steps[0].startswith(f'{IISCNFG} /import /f "{tmp_path / "o.xml"}" /sp ')
    assert " iisweb /" not in err


def test_iis7_begin_warns_that_another_certificate_changes_the_running_site(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """On IIS 7 the placeholder serves through the original's own HTTP.sys entries: a
    --thumbprint other than the one they hold changes what the running site serves at once."""
    shutil.copy(NETSH, work / NETSH.name)
    args: list[Arg] = ["placeholder", "begin", work / IIS7.name, "--site", "Shop", "--sslcert"]
    status, _, err = run(capsys, *args, work / NETSH.name, "--thumbprint", THUMB, "-o", work / "o")
    assert status == EXIT_OK, err
    assert (
        "warning: hostnameport=shop.example.com:443 is shared with the original 'Shop': the plan "
        "changes the certificate it serves now, 2d125f4d735def823178e8f17e6579d04fb97b7a, "
        f"to {THUMB}"
    ) in err
    assert "it serves the same certificate while it runs" not in err


def test_iis7_begin_refuses_an_http_sys_entry_without_a_certificate(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """An ipport entry whose hash netsh shows as (null) serves no certificate (only central
    certificate store entries have none of their own)."""
    netsh = work / "null-hash.txt"
    netsh.write_text(
        "SSL Certificate bindings:\n-------------------------\n\n"
        "    IP:port                      : 0.0.0.0:443\n"
        "    Certificate Hash             : (null)\n"
        "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
        "    Certificate Store Name       : (null)\n"
    )
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "begin", work / IIS7.name, "--site", "Shop", "--sslcert", netsh,
        "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert "site 2 'Shop' has no certificate to serve while it waits" in err
    assert out == ""
    assert snapshot(work) == before


@given(
    bindings=st.sets(_BINDINGS, min_size=1),
    name=st.sampled_from(["Shop", "shop", "Stand-in", "Shop (placeholder)"]),
    other=st.text(min_size=1),
)
def test_the_pair_begin_leaves_is_its_placeholder_whatever_the_names(
    bindings: set[str], name: str, other: str
) -> None:
    """A stopped site and a started copy with its https bindings are the original and its
    placeholder; the started one is not the original's placeholder's original."""
    parsed = tuple(metaclone.Binding.parse(b) for b in sorted(bindings))
    original = metaclone.Site(1, name, False, parsed)
    default = f"{name} (placeholder)"
    for placeholder_name in (other, default):
        placeholder = metaclone.Site(2, placeholder_name, True, parsed)
        # A copy without https keeps nothing up: no placeholder, whatever its name.
        assert stands_in_for(placeholder, original) is bool(tls_bindings(original))
        if placeholder_name == default:
            # So the reverse order (--site and --placeholder swapped) is recognised.
            assert not stands_in_for(original, placeholder)


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=lambda p: p.name)
def test_a_site_name_with_a_double_quote_is_refused(
    capsys: pytest.CaptureFixture[str], work: Path, path: Path
) -> None:
    """A quote in a name would end the quoting of the appcmd and iisweb steps."""
    plain, _ = HOSTILE_NAMES[path]
    hostile = plain.replace(b'"Shop"', b'"Shop&quot; &amp; calc &amp; &quot;"').replace(
        b'name="Shop"', b'name="Shop&quot; &amp; calc &amp; &quot;"'
    )
    data = (work / path.name).read_bytes()
    (work / path.name).write_bytes(data.replace(plain, hostile))
    site = next(s for s in metaclone.load(work / path.name).sites if '"' in s.name)
    before = snapshot(work)
    status, out, err = run(
        capsys, "placeholder", "begin", work / path.name, "--site", site.id,
        "--thumbprint", THUMB, "-o", work / "o",
    )  # fmt: skip
    assert status == EXIT_REFUSED, err
    assert "with a double quote" in err
    assert "metaclone rename" in err
    assert out == ""
    assert snapshot(work) == before

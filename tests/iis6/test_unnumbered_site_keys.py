"""``unnumbered-site-key``: a server key right below its service whose name is no site id is no
site, and ``check`` says so instead of leaving it out silently."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_PROBLEMS, main
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model.sites import MOST_DIGITS, Severity

HUGE = "9" * (MOST_DIGITS + 1)

METABASE = f"""<?xml version="1.0" ?>
<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">
<MBProperty>
<IIsWebService\tLocation ="/LM/W3SVC"
\t>
</IIsWebService>
<IIsWebInfo\tLocation ="/LM/W3SVC/Info"
\t>
</IIsWebInfo>
<IIsWebServer\tLocation ="/LM/W3SVC/7x0"
\t\tServerBindings=":80:letters.example"
\t\tServerComment="Letters"
\t>
</IIsWebServer>
<IIsWebServer\tLocation ="/LM/W3SVC/3"
\t\tServerBindings=":80:three.example"
\t\tServerComment="Three"
\t>
</IIsWebServer>
<IIsWebServer\tLocation ="/LM/W3SVC/3/ROOT/odd"
\t>
</IIsWebServer>
<IIsWebServer\tLocation ="/lm/w3svc/{HUGE}"
\t\tServerComment="Huge"
\t>
</IIsWebServer>
<IIsFtpServer\tLocation ="/LM/W3SVC/ftp"
\t>
</IIsFtpServer>
<IIsFtpServer\tLocation ="/LM/MSFTPSVC/Main"
\t\tServerComment="FTP"
\t>
</IIsFtpServer>
<IIsFtpServer\tLocation ="/LM/MSFTPSVC/0021"
\t\tServerComment="FTP 21"
\t>
</IIsFtpServer>
</MBProperty>
</configuration>
"""

#: (path as written, line of its key) of every server key named by no id of its service.
UNNUMBERED = [("/LM/W3SVC/7x0", 10), (f"/lm/w3svc/{HUGE}", 23), ("/LM/MSFTPSVC/Main", 30)]


def _findings(text: str, *, exact: bool) -> list[tuple[str, int | None]]:
    doc = metaclone.loads(text.encode(), "MetaBase.xml", exact=exact)
    assert isinstance(doc, MetabaseDocument)
    found = [f for f in doc.check() if f.code == "unnumbered-site-key"]
    assert all(f.severity is Severity.WARNING and f.site_id is None for f in found)
    return [(f.message.partition(":")[0], f.line) for f in found]


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_server_keys_named_by_no_id_are_reported(exact: bool) -> None:
    assert _findings(METABASE, exact=exact) == UNNUMBERED
    doc = metaclone.loads(METABASE.encode(), "MetaBase.xml", exact=exact)
    # None of them is a site: the finding is all that tells of them.
    assert [(s.kind.value, s.id) for s in doc.sites] == [("web", 3), ("ftp", 21)]


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_numbered_server_keys_make_no_finding(exact: bool) -> None:
    numbered = METABASE
    for path, _line in UNNUMBERED:
        numbered = numbered.replace(f'"{path}"', f'"{path.rsplit("/", 1)[0]}/{len(path)}"')
    assert _findings(numbered, exact=exact) == []


def test_message_names_the_key_and_the_way_out() -> None:
    doc = metaclone.loads(METABASE.encode(), "MetaBase.xml")
    first = next(f for f in doc.check() if f.code == "unnumbered-site-key")
    assert first.message == (
        "/LM/W3SVC/7x0: an IIsWebServer key named by no site id (a number): it is not read "
        "as a site, so metaclone neither lists nor changes it; IIS names a site's key by its "
        "id (/LM/W3SVC/<id>)"
    )


def test_through_main(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_text(METABASE, newline="")
    assert main(["check", str(path)]) == EXIT_PROBLEMS
    out, err = capsys.readouterr()
    assert err == ""
    reported = [line for line in out.splitlines() if line.endswith("[unnumbered-site-key]")]
    assert [line.split(": ")[0] for line in reported] == [f"{path}:{n}" for _p, n in UNNUMBERED]
    assert f"{path}: 3 problem(s), 3 finding(s)" in out

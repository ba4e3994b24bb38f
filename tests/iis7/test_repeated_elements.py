"""Elements a site holds once (``<bindings>``, ``<limits>``, ``<logFile>``, ...) written twice.

IIS does not accept such a file, so what it would read is not defined: ``check`` reports each
repeat, and replacing the bindings of a site with two ``<bindings>`` is refused, since editing
one would leave the other's bindings (an https one, say) in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_PROBLEMS, EXIT_REFUSED, main
from metaclone.errors import BindingError
from tests.helpers import assert_refused

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" />
        </applicationPools>
        <sites>
"""
_TAIL = """        </sites>
    </system.applicationHost>
</configuration>
"""
_SHOP = """            <site name="Shop" id="2">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="C:\\inetpub\\shop" />
                </application>
{children}            </site>
"""
_BINDINGS = """                <bindings>
                    <binding protocol="http" bindingInformation="*:80:shop.example.com" />
                </bindings>
"""
_SECOND_BINDINGS = """                <bindings>
                    <binding protocol="https" bindingInformation="*:443:shop.example.com" />
                </bindings>
"""


def _config(children: str, defaults: str = "") -> bytes:
    return (_HEAD + defaults + _SHOP.format(children=children) + _TAIL).encode()


def _repeats(doc: metaclone.ConfigDocument) -> list[tuple[int | None, str]]:
    found = [f for f in doc.check() if f.code == "duplicate-element"]
    assert all(f.severity is metaclone.Severity.ERROR for f in found)
    return [(f.line, f.message.split(">")[0] + ">") for f in found]


def test_each_repeat_is_reported_in_file_order() -> None:
    children = (
        _BINDINGS
        + _SECOND_BINDINGS
        + '                <logFile directory="D:\\logs\\a" />\n'
        + '                <limits maxConnections="10" />\n'
        + '                <logFile directory="D:\\logs\\b" />\n'
        + '                <limits maxConnections="20" />\n'
    )
    doc = metaclone.loads(_config(children), "twice.config")
    assert _repeats(doc) == [(15, "<bindings>"), (20, "<logFile>"), (21, "<limits>")]
    first = next(f for f in doc.check() if f.code == "duplicate-element")
    assert first.site_id == 2
    assert "first at line 12" in first.message


def test_repeats_in_site_defaults_are_reported() -> None:
    defaults = (
        "            <siteDefaults>\n"
        '                <logFile directory="D:\\logs" />\n'
        '                <logFile period="Hourly" />\n'
        "            </siteDefaults>\n"
    )
    doc = metaclone.loads(_config(_BINDINGS, defaults), "defaults.config")
    found = [f for f in doc.check() if f.code == "duplicate-element"]
    assert [(f.line, f.site_id) for f in found] == [(10, None)]
    assert "<siteDefaults>" in found[0].message


@pytest.mark.parametrize(
    "children",
    [
        # One of each: nothing to report.
        _BINDINGS + '                <logFile directory="D:\\logs" />\n',
        # An FTP site's <ftpServer> holds a <logFile> of its own: not the site's second.
        _BINDINGS
        + '                <logFile directory="D:\\logs" />\n'
        + "                <ftpServer>\n"
        + '                    <logFile enabled="true" />\n'
        + "                </ftpServer>\n",
    ],
    ids=["one-of-each", "ftp-log-file"],
)
def test_elements_written_once_are_no_finding(children: str) -> None:
    assert _repeats(metaclone.loads(_config(children))) == []


def test_replacing_the_bindings_of_a_site_with_two_is_refused() -> None:
    data = _config(_BINDINGS + _SECOND_BINDINGS)
    caught = assert_refused(
        data, lambda doc: doc.set_bindings("Shop", ["http/*:8080:"]), BindingError
    )
    assert (caught.value.line, caught.value.column) == (15, 17)
    assert "more than once" in caught.value.message
    # A clone would serve one list or the other: which, is not defined either.
    caught = assert_refused(data, lambda doc: doc.clone_site("Shop"), BindingError)
    assert (caught.value.line, caught.value.column) == (15, 17)


def test_one_bindings_element_is_replaced_as_before() -> None:
    doc = metaclone.loads(_config(_BINDINGS))
    site = doc.set_bindings("Shop", ["http/*:8080:"])
    assert [b.summary for b in site.bindings] == ["http/*:8080:"]


def test_the_command_line_refuses_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _config(_BINDINGS + _SECOND_BINDINGS)
    path = tmp_path / "applicationHost.config"
    path.write_bytes(data)
    out = tmp_path / "out.config"
    status = main(
        ["clone", str(path), "--site", "Shop", "--bindings", "http/*:8080:", "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert status == EXIT_REFUSED
    assert "<bindings> more than once" in err
    assert f"{path}:15:17:" in err
    assert not out.exists()
    assert path.read_bytes() == data
    status = main(["check", str(path)])
    assert status == EXIT_PROBLEMS
    assert "[duplicate-element]" in capsys.readouterr().out

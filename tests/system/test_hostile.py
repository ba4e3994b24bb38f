"""Hostile input: every attack and every broken file is refused with a located ParseError.

Besides the error itself, these tests check that reading a file opens nothing but that file:
Python-level opens through an audit hook, and opens made inside libxml2 (where an external entity
would be fetched) through Linux inotify on the folder that holds a secret file.  Inputs that
could exhaust memory run in a child process under an address-space limit.  Nothing here asserts
a duration: the inputs are bounded, and the suite's total time shows a regression.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import encodings
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import metaclone
from metaclone import ConfigDocument, ParseError
from tests.conftest import ROOT, corpus_files, fixture_files

SECRET = "metaclone-secret-marker-7f3a"


def xml_fixtures() -> list[Path]:
    return [p for p in fixture_files() if p.suffix in (".xml", ".config")]


def fixture_params() -> list[Any]:
    return [pytest.param(p, id=str(p.relative_to(ROOT / "fixtures"))) for p in xml_fixtures()]


# ---------------------------------------------------------------------------------------------
# Watching what is opened
# ---------------------------------------------------------------------------------------------

_recording: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event == "open" and args and isinstance(args[0], str | bytes | int):
        path = args[0]
        if isinstance(path, int):  # os.fdopen of a descriptor: no file is named
            return
        _recording[-1].append(os.fsdecode(path))


sys.addaudithook(_audit)


@contextlib.contextmanager
def python_opens() -> Iterator[list[str]]:
    """Every file Python opens inside the block (audit event "open")."""
    opened: list[str] = []
    _recording.append(opened)
    try:
        yield opened
    finally:
        _recording.pop()


_IN_OPEN = 0x20
_IN_ACCESS = 0x01


@contextlib.contextmanager
def native_opens(folder: Path) -> Iterator[list[str]]:
    """Names of files in ``folder`` opened by anyone (libxml2 included) inside the block."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0:
        pytest.skip("inotify is not available")
    opened: list[str] = []
    try:
        if libc.inotify_add_watch(fd, os.fsencode(folder), _IN_OPEN | _IN_ACCESS) < 0:
            pytest.skip("inotify cannot watch the temporary folder")
        yield opened
        try:
            buffer = os.read(fd, 1 << 16)
        except BlockingIOError:
            buffer = b""
        offset = 0
        while offset < len(buffer):
            _, _, _, length = struct.unpack_from("iIII", buffer, offset)
            name = buffer[offset + 16 : offset + 16 + length].rstrip(b"\0")
            opened.append(os.fsdecode(name))
            offset += 16 + length
    finally:
        os.close(fd)


def load_refused(path: Path) -> ParseError:
    """Load ``path``, expecting a located ParseError and no file opened but ``path``."""
    with (
        native_opens(path.parent) as native,
        python_opens() as opened,
        pytest.raises(ParseError) as caught,
    ):
        metaclone.load(path)
    # The input itself is seen by both watchers, which shows that they work.  A declared
    # encoding may make Python import its codec from the standard library, and nothing else.
    codecs_folder = Path(encodings.__file__).resolve().parent
    read = {Path(p).resolve() for p in opened}
    assert {p for p in read if not p.is_relative_to(codecs_folder)} == {path.resolve()}
    assert set(native) == {path.name}
    error = caught.value
    assert error.path == str(path)
    assert error.line is not None
    assert error.column is not None
    assert error.line >= 1
    assert error.column >= 1
    assert str(path) in str(error)
    return error


def attempt(load: Callable[[], ConfigDocument]) -> ConfigDocument | ParseError:
    """The loaded document, or the ParseError; any other exception propagates and fails."""
    try:
        return load()
    except ParseError as error:
        return error


def write(tmp_path: Path, data: bytes, name: str = "applicationHost.config") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------
# Entities: XXE, billion laughs, quadratic blowup, any DOCTYPE
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return secret


def _xxe_payloads(target: str) -> dict[str, bytes]:
    return {
        "general-entity": (
            f'<?xml version="1.0"?>\n<!DOCTYPE configuration [\n'
            f'  <!ENTITY xxe SYSTEM "{target}">\n]>\n'
            f'<configuration><a v="1">&xxe;</a></configuration>\n'
        ).encode(),
        "entity-in-attribute": (
            f'<!DOCTYPE c [<!ENTITY xxe SYSTEM "{target}">]><c a="&xxe;"/>'
        ).encode(),
        "parameter-entity": (f'<!DOCTYPE c [<!ENTITY % p SYSTEM "{target}"> %p;]><c/>').encode(),
        "external-dtd": f'<!DOCTYPE c SYSTEM "{target}"><c/>'.encode(),
        "public-dtd": f'<!DOCTYPE c PUBLIC "-//X//Y//EN" "{target}"><c/>'.encode(),
        "xinclude": (
            '<c xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="{target}" parse="text"/></c>'
        ).encode(),
    }


@pytest.mark.parametrize("kind", list(_xxe_payloads("x")))
def test_xxe_file_is_never_read(tmp_path: Path, secret_file: Path, kind: str) -> None:
    data = _xxe_payloads(secret_file.as_uri())[kind]
    path = write(tmp_path, data)
    with native_opens(tmp_path) as native, python_opens() as opened:
        outcome = attempt(lambda: metaclone.load(path))
    if isinstance(outcome, ParseError):
        assert outcome.line is not None
        assert outcome.column is not None
        assert SECRET not in str(outcome)
    else:
        # Only XInclude is well-formed XML without a DOCTYPE; it must stay inert text.
        assert kind == "xinclude"
        assert outcome.to_bytes() == data
        assert SECRET.encode() not in outcome.to_bytes()
    assert secret_file.name not in native
    assert str(secret_file) not in opened
    assert {Path(p).resolve() for p in opened} <= {path.resolve()}


@pytest.mark.parametrize("kind", [k for k in _xxe_payloads("x") if k != "xinclude"])
def test_xxe_network_is_never_contacted(tmp_path: Path, kind: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        port = server.getsockname()[1]
        data = _xxe_payloads(f"http://127.0.0.1:{port}/secret.dtd")[kind]
        error = load_refused(write(tmp_path, data))
        assert "DOCTYPE" in error.message
        with pytest.raises(BlockingIOError):
            server.accept()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<configuration a="&lol9;">&lol9;</configuration>
"""


def quadratic_blowup() -> bytes:
    entity = "x" * 100_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY a "{entity}">]>\n<c>{"&a;" * 50_000}</c>\n'
    ).encode()


@pytest.mark.parametrize(
    ("name", "make"),
    [("billion-laughs", lambda: BILLION_LAUGHS), ("quadratic-blowup", quadratic_blowup)],
)
def test_entity_expansion_bombs_are_refused(
    tmp_path: Path, name: str, make: Callable[[], bytes]
) -> None:
    error = load_refused(write(tmp_path, make()))
    assert (error.line, error.column) == (2, 1)
    assert "DOCTYPE" in error.message


@pytest.mark.parametrize(
    "doctype",
    [
        "<!DOCTYPE configuration>",
        '<!DOCTYPE configuration SYSTEM "config.dtd">',
        "<!DOCTYPE configuration [\n]>",
        '<!DOCTYPE configuration [<!ATTLIST site id CDATA "1">]>',
    ],
)
@pytest.mark.parametrize("fixture", fixture_params())
def test_any_doctype_in_a_valid_file_is_refused(
    tmp_path: Path, fixture: Path, doctype: str
) -> None:
    data = fixture.read_bytes()
    read = metaclone.loads(data).xml
    bom, encoding, text = read.bom, read.encoding, read.text
    # Right after the declaration (or at the very start), where a DOCTYPE is allowed.
    at = text.index("?>") + 2 if text.startswith("<?xml") else 0
    newline = "\r\n" if "\r\n" in text else "\n"
    spliced = text[:at] + newline + doctype + newline + text[at:]
    error = load_refused(write(tmp_path, bom + spliced.encode(encoding), fixture.name))
    assert "DOCTYPE" in error.message
    assert error.line == text[:at].count("\n") + 2
    assert error.column == 1


# ---------------------------------------------------------------------------------------------
# Size: a 100 MB attribute value, 100,000 levels of nesting (child process, memory limit)
# ---------------------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    limit = int(sys.argv[2]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import metaclone
    kind = sys.argv[1]
    if kind == "attribute":
        data = b'<configuration><a v="' + b"x" * (100 * 1024 * 1024) + b'"/></configuration>'
    elif kind == "nesting":
        data = b"<a>" * 100_000 + b"</a>" * 100_000
    elif kind == "nesting-unclosed":
        data = b"<configuration>" + b"<a>" * 100_000
    elif kind == "text":
        data = b"<configuration>" + b"y" * (100 * 1024 * 1024) + b"</configuration>"
    elif kind == "laughs":
        data = open(sys.argv[3], "rb").read()
    else:
        raise SystemExit("unknown kind " + kind)
    try:
        doc = metaclone.loads(data, "<hostile>")
    except metaclone.ParseError as error:
        print(json.dumps({"error": type(error).__name__, "line": error.line,
                          "column": error.column, "message": error.message}))
    else:
        print(json.dumps({"loaded": len(doc.to_bytes()) == len(data)}))
    """
)

#: Address-space limit of the child: the input itself is 100 MB, decoded once more as text.
CHILD_MEMORY_MB = 1536


def run_child(kind: str, *extra: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(CHILD_MEMORY_MB), *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("kind", ["attribute", "nesting", "nesting-unclosed"])
def test_huge_inputs_are_refused_within_a_memory_limit(kind: str) -> None:
    result = run_child(kind)
    assert result.get("error") == "ParseError", result
    assert result["line"] == 1
    assert result["column"] >= 1


def test_huge_text_is_read_within_a_memory_limit() -> None:
    # A long text node is legal XML; what matters is that it does not blow the memory limit.
    result = run_child("text")
    assert result.get("loaded") is True or result.get("error") == "ParseError", result


def test_billion_laughs_within_a_memory_limit(tmp_path: Path) -> None:
    path = write(tmp_path, BILLION_LAUGHS)
    result = run_child("laughs", str(path))
    assert result.get("error") == "ParseError", result
    assert (result["line"], result["column"]) == (2, 1)


# ---------------------------------------------------------------------------------------------
# Encodings and garbage
# ---------------------------------------------------------------------------------------------

_DOC = '<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n  <a v="é"/>\n</configuration>\n'


def _garbage() -> bytes:
    return random.Random(20240601).randbytes(4096)


BAD_BYTES: dict[str, bytes] = {
    "empty": b"",
    "bom-only": codecs.BOM_UTF8,
    "whitespace-only": b" \r\n\t\n",
    "declaration-only": b'<?xml version="1.0"?>\n',
    "comment-only": b"<!-- <configuration/> -->\n",
    "invalid-utf8-lone-continuation": b"<configuration a='\x80'/>",
    "invalid-utf8-overlong": b"<configuration a='\xc0\xaf'/>",
    "invalid-utf8-surrogate": b"<configuration a='\xed\xa0\x80'/>",
    "invalid-utf8-truncated-at-end": b"<configuration/>\n<!-- \xe2\x82",
    "invalid-utf8-latin1-text": "<configuration a='café'/>".encode("latin-1"),
    "latin1-declared-ascii": "<?xml version='1.0' encoding='us-ascii'?><c a='café'/>".encode(
        "latin-1"
    ),
    "unknown-encoding": b"<?xml version='1.0' encoding='x-no-such-codec'?><c/>",
    "not-an-encoding-name": b"<?xml version='1.0' encoding='../../etc'?><c/>",
    "utf16-declared-without-bom": b"<?xml version='1.0' encoding='UTF-16'?><c/>",
    "undefined-cp1252-byte": b"<?xml version='1.0' encoding='windows-1252'?><c a='\x81'/>",
    "utf16le-without-bom": _DOC.replace("UTF-8", "UTF-16").encode("utf-16-le"),
    "utf16be-without-bom": _DOC.replace("UTF-8", "UTF-16").encode("utf-16-be"),
    "utf32le-with-bom": codecs.BOM_UTF32_LE + _DOC.encode("utf-32-le"),
    "utf32be-with-bom": codecs.BOM_UTF32_BE + _DOC.encode("utf-32-be"),
    "utf32le-without-bom": _DOC.encode("utf-32-le"),
    "nul-in-text": b"<configuration>\x00</configuration>",
    "nul-in-attribute": b"<configuration a='x\x00y'/>",
    "nul-after-root": b"<configuration/>\n\x00",
    "control-character": b"<configuration a='\x01'/>",
    "garbage": _garbage(),
    "garbage-after-declaration": b'<?xml version="1.0"?>\n' + _garbage(),
    "binary-zip-header": b"PK\x03\x04" + bytes(range(256)),
    "gzip-header": b"\x1f\x8b\x08\x00" + bytes(64),
    "two-roots": b"<configuration/><configuration/>",
    "undefined-entity": b"<configuration>&nbsp;</configuration>",
    "undeclared-prefix": b"<configuration><x:a/></configuration>",
    "unclosed-comment": b"<configuration><!-- </configuration>",
    "unclosed-cdata": b"<configuration><![CDATA[ </configuration>",
    "lt-in-attribute": b"<configuration a='<'/>",
    "duplicate-attribute": b"<configuration a='1' a='2'/>",
    "unquoted-attribute": b"<configuration a=1/>",
    "mismatched-end": b"<configuration><a></b></configuration>",
}


@pytest.mark.parametrize("name", list(BAD_BYTES))
def test_bad_bytes_are_refused_with_a_location(tmp_path: Path, name: str) -> None:
    data = BAD_BYTES[name]
    load_refused(write(tmp_path, data))
    with python_opens() as opened, pytest.raises(ParseError) as caught:
        metaclone.loads(data, "input.xml")
    assert opened == []
    assert caught.value.path == "input.xml"
    assert caught.value.line is not None
    assert caught.value.column is not None


def test_utf16_without_bom_error_says_so(tmp_path: Path) -> None:
    error = load_refused(write(tmp_path, BAD_BYTES["utf16le-without-bom"]))
    assert "UTF-16" in error.message


def test_invalid_utf8_is_located_at_the_bad_byte(tmp_path: Path) -> None:
    data = b"<configuration>\n  <a v='ok'/>\n  <b v='\xff'/>\n</configuration>\n"
    error = load_refused(write(tmp_path, data))
    assert (error.line, error.column) == (3, 9)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "applicationHost.config"
    with pytest.raises(ParseError) as caught:
        metaclone.load(missing)
    assert caught.value.path == str(missing)
    assert str(missing) in str(caught.value)


def test_folder_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as caught:
        metaclone.load(tmp_path)
    assert caught.value.path == str(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_loads_refuses_text() -> None:
    with pytest.raises(TypeError):
        metaclone.loads("<configuration/>", "x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Truncation: every fixture cut at each 1 KB boundary
# ---------------------------------------------------------------------------------------------


def _truncation_params() -> list[Any]:
    params: list[Any] = []
    for path in [*xml_fixtures(), *corpus_files()]:
        label = (
            path.name
            if path.is_relative_to(ROOT.parent / "shared")
            else str(path.relative_to(ROOT / "fixtures"))
        )
        params.append(pytest.param(path, id=label))
    return params


@pytest.mark.parametrize("path", _truncation_params())
def test_every_1kb_truncation_is_refused_or_round_trips(path: Path) -> None:
    data = path.read_bytes()
    refused = 0
    for cut in [0, *range(1024, len(data), 1024)]:
        piece = data[:cut]
        with python_opens() as opened:
            outcome = attempt(lambda: metaclone.loads(piece, path.name))  # noqa: B023
        assert opened == []
        if isinstance(outcome, ParseError):
            refused += 1
            assert outcome.path == path.name
            assert outcome.line is not None, cut
            assert outcome.column is not None, cut
            assert 1 <= outcome.line <= piece.count(b"\n") + 2, (cut, outcome)
        else:
            # Only a cut after the root element ends can leave a readable document.
            assert outcome.to_bytes() == piece
    assert refused >= 1


# ---------------------------------------------------------------------------------------------
# Saving: a save that dies half-way leaves the previous file as it was
# ---------------------------------------------------------------------------------------------

_SAVER = textwrap.dedent(
    """
    import os, sys, time
    import metaclone
    from metaclone.lossless import document

    target, mode = sys.argv[1], sys.argv[2]
    doc = metaclone.loads(b"<configuration>" + b"<a/>" * 200_000 + b"</configuration>", target)
    editor = doc.xml.edit()
    editor.insert(doc.xml.root.content_start, "<new/>")
    editor.commit()

    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)
        def fileno(self):
            return self.handle.fileno()
        def flush(self):
            self.handle.flush()
        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            if mode == "exit":
                os._exit(9)
            print("HALF", flush=True)
            time.sleep(60)

    if mode in ("kill", "exit"):
        document.os.fdopen = lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k))
    elif mode == "exit-before-replace":
        document.os.replace = lambda *a, **k: os._exit(9)
    elif mode == "replace-fails":
        def refuse(*a, **k):
            raise PermissionError(13, "refused by the test")
        document.os.replace = refuse
    try:
        doc.save(target)
    except OSError as error:
        print("OSERROR", error, flush=True)
        raise SystemExit(0)
    print("SAVED", flush=True)
    """
)

OLD = b"<configuration><old/></configuration>\n"


def _saver(target: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(target), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def _leftovers(folder: Path, target: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p != target)


def test_save_killed_while_writing_keeps_the_old_file(tmp_path: Path) -> None:
    target = write(tmp_path, OLD)
    process = _saver(target, "kill")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "HALF", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert target.read_bytes() == OLD
    # A hard kill cannot clean up: the half-written temporary file stays, hidden beside the
    # target, named so that it never passes for the target itself.
    stray = _leftovers(tmp_path, target)
    assert all(p.name.startswith(f".{target.name}.") and p.suffix == ".tmp" for p in stray)
    assert len(stray) <= 1


@pytest.mark.parametrize("mode", ["exit", "exit-before-replace"])
def test_save_dying_before_the_rename_keeps_the_old_file(tmp_path: Path, mode: str) -> None:
    target = write(tmp_path, OLD)
    process = _saver(target, mode)
    process.communicate(timeout=120)
    assert process.returncode == 9
    assert target.read_bytes() == OLD
    stray = _leftovers(tmp_path, target)
    assert all(p.name.startswith(f".{target.name}.") and p.suffix == ".tmp" for p in stray)


def test_failed_save_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = write(tmp_path, OLD)
    process = _saver(target, "replace-fails")
    out, err = process.communicate(timeout=120)
    assert "OSERROR" in out, err
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path, target) == []


def test_completed_save_replaces_the_file(tmp_path: Path) -> None:
    target = write(tmp_path, OLD)
    os.chmod(target, 0o640)
    process = _saver(target, "normal")
    out, err = process.communicate(timeout=120)
    assert "SAVED" in out, err
    assert target.read_bytes().startswith(b"<configuration><new/><a/>")
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path, target) == []

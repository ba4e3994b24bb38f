"""A command imports what it uses: the parser no library code, a listing or an edit neither
the certificates (nor cryptography), the workflows, the conversion nor the other format; and
every public name is still there, loaded on first use."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import metaclone
from metaclone import certs, httpsys, workflow
from metaclone.certs import request
from metaclone.cli import EXIT_OK, EXIT_PROBLEMS, build_parser, main, options
from metaclone.cli import parser as parser_module
from metaclone.lazy import lazy_attributes, lazy_function, lazy_pattern
from metaclone.workflow import audit, report
from tests.conftest import FIXTURES, ROOT

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"

#: Standard modules that only some commands need (``--diff`` difflib, ``--in-place`` and
#: ``--dry-run`` hashlib, which loads OpenSSL; a backup's copy shutil): each costs milliseconds.
SOME_COMMANDS = ("difflib", "hashlib", "shutil")

#: Loaded only by the commands that write a file (pathlib for the checks of the target), and by
#: reports that name files as URIs.
WRITING = ("metaclone.lossless.output", "pathlib", "urllib.parse")

#: Loaded only to check an address or to read an HTTP.sys endpoint's, not by a listing.
ADDRESSES = "ipaddress"

#: The value types a listing or ``cert show`` builds none of, each in a module loaded on first
#: use: the applications, the findings and (but for ``sites --json``) the settings.
VALUES_NOT_LISTED = (
    "metaclone.model.applications",
    "metaclone.model.findings",
    "metaclone.model.settings",
)

#: Loaded only by an edit: what a commit did, and the indexes brought through it.
EDITS = ("metaclone.lossless.text_edit", "metaclone.iis7.rebase", "metaclone.iis6.key_rebase")

#: Loaded only by a comparison of two files (``diff``, ``check --against``), and json only by
#: what writes JSON.
COMPARISONS = ("metaclone.workflow.changes", "metaclone.model.parts")
JSON = "json"

#: The checks of an IIS 7 file, loaded by ``check`` (and by an edit with something to tell, as
#: a copy of a site of the fixture, which holds a location block of no site): not by a listing.
IIS7_CHECKS = (
    "metaclone.iis7.checks",
    "metaclone.iis7.validators",
    "metaclone.iis7.element_schema",
    "metaclone.model.checks",
)

#: What an IIS 6 listing does not run: the applications of every site, the checks, the copy
#: of a key subtree.
IIS6_NOT_LISTED = ("metaclone.iis6.applications", "metaclone.iis6.checks", "metaclone.iis6.cloning")

#: What an IIS 7 listing or ``cert show`` reads of no site: the location blocks and
#: customMetadata keys (read by a check or an edit), and the log, tracing and limits settings
#: (read by ``sites --json`` alone).
IIS7_NOT_LISTED = ("metaclone.iis7.references", "metaclone.iis7.site_settings")

#: How IIS 7 markup is written and what a copy of a site writes besides it, loaded by the edits
#: that write some: not by a listing or check.
IIS7_MARKUP = ("metaclone.iis7.style", "metaclone.iis7.starting", "metaclone.iis7.site_copy")

#: Run in a fresh interpreter: the modules loaded once ``main(argv)`` has run.  The modules of
#: :data:`SOME_COMMANDS` and the like are forgotten first (with their submodules), as the
#: interpreter's own start-up may load them.
_CHILD = f"""
import io, json, sys
forgotten = {(*SOME_COMMANDS, *WRITING, ADDRESSES, JSON)!r}
for name in [m for m in sys.modules if m in forgotten or m.split(".")[0] in forgotten]:
    sys.modules.pop(name)
from metaclone.cli import main
status = main(json.loads(sys.argv[1]), stdout=io.StringIO(), stderr=io.StringIO())
print(json.dumps({{"status": status, "modules": sorted(sys.modules)}}))
"""

#: Loaded by none of the commands below (the placeholder flow and the audit stand for
#: ``metaclone.workflow`` where ``check``, itself a workflow, loads the package; the steps
#: told after a placeholder, ``metaclone.handover``, stand for the placeholder flow too).
NEVER = ("cryptography", "metaclone.certs.certificate", "metaclone.convert")
WORKFLOWS = ("metaclone.workflow.placeholder", "metaclone.workflow.audit", "metaclone.handover")
OWN_PACKAGE = {IIS6: "metaclone.iis6", IIS7: "metaclone.iis7"}


def _in_child(script: str, argv: list[str]) -> Any:
    """What ``script`` prints as JSON, run in a fresh interpreter with ``argv`` as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _modules_after(argv: list[str]) -> tuple[int, set[str]]:
    result = _in_child(_CHILD, argv)
    return result["status"], set(result["modules"])


def _loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


@pytest.mark.parametrize(
    ("words", "path", "status"),
    [
        pytest.param(["sites", "{file}"], IIS6, EXIT_OK, id="sites-iis6"),
        pytest.param(["sites", "{file}", "--json"], IIS7, EXIT_OK, id="sites-json-iis7"),
        pytest.param(
            ["clone", "{file}", "--site", "1", "-o", "{out}"], IIS6, EXIT_OK, id="clone-iis6"
        ),
        pytest.param(
            ["clone", "{file}", "--site", "1", "-o", "{out}"], IIS7, EXIT_OK, id="clone-iis7"
        ),
        pytest.param(
            ["clone", "{file}", "--site", "1", "--diff"], IIS7, EXIT_OK, id="clone-diff-iis7"
        ),
        pytest.param(["check", "{file}"], IIS6, EXIT_PROBLEMS, id="check-iis6"),
        pytest.param(["check", "{file}"], IIS7, EXIT_PROBLEMS, id="check-iis7"),
        pytest.param(["cert", "show", "{file}"], IIS7, EXIT_OK, id="cert-show-iis7"),
    ],
)
def test_a_command_imports_only_what_it_uses(
    words: list[str], path: Path, status: int, tmp_path: Path
) -> None:
    out = tmp_path / f"out{path.suffix}"
    argv = [w.format(file=path, out=out) for w in words]
    exit_status, modules = _modules_after(argv)
    assert exit_status == status
    if "-o" in argv:
        assert out.read_bytes() != path.read_bytes()
    assert _loaded(modules, OWN_PACKAGE[path])
    if "--diff" in argv:
        assert "difflib" in modules
    unwanted = _unwanted(words, path, argv)
    assert [m for m in unwanted if _loaded(modules, m)] == []


def _unwanted(words: list[str], path: Path, argv: list[str]) -> list[str]:
    """What ``argv`` (the command ``words`` on ``path``) should not import."""
    other = OWN_PACKAGE[IIS7 if path == IIS6 else IIS6]
    unwanted = [*NEVER, other, *WORKFLOWS]
    if path == IIS6 or words[0] in ("sites", "clone"):
        # An IIS 6 file keeps its certificates itself: nothing of HTTP.sys but the app ids.
        # An IIS 7 listing or copy of sites without a certificate plan reads no endpoint
        # either, nor looks for the sites that share one.
        unwanted.extend(("metaclone.httpsys.endpoints", "metaclone.iis7.sharing"))
    if words[0] != "check":
        unwanted.append("metaclone.workflow")
    if "-o" not in argv:
        unwanted.extend(WRITING)
    unwanted.extend(COMPARISONS)
    if "-o" not in argv and "--diff" not in argv:
        # Only an edit brings the index through it, and tells what a commit did.
        unwanted.extend(EDITS)
    unwanted.extend(_unwanted_of_the_format(words, path, argv))
    if "--json" not in argv:
        unwanted.append(JSON)
    if words[0] == "sites":
        unwanted.append(ADDRESSES)
    if words[0] in ("sites", "cert"):
        unwanted.extend(m for m in VALUES_NOT_LISTED if "--json" not in argv or "settings" not in m)
    if "--diff" in argv:
        unwanted.extend(m for m in SOME_COMMANDS if m != "difflib")
    else:
        unwanted.extend(SOME_COMMANDS)
    return unwanted


def _unwanted_of_the_format(words: list[str], path: Path, argv: list[str]) -> list[str]:
    """What ``argv`` should not import of its own format's package."""
    if path == IIS6:
        return list(IIS6_NOT_LISTED) if words[0] == "sites" else []
    unwanted: list[str] = []
    if "-o" not in argv and "--diff" not in argv:
        unwanted.extend(IIS7_MARKUP)
    if words[0] in ("sites", "cert"):
        unwanted.extend(IIS7_CHECKS)
        unwanted.extend(m for m in IIS7_NOT_LISTED if "--json" not in argv or "references" in m)
    return unwanted


def test_building_the_parser_imports_no_library_code() -> None:
    child = (
        "import json, sys\n"
        "import metaclone\n"
        "from metaclone.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, check=True
    )
    ours = {m for m in json.loads(done.stdout) if m.startswith("metaclone")}
    assert "lxml" not in json.loads(done.stdout)
    assert ours == {
        "metaclone",
        "metaclone.__about__",
        "metaclone.errors",
        "metaclone.lazy",
        "metaclone.messages",
        "metaclone.cli",
        "metaclone.cli.console",
        "metaclone.cli.options",
        "metaclone.cli.parser",
        "metaclone.escaping",
    }


def test_the_parsers_copies_of_library_values_match_the_library() -> None:
    assert tuple(f.value for f in report.OutputFormat) == options.REPORT_FORMATS
    assert options.REPORT_FORMATS[0] == report.OutputFormat.TEXT.value
    assert options.KEY_TYPES == request.KEY_TYPES
    assert options.DEFAULT_KEY_TYPE == request.DEFAULT_KEY_TYPE
    assert options.DEFAULT_WARN_DAYS == audit.DEFAULT_WARN_DAYS


@pytest.mark.parametrize("package", [metaclone, certs, httpsys, workflow], ids=lambda p: p.__name__)
def test_every_public_name_resolves_and_is_listed(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert set(names) <= set(dir(package))
    for name in names:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = package.no_such_name  # type: ignore[attr-defined]


def test_lazy_names_are_the_objects_of_their_modules() -> None:
    from metaclone.certs.loading import load_certificate
    from metaclone.workflow.changes import diff_documents
    from metaclone.workflow.placeholder import begin

    assert metaclone.diff_documents is diff_documents
    assert metaclone.certs.load_certificate is load_certificate
    assert metaclone.workflow.begin is begin
    assert metaclone.certs.audit is audit.audit
    assert metaclone.convert.__name__ == "metaclone.convert"


def test_the_value_types_of_their_own_modules_are_those_of_model_sites() -> None:
    from metaclone.model import applications, findings, settings, sites

    assert sites.Application is applications.Application is metaclone.Application
    assert sites.VirtualDirectory is applications.VirtualDirectory is metaclone.VirtualDirectory
    assert sites.SiteSettings is settings.SiteSettings is metaclone.SiteSettings
    assert sites.Finding is findings.Finding is metaclone.Finding
    assert {"Application", "Finding", "SiteSettings", "VirtualDirectory"} <= set(dir(sites))


def test_lazy_attributes_import_a_name_once_and_nothing_for_special_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = types.ModuleType("fake_package")
    package.__all__ = ["dumps", "nothing_there"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_package", package)
    getattr_, dir_ = lazy_attributes("fake_package", {"dumps": "json"}, fallback="string")
    assert getattr_("dumps") is json.dumps
    assert package.__dict__["dumps"] is json.dumps  # kept: the hook is not asked again
    assert getattr_("ascii_letters") == "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for name in ("nothing_there", "__wrapped__"):
        with pytest.raises(AttributeError, match=f"'fake_package' has no attribute '{name}'"):
            getattr_(name)
    assert {"dumps", "nothing_there"} <= set(dir_())


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subcommands(sub).items()})
    return found


def test_the_parser_of_one_command_is_that_command_of_the_whole_parser() -> None:
    whole = _subcommands(build_parser())
    tops = [words for words in whole if " " not in words]
    assert len(tops) > 10
    for top in tops:
        alone = _subcommands(build_parser(top))
        assert set(alone) < set(whole), top
        for words in (w for w in whole if w == top or w.startswith(f"{top} ")):
            assert alone[words].format_help() == whole[words].format_help(), words
            assert alone[words].format_usage() == whole[words].format_usage(), words


@pytest.mark.parametrize(
    "argv",
    [
        ["sites"],
        ["sites", "a.xml", "--bogus"],
        ["cert"],
        ["placeholder", "begin", "a.xml"],
        ["nosuchcommand"],
        ["--version"],
        ["sites", "a.xml", "--json", "--applications"],
    ],
)
def test_one_commands_parser_parses_and_refuses_as_the_whole_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    def outcome(parser: argparse.ArgumentParser) -> tuple[object, str, str]:
        try:
            parsed: object = vars(parser.parse_args(argv))
        except SystemExit as exit_:
            parsed = exit_.code
        out, err = capsys.readouterr()
        return parsed, out, err

    whole = outcome(build_parser())
    alone = outcome(build_parser(argv[0]))
    # Handlers are made per parser: compare what they run, not the closures.
    for parsed in (whole[0], alone[0]):
        if isinstance(parsed, dict):
            parsed.pop("handler", None)
    assert alone == whole


def test_a_lazy_function_imports_its_module_on_the_first_call_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    to_hls = lazy_function("colorsys", "rgb_to_hls")
    assert "colorsys" not in sys.modules
    assert to_hls(1.0, 0.0, 0.0) == (0.0, 0.5, 1.0)
    import colorsys

    assert to_hls(0.0, 1.0, 0.0) == colorsys.rgb_to_hls(0.0, 1.0, 0.0)
    assert to_hls(r=0.2, g=0.4, b=0.6) == colorsys.rgb_to_hls(0.2, 0.4, 0.6)


def test_a_lazy_pattern_compiles_once_on_first_use_and_answers_as_the_pattern() -> None:
    compiled: list[str] = []

    def compile_() -> re.Pattern[str]:
        compiled.append("now")
        return re.compile(r"(?P<key>\w+)=(\d+)")

    pattern = lazy_pattern(compile_)
    assert compiled == []
    assert "first use" in repr(pattern)
    text = "a=1 bb=22"
    assert pattern.search(text) is not None
    assert [m.span() for m in pattern.finditer(text)] == [(0, 3), (4, 9)]
    assert pattern.findall(text) == [("a", "1"), ("bb", "22")]
    assert pattern.fullmatch("x=5", 0, 3) is not None
    assert pattern.match(text, 4) is not None
    assert pattern.groupindex["key"] == 1
    assert pattern.pattern == r"(?P<key>\w+)=(\d+)"
    assert pattern.sub("-", text) == "- -"
    assert compiled == ["now"]
    assert repr(pattern) == repr(re.compile(r"(?P<key>\w+)=(\d+)"))


#: Run in a fresh interpreter: the length of every pattern compiled (not found in re's cache)
#: while the command runs.
_COMPILED = """
import io, json, re, sys
compiled = []
real = re._compile
def watch(pattern, flags):
    if (type(pattern), pattern, flags) not in re._cache:
        compiled.append(len(str(pattern)))
    return real(pattern, flags)
re._compile = watch
from metaclone.cli import main
main(json.loads(sys.argv[1]), stdout=io.StringIO(), stderr=io.StringIO())
print(json.dumps(compiled))
"""

#: Longer than any pattern a listing needs; the nested element pattern that reads a site's
#: limits, log file and tracing settings is.
_LARGE = 3000


@pytest.mark.parametrize(("words", "large"), [(["sites"], False), (["sites", "--json"], True)])
def test_the_large_patterns_are_compiled_by_the_commands_that_use_them(
    words: list[str], large: bool
) -> None:
    lengths = _in_child(_COMPILED, [words[0], str(IIS7), *words[1:]])
    assert lengths
    assert (max(lengths) > _LARGE) is large


#: Run in a fresh interpreter: the text of every pattern compiled while the command runs.
_COMPILED_TEXTS = _COMPILED.replace("len(str(pattern))", "str(pattern)")

#: Patterns that a listing does not use, compiled on first use: (module, name).
_NOT_FOR_LISTINGS = [
    ("metaclone.model.sites", "_HEX_SEPARATORS"),
    ("metaclone.lossless.values", "_NOT_XML_CHAR"),
    ("metaclone.lossless.pieces", "_TAG"),
    ("metaclone.model.rules", "_STORE_NAME"),
    ("metaclone.iis7.children", "_CHILD"),
    ("metaclone.iis7.clean_shapes", "_KEYS"),
    ("metaclone.iis7.clean_shapes", "_BINDING_VALUES"),
    ("metaclone.httpsys.endpoints", "_HOST_NAME"),
    ("metaclone.httpsys.endpoints", "_GUID"),
    ("metaclone.iis6.key_scan", "_KEY"),
    ("metaclone.iis6.checks", "_PLAIN_BINDING"),
    ("metaclone.iis6.checks", "_ALL_PLAIN_NAMES"),
    ("metaclone.cli.console", "_SEVERITY_WORD"),
    ("metaclone.lossless.gate", "_HUGE_HINT"),
    ("metaclone.model.rules", "_CONTROL"),
    ("metaclone.model.rules", "_LABEL"),
    ("metaclone.iis7.children", "_ATTRIBUTE"),
    ("metaclone.iis7.clean_shapes", "_LISTED_TAGS"),
    ("metaclone.iis7.clean_shapes", "_ATTRIBUTE"),
    ("metaclone.iis7.clean_shapes", "_DIRECTORY_TAGS"),
    ("metaclone.iis7.clean_shapes", "_SITE_DEFAULTS_TAG"),
    ("metaclone.iis7.clean_shapes", "_POOL_NAMES"),
    ("metaclone.iis7.defaults", "_EMPTY_SECRET"),
    ("metaclone.iis7.site_settings", "_FIRST"),
    ("metaclone.iis7.references", "_METADATA_SITE_KEY"),
    ("metaclone.iis7.references", "_PLAIN_PATH"),
    ("metaclone.iis7.index", "_PLAIN_SITE"),
    ("metaclone.iis6.indexing", "TOP_LEVEL_TAG"),
    ("metaclone.iis6.indexing", "_FIRST_LOCATION"),
    ("metaclone.iis6.schema", "_SECURE_BLOB"),
    ("metaclone.iis6.key_paths", "_RUNS"),
    ("metaclone.iis6.key_paths", "_PADDED_SITE"),
    ("metaclone.iis6.reading", "_SERVER_COMMENT"),
    ("metaclone.iis6.names", "_ANY_SERVER_COMMENT"),
    ("metaclone.iis6.inherit", "_INHERITED_ELEMENT"),
    ("metaclone.iis6.key_values", "_BEFORE_PROPERTY"),
    ("metaclone.iis6.key_text", "_NAME"),
    ("metaclone.iis6.properties", "_CONTROL"),
]


#: The same, kept in tuples of (pattern, what it stands for).
_NOT_FOR_LISTINGS_IN_TUPLES = [
    *importlib.import_module("metaclone.lossless.gate")._LIMITS,
    *((p, m) for m, p in importlib.import_module("metaclone.iis7.schema")._IIS10_MARKS),
]


@pytest.mark.parametrize("path", [IIS6, IIS7], ids=["iis6", "iis7"])
def test_a_listing_compiles_none_of_the_patterns_it_does_not_use(path: Path) -> None:
    compiled = set(_in_child(_COMPILED_TEXTS, ["sites", str(path)]))
    assert compiled
    lazy = {
        getattr(importlib.import_module(module), name).pattern for module, name in _NOT_FOR_LISTINGS
    }
    lazy |= {pattern.pattern for pattern, _ in _NOT_FOR_LISTINGS_IN_TUPLES}
    assert sorted(lazy & compiled) == []


def test_an_edit_compiles_none_of_the_listing_passes_patterns(tmp_path: Path) -> None:
    out = tmp_path / "applicationHost.config"
    compiled = set(_in_child(_COMPILED_TEXTS, ["stop", str(IIS7), "--site", "2", "-o", str(out)]))
    assert out.exists()
    assert compiled
    listing = importlib.import_module("metaclone.iis7.listing")
    quick_site = listing._quick_alone.__wrapped__()[0].pattern
    assert listing._LISTING_PATTERN not in compiled
    assert quick_site not in compiled


def _every_parser(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [parser, *_subcommands(parser).values()]


def test_the_help_is_laid_out_as_argparse_does_at_the_terminals_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def helps() -> list[str]:
        return [p.format_help() + p.format_usage() for p in _every_parser(build_parser())]

    by_width: dict[str, list[str]] = {}
    for columns in ("40", "100"):
        monkeypatch.setenv("COLUMNS", columns)
        ours = helps()
        monkeypatch.setattr(options, "HelpFormatter", argparse.RawDescriptionHelpFormatter)
        monkeypatch.setattr(parser_module, "HelpFormatter", argparse.RawDescriptionHelpFormatter)
        assert ours == helps()
        monkeypatch.undo()
        by_width[columns] = ours
    assert by_width["40"] != by_width["100"]


def test_finishing_a_placeholder_reads_no_netsh_output_it_was_not_given(tmp_path: Path) -> None:
    begun = tmp_path / "begun.config"
    begin = ["placeholder", "begin", str(IIS7), "--site", "Shop", "-o", str(begun)]
    assert main(begin, stdout=io.StringIO(), stderr=io.StringIO()) == EXIT_OK
    stand_in = metaclone.load(begun).site("Shop (placeholder)")
    out = tmp_path / "finished.config"
    finish = ["placeholder", "finish", str(begun), "--site", "Shop"]
    finish += ["--placeholder", str(stand_in.id), "--thumbprint", "ab" * 20, "-o", str(out)]
    status, modules = _modules_after(finish)
    assert status == EXIT_OK
    assert ("cd" not in out.read_text() and "ab" * 20 in out.read_text()) or out.exists()
    assert {"metaclone.workflow.placeholder", "metaclone.httpsys.planning"} <= modules
    unwanted = ("metaclone.httpsys.netsh", "metaclone.iis6", *NEVER, *SOME_COMMANDS)
    assert [m for m in unwanted if _loaded(modules, m)] == []

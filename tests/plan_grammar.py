"""The forms a generated plan's lines may take, and a model of running a plan.

Tests check every line of a rendered plan against these forms: a comment in which nothing can
act, or one of the few command lines the renderer writes, with values from a closed alphabet.
Free text (site names, warnings) can only ever sit in a comment.  ``run_cmd`` and
``run_powershell`` execute the command forms against a model of HTTP.sys (a dict of entries),
with netsh's behaviour: ``show`` fails for a missing entry, ``add`` for an existing one,
``update`` and ``delete`` for a missing one.
"""

from __future__ import annotations

import re

import attrs

_KEY = r"(?:ipport|hostnameport|ccs)=[A-Za-z0-9.:\[\]*-]+"
_CMD_VALUE = r'(?:[A-Za-z0-9._:\[\]{}*-]+|"[A-Za-z0-9_. -]+")'
_CMD_ARGS = rf"{_KEY}(?: [a-z0-9]+={_CMD_VALUE})*"
_THUMB = "[0-9a-f]{40}"
_STORE = r"[A-Za-z0-9_.-]+(?: [A-Za-z0-9_.-]+)*"
_ASCII_INERT = r'(?:%%|[^%&|<>^"!\x00-\x1f\x7f-\U0010ffff])'

CMD_COMMENT = re.compile(rf"rem {_ASCII_INERT}*")
CMD_ELEVATED = re.compile(r"net session >nul 2>&1 \|\| \(echo [A-Za-z .:]+ & exit /b 1\)")
CMD_CERTIFICATE = re.compile(
    rf'certutil -store (?:(?P<store>[A-Za-z0-9_.-]+)|"(?P<spaced>{_STORE})") (?P<thumb>{_THUMB}) '
    r">nul 2>&1 \|\| "
    rf"\(echo Certificate (?P=thumb) is not in the local machine store {_STORE}: import it "
    r"first\. & exit /b 1\)"
)
CMD_SHOW = re.compile(rf"netsh http show sslcert (?P<key>{_KEY}) >nul 2>&1")
CMD_SET = re.compile(
    rf"if errorlevel 1 \(netsh http add sslcert (?P<add>{_CMD_ARGS})\) else "
    rf"\(netsh http update sslcert (?P<update>{_CMD_ARGS})\)"
)
CMD_STOP = re.compile(r"if errorlevel 1 exit /b 1")
CMD_DELETE = re.compile(
    rf"netsh http show sslcert (?P<key>{_KEY}) >nul 2>&1 && "
    r"\(netsh http delete sslcert (?P=key) \|\| exit /b 1\)"
)
CMD_END = re.compile(r"exit /b 0")
CMD_FORMS = (
    CMD_COMMENT,
    CMD_ELEVATED,
    CMD_CERTIFICATE,
    CMD_SHOW,
    CMD_SET,
    CMD_STOP,
    CMD_DELETE,
    CMD_END,
)

_PS_KEY = r"(?:ipport|hostnameport|ccs)=(?:[A-Za-z0-9.:-]+|'[A-Za-z0-9.:\[\]*-]+')"
_PS_VALUE = r"(?:[A-Za-z0-9._:-]+|'[A-Za-z0-9_.:\[\]{}* -]+')"
_PS_ARGS = rf"{_PS_KEY}(?: [a-z0-9]+={_PS_VALUE})*"
_PS_LITERAL = "'(?:[^'\u2018-\u201b\\x00-\\x1f]|['\u2018-\u201b]{2})*'"
_PS_THROW = rf"if \(\$LASTEXITCODE -ne 0\) \{{ throw {_PS_LITERAL} \+ \$LASTEXITCODE \}}"
# A comment: anything but the characters that end a line or reorder it.
PS_COMMENT = re.compile(
    r"# [^\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]*"
)
PS_FIXED = frozenset(
    {
        "",
        "$ErrorActionPreference = 'Stop'",
        "$PSNativeCommandUseErrorActionPreference = $false",
        "$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]"
        "::GetCurrent()",
        "if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) "
        "{ throw 'This plan needs an elevated PowerShell session: run it as administrator' }",
    }
)
PS_CERTIFICATE = re.compile(
    r"if \(-not \(Test-Path -LiteralPath 'Cert:\\LocalMachine\\"
    rf"(?P<store>{_STORE})\\(?P<thumb>[0-9A-F]{{40}})'\)\) "
    rf"\{{ throw {_PS_LITERAL} \}}"
)
PS_SHOW = re.compile(rf"netsh http show sslcert (?P<key>{_PS_KEY}) \| Out-Null")
PS_SET = re.compile(
    rf"if \(\$LASTEXITCODE -eq 0\) \{{ netsh http update sslcert (?P<update>{_PS_ARGS}) \}} "
    rf"else \{{ netsh http add sslcert (?P<add>{_PS_ARGS}) \}}"
)
PS_STOP = re.compile(_PS_THROW)
PS_DELETE = re.compile(
    rf"if \(\$LASTEXITCODE -eq 0\) \{{ netsh http delete sslcert (?P<key>{_PS_KEY}); "
    rf"{_PS_THROW} \}}"
)
PS_FORMS = (PS_COMMENT, PS_CERTIFICATE, PS_SHOW, PS_SET, PS_STOP, PS_DELETE)


def unknown_cmd_lines(script: str) -> list[str]:
    """The lines of a cmd plan that are none of the known forms (CR, LF, CRLF all split)."""
    lines = script.removesuffix("\n").split("\n")
    return [line for line in lines if not any(f.fullmatch(line) for f in CMD_FORMS)]


def unknown_powershell_lines(script: str) -> list[str]:
    lines = script.removesuffix("\n").split("\n")
    return [
        line
        for line in lines
        if line not in PS_FIXED and not any(f.fullmatch(line) for f in PS_FORMS)
    ]


def set_commands(script: str) -> list[str]:
    """The arguments of each "update, else add" line of a cmd plan (the same for both verbs)."""
    found = []
    for line in script.split("\n"):
        match = CMD_SET.fullmatch(line)
        if match:
            assert match["add"] == match["update"]
            found.append(match["add"])
    return found


def delete_commands(script: str) -> list[str]:
    return [m["key"] for line in script.split("\n") if (m := CMD_DELETE.fullmatch(line))]


@attrs.define
class HttpSysModel:
    """HTTP.sys entries (key -> parameters), certificates in stores, and whether elevated."""

    entries: dict[str, str]
    certificates: set[tuple[str, str]]
    elevated: bool = True
    commands: list[str] = attrs.Factory(list)

    def netsh(self, verb: str, arguments: str) -> int:
        # Values never hold quotes, so cmd's "..." and PowerShell's '...' both come off.
        arguments = arguments.replace('"', "").replace("'", "")
        self.commands.append(f"{verb} {arguments}")
        key, _, rest = arguments.partition(" ")
        present = key in self.entries
        if verb == "show":
            return 0 if present else 1
        if verb == "delete":
            return 0 if self.entries.pop(key, None) is not None else 1
        if (verb == "add") == present:
            return 1  # add finds the entry, or update finds none
        self.entries[key] = rest
        return 0


def run_cmd(script: str, model: HttpSysModel) -> int:  # noqa: C901, PLR0912 (one branch per form)
    """Run a cmd plan (its known forms only) against ``model``; the exit code."""
    errorlevel = 0
    for line in script.removesuffix("\n").split("\n"):
        if CMD_COMMENT.fullmatch(line):
            continue
        if CMD_ELEVATED.fullmatch(line):
            if not model.elevated:
                return 1
        elif certificate := CMD_CERTIFICATE.fullmatch(line):
            store = certificate["store"] or certificate["spaced"]
            if (store.upper(), certificate["thumb"]) not in model.certificates:
                return 1
        elif show := CMD_SHOW.fullmatch(line):
            errorlevel = model.netsh("show", show["key"])
        elif command := CMD_SET.fullmatch(line):
            if errorlevel:
                errorlevel = model.netsh("add", command["add"])
            else:
                errorlevel = model.netsh("update", command["update"])
        elif CMD_STOP.fullmatch(line):
            if errorlevel:
                return 1
        elif delete := CMD_DELETE.fullmatch(line):
            errorlevel = model.netsh("show", delete["key"])
            if not errorlevel and model.netsh("delete", delete["key"]):
                return 1
        elif CMD_END.fullmatch(line):
            return 0
        else:
            raise AssertionError(f"not a known plan line: {line!r}")
    return errorlevel


_ELEVATION_CHECK = "if (-not $principal.IsInRole("


def run_powershell(script: str, model: HttpSysModel) -> int:  # noqa: C901, PLR0912 (one per form)
    """Run a PowerShell plan (its known forms only) against ``model``; 1 where it throws."""
    exit_code = 0
    for line in script.removesuffix("\n").split("\n"):
        if line in PS_FIXED or PS_COMMENT.fullmatch(line):
            if line.startswith(_ELEVATION_CHECK) and not model.elevated:
                return 1
        elif certificate := PS_CERTIFICATE.fullmatch(line):
            found = (certificate["store"].upper(), certificate["thumb"].lower())
            if found not in model.certificates:
                return 1
        elif show := PS_SHOW.fullmatch(line):
            exit_code = model.netsh("show", show["key"])
        elif command := PS_SET.fullmatch(line):
            if exit_code:
                exit_code = model.netsh("add", command["add"])
            else:
                exit_code = model.netsh("update", command["update"])
        elif PS_STOP.fullmatch(line):
            if exit_code:
                return 1
        elif delete := PS_DELETE.fullmatch(line):
            if not exit_code and model.netsh("delete", delete["key"]):
                return 1
        else:
            raise AssertionError(f"not a known plan line: {line!r}")
    return 0

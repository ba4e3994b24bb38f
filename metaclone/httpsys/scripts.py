"""HTTP.sys plans as scripts: cmd (netsh) and PowerShell, safe to run on a stale capture.

A plan is run by an administrator in an elevated prompt, perhaps twice, perhaps long after the
``netsh http show sslcert`` capture it was made from.  So each script

- first checks that it runs elevated and that every certificate it installs is in the local
  machine store it names, and changes nothing otherwise;
- sets each entry whatever its state: ``update`` when the entry exists now, else ``add``, with
  the same parameters (the settings carried from the captured entry included);
- deletes an entry only when it exists now, so a delete that already happened does not fail;
- stops at the first command that fails.

Values reach a script only through :func:`netsh_argument`, which writes a value whose grammar
makes it inert and refuses anything else; free text (site names, warnings) is only ever written
into comments, through :mod:`metaclone.escaping`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from metaclone.errors import PlanValueError
from metaclone.escaping import cmd_comment, powershell_comment, powershell_literal, visible
from metaclone.model.rules import store_name_problem

#: Values written as they are: IP addresses (``[::1]``), ports, host names, GUIDs in braces,
#: thumbprints, netsh keywords.
_PLAIN = re.compile(r"[A-Za-z0-9._:\[\]{}*-]+")
#: The subset PowerShell reads as plain text in argument mode.
_PS_PLAIN = re.compile(r"[A-Za-z0-9._:-]+")
#: Values with spaces (store names): quoted.
_SPACED = re.compile(r"[A-Za-z0-9_.-]+(?: [A-Za-z0-9_.-]+)*")
_NAME = re.compile(r"[a-z][a-z0-9]*")
_THUMBPRINT = re.compile(r"[0-9a-f]{40}")

CMD_TITLE = "HTTP.sys certificate plan: run in an elevated command prompt"
POWERSHELL_TITLE = "HTTP.sys certificate plan: run in an elevated PowerShell session"
_ABOUT = (
    "It checks that it runs elevated and that each certificate is in its store, then updates",
    "each entry (or adds it) or deletes it (if present); it stops at the first failure and is",
    "safe to run again.",
)


@attrs.frozen
class NetshStep:
    """One HTTP.sys entry to set or delete.

    ``key`` is the entry's key parameter (``("ipport", "0.0.0.0:443")``); ``settings`` the
    parameters of ``add``/``update`` (certificate hash, application id, store, carried settings),
    empty for a delete.  ``comment`` is free text, shown as a comment above the commands.
    """

    comment: str
    key: tuple[str, str]
    settings: tuple[tuple[str, str], ...] = ()

    @property
    def deletes(self) -> bool:
        return not self.settings


@attrs.frozen
class PlanScript:
    """What a script does: warnings (comments), certificates to find, steps in order."""

    warnings: tuple[str, ...]
    certificates: tuple[tuple[str, str], ...]  # (store, thumbprint), checked before any step
    steps: tuple[NetshStep, ...]


def _checked(name: str, value: str) -> str:
    if not _NAME.fullmatch(name):
        raise PlanValueError(f"{visible(name)!r} is not a netsh parameter name")
    if not (_PLAIN.fullmatch(value) or _SPACED.fullmatch(value)):
        raise PlanValueError(
            f"{name}={visible(value)!r} cannot be written into a plan: a value there is an "
            "address, port, host name, GUID, thumbprint or store name (letters, digits, "
            "'.', '_', '-', ':', '[]', '{}', '*' and single spaces)"
        )
    return value


def netsh_argument(name: str, value: str, *, powershell: bool) -> str:
    """``name=value`` for cmd or PowerShell; raises :class:`PlanValueError` for other values.

    A value with spaces is double-quoted for cmd and single-quoted for PowerShell, as are values
    PowerShell would otherwise read as script (``{...}``, ``[...]``, ``*``).
    """
    value = _checked(name, value)
    if powershell:
        if _PS_PLAIN.fullmatch(value):
            return f"{name}={value}"
        return f"{name}={powershell_literal(value)}"
    return f"{name}={value}" if _PLAIN.fullmatch(value) else f'{name}="{value}"'


def _command(verb: str, arguments: Sequence[tuple[str, str]], *, powershell: bool) -> str:
    words = [netsh_argument(name, value, powershell=powershell) for name, value in arguments]
    return f"netsh http {verb} sslcert " + " ".join(words)


def _checked_certificate(store: str, thumbprint: str) -> tuple[str, str]:
    """The store and thumbprint of a certificate check, refused unless they follow their rules
    (they become part of a ``Cert:`` path and of a message, besides a certutil argument)."""
    problem = store_name_problem(store)
    if problem is not None:
        raise PlanValueError(f"certificate store {visible(store)!r} is refused: {problem}")
    if not _THUMBPRINT.fullmatch(thumbprint):
        raise PlanValueError(
            f"thumbprint {visible(thumbprint)!r} is refused: 40 lower-case hexadecimal digits"
        )
    return store, thumbprint


# -- cmd ---------------------------------------------------------------------------------------


#: Longest comment line written.  cmd reads at most 8191 characters of a script line and does
#: not treat the rest as part of the comment, so a long name is continued on further lines.
MAX_COMMENT_LINE = 2000


def _rem_lines(label: str, text: str) -> list[str]:
    """``text`` as ``rem`` lines of at most :data:`MAX_COMMENT_LINE` characters each."""
    lines: list[str] = []
    current = f"rem {label}"
    for character in text:
        shown = cmd_comment(character)
        if len(current) + len(shown) > MAX_COMMENT_LINE:
            lines.append(current)
            current = "rem ... "
        current += shown
    lines.append(current)
    return lines


def _cmd_store(store: str) -> str:
    return store if _PLAIN.fullmatch(store) else f'"{store}"'


def _cmd_step(step: NetshStep) -> list[str]:
    show = _command("show", [step.key], powershell=False) + " >nul 2>&1"
    if step.deletes:
        delete = _command("delete", [step.key], powershell=False)
        return [f"{show} && ({delete} || exit /b 1)"]
    arguments = [step.key, *step.settings]
    update = _command("update", arguments, powershell=False)
    add = _command("add", arguments, powershell=False)
    # "if errorlevel 1 (...) else (...)": a failing update must stop the plan, not fall through
    # to an add, as "show && update || add" would.
    return [show, f"if errorlevel 1 ({add}) else ({update})", "if errorlevel 1 exit /b 1"]


def to_cmd(script: PlanScript) -> str:
    """The plan as a cmd script (``.cmd``), LF line ends; every line ASCII.

    Lines are comments (``rem``), the two precondition checks, and per step either
    ``show`` / ``if errorlevel 1 (add) else (update)`` / ``if errorlevel 1 exit /b 1`` or
    ``show && (delete || exit /b 1)``; it ends with ``exit /b 0``.
    """
    lines = [f"rem {CMD_TITLE}", *(f"rem {text}" for text in _ABOUT)]
    for warning in script.warnings:
        lines.extend(_rem_lines("warning: ", warning))
    if not script.steps:
        lines.append("rem nothing to change in HTTP.sys")
        return "\n".join(lines) + "\n"
    lines.append(
        "net session >nul 2>&1 || (echo This plan needs an elevated command prompt: run it as "
        "administrator. & exit /b 1)"
    )
    for certificate in script.certificates:
        store, thumbprint = _checked_certificate(*certificate)
        lines.append(
            f"certutil -store {_cmd_store(store)} {thumbprint} >nul 2>&1 || (echo Certificate "
            f"{thumbprint} is not in the local machine store {store}: import it first. "
            "& exit /b 1)"
        )
    for step in script.steps:
        lines.extend(_rem_lines("", step.comment))
        lines.extend(_cmd_step(step))
    lines.append("exit /b 0")
    return "\n".join(lines) + "\n"


# -- PowerShell --------------------------------------------------------------------------------


def _ps_failure(step: NetshStep, what: str) -> str:
    message = powershell_literal(f"{what} {step.key[0]}={step.key[1]} failed: exit code ")
    return f"if ($LASTEXITCODE -ne 0) {{ throw {message} + $LASTEXITCODE }}"


def _ps_step(step: NetshStep) -> list[str]:
    show = _command("show", [step.key], powershell=True) + " | Out-Null"
    if step.deletes:
        delete = _command("delete", [step.key], powershell=True)
        failure = _ps_failure(step, "netsh http delete sslcert")
        return [show, f"if ($LASTEXITCODE -eq 0) {{ {delete}; {failure} }}"]
    arguments = [step.key, *step.settings]
    update = _command("update", arguments, powershell=True)
    add = _command("add", arguments, powershell=True)
    return [
        show,
        f"if ($LASTEXITCODE -eq 0) {{ {update} }} else {{ {add} }}",
        _ps_failure(step, "setting the certificate of"),
    ]


_PS_ELEVATED = (
    "$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]"
    "::GetCurrent()",
    "if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) "
    "{ throw 'This plan needs an elevated PowerShell session: run it as administrator' }",
)


def to_powershell(script: PlanScript) -> str:
    """The plan as a PowerShell script (``.ps1``) calling netsh.exe.

    ``$ErrorActionPreference = 'Stop'`` stops it at a failing cmdlet and ``$LASTEXITCODE`` is
    checked after each netsh command that changes something.  Values PowerShell would read as
    script (the braces of an application id, the brackets of an IPv6 address) are single-quoted.
    """
    lines = [f"# {POWERSHELL_TITLE}", *(f"# {powershell_comment(text)}" for text in _ABOUT)]
    lines.extend(f"# warning: {powershell_comment(warning)}" for warning in script.warnings)
    lines += [
        "$ErrorActionPreference = 'Stop'",
        "$PSNativeCommandUseErrorActionPreference = $false",
    ]
    if not script.steps:
        lines.append("# nothing to change in HTTP.sys")
        return "\n".join(lines) + "\n"
    lines.extend(_PS_ELEVATED)
    for certificate in script.certificates:
        store, thumbprint = _checked_certificate(*certificate)
        path = powershell_literal(f"Cert:\\LocalMachine\\{store}\\{thumbprint.upper()}")
        message = powershell_literal(
            f"Certificate {thumbprint} is not in the local machine store {store}: import it first"
        )
        lines.append(f"if (-not (Test-Path -LiteralPath {path})) {{ throw {message} }}")
    for step in script.steps:
        lines.extend(("", f"# {powershell_comment(step.comment)}", *_ps_step(step)))
    return "\n".join(lines) + "\n"

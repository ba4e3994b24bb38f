"""Findings in the forms people, CI systems and editors read: text, SARIF 2.1.0, GitHub commands.

A command turns what it found into :class:`ReportItem` values (a check finding, a change, a
file that could not be read: each with a code, a severity, a message and a place) and renders
them with :func:`render_text`, :func:`render_sarif` or :func:`render_github`.  The codes are
described by :class:`Rule` values; :data:`RULES` holds those of ``check``, ``cert audit`` and
``diff``, and a command with codes of its own passes its rules alongside.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from metaclone.__about__ import __version__
from metaclone.errors import MetacloneError
from metaclone.model.sites import Finding, Severity
from metaclone.workflow.change_kinds import CHANGE_KINDS

if TYPE_CHECKING:
    # A report of findings alone does not load the comparison.
    from metaclone.workflow.changes import Change

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
TOOL_NAME = "metaclone"

#: The code of a file that could not be read.
UNREADABLE = "unreadable-file"


class OutputFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


@attrs.frozen
class Rule:
    """What a code means: a short description and a help text saying what to do."""

    id: str
    short: str
    help: str

    def to_sarif(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": "".join(part.capitalize() for part in self.id.split("-")),
            "shortDescription": {"text": self.short},
            "fullDescription": {"text": self.help},
            "help": {"text": self.help},
        }


def _rules(entries: Iterable[tuple[str, str, str]]) -> dict[str, Rule]:
    return {code: Rule(code, short, help_text) for code, short, help_text in entries}


#: The codes of ``check`` findings, of notes left by operations, and of unreadable files.
CHECK_RULES = _rules(
    [
        (
            "not-carried",
            "An IIS 6 property has no place in IIS 7, whole or in part.",
            "metaclone convert names each property it could not carry into applicationHost.config; "
            "set it by hand on the server after the import, or convert with --strict to refuse.",
        ),
        (
            "pool-exists",
            "A converted site uses an application pool the target already has.",
            "The target's pool is used as it is; compare its settings with the IIS 6 pool's.",
        ),
        (
            "pool-not-defined",
            "A converted site names an application pool the metabase does not define.",
            "The pool is created with the default settings; set its identity and recycling by "
            "hand.",
        ),
        (
            "duplicate-site-id",
            "Two sites have the same id.",
            "IIS refuses a configuration in which two sites share an id. Give one of them "
            "another id (metaclone clone --id, or edit the file) and select sites by name.",
        ),
        (
            "duplicate-site-name",
            "Two sites have the same name.",
            "Site names are unique keys (compared without regard to case). Rename one site; "
            "until then select them by id.",
        ),
        (
            "duplicate-binding",
            "Two started sites have the same binding.",
            "Only one of them can start ('Cannot register the URL prefix'). Stop one site or "
            "give it other bindings.",
        ),
        (
            "approot-outside-site",
            "An application's AppRoot points outside its site.",
            "Usually left by a copy that did not rewrite AppRoot. Set AppRoot to the key's own "
            "path below the site (/LM/W3SVC/<id>/Root/...).",
        ),
        (
            "unnumbered-site-key",
            "An IIS 6 server key is named by no site id.",
            "IIS 6 names a site's key by its id (/LM/W3SVC/<id>, /LM/MSFTPSVC/<id>); a key "
            "named otherwise is no site, and metaclone neither lists nor changes it. Rename "
            "the key (and the keys below it) to a free id, or remove it.",
        ),
        (
            "waiting-for-certificate",
            "A site has https bindings but no certificate.",
            "A certificate request is pending or was abandoned: https does not work until a "
            "certificate is installed (metaclone placeholder begin/finish, or cert set).",
        ),
        (
            "missing-certificate",
            "HTTP.sys has no certificate for an https binding.",
            "The netsh capture has no entry for the binding's endpoint. Add one (netsh http "
            "add sslcert) or run metaclone cert set, which writes the plan.",
        ),
        (
            "shared-com-package",
            "Two sites share a COM+ package.",
            "In IIS 5 isolation mode both would run in one COM+ application. Give the copy its "
            "own AppPackageID/AppWamClsid, or run in worker process isolation mode.",
        ),
        (
            "orphaned-location",
            "A <location> block names no site.",
            "Usually left behind by a deleted or renamed site. Delete the block or correct its "
            "path; metaclone leaves it alone.",
        ),
        (
            "duplicate-element",
            "A site or <siteDefaults> holds <bindings>, <limits>, <logFile> or another element "
            "IIS reads once more than once.",
            "Which one IIS would read is not defined; merge them into one. metaclone refuses to "
            "clone a site with two <bindings> or to replace its bindings until then.",
        ),
        (
            "duplicate-defaults",
            "<siteDefaults>, <applicationDefaults> or <virtualDirectoryDefaults> is repeated.",
            "IIS does not accept a repeated element, so what the sites inherit is not defined; "
            "metaclone refuses to read or change the sites until they are merged into one.",
        ),
        (
            "stale-metadata",
            "customMetadata is left for a site id no site has.",
            "A new site given that id would inherit it (Microsoft KB 3202096). Remove the key "
            "or never reuse the id.",
        ),
        (
            "shared-sslcert-endpoint",
            "Several sites' https bindings share one HTTP.sys entry.",
            "A certificate change on that endpoint changes it for all of them. Use SNI (sslFlags "
            "1) or separate IP addresses to give each its own.",
        ),
        (
            "certificate-on-binding",
            "A <binding> carries certificate attributes.",
            "certificateHash and certificateStoreName are computed at run time; the IIS schema "
            "rejects them in the file. Remove them and keep the certificate in HTTP.sys.",
        ),
        (
            "id-from-file-only",
            "A site id was chosen among the sites of this file only.",
            "Check that the server has no site with that id before importing the file.",
        ),
        (
            "no-pool-cloned",
            "A cloned site uses the default application pool.",
            "The source site names no pool of its own, so the clone shares the default one.",
        ),
        (
            "site-specific-value",
            "A copied value mentions the source site.",
            "The clone keeps it as it is; change it by hand if the clone needs its own.",
        ),
        (
            "inconsistent-site",
            "An appcmd <SITE> contradicts the <site> it holds.",
            "It holds several <site> elements, or its SITE.NAME/SITE.ID name another site; "
            "appcmd add site /in would read it otherwise than intended. Correct the file; "
            "metaclone refuses to edit that site until then.",
        ),
        (
            "inherited-certificate",
            "A site whose certificate was removed still gets one.",
            "It inherits one (IIS 6 /LM/W3SVC, IIS 7 <siteDefaults> for FTP) or a wider "
            "HTTP.sys entry serves it. Remove it there too if the site must have none.",
        ),
        (
            "schema-unknown-attribute",
            "An attribute the IIS schema does not define.",
            "IIS refuses to read a configuration with an attribute its schema does not define. "
            "Remove the attribute or correct its name.",
        ),
        (
            "schema-missing-attribute",
            "A required attribute is absent.",
            "IIS refuses the element without it (a site's name and id, a binding's protocol "
            "and bindingInformation, an application's path). Add the attribute.",
        ),
        (
            "schema-type",
            "A value is not of its attribute's type.",
            "IIS reads uint, bool (true or false) and enum values only in their own form. "
            "Write the value as the schema types it.",
        ),
        (
            "schema-rule",
            "A value breaks one of IIS's validation rules.",
            "Site and pool names, site ids, binding information and sslFlags bits are "
            "validated by IIS; the message names the rule. Correct the value.",
        ),
        (
            "schema-duplicate-key",
            "Two items of one collection have the same key.",
            "IIS refuses two bindings, applications, virtual directories or application pools "
            "with one key (compared without regard to case). Remove or rename one.",
        ),
        (
            "undefined-pool",
            "An application runs in a pool the file does not define.",
            "IIS answers the application's requests with 503. Define the pool or point the "
            "application at an existing one.",
        ),
        (
            UNREADABLE,
            "A file could not be read as an IIS configuration file.",
            "The message names the file, line and column. Correct the file, or leave it out.",
        ),
    ]
)

#: The codes ``cert audit`` reports beside those of ``check``.
AUDIT_RULES = _rules(
    [
        (
            "expired-certificate",
            "The certificate serving a binding has expired.",
            "Browsers refuse the site. Install a renewed certificate (metaclone cert set, or "
            "placeholder begin/finish to keep https up meanwhile).",
        ),
        (
            "not-yet-valid-certificate",
            "The certificate serving a binding is not valid yet.",
            "Check the server's clock and the certificate's validity dates.",
        ),
        (
            "expiring-certificate",
            "The certificate serving a binding expires soon.",
            "Fewer days are left than --warn-days. Request the renewal now (metaclone csr).",
        ),
        (
            "host-not-covered",
            "The certificate does not name the binding's host.",
            "Browsers warn on that host. Use a certificate whose names (or wildcard) cover it.",
        ),
        (
            "not-server-certificate",
            "The certificate is not meant for TLS servers.",
            "Its extended key usage lacks server authentication; clients may refuse it. Use a "
            "server certificate.",
        ),
        (
            "orphaned-sslcert",
            "An HTTP.sys entry of this server's application serves no binding.",
            "Left behind by a removed binding or site. Delete it (netsh http delete sslcert) "
            "unless another program uses it.",
        ),
        (
            "unknown-certificate",
            "A served certificate's file was not given.",
            "Give the certificate files with --certs to have their names and dates checked.",
        ),
        (
            "sslcert-not-given",
            "Which certificate serves each binding is not known.",
            "IIS 7+ keeps certificates in HTTP.sys: give 'netsh http show sslcert' output with "
            "--sslcert.",
        ),
    ]
)

#: The kinds of ``diff`` changes.
CHANGE_RULES = _rules(
    (kind, description, f"{description} Review it before importing the new file.")
    for kind, description in CHANGE_KINDS.items()
)

RULES: dict[str, Rule] = {**CHECK_RULES, **AUDIT_RULES, **CHANGE_RULES}


def rule_for(code: str, rules: Mapping[str, Rule] = RULES) -> Rule:
    """The rule of ``code``; a plain one for a code that has none."""
    found = rules.get(code)
    if found is not None:
        return found
    words = code.replace("-", " ")
    return Rule(code, f"{words[:1].upper()}{words[1:]}.", f"metaclone reports {words}.")


@attrs.frozen
class ReportItem:
    """One thing to report, where it is: ``path`` and the 1-based ``line`` and ``column``."""

    path: str
    code: str
    severity: Severity
    message: str
    line: int | None = None
    column: int | None = None

    @classmethod
    def from_finding(cls, path: str, finding: Finding) -> ReportItem:
        site = f" (site {finding.site_id})" if finding.site_id is not None else ""
        return cls(path, finding.code, finding.severity, finding.message + site, finding.line)

    @classmethod
    def from_change(cls, old_path: str, new_path: str, change: Change) -> ReportItem:
        """A change, placed in the new file (in the old one for what was removed)."""
        if change.new_line is not None or change.old_line is None:
            return cls(new_path, change.kind, Severity.INFO, change.message, change.new_line)
        return cls(old_path, change.kind, Severity.INFO, change.message, change.old_line)

    @classmethod
    def from_error(cls, path: str, error: MetacloneError | OSError) -> ReportItem:
        if isinstance(error, MetacloneError):
            message = str(error).splitlines()[0]
            return cls(
                error.path or path, UNREADABLE, Severity.ERROR, message, error.line, error.column
            )
        return cls(path, UNREADABLE, Severity.ERROR, f"{path}: {error.strerror or error}")

    @property
    def is_problem(self) -> bool:
        return self.severity is not Severity.INFO

    def text(self) -> str:
        """``path:line: severity: message [code]``, as compilers write it."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity.value}: {self.message} [{self.code}]"


# -- rendering ------------------------------------------------------------------------------


def render_text(items: Iterable[ReportItem]) -> str:
    return "".join(item.text() + "\n" for item in items)


def artifact_uri(path: str, base: str | None = None) -> str:
    """``path`` as a URI: relative to ``base`` (the current folder) when it lies below it."""
    from pathlib import Path  # noqa: PLC0415 - only SARIF and GitHub reports use it
    from urllib.parse import quote  # noqa: PLC0415 - as pathlib

    folder = Path(base if base is not None else os.getcwd()).resolve()
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(folder)
    except ValueError:
        return absolute.as_uri()
    return quote(relative.as_posix())


def _sarif_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(severity, "note")


def sarif_log(
    items: Iterable[ReportItem],
    rules: Mapping[str, Rule] = RULES,
    *,
    version: str = __version__,
    base: str | None = None,
) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run: a rule per code used, a result per item."""
    listed = list(items)
    codes = list(dict.fromkeys(item.code for item in listed))
    results = []
    for item in listed:
        location: dict[str, object] = {"artifactLocation": {"uri": artifact_uri(item.path, base)}}
        if item.line is not None and item.line >= 1:
            region: dict[str, int] = {"startLine": item.line}
            if item.column is not None and item.column >= 1:
                region["startColumn"] = item.column
            location["region"] = region
        results.append(
            {
                "ruleId": item.code,
                "ruleIndex": codes.index(item.code),
                "level": _sarif_level(item.severity),
                "message": {"text": item.message},
                "locations": [{"physicalLocation": location}],
            }
        )
    driver = {
        "name": TOOL_NAME,
        "version": version,
        "rules": [rule_for(code, rules).to_sarif() for code in codes],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def render_sarif(
    items: Iterable[ReportItem], rules: Mapping[str, Rule] = RULES, *, version: str = __version__
) -> str:
    import json  # noqa: PLC0415 - only SARIF reports are JSON: a text report does not load it

    return json.dumps(sarif_log(items, rules, version=version), indent=2) + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub requires (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, and ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(severity, "notice")


def github_command(item: ReportItem, base: str | None = None) -> str:
    """``::error file=…,line=…,title=CODE::message`` for ``item``."""
    from pathlib import Path  # noqa: PLC0415 - as in artifact_uri

    folder = Path(base if base is not None else os.getcwd()).resolve()
    absolute = Path(item.path).resolve()
    try:
        shown = absolute.relative_to(folder).as_posix()
    except ValueError:
        shown = absolute.as_posix()
    properties = [f"file={escape_property(shown)}"]
    if item.line is not None:
        properties.append(f"line={item.line}")
        if item.column is not None:
            properties.append(f"col={item.column}")
    properties.append(f"title={escape_property(item.code)}")
    return f"::{_github_level(item.severity)} {','.join(properties)}::{escape_data(item.message)}"


def render_github(items: Iterable[ReportItem]) -> str:
    return "".join(github_command(item) + "\n" for item in items)

"""Checking many files at once, and comparing files with a baseline (a web farm's drift check).

:func:`check_paths` checks every named file and every IIS file found in named folders;
:func:`compare_with_base` compares each file with a baseline.  A file that cannot be read is
reported with its error and the others are still checked or compared.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import attrs

from metaclone import httpsys
from metaclone.document import ConfigDocument
from metaclone.errors import MetacloneError, UnsupportedDocumentError
from metaclone.loader import load
from metaclone.model.sites import Finding
from metaclone.workflow.report import ReportItem

if TYPE_CHECKING:
    # Loaded by a comparison (check --against), not by the check of a file alone.
    from metaclone.workflow.changes import Change

#: Names IIS gives its own files: found in a folder, they are reported even when unreadable.
IIS_FILE_NAMES = frozenset({"applicationhost.config", "metabase.xml"})
#: What else is tried in a folder (and skipped quietly unless it is an IIS file).
CANDIDATE_SUFFIXES = frozenset({".config", ".xml"})

LoadError = MetacloneError | OSError


def load_iis(path: str | os.PathLike[str]) -> ConfigDocument:
    """The document at ``path``; :class:`UnsupportedDocumentError` unless it is an IIS file."""
    doc = load(path)
    if not doc.is_iis:
        raise UnsupportedDocumentError(
            f"<{doc.xml.root.name}> is not the root of an IIS 6 metabase, an IIS 7+ "
            "applicationHost.config or appcmd XML",
            path=doc.path,
        )
    return doc


def attach_sslcert_file(doc: ConfigDocument, path: str | os.PathLike[str]) -> None:
    """Give an IIS 7 ``doc`` the HTTP.sys certificates of a ``netsh http show sslcert`` capture.

    Raises :class:`UnsupportedDocumentError` for a document that keeps its certificates itself.
    """
    # A document that keeps its certificates refuses them before the capture is read.
    entries = () if doc.certificates_in_file else httpsys.load_netsh_sslcert(path)
    doc.attach_sslcerts(entries)


# -- checking ---------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class FileCheck:
    """The findings of one file, or why it could not be read (``format`` is then None)."""

    path: str
    format: str | None
    findings: tuple[Finding, ...] = ()
    error: LoadError | None = None

    @functools.cached_property
    def items(self) -> tuple[ReportItem, ...]:
        # Made once: a large file has tens of thousands of findings, and the listing, the
        # count of problems and the exit status all read them.
        if self.error is not None:
            return (ReportItem.from_error(self.path, self.error),)
        return tuple(ReportItem.from_finding(self.path, f) for f in self.findings)

    @functools.cached_property
    def problems(self) -> int:
        """Errors and warnings (an unreadable file counts as one)."""
        return sum(1 for item in self.items if item.is_problem)

    def to_json(self) -> dict[str, object]:
        if self.error is not None:
            return {"path": self.path, "error": _error_json(self.error)}
        return {
            "path": self.path,
            "format": self.format,
            "ok": self.problems == 0,
            "findings": [f.to_json() for f in self.findings],
        }


def _error_json(error: LoadError) -> dict[str, object]:
    item = ReportItem.from_error("", error)
    return {"message": item.message, "line": item.line, "column": item.column}


def find_files(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """Each file to check, and whether to report it when it is not a readable IIS file.

    Named files are always reported.  Folders are searched recursively, a folder's own files
    (in name order) before its subfolders, leaving out hidden folders; a candidate is any
    ``*.config`` or ``*.xml``, reported when unreadable only if its name is one IIS gives its
    files (:data:`IIS_FILE_NAMES`).  A file reached twice is given once.
    """
    seen: set[str] = set()
    for path in paths:
        if not os.path.isdir(path):
            if os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                yield path, True
            continue
        from pathlib import Path  # noqa: PLC0415 - a named file alone does not need it

        for folder, folders, names in os.walk(path):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in sorted(names):
                lowered = name.lower()
                if lowered in IIS_FILE_NAMES or Path(lowered).suffix in CANDIDATE_SUFFIXES:
                    found = os.path.join(folder, name)
                    if os.path.realpath(found) not in seen:
                        seen.add(os.path.realpath(found))
                        yield found, lowered in IIS_FILE_NAMES


def check_file(path: str, *, sslcert: str | None = None) -> FileCheck:
    """The findings of the file at ``path``; ``sslcert`` is netsh output for an IIS 7 file."""
    try:
        doc = load_iis(path)
        if sslcert:
            attach_sslcert_file(doc, sslcert)
        return FileCheck(path, doc.format, tuple(doc.check()))
    except (MetacloneError, OSError) as error:
        return FileCheck(path, None, error=error)


def check_paths(paths: Sequence[str]) -> tuple[FileCheck, ...]:
    """Every named file and every IIS file in the named folders, checked in that order.

    A named file (or a folder's ``applicationHost.config`` or ``MetaBase.xml``) that cannot be
    read is listed with its error; other files of a folder that are not IIS files are skipped.
    """
    results: list[FileCheck] = []
    for number, (path, named) in enumerate(find_files(paths)):
        if number:
            _release_document()
        result = check_file(path)
        if result.error is None or named:
            results.append(result)
    return tuple(results)


def _release_document() -> None:
    """Free the document of the file done before the next is read (not after the last one:
    collecting then would only walk what the command's exit frees anyway).

    An IIS 6 document holds reference cycles (its key table and the entries that name it), which
    only the cyclic collector frees; the command line pauses that collector while a command
    runs, so a folder of large files would otherwise be held whole until the end.
    """
    if not gc.isenabled():
        gc.collect()


# -- comparing --------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Comparison:
    """The changes from ``old`` to ``new``, or why they could not be compared."""

    old: str
    new: str
    format: str | None
    changes: tuple[Change, ...] = ()
    error: LoadError | None = None

    @property
    def items(self) -> tuple[ReportItem, ...]:
        if self.error is not None:
            return (ReportItem.from_error(self.new, self.error),)
        return tuple(ReportItem.from_change(self.old, self.new, c) for c in self.changes)

    def to_json(self) -> dict[str, object]:
        fields: dict[str, object] = {"old": self.old, "new": self.new}
        if self.error is not None:
            return {**fields, "error": _error_json(self.error)}
        return {**fields, "format": self.format, "changes": [c.to_json() for c in self.changes]}


def compare(
    old: ConfigDocument,
    new_path: str,
    sslcert: tuple[str, str] | None = None,
) -> Comparison:
    """``old`` compared with the file at ``new_path`` (and the two netsh captures, if given)."""
    from metaclone.workflow.changes import diff_documents  # noqa: PLC0415 - see TYPE_CHECKING
    from metaclone.workflow.sslcert_changes import diff_sslcerts  # noqa: PLC0415 - as diff_documents

    try:
        new = load_iis(new_path)
        changes = diff_documents(old, new)
        if sslcert is not None:
            before, after = (httpsys.load_netsh_sslcert(p) for p in sslcert)
            changes += diff_sslcerts(before, after, new.sites)
        return Comparison(old.path, new_path, new.format, changes)
    except (MetacloneError, OSError) as error:
        return Comparison(old.path, new_path, None, error=error)


def compare_with_base(
    base: str, others: Sequence[str], sslcert: tuple[str, str] | None = None
) -> tuple[Comparison, ...]:
    """Each of ``others`` compared with ``base``; raises when ``base`` cannot be read."""
    old = load_iis(base)
    comparisons = []
    for number, other in enumerate(others):
        if number:
            _release_document()
        comparisons.append(compare(old, other, sslcert))
    return tuple(comparisons)

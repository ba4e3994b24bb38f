"""Where results go: the edited document (file, in place, diff, stdout), the HTTP.sys plan,
and JSON listings."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeAlias

from metaclone import httpsys
from metaclone.cli.console import EXIT_OK, Console
from metaclone.document import Checkpoint, ConfigDocument
from metaclone.errors import UnsafeTargetError
from metaclone.model.sites import Binding, Severity

if TYPE_CHECKING:
    # Writing files (and pathlib) is loaded by the commands that write one, not by listings.
    from metaclone.httpsys import HttpSysPlan
    from metaclone.lossless import output


def write_plan(args: argparse.Namespace, console: Console, plan: HttpSysPlan | None) -> None:
    target = getattr(args, "plan", None)
    if plan is None:
        if target:
            console.note(
                f"metaclone: note: no HTTP.sys change is needed for this step; {target} was "
                "not written"
            )
        return
    for warning in plan.warnings:
        console.say(f"metaclone: warning: {warning}")
    if not plan:
        console.note("metaclone: HTTP.sys already holds these certificates: nothing to run")
        if target:
            console.note(f"metaclone: note: {target} was not written")
        return
    if target and not args.dry_run:
        from pathlib import Path

        from metaclone.lossless import output

        suffix = Path(target).suffix.lower()
        if suffix == ".ps1":
            # With a BOM, Windows PowerShell 5 reads the script as UTF-8, not in the ANSI code
            # page (site names in its comments may be any text).
            data = plan.powershell().encode("utf-8-sig")
        elif suffix == ".json":
            import json

            data = (json.dumps(plan.to_json(), indent=2) + "\n").encode("utf-8")
        else:
            # A .cmd file for cmd.exe, which expects CRLF line ends; the text is ASCII.
            data = plan.netsh().replace("\n", "\r\n").encode("ascii")
        output.write_atomic(target, data)
        console.note(f"metaclone: HTTP.sys plan written to {target}")
        return
    console.say("metaclone: HTTP.sys plan (run as administrator; --plan FILE.ps1 for PowerShell):")
    for line in plan.netsh().rstrip("\n").split("\n"):
        console.say(line)


def check_destinations(args: argparse.Namespace, plan: HttpSysPlan | None = None) -> None:
    """Refuse unsafe destinations before anything is written or said to have been done.

    A destination must be a regular file or not exist, in a writable folder (see
    :func:`metaclone.lossless.output.resolve_target`), and must not be the input or another
    destination.
    """
    if args.dry_run or args.diff:
        return
    from metaclone.lossless import output

    if args.output:
        output.resolve_target(args.output)
        if output.same_file(args.output, args.file):
            raise UnsafeTargetError(
                f"is the input file {args.file} itself; use --in-place to replace it "
                "(keeps a backup) or give another output file",
                path=args.output,
            )
    if args.in_place:
        output.resolve_target(args.file)
        if not args.no_backup:
            backup = f"{args.file}.bak"
            output.resolve_target(backup)
            if output.same_file(backup, args.file):
                raise UnsafeTargetError(f"is {args.file} itself; nothing written", path=backup)
    target = getattr(args, "plan", None) if plan else None
    if target:
        output.resolve_target(target)
        for other in (args.file, args.output):
            if other and output.same_file(target, other):
                raise UnsafeTargetError(
                    f"would overwrite {other}; give the plan a file of its own", path=target
                )


#: What a writing command keeps of the input to compare the edited document with: the
#: document's text before the edit for ``--diff``, the fingerprint of its bytes for
#: ``--dry-run`` and ``--in-place``, nothing otherwise.
Before: TypeAlias = "Checkpoint | output.Fingerprint | None"


def input_bytes(args: argparse.Namespace, doc: ConfigDocument) -> Before:
    """What delivering the edited document compares with, taken before the edit: the text as
    it is for ``--diff`` (the document's own, not a copy), the fingerprint of the input's
    bytes for ``--dry-run`` and ``--in-place`` (not a copy of a large file held through the
    edit and the writing), None for ``-o`` and stdout."""
    if getattr(args, "diff", False):
        return doc.xml.checkpoint()
    if _compares_with_input(args):
        from metaclone.lossless import output

        return output.Fingerprint.of(doc.chunks())
    return None


def _compares_with_input(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, False) for name in ("dry_run", "diff", "in_place"))


def emit(
    args: argparse.Namespace,
    console: Console,
    doc: ConfigDocument,
    before: Before,
    plan: HttpSysPlan | None = None,
) -> int:
    """Deliver the edited document (and plan) where the options say; nothing on --dry-run."""
    check_destinations(args, plan)
    if plan:
        # Rendered once before anything is written: a value the scripts refuse
        # (PlanValueError) stops the command while every file is as it was.
        plan.netsh()
        plan.powershell()
    status = _deliver(args, console, doc, before)
    write_plan(args, console, plan)
    return status


def _deliver(
    args: argparse.Namespace, console: Console, doc: ConfigDocument, before: Before
) -> int:
    if before is None and _compares_with_input(args):
        # A handler that edits before taking them: a bug, not bad input.
        raise ValueError("the input's bytes were not taken before the edit (input_bytes)")
    _say_notes(args, console, doc)
    if args.diff:
        if not isinstance(before, Checkpoint):
            raise ValueError("--diff needs the text before the edit (input_bytes)")
        console.out_data(doc.unified_diff_since(before, args.file))
        return EXIT_OK
    from metaclone.lossless import output

    # The document is written in pieces encoded as they go (doc.chunks()): neither the whole
    # new text nor its bytes are held.
    unchanged = isinstance(before, output.Fingerprint) and _unchanged(doc, before)
    if args.dry_run:
        changed = "unchanged" if unchanged else "changed"
        console.note(f"metaclone: dry run: {args.file} would be {changed}; nothing written")
    elif args.output:
        output.write_atomic(args.output, doc.chunks())
        console.note(f"metaclone: wrote {args.output}")
    elif args.in_place:
        if unchanged:
            console.note(f"metaclone: {args.file} unchanged")
            return EXIT_OK
        if not isinstance(before, output.Fingerprint):
            raise ValueError("--in-place needs the fingerprint of the input (input_bytes)")
        backup = output.replace_in_place(
            args.file, doc.chunks(), expected=before, backup=not args.no_backup
        )
        kept = f" (previous version in {backup})" if backup else ""
        console.note(f"metaclone: updated {args.file}{kept}")
    else:
        _to_stdout(console, doc)
        console.note(
            "metaclone: note: the document went to stdout; nothing was saved (-o OUT saves it)"
        )
    return EXIT_OK


def _say_notes(args: argparse.Namespace, console: Console, doc: ConfigDocument) -> None:
    quiet = [n for n in doc.notes if n.severity is Severity.INFO and not args.verbose]
    for note in doc.notes:
        if note not in quiet:
            console.say(f"metaclone: {note.severity.value}: {note.message}")
    if quiet:
        console.note(f"metaclone: {len(quiet)} more note(s); --verbose shows them")


def _unchanged(doc: ConfigDocument, before: output.Fingerprint) -> bool:
    from metaclone.lossless import output

    return output.Fingerprint.of(doc.chunks()) == before


def _to_stdout(console: Console, doc: ConfigDocument) -> None:
    if getattr(console.stdout, "buffer", None) is None:
        # A text stream (tests): decoded whole, as a character may straddle two pieces.
        console.out_bytes(b"".join(doc.chunks()))
        return
    for piece in doc.chunks():
        console.out_bytes(piece)


def json_listing(fields: dict[str, object], key: str, items: Iterable[object]) -> str:
    """``fields`` and ``items`` under ``key`` as one JSON object, with one line per item.

    Indented output is written by the json module's pure-Python encoder, which takes seconds
    for 50,000 sites; a compact line per item comes from its C encoder and still reads, greps
    and diffs item by item.
    """
    return "".join(json_listing_pieces(fields, key, items))


def json_listing_pieces(
    fields: dict[str, object], key: str, items: Iterable[object]
) -> Iterator[str]:
    """:func:`json_listing` in pieces, each item encoded when it is reached: a listing of many
    sites runs to tens of megabytes, which need not be held at once."""
    import json

    return json_listing_encoded(fields, key, map(json.dumps, items))


def json_listing_encoded(
    fields: dict[str, object], key: str, encoded: Iterable[str]
) -> Iterator[str]:
    """:func:`json_listing_pieces` of items already encoded (each the JSON text of one)."""
    import json

    head = json.dumps(fields)[1:-1]
    yield f"{{{head}{', ' if head else ''}{json.dumps(key)}: ["
    separator = "\n  "
    for item in encoded:
        yield separator + item
        separator = ",\n  "
    yield "]}\n" if separator == "\n  " else "\n]}\n"


def endpoint_text(binding: Binding) -> str | None:
    """The HTTP.sys entry a certificate change for ``binding`` writes."""
    return httpsys.endpoint_text(binding)


def served_by_text(doc: ConfigDocument, binding: Binding) -> str | None:
    """The HTTP.sys entry that serves ``binding`` now (None: none, or not known)."""
    entry = doc.served_by(binding)
    return str(entry.endpoint) if entry is not None else None

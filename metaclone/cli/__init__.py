"""The ``metaclone`` command line.

``main(argv)`` returns the exit status: 0 success, 1 ``check`` found problems, 2 usage error,
3 input rejected or operation refused, 123 internal error.  Bad input never shows a traceback,
and nothing is written unless the whole command succeeds; every write is atomic.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from metaclone import certs, convert, httpsys, workflow
from metaclone.__about__ import __version__
from metaclone.certs import files as certfiles
from metaclone.certs import request as certrequest
from metaclone.document import ConfigDocument
from metaclone.errors import (
    CertificateRequestError,
    ConversionError,
    MetacloneError,
    ParseError,
    UnsafeTargetError,
)
from metaclone.escaping import visible
from metaclone.httpsys import HttpSysPlan
from metaclone.loader import load
from metaclone.lossless import output
from metaclone.lossless.diff import unified_diff
from metaclone.messages import listing, window
from metaclone.model.sites import (
    Application,
    Binding,
    CertificateRef,
    Severity,
    Site,
    normalize_thumbprint,
)
from metaclone.workflow import audit, report, review
from metaclone.workflow.report import ReportItem
from metaclone.workflow.review import LoadError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERNAL = 123

Handler = Callable[[argparse.Namespace, "Console"], int]


#: ANSI colours of the severity words, shown only on a terminal and never with NO_COLOR set.
_SEVERITY_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m",
                     "note": "\x1b[36m"}
_SEVERITY_WORD = re.compile(r"(?<=: )(error|warning|info|note)(?=: )")


def _colour_wanted(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that should show colour (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _painted(line: str) -> str:
    """``line`` with its first severity word (``: warning: ``) in colour."""
    return _SEVERITY_WORD.sub(
        lambda m: f"{_SEVERITY_COLOURS[m.group(1)]}{m.group(1)}\x1b[0m", line, count=1
    )


class Console:
    """Where output goes: the document or JSON on stdout, everything for people on stderr.

    Text for people (:meth:`say`, :meth:`out`, :meth:`out_lines`) holds names and values from
    files metaclone does not control, so each of its lines is shown through
    :func:`~metaclone.escaping.visible`: a line end, escape sequence or bidi override inside a
    value is shown as an escape, so one message or listed site is one line on the terminal and
    nothing in it can forge another line or move the cursor.  Data (:meth:`out_data`,
    :meth:`out_bytes`: JSON, a diff, the document) is written unchanged.
    """

    def __init__(self, stdout: TextIO, stderr: TextIO, *, quiet: bool = False) -> None:
        self.stdout = stdout
        self.stderr = stderr
        #: ``--quiet``: :meth:`note` says nothing; warnings, errors and instructions remain.
        self.quiet = quiet
        self._paint_stderr = _colour_wanted(stderr)

    def say(self, message: str) -> None:
        """One message on stderr: one line, whatever ``message`` holds."""
        line = visible(message)
        print(_painted(line) if self._paint_stderr else line, file=self.stderr)

    def note(self, message: str) -> None:
        """A message on what was done, which ``--quiet`` leaves out (see :meth:`say`)."""
        if not self.quiet:
            self.say(message)

    def out(self, text: str) -> None:
        """One line for people on stdout; a final line end in ``text`` is kept, no other."""
        line = text.removesuffix("\n")
        self.stdout.write(visible(line) + text[len(line) :])

    def out_lines(self, lines: Iterable[str]) -> None:
        """Lines for people on stdout, each shown as one line (see :meth:`out`)."""
        self.stdout.write("".join(visible(line) + "\n" for line in lines))

    def out_data(self, text: str) -> None:
        """Text for programs (JSON, a diff) on stdout, unchanged."""
        self.stdout.write(text)

    def json(self, schema: str, text: str) -> None:
        """Print ``text``, a JSON document that follows ``metaclone.schemas.schema(schema)``."""
        self.stdout.write(text)

    def out_bytes(self, data: bytes) -> None:
        buffer = getattr(self.stdout, "buffer", None)
        self.stdout.flush()
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode("utf-8", errors="surrogateescape"))


# -- loading -------------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> ConfigDocument:
    doc = load(args.file)
    sslcert = getattr(args, "sslcert", None)
    if sslcert:
        review.attach_sslcert_file(doc, sslcert)
    return doc


def _certificate(
    args: argparse.Namespace, console: Console, site: Site | None = None
) -> CertificateRef | None:
    """The certificate named by --thumbprint or --cert (loaded and checked), else None."""
    store = getattr(args, "store", None) or "MY"
    if getattr(args, "thumbprint", None):
        return CertificateRef(normalize_thumbprint(args.thumbprint), store)
    path = getattr(args, "cert", None)
    if not path:
        return None
    loaded = certs.load_certificate(path, _password(args))
    problem = certs.check_validity(loaded, allow_expired=args.allow_expired)
    if problem:
        console.say(f"metaclone: warning: {problem} (accepted: --allow-expired)")
    usage = certs.check_server_auth(loaded, allow_any_eku=getattr(args, "allow_any_eku", False))
    if usage:
        console.say(f"metaclone: warning: {usage} (accepted: --allow-any-eku)")
    if site is not None:
        missing = certs.uncovered_hosts(loaded, certs.site_hosts(site))
        if missing:
            console.say(
                f"metaclone: warning: certificate {loaded.thumbprint} does not cover "
                + listing(missing)
                + f" (it names {listing(loaded.dns_names) or 'no host'})"
            )
    return loaded.ref(store)


def _password(args: argparse.Namespace) -> bytes | None:
    """The password given with --password-env or --password-file, else None."""
    if getattr(args, "password_env", None):
        return certs.password_from_env(args.password_env)
    if getattr(args, "password_file", None):
        return certs.password_from_file(args.password_file)
    return None


# -- writing -------------------------------------------------------------------------------------


def _write_plan(args: argparse.Namespace, console: Console, plan: HttpSysPlan | None) -> None:
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
        suffix = Path(target).suffix.lower()
        if suffix == ".ps1":
            # With a BOM, Windows PowerShell 5 reads the script as UTF-8, not in the ANSI code
            # page (site names in its comments may be any text).
            data = plan.powershell().encode("utf-8-sig")
        elif suffix == ".json":
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


def _check_destinations(args: argparse.Namespace, plan: HttpSysPlan | None = None) -> None:
    """Refuse unsafe destinations before anything is written or said to have been done.

    A destination must be a regular file or not exist, in a writable folder (see
    :func:`metaclone.lossless.output.resolve_target`), and must not be the input or another
    destination.
    """
    if args.dry_run or args.diff:
        return
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


def _emit(
    args: argparse.Namespace,
    console: Console,
    doc: ConfigDocument,
    before: bytes,
    plan: HttpSysPlan | None = None,
) -> int:
    """Deliver the edited document (and plan) where the options say; nothing on --dry-run."""
    _check_destinations(args, plan)
    if plan:
        # Rendered once before anything is written: a value the scripts refuse
        # (PlanValueError) stops the command while every file is as it was.
        plan.netsh()
        plan.powershell()
    status = _deliver(args, console, doc, before)
    _write_plan(args, console, plan)
    return status


def _deliver(args: argparse.Namespace, console: Console, doc: ConfigDocument, before: bytes) -> int:
    after = doc.to_bytes()
    quiet = [n for n in doc.notes if n.severity is Severity.INFO and not args.verbose]
    for note in doc.notes:
        if note not in quiet:
            console.say(f"metaclone: {note.severity.value}: {note.message}")
    if quiet:
        console.note(f"metaclone: {len(quiet)} more note(s); --verbose shows them")
    if args.dry_run:
        changed = "unchanged" if after == before else "changed"
        console.note(f"metaclone: dry run: {args.file} would be {changed}; nothing written")
        return EXIT_OK
    if args.diff:
        console.out_data(_review_diff(doc, before, after, args.file))
        return EXIT_OK
    if args.output:
        doc.save(args.output)
        console.note(f"metaclone: wrote {args.output}")
    elif args.in_place:
        if after == before:
            console.note(f"metaclone: {args.file} unchanged")
            return EXIT_OK
        backup = output.replace_in_place(
            args.file, after, expected=before, backup=not args.no_backup
        )
        kept = f" (previous version in {backup})" if backup else ""
        console.note(f"metaclone: updated {args.file}{kept}")
    else:
        console.out_bytes(after)
        console.note(
            "metaclone: note: the document went to stdout; nothing was saved (-o OUT saves it)"
        )
    return EXIT_OK


def _review_diff(doc: ConfigDocument, before: bytes, after: bytes, path: str) -> str:
    """The unified diff of ``path``.

    For a file in another encoding than UTF-8 or ASCII it is a diff of the decoded text, which
    ``patch`` cannot apply to the file; its first line says so.
    """
    xml = doc.xml
    bom = len(xml.bom)
    old = before[bom:].decode(xml.encoding)
    if xml.encoding == "utf-8":
        return unified_diff(old, xml.text if doc.modified else old, path)
    # The text as written: with the character references the encoding needed.
    diff = unified_diff(old, after[bom:].decode(xml.encoding), path)
    if not diff or xml.encoding == "ascii":
        return diff
    note = (
        f"# metaclone: review diff of the decoded text of {path} ({xml.encoding}); "
        "patch cannot apply it: use -o or --in-place to write the file\n"
    )
    return note + diff


# -- commands ------------------------------------------------------------------------------------


def _site_line(site: Site) -> str:
    state = "started" if site.auto_start else "stopped"
    bindings = ", ".join(b.summary for b in site.bindings) or "-"
    if site.certificate is not None:
        certificate = f"{site.certificate.thumbprint} ({site.certificate.store})"
    else:
        # Site.waiting_for_certificate, with the secure bindings looked at once.
        secure = [b for b in site.bindings if b.is_secure]
        on_bindings = sorted(
            {f"{b.certificate.thumbprint} ({b.certificate.store})" for b in secure if b.certificate}
        )
        if on_bindings:
            certificate = ", ".join(on_bindings)
        elif not secure:
            certificate = "-"
        elif site.certificate_known:
            certificate = "waiting for a certificate"
        else:
            certificate = "in HTTP.sys (give --sslcert to show it)"
    kind = " ftp" if site.kind.value == "ftp" else ""
    return f"{site.id:>10}  {site.name}{kind}  [{state}]  {bindings}  cert: {certificate}"


def _json_listing(fields: dict[str, object], key: str, items: Iterable[object]) -> str:
    """``fields`` and ``items`` under ``key`` as one JSON object, with one line per item.

    Indented output is written by the json module's pure-Python encoder, which takes seconds
    for 50,000 sites; a compact line per item comes from its C encoder and still reads, greps
    and diffs item by item.
    """
    head = json.dumps(fields)[1:-1]
    lines = ",\n".join("  " + json.dumps(item) for item in items)
    listing = f"[\n{lines}\n]" if lines else "[]"
    return f"{{{head}{', ' if head else ''}{json.dumps(key)}: {listing}}}\n"


def _application_line(application: Application) -> str:
    pool = application.application_pool or "-"
    directories = ", ".join(
        f"{d.path} = {d.physical_path}" for d in application.virtual_directories
    )
    return f"{'':>12}app {application.path}  pool: {pool}  {directories or '-'}"


def _selected_sites(doc: ConfigDocument, keys: Sequence[str]) -> tuple[Site, ...]:
    """The sites named by ``keys`` (ids or names) in the order given, each once; all without."""
    if not keys:
        return doc.sites
    chosen: dict[tuple[int, int | None], Site] = {}
    for key in keys:
        site = doc.site(key)
        chosen.setdefault((site.id, site.line), site)
    return tuple(chosen.values())


def cmd_sites(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    sites = _selected_sites(doc, args.names)
    if args.json:
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        entries = (
            {**s.to_json(), "applications": [a.to_json() for a in doc.applications(s)]}
            if args.applications
            else s.to_json()
            for s in sites
        )
        console.json("sites", _json_listing(fields, "sites", entries))
        return EXIT_OK
    console.out(f"{args.file}: {doc.format}, {len(sites)} site(s)\n")
    if not args.applications:
        console.out_lines(_site_line(site) for site in sites)
        return EXIT_OK
    for site in sites:
        lines = [_site_line(site), *map(_application_line, doc.applications(site))]
        console.out_lines(lines)
    return EXIT_OK


def _bindings(texts: Sequence[str] | None) -> list[Binding] | None:
    return None if texts is None else [Binding.parse(text) for text in texts]


def cmd_clone(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    bindings = _bindings(args.bindings)
    checkpoint = doc.xml.checkpoint()
    try:
        new = doc.clone_site(args.site, new_id=args.id, new_name=args.name, auto_start=args.started)
        if bindings is not None:
            new = doc.set_bindings(new, bindings)
    except MetacloneError:
        doc.xml.rollback(checkpoint)
        raise
    source = doc.site(args.site)
    _check_destinations(args)
    console.note(
        f"metaclone: cloned site {source.id} {source.name!r} as site {new.id} {new.name!r}"
        f" ({'started' if new.auto_start else 'stopped'})"
    )
    return _emit(args, console, doc, before)


def cmd_delete(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    doc.delete_site(site)
    console.note(f"metaclone: deleted site {site.id} {site.name!r}")
    return _emit(args, console, doc, before)


def cmd_rename(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    renamed = doc.rename_site(site, args.name)
    console.note(f"metaclone: renamed site {site.id} {site.name!r} to {renamed.name!r}")
    return _emit(args, console, doc, before)


def _cmd_auto_start(value: bool) -> Handler:
    def handler(args: argparse.Namespace, console: Console) -> int:
        doc = _load(args)
        before = doc.to_bytes()
        state = "started" if value else "stopped"
        current = doc.site(args.site)
        if current.auto_start == value:
            console.note(
                f"metaclone: site {current.id} {current.name!r} is already marked {state}; "
                "nothing written"
            )
            return EXIT_OK
        site = doc.set_auto_start(current, value)
        _check_destinations(args)
        console.note(f"metaclone: site {site.id} {site.name!r} marked {state}")
        return _emit(args, console, doc, before)

    return handler


def cmd_cert_show(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    sites = [doc.site(args.site)] if args.site else list(doc.sites)
    if args.json:
        entries = [
            {
                "id": site.id,
                "name": site.name,
                "certificate": site.certificate.to_json() if site.certificate else None,
                "waiting_for_certificate": site.waiting_for_certificate,
                "inherited": list(site.inherited),
                "https_bindings": [
                    {
                        **b.to_json(),
                        "endpoint": _endpoint_text(b),
                        "served_by": _served_by_text(doc, b),
                    }
                    for b in site.secure_bindings
                ],
            }
            for site in sites
        ]
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        console.json("cert-show", _json_listing(fields, "sites", entries))
        return EXIT_OK
    for site in sites:
        console.out(_site_line(site) + "\n")
        for binding in site.secure_bindings:
            cert = binding.certificate
            shown = f"{cert.thumbprint} ({cert.store})" if cert else "not known"
            console.out(
                f"{'':>12}{binding.summary}  HTTP.sys {_endpoint_text(binding)}"
                f"{_serving_note(doc, binding)}  cert: {shown}\n"
            )
    return EXIT_OK


def _endpoint_text(binding: Binding) -> str | None:
    """The HTTP.sys entry a certificate change for ``binding`` writes."""
    endpoint = httpsys.endpoint_for(binding)
    return str(endpoint) if endpoint else None


def _served_by_text(doc: ConfigDocument, binding: Binding) -> str | None:
    """The HTTP.sys entry that serves ``binding`` now (None: none, or not known)."""
    entry = doc.served_by(binding)
    return str(entry.endpoint) if entry is not None else None


def _serving_note(doc: ConfigDocument, binding: Binding) -> str:
    """Which entry serves ``binding`` now, for the text listing."""
    if not doc.sslcerts_known:
        return ""
    served = _served_by_text(doc, binding)
    if served is None:
        return " (no entry serves it)"
    if served == _endpoint_text(binding):
        return " (serves it)"
    return f" (served by {served})"


def cmd_cert_set(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = _certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    plan = doc.set_certificate(site, certificate.thumbprint, store=certificate.store)
    console.note(
        f"metaclone: certificate {certificate.thumbprint} ({certificate.store}) for site "
        f"{site.id} {site.name!r}" + (" (HTTP.sys plan; the file is unchanged)" if plan else "")
    )
    return _emit(args, console, doc, before, plan)


def cmd_cert_swap(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    a, b = doc.site(args.site), doc.site(args.other)
    plan = doc.swap_certificates(a, b)
    console.note(
        f"metaclone: swapped the certificates of site {a.id} {a.name!r} and {b.id} {b.name!r}"
    )
    return _emit(args, console, doc, before, plan)


def _destination(args: argparse.Namespace) -> str:
    """The file the new document ends up in, as the next steps should name it.

    A --diff is a patch of FILE: applied, it makes FILE the new document.
    """
    if args.output:
        return str(args.output)
    if args.in_place or args.diff:
        return str(args.file)
    return "NEW_FILE"


def _say_result(console: Console, result: workflow.WorkflowResult) -> None:
    for change in result.changes:
        console.note(f"metaclone: {change}")
    for warning in result.warnings:
        console.say(f"metaclone: warning: {warning}")
    for note in result.notes:
        console.note(f"metaclone: note: {note}")
    console.say("metaclone: next steps on the server:")
    for number, step in enumerate(result.next_steps, 1):
        console.say(f"  {number}. {step}")


def cmd_placeholder_begin(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = _certificate(args, console, site)
    previous = load(args.previous) if args.previous else None
    result = workflow.begin(
        doc,
        site,
        new_id=args.id,
        new_name=args.name,
        certificate=certificate,
        previous=previous,
        saved_as=_destination(args),
        only_new=args.only_new,
    )
    _check_destinations(args, result.plan)
    _say_result(console, result)
    return _emit(args, console, doc, before, result.plan)


def cmd_placeholder_finish(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = _certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    result = workflow.finish(
        doc,
        site,
        args.placeholder,
        certificate,
        delete=args.delete,
        force=args.force,
        saved_as=_destination(args),
        certificate_file=args.cert,
    )
    _check_destinations(args, result.plan)
    _say_result(console, result)
    return _emit(args, console, doc, before, result.plan)


def _say_unreadable(console: Console, item: LoadError) -> None:
    if isinstance(item, MetacloneError):
        for line in _error_lines(item):
            console.say(line)
    else:
        console.say(f"metaclone: error: {item.filename or ''}: {item.strerror or item}")


def _render_items(console: Console, output: str, items: Iterable[ReportItem]) -> None:
    """SARIF or GitHub workflow commands for ``items``."""
    if output == report.OutputFormat.SARIF.value:
        console.json("sarif", report.render_sarif(items))
    else:
        console.out_lines(report.github_command(item) for item in items)


def _check_json(console: Console, results: Sequence[review.FileCheck], single: bool) -> None:
    """One named file: its findings as before (nothing when it cannot be read); else every
    file under ``files``."""
    if single:
        found = results[0]
        if found.error is None:
            fields: dict[str, object] = {
                "format": found.format,
                "path": found.path,
                "ok": found.problems == 0,
            }
            listing = _json_listing(fields, "findings", (f.to_json() for f in found.findings))
            console.json("check", listing)
        return
    ok = all(r.problems == 0 for r in results) and any(r.error is None for r in results)
    console.json("check-files", _json_listing({"ok": ok}, "files", (r.to_json() for r in results)))


def _check_text(results: Sequence[review.FileCheck], single: bool) -> list[str]:
    """Each readable file's findings and count; a total unless one file was named."""
    lines: list[str] = []
    read = [r for r in results if r.error is None]
    for result in read:
        lines.extend(item.text() for item in result.items)
        lines.append(
            f"{result.path}: {result.problems} problem(s), {len(result.findings)} finding(s)"
        )
    if not single:
        with_problems = sum(1 for r in read if r.problems)
        lines.append(
            f"checked {len(read)} file(s): {with_problems} with problems, "
            f"{len(results) - len(read)} unreadable"
        )
    return lines


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    single = len(args.paths) == 1 and not os.path.isdir(args.paths[0])
    if args.sslcert and not single:
        console.say("metaclone: error: --sslcert goes with one FILE (its netsh capture)")
        return EXIT_USAGE
    if args.sslcert:
        results: tuple[review.FileCheck, ...] = (
            review.check_file(args.paths[0], sslcert=args.sslcert),
        )
    else:
        results = review.check_paths(args.paths)
    if not results:
        console.say("metaclone: error: no IIS configuration file found in " + ", ".join(args.paths))
        return EXIT_REFUSED
    if args.format in ("text", "json"):
        for result in results:
            if result.error is not None:
                _say_unreadable(console, result.error)
    read = [r for r in results if r.error is None]
    if args.format == "json":
        _check_json(console, results, single)
    elif args.format == "text":
        console.out_lines(_check_text(results, single) if read else [])
    else:
        _render_items(console, args.format, (i for r in results for i in r.items))
    if not read:
        return EXIT_REFUSED
    return EXIT_PROBLEMS if any(r.problems for r in results) else EXIT_OK


def _comparison_lines(comparison: review.Comparison) -> list[str]:
    changes = comparison.changes
    if not changes:
        return [f"{comparison.old} -> {comparison.new}: no changes"]
    lines = [f"{comparison.old} -> {comparison.new}: {len(changes)} change(s)"]
    lines.extend(f"  {change.message}" for change in changes)
    return lines


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    if args.sslcert and len(args.new) != 1:
        console.say("metaclone: error: --sslcert OLD_CAPTURE NEW_CAPTURE goes with one NEW file")
        return EXIT_USAGE
    sslcert = (args.sslcert[0], args.sslcert[1]) if args.sslcert else None
    comparisons = review.compare_with_base(args.old, args.new, sslcert)
    compared = [c for c in comparisons if c.error is None]
    for comparison in comparisons:
        if comparison.error is not None and args.format in ("text", "json"):
            _say_unreadable(console, comparison.error)
    if args.format == "json":
        if len(comparisons) > 1:
            listing = (c.to_json() for c in comparisons)
            console.json("diff-files", _json_listing({"base": args.old}, "comparisons", listing))
        elif compared:
            console.json("diff", json.dumps(compared[0].to_json(), indent=2) + "\n")
    elif args.format == "text":
        console.out_lines(line for c in compared for line in _comparison_lines(c))
    else:
        _render_items(console, args.format, (i for c in comparisons for i in c.items))
    if not compared:
        return EXIT_REFUSED
    differs = any(c.changes for c in compared) or len(compared) < len(comparisons)
    return EXIT_PROBLEMS if differs else EXIT_OK


def cmd_convert(args: argparse.Namespace, console: Console) -> int:
    metabase = load(args.metabase)
    doc = _load(args)  # the applicationHost.config (--into), with --sslcert attached
    before = doc.to_bytes()
    try:
        results = convert.convert_sites(
            metabase,
            args.site,
            doc,
            new_id=args.id,
            new_name=args.name,
            pipeline=args.pipeline,
            runtime=args.runtime,
            strict=args.strict,
        )
    except ConversionError as error:
        for note in error.notes:
            console.say(f"metaclone: not carried: {note}")
        raise
    plan: HttpSysPlan | None = None
    for result in results:
        source, site = result.source, result.site
        state = "started" if site.auto_start else "stopped"
        console.say(
            f"metaclone: converted IIS 6 site {source.id} {source.name!r} into site {site.id} "
            f"{site.name!r} ({state})"
        )
        if result.pools:
            console.note("metaclone: added application pool(s) " + ", ".join(result.pools))
        if result.locations:
            console.note("metaclone: added location block(s) " + ", ".join(result.locations))
        if result.plan is not None:
            plan = result.plan if plan is None else plan.merged(result.plan)
    return _emit(args, console, doc, before, plan)


# -- certificate audit, request and PFX -----------------------------------------------------------


def cmd_cert_audit(args: argparse.Namespace, console: Console) -> int:
    doc = load(args.file)
    entries = httpsys.load_netsh_sslcert(args.sslcert) if args.sslcert else None
    certificates = certfiles.collect_certificates(args.certs, _password(args))
    report = audit.audit(doc, entries, certificates, warn_days=args.warn_days)
    if args.json:
        console.json("cert-audit", json.dumps(report.to_json(), indent=2) + "\n")
    else:
        console.out_lines(report.text_lines())
    return EXIT_PROBLEMS if report.has_problems else EXIT_OK


def cmd_csr(args: argparse.Namespace, console: Console) -> int:
    if os.path.abspath(args.key_out) == os.path.abspath(args.out):
        raise CertificateRequestError("--key-out and --out must name two different files")
    doc = load(args.file)
    certfiles.refuse_existing(args.key_out, args.out)
    output.resolve_target(args.key_out)
    output.resolve_target(args.out)
    password = _password(args)
    result = certrequest.make_csr(
        doc, args.site, key_type=args.key_type, subject=args.subject, add_hosts=args.add_host
    )
    for note in result.notes:
        console.note(f"metaclone: note: {note}")
    certfiles.write_new_file(args.key_out, result.key_pem(password))
    try:
        certfiles.write_new_file(args.out, result.csr_pem(), mode=0o644)
    except BaseException:
        # Never leave a key without its request.
        with contextlib.suppress(OSError):
            os.unlink(args.key_out)
        raise
    protected = "encrypted" if password else "not encrypted: keep it safe"
    console.say(
        f"metaclone: wrote request {args.out} for {', '.join(result.hosts) or 'no host name'} "
        f"({result.csr.subject.rfc4514_string()}) and its private key {args.key_out} "
        f"({args.key_type}, mode 0600, {protected}); the configuration is unchanged"
    )
    console.say(
        "metaclone: next: send the request to the CA; then 'metaclone cert pack --key "
        f"{args.key_out} --cert ISSUED.crt --out SITE.pfx ...' and install it with 'cert set'"
    )
    return EXIT_OK


def cmd_cert_pack(args: argparse.Namespace, console: Console) -> int:
    if bool(args.site) != bool(args.config):
        console.say("metaclone: error: --site and --config go together")
        return EXIT_USAGE
    certfiles.refuse_existing(args.out)
    output.resolve_target(args.out)
    password = _password(args)
    assert password is not None  # argparse requires --password-env or --password-file
    hosts: list[str] = []
    if args.site:
        hosts = certs.site_hosts(load(args.config).site(args.site))
    packed = certrequest.pack_pfx(
        args.key,
        args.cert,
        args.chain,
        password,
        hosts=hosts,
        friendly_name=args.friendly_name,
        legacy=args.legacy_encryption,
        allow_expired=args.allow_expired,
        allow_any_eku=args.allow_any_eku,
    )
    for warning in packed.warnings:
        console.say(f"metaclone: warning: {warning} (accepted)")
    certfiles.write_new_file(args.out, packed.data)
    form = "3DES/SHA-1, legacy" if args.legacy_encryption else "AES-256/SHA-256"
    cert = packed.certificate
    console.say(
        f"metaclone: wrote {args.out} ({form}, mode 0600): certificate {cert.thumbprint} "
        f"({cert.subject}) with its private key and {len(packed.chain)} chain certificate(s), "
        f"friendly name {packed.friendly_name!r}"
    )
    console.say(
        "metaclone: next: import it on the server, then 'metaclone cert set FILE --site SITE "
        f"--thumbprint {cert.thumbprint}' (or 'placeholder finish')"
    )
    return EXIT_OK


#: Shells ``metaclone completion`` writes a script for.
COMPLETION_SHELLS = ("bash", "zsh", "powershell")


def cmd_completion(args: argparse.Namespace, console: Console) -> int:
    from argcomplete.shell_integration import shellcode

    console.out_data(shellcode(["metaclone"], shell=args.shell))
    return EXIT_OK


# -- the parser ----------------------------------------------------------------------------------


def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE", help="MetaBase.xml, applicationHost.config or appcmd XML"
    )


def _add_sslcert(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sslcert",
        metavar="NETSH_OUTPUT",
        help="output of 'netsh http show sslcert' saved to a file (IIS 7+)",
    )


def _add_write_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="write the result to OUT (atomic)")
    where.add_argument(
        "--in-place", action="store_true", help="replace FILE (atomic); keeps FILE.bak"
    )
    where.add_argument("--diff", action="store_true", help="print a unified diff instead")
    where.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    parser.add_argument(
        "--no-backup", action="store_true", help="with --in-place: keep no FILE.bak"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show informational notes"
    )


def _add_plan_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that may change certificates: a plan, netsh input, output."""
    parser.add_argument("--plan", metavar="PLAN", help="write the HTTP.sys plan here (IIS 7+)")
    _add_sslcert(parser)
    _add_write_options(parser)


def _site_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a site id (a whole number)") from None


def _add_certificate_source(parser: argparse.ArgumentParser, *, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--thumbprint", metavar="HEX", help="SHA-1 thumbprint of the certificate")
    source.add_argument("--cert", metavar="PATH", help="certificate file: PEM, DER, PFX or P7B")
    parser.add_argument("--password-env", metavar="VAR", help="PFX password from this variable")
    parser.add_argument("--password-file", metavar="F", help="PFX password from this file")
    parser.add_argument(
        "--allow-expired", action="store_true", help="accept an expired or not yet valid cert"
    )
    parser.add_argument(
        "--allow-any-eku",
        action="store_true",
        help="accept a certificate whose extended key usage lacks server authentication",
    )
    parser.add_argument("--store", default="MY", help="certificate store name (default MY)")


def _add_certificate_tools(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    cert_commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """``cert audit``, ``cert pack`` and ``csr``."""
    _add_cert_audit(cert_commands)
    _add_cert_pack(cert_commands)
    _add_csr(commands)


def _add_cert_audit(
    cert_commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    cert_audit = cert_commands.add_parser(
        "audit",
        help="which certificate serves every https binding, and what is wrong with it",
        description="List every https binding (and FTP site with TLS) with the HTTP.sys entry\n"
        "or file that serves it, and report expired and expiring certificates, host names not\n"
        "covered, bindings without a certificate, HTTP.sys entries that serve nothing and\n"
        "entries shared by several sites. Exit 1 when anything is an error or a warning.",
        epilog=_epilog("cert audit"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_quiet(cert_audit)
    _add_file(cert_audit)
    _add_sslcert(cert_audit)
    cert_audit.add_argument(
        "--certs",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="certificate files or folders (PEM, DER, PFX, P7B) to compare with",
    )
    cert_audit.add_argument(
        "--warn-days",
        type=_days,
        default=audit.DEFAULT_WARN_DAYS,
        metavar="N",
        help="warn about certificates that expire within N days (default %(default)s)",
    )
    cert_audit.add_argument("--json", action="store_true", help="print JSON")
    _add_password_source(cert_audit, required=False)
    cert_audit.set_defaults(handler=cmd_cert_audit)


def _add_cert_pack(
    cert_commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    pack = cert_commands.add_parser(
        "pack",
        help="build the PFX that IIS imports from a key, its certificate and the chain",
        description="Build a PKCS#12 (PFX) file after checking that the key matches the\n"
        "certificate, the chain links up to it and (with --site) it covers the site's host\n"
        "names. The PFX is encrypted with AES-256/SHA-256, which Windows Server 2019 and\n"
        "Windows 10 1709 and later import; Windows Server 2016 and older need\n"
        "--legacy-encryption (3DES/SHA-1).",
        epilog=_epilog("cert pack"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_quiet(pack)
    pack.add_argument("--key", required=True, help="private key file (PEM or DER)")
    pack.add_argument("--cert", required=True, help="the issued certificate (may hold the chain)")
    pack.add_argument(
        "--chain", nargs="+", action="extend", default=[], metavar="FILE", help="chain files"
    )
    pack.add_argument("--out", required=True, metavar="PFX", help="the PFX to write (new file)")
    _add_password_source(pack, required=True, what="PFX password (also opens an encrypted key)")
    pack.add_argument("--site", help="check that the certificate covers this site's https hosts")
    pack.add_argument("--config", metavar="FILE", help="the configuration holding --site")
    pack.add_argument(
        "--friendly-name", metavar="NAME", help="the name IIS shows (default: CN and expiry date)"
    )
    pack.add_argument(
        "--legacy-encryption",
        action="store_true",
        help="3DES/SHA-1, for Windows Server 2016 and older",
    )
    pack.add_argument(
        "--allow-expired", action="store_true", help="accept an expired or not yet valid cert"
    )
    pack.add_argument(
        "--allow-any-eku",
        action="store_true",
        help="accept a certificate whose extended key usage lacks server authentication",
    )
    pack.set_defaults(handler=cmd_cert_pack)


def _add_csr(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    csr = commands.add_parser(
        "csr",
        help="write a certificate request and its key for a site; the configuration is unchanged",
        description="Write a certificate signing request (PEM) naming the host names of the\n"
        "site's https bindings, and its new private key. Nothing in the configuration\n"
        "changes: the site keeps its certificate until the new one is installed with\n"
        "'cert set'.",
        epilog=_epilog("csr"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_quiet(csr)
    _add_file(csr)
    csr.add_argument("--site", required=True, help="id or name of the site")
    csr.add_argument("--key-out", required=True, metavar="KEY", help="private key to write (new)")
    csr.add_argument("--out", required=True, metavar="CSR", help="request to write (new file)")
    csr.add_argument(
        "--key-type",
        choices=certrequest.KEY_TYPES,
        default=certrequest.DEFAULT_KEY_TYPE,
        help=f"default {certrequest.DEFAULT_KEY_TYPE}",
    )
    csr.add_argument("--subject", metavar="DN", help="subject, e.g. CN=shop.example.com,O=Example")
    csr.add_argument(
        "--add-host",
        nargs="+",
        action="extend",
        default=[],
        metavar="HOST",
        help="further host names to request",
    )
    _add_password_source(csr, required=False, what="encrypt the key with the password")
    csr.set_defaults(handler=cmd_csr)


def _days(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days")
    return int(text)


def _add_password_source(
    parser: argparse.ArgumentParser, *, required: bool, what: str = "PFX password"
) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--password-env", metavar="VAR", help=f"{what} from this variable")
    source.add_argument("--password-file", metavar="F", help=f"{what} from this file")


#: Two or three real command lines for each command's --help, by the command's words.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "metaclone sites MetaBase.xml",
        "metaclone placeholder begin applicationHost.config --site Shop --sslcert sslcert.txt "
        "-o new.config",
        "metaclone COMMAND --help",
    ),
    "sites": (
        "metaclone sites MetaBase.xml",
        "metaclone sites applicationHost.config --sslcert sslcert.txt --json",
        'metaclone sites MetaBase.xml Shop 98004751 --applications',
    ),
    "clone": (
        'metaclone clone MetaBase.xml --site Shop --name "Shop staging" -o new.xml',
        "metaclone clone applicationHost.config --site 2 --bindings https/*:8443:shop.example.com "
        "--started --diff",
    ),
    "delete": (
        'metaclone delete applicationHost.config --site "Shop (placeholder)" --in-place',
        "metaclone delete MetaBase.xml --site 1962875482 --diff",
    ),
    "start": (
        "metaclone start MetaBase.xml --site Shop --in-place",
        "metaclone start applicationHost.config --site 2 --diff",
    ),
    "stop": (
        "metaclone stop MetaBase.xml --site Shop --in-place",
        "metaclone stop appcmd_sites.xml --site shop-api -o stopped.xml",
    ),
    "rename": (
        'metaclone rename applicationHost.config --site 3 --name "Shop archive" --in-place',
        'metaclone rename MetaBase.xml --site Shop --name "Shop (old)" --diff',
    ),
    "cert": (
        "metaclone cert show applicationHost.config --sslcert sslcert.txt",
        "metaclone cert set MetaBase.xml --site Shop --cert shop-2026.pfx --password-env PFX_PASS "
        "--in-place",
    ),
    "cert show": (
        "metaclone cert show MetaBase.xml",
        "metaclone cert show applicationHost.config --site Shop --sslcert sslcert.txt --json",
    ),
    "cert set": (
        "metaclone cert set MetaBase.xml --site Shop --cert shop-2026.cer -o new.xml",
        "metaclone cert set applicationHost.config --site Shop --cert shop-2026.pfx "
        "--password-file pass.txt --sslcert sslcert.txt --plan set.ps1",
    ),
    "cert swap": (
        'metaclone cert swap MetaBase.xml --site Shop --with "Shop (placeholder)" --in-place',
        "metaclone cert swap applicationHost.config --site 2 --with 3 --sslcert sslcert.txt "
        "--plan swap.cmd",
    ),
    "cert audit": (
        "metaclone cert audit MetaBase.xml --certs certs/",
        "metaclone cert audit applicationHost.config --sslcert sslcert.txt --certs certs/ "
        "--password-env PFX_PASS --warn-days 45 --json",
    ),
    "cert pack": (
        "metaclone cert pack --key shop.key --cert shop.crt --chain ca.crt --out shop.pfx "
        "--password-env PFX_PASS --site Shop --config MetaBase.xml",
        "metaclone cert pack --key shop.key --cert fullchain.pem --out shop.pfx "
        "--password-file pass.txt --legacy-encryption",
    ),
    "csr": (
        "metaclone csr MetaBase.xml --site Shop --add-host www.shop.example.com "
        "--key-out shop.key --out shop.csr",
        "metaclone csr applicationHost.config --site 2 --key-type ec256 "
        '--subject "CN=shop.example.com,O=Example,C=US" --key-out shop.key --out shop.csr',
    ),
    "placeholder": (
        "metaclone placeholder begin MetaBase.xml --site Shop -o MetaBase.placeholder.xml",
        "metaclone placeholder finish MetaBase.placeholder.xml --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.cer --delete -o MetaBase.done.xml',
    ),
    "placeholder begin": (
        "metaclone placeholder begin MetaBase.xml --site Contrib --from MetaBase_history.xml "
        "-o new.xml",
        "metaclone placeholder begin applicationHost.config --site Shop --sslcert sslcert.txt "
        "-o new.config",
        "metaclone placeholder begin sites.xml --site shop-api --thumbprint "
        "40da7e6686d698efae7172220f4da438025dfeea --only-new -o placeholder.xml",
    ),
    "placeholder finish": (
        "metaclone placeholder finish MetaBase.placeholder.xml --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.pfx --password-env PFX_PASS --delete -o done.xml',
        "metaclone placeholder finish applicationHost.config --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.pfx --password-env PFX_PASS --sslcert sslcert.txt '
        "--plan finish.cmd --in-place",
    ),
    "check": (
        "metaclone check MetaBase.xml",
        "metaclone check applicationHost.config --sslcert sslcert.txt --json",
        "metaclone check servers/ --format sarif > metaclone.sarif",
    ),
    "diff": (
        "metaclone diff applicationHost.config applicationHost.new.config",
        "metaclone diff web1/applicationHost.config web2/applicationHost.config "
        "web3/applicationHost.config --format github",
        "metaclone diff old.config new.config --sslcert sslcert.old.txt sslcert.new.txt --json",
    ),
    "convert": (
        "metaclone convert MetaBase.xml --site Shop --into applicationHost.config --diff",
        'metaclone convert MetaBase.xml --site Shop --name "Shop (IIS 6)" --strict '
        "--into applicationHost.config --in-place",
        "metaclone convert MetaBase.xml --site 1 --site ftp/1 --into applicationHost.config "
        "--sslcert sslcert.txt --plan sites.cmd -o new.config",
    ),
}


def _epilog(words: str) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in EXAMPLES[words])


def _add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    words: str,
    text: str,
    *,
    group: bool = False,
) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with its examples (``words``: e.g. ``cert set``).

    A ``group`` (``cert``, ``placeholder``) only holds subcommands, which take the options.
    """
    command = commands.add_parser(
        words.rsplit(maxsplit=1)[-1],
        help=text,
        description=text[0].upper() + text[1:] + ".",
        epilog=_epilog(words),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if not group:
        _add_quiet(command)
    return command


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="say only warnings, errors and what to do next (not what was done)",
    )


def _add_report_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=[f.value for f in report.OutputFormat],
        default=report.OutputFormat.TEXT.value,
        help="text (default), json, sarif (SARIF 2.1.0) or github (workflow commands)",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="--format json"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metaclone",
        description="Clone IIS sites and swap their certificates in configuration files,\n"
        "offline, changing only the bytes that must change.",
        epilog=_epilog(""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sites = _add_command(commands, "sites", "list the sites")
    _add_file(sites)
    sites.add_argument(
        "names", nargs="*", metavar="SITE", help="only these sites (ids or names); all without"
    )
    sites.add_argument("--json", action="store_true", help="print JSON")
    sites.add_argument(
        "--applications",
        action="store_true",
        help="also list each site's applications, pools and virtual directories",
    )
    _add_sslcert(sites)
    sites.set_defaults(handler=cmd_sites)

    clone = _add_command(commands, "clone", "clone a site under a new id")
    _add_file(clone)
    clone.add_argument("--site", required=True, help="id or name of the site to clone")
    clone.add_argument("--id", type=_site_id, help="id of the clone (default: chosen)")
    clone.add_argument("--name", help="name of the clone")
    clone.add_argument(
        "--bindings",
        nargs="+",
        metavar="PROTO/INFO",
        help="bindings of the clone, e.g. https/*:8443:",
    )
    clone.add_argument("--started", action="store_true", help="mark the clone started")
    _add_write_options(clone)
    clone.set_defaults(handler=cmd_clone)

    for name, handler, text in (
        ("delete", cmd_delete, "delete a site"),
        ("start", _cmd_auto_start(True), "mark a site started"),
        ("stop", _cmd_auto_start(False), "mark a site stopped"),
    ):
        command = _add_command(commands, name, text)
        _add_file(command)
        command.add_argument("--site", required=True, help="id or name of the site")
        _add_write_options(command)
        command.set_defaults(handler=handler)

    rename = _add_command(commands, "rename", "rename a site")
    _add_file(rename)
    rename.add_argument("--site", required=True, help="id or name of the site")
    rename.add_argument("--name", required=True, help="the new name")
    _add_write_options(rename)
    rename.set_defaults(handler=cmd_rename)

    cert = _add_command(
        commands, "cert", "show, set, swap, audit or pack certificates", group=True
    )
    cert_commands = cert.add_subparsers(dest="cert_command", required=True, metavar="ACTION")
    show = _add_command(cert_commands, "cert show", "show the certificates of sites")
    _add_file(show)
    show.add_argument("--site", help="only this site")
    show.add_argument("--json", action="store_true", help="print JSON")
    _add_sslcert(show)
    show.set_defaults(handler=cmd_cert_show)

    cert_set = _add_command(cert_commands, "cert set", "give a site a certificate")
    _add_file(cert_set)
    cert_set.add_argument("--site", required=True, help="id or name of the site")
    _add_certificate_source(cert_set, required=True)
    _add_plan_options(cert_set)
    cert_set.set_defaults(handler=cmd_cert_set)

    swap = _add_command(cert_commands, "cert swap", "exchange the certificates of two sites")
    _add_file(swap)
    swap.add_argument("--site", required=True, help="id or name of one site")
    swap.add_argument("--with", dest="other", required=True, help="id or name of the other")
    _add_plan_options(swap)
    swap.set_defaults(handler=cmd_cert_swap)
    _add_certificate_tools(commands, cert_commands)

    placeholder = _add_command(
        commands,
        "placeholder",
        "serve a site from a placeholder while its certificate is pending",
        group=True,
    )
    steps = placeholder.add_subparsers(dest="step", required=True, metavar="STEP")
    begin = _add_command(steps, "placeholder begin", "clone the site as a started placeholder")
    _add_file(begin)
    begin.add_argument("--site", required=True, help="id or name of the site")
    begin.add_argument("--id", type=_site_id, help="id of the placeholder (default: chosen)")
    begin.add_argument("--name", help="name of the placeholder")
    _add_certificate_source(begin, required=False)
    begin.add_argument(
        "--from",
        dest="previous",
        metavar="OLD_CONFIG",
        help="an earlier copy of the configuration that still has the site's certificate",
    )
    begin.add_argument(
        "--only-new",
        action="store_true",
        help="appcmd XML: write the new <SITE> alone, as 'appcmd add site /in' takes it",
    )
    _add_plan_options(begin)
    begin.set_defaults(handler=cmd_placeholder_begin)

    finish = _add_command(
        steps, "placeholder finish", "install the new certificate and retire the placeholder"
    )
    _add_file(finish)
    finish.add_argument("--site", required=True, help="id or name of the original site")
    finish.add_argument("--placeholder", required=True, help="id or name of the placeholder")
    _add_certificate_source(finish, required=True)
    finish.add_argument("--delete", action="store_true", help="delete the placeholder")
    finish.add_argument(
        "--force",
        action="store_true",
        help="go ahead even if P's https bindings are not the site's (P is not its placeholder)",
    )
    _add_plan_options(finish)
    finish.set_defaults(handler=cmd_placeholder_finish)

    converting = _add_command(
        commands, "convert", "move IIS 6 sites into an IIS 7+ applicationHost.config"
    )
    converting.add_argument(
        "metabase", metavar="METABASE", help="IIS 6 MetaBase.xml or iiscnfg export"
    )
    converting.add_argument(
        "--site", required=True, action="append", help="id or name of an IIS 6 site (repeatable)"
    )
    converting.add_argument(
        "--into",
        dest="file",
        required=True,
        metavar="APPLICATIONHOST",
        help="the applicationHost.config the sites go into (the document written)",
    )
    converting.add_argument("--id", type=_site_id, help="id of the new site (default: chosen)")
    converting.add_argument("--name", help="name of the new site (default: its ServerComment)")
    converting.add_argument(
        "--pipeline",
        choices=["classic", "integrated"],
        default="classic",
        help="pipeline mode of new application pools (default: classic)",
    )
    converting.add_argument(
        "--runtime",
        choices=["v2.0", "v4.0", ""],
        default="v2.0",
        help='.NET version of new application pools; "" for no managed code (default: v2.0)',
    )
    converting.add_argument(
        "--strict", action="store_true", help="refuse when anything cannot be carried"
    )
    _add_plan_options(converting)
    converting.set_defaults(handler=cmd_convert)

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the script that makes the shell complete metaclone's commands and "
        "options. Load it from your shell's start-up file.",
        epilog="examples:\n"
        '  bash:        eval "$(metaclone completion bash)"            (in ~/.bashrc)\n'
        '  zsh:         eval "$(metaclone completion zsh)"             (in ~/.zshrc)\n'
        "  PowerShell:  metaclone completion powershell | Out-String | Invoke-Expression"
        "   (in $PROFILE)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS)
    completion.set_defaults(handler=cmd_completion)

    check = _add_command(commands, "check", "look for problems in files and folders")
    check.add_argument(
        "paths",
        nargs="+",
        metavar="FILE",
        help="files, and folders to search for IIS configuration files",
    )
    _add_report_format(check)
    _add_sslcert(check)
    check.set_defaults(handler=cmd_check)

    diff = _add_command(
        commands, "diff", "say what changed per site between files (many NEW: drift from OLD)"
    )
    diff.add_argument("old", metavar="OLD", help="the file before (the baseline)")
    diff.add_argument("new", nargs="+", metavar="NEW", help="the file after (or servers' files)")
    _add_report_format(diff)
    diff.add_argument(
        "--sslcert",
        nargs=2,
        metavar=("OLD_CAPTURE", "NEW_CAPTURE"),
        help="also compare two 'netsh http show sslcert' captures, per endpoint",
    )
    diff.set_defaults(handler=cmd_diff)
    return parser


def _error_lines(error: MetacloneError) -> list[str]:
    """The error as lines for the terminal: the message, then (for a file that could not be
    read) the offending line with a caret under the column, placed as the line is shown."""
    lines = [f"metaclone: error: {MetacloneError.__str__(error)}"]
    if isinstance(error, ParseError) and error.source_line is not None and error.column:
        # About 120 characters around the column: a line may be megabytes long.
        text, caret_at = window(error.source_line.expandtabs(1), error.column)
        before = visible(text[:caret_at])
        lines += [f"    {visible(text)}", f"    {' ' * len(before)}^"]
    return lines


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; return the exit status."""
    console = Console(stdout or sys.stdout, stderr or sys.stderr)
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:
        # A shell asks for completions (see `metaclone completion`): answer and exit.
        import argcomplete

        argcomplete.autocomplete(parser)
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:
        for line in parser.format_help().rstrip("\n").split("\n"):
            console.say(line)
        return EXIT_USAGE
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if getattr(args, "password_env", None) and getattr(args, "password_file", None):
        console.say("metaclone: error: give --password-env or --password-file, not both")
        return EXIT_USAGE
    console.quiet = bool(getattr(args, "quiet", False))
    try:
        status: int = args.handler(args, console)
        return status
    except MetacloneError as error:
        for line in _error_lines(error):
            console.say(line)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        console.say("metaclone: interrupted; nothing was written")
        return 130
    except BrokenPipeError:
        # The reader went away (`metaclone sites ... | head`): not an error of the input.
        # Point stdout at nothing so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_OK
    except OSError as error:
        # Files that cannot be read or written (permissions, a missing folder for -o, ...).
        name = error.filename or ""
        console.say(f"metaclone: error: {name}: {error.strerror or error}")
        return EXIT_REFUSED
    except Exception:
        console.say("metaclone: internal error (this is a bug; please report it with the input):")
        if os.environ.get("METACLONE_DEBUG"):
            for line in traceback.format_exc().rstrip().split("\n"):
                console.say(line)
        else:
            console.say(f"  {traceback.format_exc().splitlines()[-1]}")
        return EXIT_INTERNAL

"""The ``metaclone`` command line.

``main(argv)`` returns the exit status: 0 success, 1 ``check`` found problems, 2 usage error,
3 input rejected or operation refused, 123 internal error.  Bad input never shows a traceback,
and nothing is written unless the whole command succeeds; every write is atomic.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from metaclone import certs, httpsys, workflow
from metaclone.base import ConfigDocument
from metaclone.diff import unified_diff
from metaclone.errors import MetacloneError, ParseError, UnsupportedDocumentError
from metaclone.httpsys import HttpSysPlan
from metaclone.loader import load
from metaclone.lossless.document import write_atomic
from metaclone.messages import listing
from metaclone.sites import (
    Application,
    Binding,
    CertificateRef,
    Finding,
    Severity,
    Site,
    normalize_thumbprint,
)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERNAL = 123

Handler = Callable[[argparse.Namespace, "Console"], int]


class Console:
    """Where output goes: the document or JSON on stdout, everything for people on stderr."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.stdout = stdout
        self.stderr = stderr

    def say(self, message: str) -> None:
        print(message, file=self.stderr)

    def out(self, text: str) -> None:
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
        attach = getattr(doc, "attach_sslcerts", None)
        if attach is None:
            raise UnsupportedDocumentError(
                f"--sslcert applies to IIS 7+ files; this is {doc.format}, which keeps its "
                "certificates in the file itself",
                path=doc.path,
            )
        attach(httpsys.load_netsh_sslcert(sslcert))
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
    password: bytes | None = None
    if getattr(args, "password_env", None):
        password = certs.password_from_env(args.password_env)
    elif getattr(args, "password_file", None):
        password = certs.password_from_file(args.password_file)
    loaded = certs.load_certificate(path, password)
    problem = certs.check_validity(loaded, allow_expired=args.allow_expired)
    if problem:
        console.say(f"metaclone: warning: {problem} (accepted: --allow-expired)")
    if site is not None:
        hosts = sorted({b.host for b in site.bindings if b.host and b.host != "*"})
        missing = certs.uncovered_hosts(loaded, hosts)
        if missing:
            console.say(
                f"metaclone: warning: certificate {loaded.thumbprint} does not cover "
                + listing(missing)
                + f" (it names {listing(loaded.dns_names) or 'no host'})"
            )
    return loaded.ref(store)


# -- writing -------------------------------------------------------------------------------------


def _write_plan(args: argparse.Namespace, console: Console, plan: HttpSysPlan | None) -> None:
    if plan is None:
        return
    for warning in plan.warnings:
        console.say(f"metaclone: warning: {warning}")
    if not plan:
        console.say("metaclone: HTTP.sys already holds these certificates: nothing to run")
        return
    target = getattr(args, "plan", None)
    if target and not args.dry_run:
        suffix = Path(target).suffix.lower()
        if suffix == ".ps1":
            text = plan.powershell()
        elif suffix == ".json":
            text = json.dumps(plan.to_json(), indent=2) + "\n"
        else:
            # A .cmd file for cmd.exe, which expects CRLF line ends.
            text = plan.netsh().replace("\n", "\r\n")
        write_atomic(Path(target), text.encode("utf-8"))
        console.say(f"metaclone: HTTP.sys plan written to {target}")
        return
    console.say("metaclone: HTTP.sys plan (run as administrator; --plan FILE.ps1 for PowerShell):")
    console.say(plan.netsh().rstrip("\n"))


def _check_writable(path: str | None) -> None:
    """Refuse before anything is written when a destination's folder is missing or read-only."""
    if not path:
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise OSError(errno.ENOENT, "no such folder", str(folder))
    if not os.access(folder, os.W_OK):
        raise OSError(errno.EACCES, "folder is not writable", str(folder))


def _emit(
    args: argparse.Namespace,
    console: Console,
    doc: ConfigDocument,
    before: bytes,
    plan: HttpSysPlan | None = None,
) -> int:
    """Deliver the edited document (and plan) where the options say; nothing on --dry-run."""
    if not args.dry_run:
        _check_writable(args.output or (args.file if args.in_place else None))
        _check_writable(getattr(args, "plan", None) if plan else None)
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
        console.say(f"metaclone: {len(quiet)} more note(s); --verbose shows them")
    if args.dry_run:
        changed = "unchanged" if after == before else "changed"
        console.say(f"metaclone: dry run: {args.file} would be {changed}; nothing written")
        return EXIT_OK
    if args.diff:
        bom = len(doc.xml.bom)
        old = before[bom:].decode(doc.xml.encoding)
        console.out(unified_diff(old, doc.xml.text if doc.modified else old, args.file))
        return EXIT_OK
    if args.output:
        doc.save(args.output)
        console.say(f"metaclone: wrote {args.output}")
    elif args.in_place:
        if after == before:
            console.say(f"metaclone: {args.file} unchanged")
            return EXIT_OK
        if not args.no_backup:
            write_atomic(Path(f"{args.file}.bak"), before)
        doc.save(args.file)
        backup = "" if args.no_backup else f" (previous version in {args.file}.bak)"
        console.say(f"metaclone: updated {args.file}{backup}")
    else:
        console.out_bytes(after)
    return EXIT_OK


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


def cmd_sites(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    sites = doc.sites
    if args.json:
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        entries = (
            {**s.to_json(), "applications": [a.to_json() for a in doc.applications(s)]}
            if args.applications
            else s.to_json()
            for s in sites
        )
        console.out(_json_listing(fields, "sites", entries))
        return EXIT_OK
    console.out(f"{args.file}: {doc.format}, {len(sites)} site(s)\n")
    if not args.applications:
        console.out("".join(_site_line(site) + "\n" for site in sites))
        return EXIT_OK
    for site in sites:
        lines = [_site_line(site), *map(_application_line, doc.applications(site))]
        console.out("".join(line + "\n" for line in lines))
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
    console.say(
        f"metaclone: cloned site {source.id} {source.name!r} as site {new.id} {new.name!r}"
        f" ({'started' if new.auto_start else 'stopped'})"
    )
    return _emit(args, console, doc, before)


def cmd_delete(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    doc.delete_site(site)
    console.say(f"metaclone: deleted site {site.id} {site.name!r}")
    return _emit(args, console, doc, before)


def cmd_rename(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    renamed = doc.rename_site(site, args.name)
    console.say(f"metaclone: renamed site {site.id} {site.name!r} to {renamed.name!r}")
    return _emit(args, console, doc, before)


def _cmd_auto_start(value: bool) -> Handler:
    def handler(args: argparse.Namespace, console: Console) -> int:
        doc = _load(args)
        before = doc.to_bytes()
        site = doc.set_auto_start(args.site, value)
        console.say(
            f"metaclone: site {site.id} {site.name!r} marked {'started' if value else 'stopped'}"
        )
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
                "https_bindings": [
                    {**b.to_json(), "endpoint": _endpoint_text(b)} for b in site.secure_bindings
                ],
            }
            for site in sites
        ]
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        console.out(_json_listing(fields, "sites", entries))
        return EXIT_OK
    for site in sites:
        console.out(_site_line(site) + "\n")
        for binding in site.secure_bindings:
            cert = binding.certificate
            shown = f"{cert.thumbprint} ({cert.store})" if cert else "not known"
            console.out(
                f"{'':>12}{binding.summary}  HTTP.sys {_endpoint_text(binding)}  cert: {shown}\n"
            )
    return EXIT_OK


def _endpoint_text(binding: Binding) -> str | None:
    endpoint = httpsys.endpoint_for(binding)
    return str(endpoint) if endpoint else None


def cmd_cert_set(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = _certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    plan = doc.set_certificate(site, certificate.thumbprint, store=certificate.store)
    console.say(
        f"metaclone: certificate {certificate.thumbprint} ({certificate.store}) for site "
        f"{site.id} {site.name!r}" + (" (HTTP.sys plan; the file is unchanged)" if plan else "")
    )
    return _emit(args, console, doc, before, plan)


def cmd_cert_swap(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    a, b = doc.site(args.site), doc.site(args.other)
    plan = doc.swap_certificates(a, b)
    console.say(
        f"metaclone: swapped the certificates of site {a.id} {a.name!r} and {b.id} {b.name!r}"
    )
    return _emit(args, console, doc, before, plan)


def _destination(args: argparse.Namespace) -> str:
    """The file the new document ends up in, as the next steps should name it."""
    if args.output:
        return str(args.output)
    if args.in_place:
        return str(args.file)
    return "NEW_FILE"


def _say_result(console: Console, result: workflow.WorkflowResult) -> None:
    for change in result.changes:
        console.say(f"metaclone: {change}")
    for warning in result.warnings:
        console.say(f"metaclone: warning: {warning}")
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
    )
    _say_result(console, result)
    return _emit(args, console, doc, before, result.plan)


def cmd_placeholder_finish(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = _certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    result = workflow.finish(
        doc, site, args.placeholder, certificate, delete=args.delete, saved_as=_destination(args)
    )
    _say_result(console, result)
    return _emit(args, console, doc, before, result.plan)


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    doc = _load(args)
    if not doc.format.startswith(("iis6", "iis7", "appcmd")):
        raise UnsupportedDocumentError(
            "cannot check: not an IIS 6 metabase, applicationHost.config or appcmd XML",
            path=doc.path,
        )
    findings: list[Finding] = doc.check()
    problems = [f for f in findings if f.severity is not Severity.INFO]
    if args.json:
        fields: dict[str, object] = {"format": doc.format, "path": args.file, "ok": not problems}
        console.out(_json_listing(fields, "findings", (f.to_json() for f in findings)))
    else:
        for finding in findings:
            where = f"{args.file}:{finding.line}" if finding.line else args.file
            site = f" (site {finding.site_id})" if finding.site_id is not None else ""
            console.out(
                f"{where}: {finding.severity.value}: {finding.message}{site} [{finding.code}]\n"
            )
        console.out(f"{args.file}: {len(problems)} problem(s), {len(findings)} finding(s)\n")
    return EXIT_PROBLEMS if problems else EXIT_OK


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
    parser.add_argument("--store", default="MY", help="certificate store name (default MY)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metaclone",
        description="Clone IIS sites and swap their certificates in configuration files, "
        "offline, changing only the bytes that must change.",
    )
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sites = commands.add_parser("sites", help="list the sites")
    _add_file(sites)
    sites.add_argument("--json", action="store_true", help="print JSON")
    sites.add_argument(
        "--applications",
        action="store_true",
        help="also list each site's applications, pools and virtual directories",
    )
    _add_sslcert(sites)
    sites.set_defaults(handler=cmd_sites)

    clone = commands.add_parser("clone", help="clone a site under a new id")
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
        command = commands.add_parser(name, help=text)
        _add_file(command)
        command.add_argument("--site", required=True, help="id or name of the site")
        _add_write_options(command)
        command.set_defaults(handler=handler)

    rename = commands.add_parser("rename", help="rename a site")
    _add_file(rename)
    rename.add_argument("--site", required=True, help="id or name of the site")
    rename.add_argument("--name", required=True, help="the new name")
    _add_write_options(rename)
    rename.set_defaults(handler=cmd_rename)

    cert = commands.add_parser("cert", help="show, set or swap certificates")
    cert_commands = cert.add_subparsers(dest="cert_command", required=True, metavar="ACTION")
    show = cert_commands.add_parser("show", help="show the certificates of sites")
    _add_file(show)
    show.add_argument("--site", help="only this site")
    show.add_argument("--json", action="store_true", help="print JSON")
    _add_sslcert(show)
    show.set_defaults(handler=cmd_cert_show)

    cert_set = cert_commands.add_parser("set", help="give a site a certificate")
    _add_file(cert_set)
    cert_set.add_argument("--site", required=True, help="id or name of the site")
    _add_certificate_source(cert_set, required=True)
    _add_plan_options(cert_set)
    cert_set.set_defaults(handler=cmd_cert_set)

    swap = cert_commands.add_parser("swap", help="exchange the certificates of two sites")
    _add_file(swap)
    swap.add_argument("--site", required=True, help="id or name of one site")
    swap.add_argument("--with", dest="other", required=True, help="id or name of the other")
    _add_plan_options(swap)
    swap.set_defaults(handler=cmd_cert_swap)

    placeholder = commands.add_parser(
        "placeholder", help="serve a site from a placeholder while its certificate is pending"
    )
    steps = placeholder.add_subparsers(dest="step", required=True, metavar="STEP")
    begin = steps.add_parser("begin", help="clone the site as a started placeholder")
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
    _add_plan_options(begin)
    begin.set_defaults(handler=cmd_placeholder_begin)

    finish = steps.add_parser(
        "finish", help="install the new certificate and retire the placeholder"
    )
    _add_file(finish)
    finish.add_argument("--site", required=True, help="id or name of the original site")
    finish.add_argument("--placeholder", required=True, help="id or name of the placeholder")
    _add_certificate_source(finish, required=True)
    finish.add_argument("--delete", action="store_true", help="delete the placeholder")
    _add_plan_options(finish)
    finish.set_defaults(handler=cmd_placeholder_finish)

    check = commands.add_parser("check", help="look for problems")
    _add_file(check)
    check.add_argument("--json", action="store_true", help="print JSON")
    _add_sslcert(check)
    check.set_defaults(handler=cmd_check)
    return parser


def _first_line(error: MetacloneError) -> str:
    return str(error).splitlines()[0]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; return the exit status."""
    console = Console(stdout or sys.stdout, stderr or sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if getattr(args, "password_env", None) and getattr(args, "password_file", None):
        console.say("metaclone: error: give --password-env or --password-file, not both")
        return EXIT_USAGE
    try:
        status: int = args.handler(args, console)
        return status
    except ParseError as error:
        console.say(f"metaclone: error: {error}")
        return EXIT_REFUSED
    except MetacloneError as error:
        console.say(f"metaclone: error: {_first_line(error)}")
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
            console.say(traceback.format_exc().rstrip())
        else:
            console.say(f"  {traceback.format_exc().splitlines()[-1]}")
        return EXIT_INTERNAL

"""The ``metaclone`` argument parser: every command and its options, in the order --help lists
them.

Building the parser imports no library code: each command names its handler (a function of
one of the command modules), and that module, with the library code it needs, is imported
only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from metaclone.__about__ import __version__
from metaclone.cli.console import Console, Handler
from metaclone.cli.options import (
    COMPLETION_SHELLS,
    DEFAULT_KEY_TYPE,
    DEFAULT_WARN_DAYS,
    KEY_TYPES,
    Commands,
    HelpFormatter,
    add_certificate_allowances,
    add_certificate_source,
    add_command,
    add_file,
    add_password_source,
    add_plan_options,
    add_report_format,
    add_sslcert,
    add_write_options,
    days,
    epilog,
    site_id,
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``command`` (the first word of the arguments), only
    that command's when it is one, which parses its arguments exactly as the whole parser does
    and spares the start-up the building of all the others."""
    parser = argparse.ArgumentParser(
        prog="metaclone",
        description="Clone IIS sites and swap their certificates in configuration files,\n"
        "offline, changing only the bytes that must change.",
        epilog=epilog(""),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register = _REGISTERS.get(command or "")
    if register is not None:
        register(commands)
        return parser
    # The order --help lists the commands in.
    for register in dict.fromkeys(_REGISTERS.values()):
        register(commands)
    return parser


def runs(module: str, function: str) -> Handler:
    """The handler ``function`` of ``metaclone.cli.<module>``, imported when the command runs."""

    def handler(args: argparse.Namespace, console: Console) -> int:
        command: Handler = getattr(importlib.import_module(f"metaclone.cli.{module}"), function)
        return command(args, console)

    return handler


def _register_sites(commands: Commands) -> None:
    """The commands on sites, in the order --help lists them."""
    _add_sites(commands)
    _add_clone(commands)
    _add_delete_start_stop(commands)
    _add_rename(commands)


def _add_sites(commands: Commands) -> None:
    sites = add_command(commands, "sites", "list the sites")
    add_file(sites)
    sites.add_argument(
        "names", nargs="*", metavar="SITE", help="only these sites (ids or names); all without"
    )
    sites.add_argument("--json", action="store_true", help="print JSON")
    sites.add_argument(
        "--applications",
        action="store_true",
        help="also list each site's applications, pools and virtual directories",
    )
    add_sslcert(sites)
    sites.set_defaults(handler=runs("sites", "cmd_sites"))


def _add_clone(commands: Commands) -> None:
    clone = add_command(commands, "clone", "clone a site under a new id")
    add_file(clone)
    clone.add_argument("--site", required=True, help="id or name of the site to clone")
    clone.add_argument("--id", type=site_id, help="id of the clone (default: chosen)")
    clone.add_argument("--name", help="name of the clone")
    clone.add_argument(
        "--bindings",
        nargs="+",
        metavar="PROTO/INFO",
        help="bindings of the clone, e.g. https/*:8443:",
    )
    clone.add_argument("--started", action="store_true", help="mark the clone started")
    add_write_options(clone)
    clone.set_defaults(handler=runs("sites", "cmd_clone"))


def _add_delete_start_stop(commands: Commands) -> None:
    for name, text in (
        ("delete", "delete a site"),
        ("start", "mark a site started"),
        ("stop", "mark a site stopped"),
    ):
        command = add_command(commands, name, text)
        add_file(command)
        command.add_argument("--site", required=True, help="id or name of the site")
        add_write_options(command)
        command.set_defaults(handler=runs("sites", f"cmd_{name}"))


def _add_rename(commands: Commands) -> None:
    rename = add_command(commands, "rename", "rename a site")
    add_file(rename)
    rename.add_argument("--site", required=True, help="id or name of the site")
    rename.add_argument("--name", required=True, help="the new name")
    add_write_options(rename)
    rename.set_defaults(handler=runs("sites", "cmd_rename"))


def _register_certs(commands: Commands) -> None:
    """``cert`` and its actions, then ``csr``, in the order --help lists them."""
    cert_commands = _add_cert(commands)
    _add_cert_audit(cert_commands)
    _add_cert_pack(cert_commands)
    _add_csr(commands)


def _add_cert(commands: Commands) -> Commands:
    cert = add_command(commands, "cert", "show, set, swap, audit or pack certificates", group=True)
    cert_commands = cert.add_subparsers(dest="cert_command", required=True, metavar="ACTION")
    show = add_command(cert_commands, "cert show", "show the certificates of sites")
    add_file(show)
    show.add_argument("--site", help="only this site")
    show.add_argument("--json", action="store_true", help="print JSON")
    add_sslcert(show)
    show.set_defaults(handler=runs("certs", "cmd_cert_show"))

    cert_set = add_command(cert_commands, "cert set", "give a site a certificate")
    add_file(cert_set)
    cert_set.add_argument("--site", required=True, help="id or name of the site")
    add_certificate_source(cert_set, required=True)
    add_plan_options(cert_set)
    cert_set.set_defaults(handler=runs("certs", "cmd_cert_set"))

    swap = add_command(cert_commands, "cert swap", "exchange the certificates of two sites")
    add_file(swap)
    swap.add_argument("--site", required=True, help="id or name of one site")
    swap.add_argument("--with", dest="other", required=True, help="id or name of the other")
    add_plan_options(swap)
    swap.set_defaults(handler=runs("certs", "cmd_cert_swap"))
    return cert_commands


def _add_cert_audit(cert_commands: Commands) -> None:
    cert_audit = add_command(
        cert_commands,
        "cert audit",
        "which certificate serves every https binding, and what is wrong with it",
        description="List every https binding (and FTP site with TLS) with the HTTP.sys entry\n"
        "or file that serves it, and report expired and expiring certificates, host names not\n"
        "covered, bindings without a certificate, HTTP.sys entries that serve nothing and\n"
        "entries shared by several sites. Exit 1 when anything is an error or a warning.",
    )
    add_file(cert_audit)
    add_sslcert(cert_audit)
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
        type=days,
        default=DEFAULT_WARN_DAYS,
        metavar="N",
        help="warn about certificates that expire within N days (default %(default)s)",
    )
    cert_audit.add_argument("--json", action="store_true", help="print JSON")
    add_password_source(cert_audit, required=False)
    cert_audit.set_defaults(handler=runs("certs", "cmd_cert_audit"))


def _add_cert_pack(cert_commands: Commands) -> None:
    pack = add_command(
        cert_commands,
        "cert pack",
        "build the PFX that IIS imports from a key, its certificate and the chain",
        description="Build a PKCS#12 (PFX) file after checking that the key matches the\n"
        "certificate, the chain links up to it and (with --site) it covers the site's host\n"
        "names. The PFX is encrypted with AES-256/SHA-256, which Windows Server 2019 and\n"
        "Windows 10 1709 and later import; Windows Server 2016 and older need\n"
        "--legacy-encryption (3DES/SHA-1).",
    )
    pack.add_argument("--key", required=True, help="private key file (PEM or DER)")
    pack.add_argument("--cert", required=True, help="the issued certificate (may hold the chain)")
    pack.add_argument(
        "--chain", nargs="+", action="extend", default=[], metavar="FILE", help="chain files"
    )
    pack.add_argument("--out", required=True, metavar="PFX", help="the PFX to write (new file)")
    add_password_source(pack, required=True, what="PFX password (also opens an encrypted key)")
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
    add_certificate_allowances(pack)
    pack.set_defaults(handler=runs("certs", "cmd_cert_pack"))


def _add_csr(commands: Commands) -> None:
    csr = add_command(
        commands,
        "csr",
        "write a certificate request and its key for a site; the configuration is unchanged",
        description="Write a certificate signing request (PEM) naming the host names of the\n"
        "site's https bindings, and its new private key. Nothing in the configuration\n"
        "changes: the site keeps its certificate until the new one is installed with\n"
        "'cert set'.",
    )
    add_file(csr)
    csr.add_argument("--site", required=True, help="id or name of the site")
    csr.add_argument("--key-out", required=True, metavar="KEY", help="private key to write (new)")
    csr.add_argument("--out", required=True, metavar="CSR", help="request to write (new file)")
    csr.add_argument(
        "--key-type",
        choices=KEY_TYPES,
        default=DEFAULT_KEY_TYPE,
        help=f"default {DEFAULT_KEY_TYPE}",
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
    add_password_source(csr, required=False, what="encrypt the key with the password")
    csr.set_defaults(handler=runs("certs", "cmd_csr"))


def _register_placeholder(commands: Commands) -> None:
    """``placeholder`` and its two steps."""
    placeholder = add_command(
        commands,
        "placeholder",
        "serve a site from a placeholder while its certificate is pending",
        group=True,
    )
    steps = placeholder.add_subparsers(dest="step", required=True, metavar="STEP")
    _add_begin(steps)
    _add_finish(steps)


def _add_begin(steps: Commands) -> None:
    begin = add_command(steps, "placeholder begin", "clone the site as a started placeholder")
    add_file(begin)
    begin.add_argument("--site", required=True, help="id or name of the site")
    begin.add_argument("--id", type=site_id, help="id of the placeholder (default: chosen)")
    begin.add_argument("--name", help="name of the placeholder")
    add_certificate_source(begin, required=False)
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
    add_plan_options(begin)
    begin.set_defaults(handler=runs("placeholder", "cmd_placeholder_begin"))


def _add_finish(steps: Commands) -> None:
    finish = add_command(
        steps, "placeholder finish", "install the new certificate and retire the placeholder"
    )
    add_file(finish)
    finish.add_argument("--site", required=True, help="id or name of the original site")
    finish.add_argument("--placeholder", required=True, help="id or name of the placeholder")
    add_certificate_source(finish, required=True)
    finish.add_argument("--delete", action="store_true", help="delete the placeholder")
    finish.add_argument(
        "--force",
        action="store_true",
        help="go ahead even if P's https bindings are not the site's (P is not its placeholder)",
    )
    add_plan_options(finish)
    finish.set_defaults(handler=runs("placeholder", "cmd_placeholder_finish"))


def _register_convert(commands: Commands) -> None:
    converting = add_command(
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
    converting.add_argument("--id", type=site_id, help="id of the new site (default: chosen)")
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
    add_plan_options(converting)
    converting.set_defaults(handler=runs("convert", "cmd_convert"))


def _register_completion(commands: Commands) -> None:
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
        formatter_class=HelpFormatter,
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS)
    completion.set_defaults(handler=runs("completion", "cmd_completion"))


def _register_review(commands: Commands) -> None:
    """``check``, then ``diff``."""
    _add_check(commands)
    _add_diff(commands)


def _add_check(commands: Commands) -> None:
    check = add_command(commands, "check", "look for problems in files and folders")
    check.add_argument(
        "paths",
        nargs="+",
        metavar="FILE",
        help="files, and folders to search for IIS configuration files",
    )
    add_report_format(check)
    add_sslcert(check)
    check.set_defaults(handler=runs("review", "cmd_check"))


def _add_diff(commands: Commands) -> None:
    diff = add_command(
        commands, "diff", "say what changed per site between files (many NEW: drift from OLD)"
    )
    diff.add_argument("old", metavar="OLD", help="the file before (the baseline)")
    diff.add_argument("new", nargs="+", metavar="NEW", help="the file after (or servers' files)")
    add_report_format(diff)
    diff.add_argument(
        "--sslcert",
        nargs=2,
        metavar=("OLD_CAPTURE", "NEW_CAPTURE"),
        help="also compare two 'netsh http show sslcert' captures, per endpoint",
    )
    diff.set_defaults(handler=runs("review", "cmd_diff"))


#: What registers each command (with the others of its group), in the order --help lists them.
_REGISTERS: dict[str, Callable[[Commands], None]] = {
    **dict.fromkeys(("sites", "clone", "delete", "start", "stop", "rename"), _register_sites),
    **dict.fromkeys(("cert", "csr"), _register_certs),
    "placeholder": _register_placeholder,
    "convert": _register_convert,
    "completion": _register_completion,
    **dict.fromkeys(("check", "diff"), _register_review),
}

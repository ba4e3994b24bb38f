"""``cert show``, ``cert set``, ``cert swap``, ``cert audit``, ``cert pack`` and ``csr``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os

from metaclone import certs, httpsys
from metaclone.certs import files as certfiles
from metaclone.certs import request as certrequest
from metaclone.cli.console import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Console
from metaclone.cli.inputs import given_certificate, given_password, load_document
from metaclone.cli.options import (
    Commands,
    add_certificate_allowances,
    add_certificate_source,
    add_command,
    add_file,
    add_password_source,
    add_plan_options,
    add_sslcert,
    days,
)
from metaclone.cli.outputs import emit, endpoint_text, json_listing, served_by_text
from metaclone.cli.sites import inherited_legend, site_line
from metaclone.document import ConfigDocument
from metaclone.errors import CertificateRequestError
from metaclone.loader import load
from metaclone.lossless import output
from metaclone.model.sites import Binding
from metaclone.workflow import audit


def cmd_cert_show(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
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
                        "endpoint": endpoint_text(b),
                        "served_by": served_by_text(doc, b),
                    }
                    for b in site.secure_bindings
                ],
            }
            for site in sites
        ]
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        console.json("cert-show", json_listing(fields, "sites", entries))
        return EXIT_OK
    for site in sites:
        console.out(site_line(site) + "\n")
        for binding in site.secure_bindings:
            cert = binding.certificate
            shown = f"{cert.thumbprint} ({cert.store})" if cert else "not known"
            console.out(
                f"{'':>12}{binding.summary}  HTTP.sys {endpoint_text(binding)}"
                f"{_serving_note(doc, binding)}  cert: {shown}\n"
            )
    legend = inherited_legend(sites)
    if legend is not None:
        console.out(legend + "\n")
    return EXIT_OK


def _serving_note(doc: ConfigDocument, binding: Binding) -> str:
    """Which entry serves ``binding`` now, for the text listing."""
    if not doc.sslcerts_known:
        return ""
    served = served_by_text(doc, binding)
    if served is None:
        return " (no entry serves it)"
    if served == endpoint_text(binding):
        return " (serves it)"
    return f" (served by {served})"


def cmd_cert_set(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = given_certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    plan = doc.set_certificate(site, certificate.thumbprint, store=certificate.store)
    console.note(
        f"metaclone: certificate {certificate.thumbprint} ({certificate.store}) for site "
        f"{site.id} {site.name!r}" + (" (HTTP.sys plan; the file is unchanged)" if plan else "")
    )
    return emit(args, console, doc, before, plan)


def cmd_cert_swap(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = doc.to_bytes()
    a, b = doc.site(args.site), doc.site(args.other)
    plan = doc.swap_certificates(a, b)
    console.note(
        f"metaclone: swapped the certificates of site {a.id} {a.name!r} and {b.id} {b.name!r}"
    )
    return emit(args, console, doc, before, plan)


def cmd_cert_audit(args: argparse.Namespace, console: Console) -> int:
    doc = load(args.file)
    entries = httpsys.load_netsh_sslcert(args.sslcert) if args.sslcert else None
    certificates = certfiles.collect_certificates(args.certs, given_password(args))
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
    password = given_password(args)
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
    password = given_password(args)
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


def register(commands: Commands) -> None:
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
    show.set_defaults(handler=cmd_cert_show)

    cert_set = add_command(cert_commands, "cert set", "give a site a certificate")
    add_file(cert_set)
    cert_set.add_argument("--site", required=True, help="id or name of the site")
    add_certificate_source(cert_set, required=True)
    add_plan_options(cert_set)
    cert_set.set_defaults(handler=cmd_cert_set)

    swap = add_command(cert_commands, "cert swap", "exchange the certificates of two sites")
    add_file(swap)
    swap.add_argument("--site", required=True, help="id or name of one site")
    swap.add_argument("--with", dest="other", required=True, help="id or name of the other")
    add_plan_options(swap)
    swap.set_defaults(handler=cmd_cert_swap)
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
        default=audit.DEFAULT_WARN_DAYS,
        metavar="N",
        help="warn about certificates that expire within N days (default %(default)s)",
    )
    cert_audit.add_argument("--json", action="store_true", help="print JSON")
    add_password_source(cert_audit, required=False)
    cert_audit.set_defaults(handler=cmd_cert_audit)


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
    pack.set_defaults(handler=cmd_cert_pack)


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
    add_password_source(csr, required=False, what="encrypt the key with the password")
    csr.set_defaults(handler=cmd_csr)

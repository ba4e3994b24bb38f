"""``cert show``, ``cert set``, ``cert swap``, ``cert audit``, ``cert pack`` and ``csr``."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Sequence

from metaclone import httpsys
from metaclone.cli.console import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Console
from metaclone.cli.inputs import given_certificate, given_password, load_document
from metaclone.cli.outputs import (
    emit,
    endpoint_text,
    input_bytes,
    json_listing_pieces,
    served_by_text,
)
from metaclone.cli.sites import inherited_legend, listed_line, site_line
from metaclone.document import ConfigDocument
from metaclone.errors import CertificateRequestError
from metaclone.loader import load
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import Binding, Site


def cmd_cert_show(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    listed = None if args.json or args.site else doc.listed_sites(secure_sites=True)
    if listed is not None:
        with paused_garbage_collection():
            lines: list[str] = []
            for row in listed:
                lines.append(listed_line(row))
                # Only a site with an https binding has lines of them, and is read whole.
                if row.site is not None:
                    lines += _binding_lines(doc, row.site)
            console.out_lines(lines)
            legend = inherited_legend(listed)
            if legend is not None:
                console.out(legend + "\n")
        return EXIT_OK
    sites = [doc.site(args.site)] if args.site else list(doc.sites)
    # As for ``sites``: many short-lived values, no cycles among them.
    with paused_garbage_collection():
        return _show_certificates(args, console, doc, sites)


def _show_certificates(
    args: argparse.Namespace, console: Console, doc: ConfigDocument, sites: Sequence[Site]
) -> int:
    if args.json:
        entries = (
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
        )
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        console.json("cert-show", json_listing_pieces(fields, "sites", entries))
        return EXIT_OK
    lines: list[str] = []
    for site in sites:
        line = site_line(site)
        lines.append(line)
        # A site line shows every binding as "protocol/...": one without "https/" has no
        # https binding to list.
        if "https/" in line.lower():
            lines += _binding_lines(doc, site)
    console.out_lines(lines)
    legend = inherited_legend(sites)
    if legend is not None:
        console.out(legend + "\n")
    return EXIT_OK


def _binding_lines(doc: ConfigDocument, site: Site) -> list[str]:
    """The lines ``cert show`` prints under the line of ``site``: one per https binding."""
    lines: list[str] = []
    for binding in site.secure_bindings:
        cert = binding.certificate
        shown = f"{cert.thumbprint} ({cert.store})" if cert else "not known"
        lines.append(
            f"{'':>12}{binding.summary}  HTTP.sys {endpoint_text(binding)}"
            f"{_serving_note(doc, binding)}  cert: {shown}"
        )
    return lines


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
    before = input_bytes(args, doc)
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
    before = input_bytes(args, doc)
    a, b = doc.site(args.site), doc.site(args.other)
    plan = doc.swap_certificates(a, b)
    console.note(
        f"metaclone: swapped the certificates of site {a.id} {a.name!r} and {b.id} {b.name!r}"
    )
    return emit(args, console, doc, before, plan)


def cmd_cert_audit(args: argparse.Namespace, console: Console) -> int:
    from metaclone.certs import files as certfiles
    from metaclone.workflow import audit

    doc = load(args.file)
    entries = httpsys.load_netsh_sslcert(args.sslcert) if args.sslcert else None
    certificates = certfiles.collect_certificates(args.certs, given_password(args))
    report = audit.audit(doc, entries, certificates, warn_days=args.warn_days)
    if args.json:
        import json

        console.json("cert-audit", json.dumps(report.to_json(), indent=2) + "\n")
    else:
        console.out_lines(report.text_lines())
    return EXIT_PROBLEMS if report.has_problems else EXIT_OK


def cmd_csr(args: argparse.Namespace, console: Console) -> int:
    from metaclone.certs import files as certfiles
    from metaclone.certs import request as certrequest
    from metaclone.lossless import output

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
    from metaclone import certs
    from metaclone.certs import files as certfiles
    from metaclone.certs import request as certrequest
    from metaclone.lossless import output

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

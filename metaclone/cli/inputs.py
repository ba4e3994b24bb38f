"""What the options name: the document to edit, a certificate, its password, bindings."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from metaclone.cli.console import Console
from metaclone.document import ConfigDocument
from metaclone.loader import load
from metaclone.messages import listing
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import Binding, CertificateRef, Site, normalize_thumbprint


def load_document(args: argparse.Namespace) -> ConfigDocument:
    doc = load(args.file)
    sslcert = getattr(args, "sslcert", None)
    if sslcert:
        from metaclone.workflow import review

        # The capture of a large server runs to hundreds of thousands of lines, and what is
        # read from it holds no reference cycles for the collector to look for.
        with paused_garbage_collection():
            review.attach_sslcert_file(doc, sslcert)
    return doc


def given_certificate(
    args: argparse.Namespace, console: Console, site: Site | None = None
) -> CertificateRef | None:
    """The certificate named by --thumbprint or --cert (loaded and checked), else None."""
    store = getattr(args, "store", None) or "MY"
    if getattr(args, "thumbprint", None):
        return CertificateRef(normalize_thumbprint(args.thumbprint), store)
    path = getattr(args, "cert", None)
    if not path:
        return None
    from metaclone import certs

    loaded = certs.load_certificate(path, given_password(args))
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


def given_password(args: argparse.Namespace) -> bytes | None:
    """The password given with --password-env or --password-file, else None."""
    from metaclone import certs

    if getattr(args, "password_env", None):
        return certs.password_from_env(args.password_env)
    if getattr(args, "password_file", None):
        return certs.password_from_file(args.password_file)
    return None


def given_bindings(texts: Sequence[str] | None) -> list[Binding] | None:
    return None if texts is None else [Binding.parse(text) for text in texts]

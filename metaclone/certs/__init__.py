"""Certificate files: load X.509 (PEM, DER), PKCS#12 and PKCS#7, and check what IIS needs.

IIS refers to a certificate by its SHA-1 thumbprint.  This module turns a certificate file into
that thumbprint plus what a user should see before trusting the change: subject, issuer, host
names, validity, and for PKCS#12 files whether the private key is there and belongs to the
certificate.  The format is taken from the content, not the file name.  What it returns is a
:class:`~metaclone.certs.certificate.LoadedCertificate`; what IIS needs of one is checked in
:mod:`~metaclone.certs.checks`, and passwords are read by :mod:`~metaclone.certs.passwords`.
Every name is available from ``metaclone.certs`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone.certs.passwords import password_from_env, password_from_file
from metaclone.lazy import lazy_attributes

if TYPE_CHECKING:
    from metaclone.certs.certificate import LoadedCertificate
    from metaclone.certs.checks import (
        check_server_auth,
        check_validity,
        site_hosts,
        uncovered_hosts,
    )
    from metaclone.certs.loading import (
        MALFORMED,
        SUPPORTED_FORMATS,
        PublicKey,
        key_matches,
        leaf_certificates,
        load_certificate,
        open_pkcs12,
        require_readable,
        unsupported_key,
    )

__all__ = [
    "MALFORMED",
    "SUPPORTED_FORMATS",
    "LoadedCertificate",
    "PublicKey",
    "check_server_auth",
    "check_validity",
    "key_matches",
    "leaf_certificates",
    "load_certificate",
    "open_pkcs12",
    "password_from_env",
    "password_from_file",
    "require_readable",
    "site_hosts",
    "uncovered_hosts",
    "unsupported_key",
]

# Every other name is imported on first use (PEP 562), so that importing this package does not
# import cryptography: that happens when a certificate is read.  The audit, the signing request
# and the PFX packing build on this package; their names are reachable from here too, never
# imported by the package itself, so that no import goes upward.
_ELSEWHERE = {
    "LoadedCertificate": "metaclone.certs.certificate",
    **dict.fromkeys(
        ("check_server_auth", "check_validity", "site_hosts", "uncovered_hosts"),
        "metaclone.certs.checks",
    ),
    **dict.fromkeys(
        ("AuditFinding", "AuditReport", "AuditRow", "audit"), "metaclone.workflow.audit"
    ),
    **dict.fromkeys(
        ("collect_certificates", "load_private_key", "write_new_file"), "metaclone.certs.files"
    ),
    **dict.fromkeys(
        ("CsrResult", "PackedPfx", "make_csr", "order_chain", "pack_pfx"),
        "metaclone.certs.request",
    ),
}


__getattr__, __dir__ = lazy_attributes(__name__, _ELSEWHERE, fallback="metaclone.certs.loading")

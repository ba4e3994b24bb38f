"""The facts of a certificate that IIS and the user need, whatever file it came from."""

from __future__ import annotations

import datetime
from typing import cast

import attrs
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from metaclone.model.sites import CertificateRef, normalize_thumbprint


@attrs.frozen
class LoadedCertificate:
    """A certificate read from a file, with what IIS and the user need to know about it.

    ``thumbprint`` is the SHA-1 of the DER encoding in 40 lowercase hex digits (what IIS stores);
    ``not_before``/``not_after`` are aware UTC datetimes; ``dns_names`` are the DNS names of the
    subject alternative names, or the subject's common names when it has none;
    ``has_private_key`` tells whether the file held the matching private key.
    """

    certificate: x509.Certificate
    thumbprint: str
    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    dns_names: tuple[str, ...]
    has_private_key: bool
    path: str

    @classmethod
    def from_certificate(
        cls,
        certificate: x509.Certificate,
        path: str = "<certificate>",
        has_private_key: bool = False,
    ) -> LoadedCertificate:
        """The facts of a ``cryptography`` certificate object."""
        return cls(
            certificate=certificate,
            thumbprint=normalize_thumbprint(certificate),
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            dns_names=_dns_names(certificate),
            has_private_key=has_private_key,
            path=path,
        )

    def ref(self, store: str = "MY") -> CertificateRef:
        """The certificate as IIS refers to it, in ``store``."""
        return CertificateRef(self.thumbprint, store)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial_number": format(self.certificate.serial_number, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "dns_names": list(self.dns_names),
            "has_private_key": self.has_private_key,
        }


def subject_alternative_names(certificate: x509.Certificate) -> x509.SubjectAlternativeName | None:
    """The certificate's subject alternative names extension, or None when it has none."""
    try:
        extension = certificate.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME
        )
    except x509.ExtensionNotFound:
        return None
    return cast(x509.SubjectAlternativeName, extension.value)


def _dns_names(certificate: x509.Certificate) -> tuple[str, ...]:
    names = subject_alternative_names(certificate)
    if names is not None:
        dns = names.get_values_for_type(x509.DNSName)
        if dns:
            return tuple(dns)
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return tuple(str(attribute.value) for attribute in common_names)

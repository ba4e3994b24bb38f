"""Value types shared by every configuration format: sites, bindings, certificates; the
applications, settings and findings live in modules of their own, loaded on first use."""

from __future__ import annotations

import enum
import functools
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeAlias, cast

import attrs

from metaclone.errors import BindingError, ThumbprintError
from metaclone.lazy import lazy_attributes, lazy_pattern
from metaclone.model.severity import Severity

if TYPE_CHECKING:
    from cryptography import x509

    from metaclone.model.applications import Application, VirtualDirectory
    from metaclone.model.findings import Finding
    from metaclone.model.settings import SiteSettings

__all__ = [
    "ADDRESS_PROTOCOLS",
    "MAX_SITE_ID",
    "MOST_DIGITS",
    "NUMBER",
    "Application",
    "Binding",
    "CertificateInput",
    "CertificateRef",
    "Finding",
    "HasThumbprint",
    "ListedApplication",
    "ListedJson",
    "ListedSite",
    "Severity",
    "Site",
    "SiteKind",
    "SiteSettings",
    "VirtualDirectory",
    "is_ascii_number",
    "normalize_thumbprint",
    "split_address",
]

# The applications, the settings and the findings are built by the commands that read them
# (and loaded then, each in its own module): a listing of sites builds none.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Application": "metaclone.model.applications",
        "VirtualDirectory": "metaclone.model.applications",
        "SiteSettings": "metaclone.model.settings",
        "Finding": "metaclone.model.findings",
    },
)

#: Protocols whose binding information is ``IP:port:host``.
ADDRESS_PROTOCOLS = frozenset({"http", "https", "ftp"})

#: IIS (WMI) types a site id as a signed 32-bit integer; 0 is not a valid id.
MAX_SITE_ID = 2**31 - 1
#: The most digits read as a number from a file or a command line: the lowest limit Python may
#: be set to on the digits ``int()`` reads and ``str()`` writes (``sys.set_int_max_str_digits``),
#: past which they raise.  A longer run of digits is not a number here.
MOST_DIGITS = 640
#: A run of digits read as a number, in a pattern that anchors what follows it (possessive:
#: a longer run fails the anchor without backtracking).
NUMBER = rf"[0-9]{{1,{MOST_DIGITS}}}+"


@attrs.frozen
class CertificateRef:
    """A certificate as IIS refers to it: SHA-1 thumbprint (40 lowercase hex) and store name."""

    thumbprint: str
    store: str = "MY"

    def to_json(self) -> dict[str, str]:
        return {"thumbprint": self.thumbprint, "store": self.store}


@attrs.frozen
class Binding:
    """One site binding.

    ``ip``, ``port`` and ``host`` are read from ``binding_information`` for http, https and ftp
    bindings (``ip`` is ``*`` or empty for all unassigned addresses, as written), on first use;
    other protocols have None.  ``ssl_flags`` is the full IIS 8+ bit set as stored (None when
    absent or for IIS 6), and ``certificate`` what HTTP.sys or the metabase holds for this
    binding, when known.
    """

    protocol: str
    binding_information: str
    ssl_flags: int | None = None
    certificate: CertificateRef | None = None

    @classmethod
    def from_information(
        cls,
        protocol: str,
        information: str,
        ssl_flags: int | None = None,
        certificate: CertificateRef | None = None,
    ) -> Binding:
        """A binding with ``protocol`` as written, white space around it left out."""
        return cls(protocol.strip(), information, ssl_flags, certificate)

    @functools.cached_property
    def _address(self) -> tuple[str | None, int | None, str | None]:
        # Read on first use: a listing of 50,000 sites makes a Binding for every binding, and
        # most are never asked for their parts.
        if self.protocol.lower() not in ADDRESS_PROTOCOLS:
            return None, None, None
        return split_address(self.binding_information)

    @property
    def ip(self) -> str | None:
        """The IP address part of ``IP:port:host`` (None for other protocols)."""
        return self._address[0]

    @property
    def port(self) -> int | None:
        """The port (None for other protocols, or when it is not a number)."""
        return self._address[1]

    @property
    def host(self) -> str | None:
        """The host name part (None for other protocols)."""
        return self._address[2]

    @classmethod
    def parse(cls, text: str) -> Binding:
        """A binding from ``protocol/information``, as appcmd writes it: ``https/*:443:shop``.

        Raises :class:`~metaclone.errors.BindingError` for text without a protocol.
        """
        protocol, slash, information = text.partition("/")
        if not slash or not protocol.strip():
            raise BindingError(
                f"{text!r} is not a binding; write protocol/information, "
                "e.g. https/*:443:shop.example.com or net.tcp/808:*"
            )
        return cls.from_information(protocol.strip(), information)

    @property
    def summary(self) -> str:
        """``protocol/information``, the form appcmd uses."""
        return f"{self.protocol}/{self.binding_information}"

    @property
    def is_secure(self) -> bool:
        return self.protocol.lower() == "https"

    def to_json(self) -> dict[str, object]:
        # Once per binding of every listed site: the protocol is lowered once and the address
        # split once, not once per property.
        protocol = self.protocol
        lowered = protocol.lower()
        data: dict[str, object] = {
            "protocol": protocol,
            "binding_information": self.binding_information,
        }
        if lowered in ADDRESS_PROTOCOLS:
            # Split here rather than through the cached property, whose first use goes
            # through attrs's __getattr__: most bindings are encoded once, and asked nothing
            # else.
            data["ip"], data["port"], data["host"] = split_address(self.binding_information)
        if self.ssl_flags is not None:
            data["ssl_flags"] = self.ssl_flags
        certificate = self.certificate
        if certificate is not None:
            data["certificate"] = certificate.to_json()
        elif lowered == "https":
            data["certificate"] = None
        return data


def is_ascii_number(text: str) -> bool:
    """Whether ``text`` is ASCII digits only, which ``int()`` reads, and at most
    :data:`MOST_DIGITS` of them, which it reads however Python is set.

    ``str.isdigit()`` alone also admits superscripts and other digits that ``int()`` rejects.
    """
    return len(text) <= MOST_DIGITS and text.isascii() and text.isdigit()


def split_address(information: str) -> tuple[str, int | None, str]:
    """``IP:port:host`` as (ip, port, host); port is None when it is not a number.

    The split is on the last two colons, so ``[::1]:443:`` gives ``("[::1]", 443, "")``.
    """
    head, _, host = information.rpartition(":")
    ip, _, port_text = head.rpartition(":")
    port_text = port_text.strip()
    port = int(port_text) if is_ascii_number(port_text) else None
    return ip.strip(), port, host.strip()


class SiteKind(enum.Enum):
    WEB = "web"
    FTP = "ftp"


@attrs.frozen
class Site:
    """A site as read from a document.

    ``line`` is where the site's definition starts (1-based), for messages.  ``certificate`` is
    the site's own certificate where the file stores one (IIS 6 SSLCertHash, IIS 7 FTP); for IIS 7
    web sites it is per binding, from HTTP.sys, and ``certificate_known`` is False until that
    has been read.  ``waiting_for_certificate`` is set when the site has secure bindings but no
    certificate: the state a pending certificate request leaves.

    Every field holds the value IIS uses, which may come from elsewhere than the site's own
    element: IIS 7 ``<siteDefaults>`` (``auto_start``, ``bindings``, an FTP site's
    ``certificate``), IIS 6 properties inherited from ``/LM/W3SVC`` (``certificate``).
    ``inherited`` names the fields whose value was inherited, e.g. ``("auto_start",)``.
    ``settings`` (IIS 7+) holds the effective log, tracing and limits values, read only when
    asked for (:meth:`~metaclone.document.ConfigDocument.with_settings`); None until then.
    """

    id: int
    name: str
    auto_start: bool
    bindings: tuple[Binding, ...]
    certificate: CertificateRef | None = None
    kind: SiteKind = SiteKind.WEB
    line: int | None = None
    certificate_known: bool = True
    inherited: tuple[str, ...] = ()
    settings: SiteSettings | None = None

    @property
    def secure_bindings(self) -> tuple[Binding, ...]:
        return tuple(b for b in self.bindings if b.is_secure)

    @property
    def waiting_for_certificate(self) -> bool | None:
        """True when secure bindings have no certificate; None when that cannot be known.

        An IIS 7+ web site's certificates are in HTTP.sys, so they are known only once
        ``netsh http show sslcert`` output has been attached to the document.
        """
        secure = [b for b in self.bindings if b.is_secure]
        if not secure:
            return False
        if self.certificate is not None or any(b.certificate for b in secure):
            return False
        return True if self.certificate_known else None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind.value,
            "auto_start": self.auto_start,
            "bindings": [b.to_json() for b in self.bindings],
            "certificate": self.certificate.to_json() if self.certificate else None,
            "waiting_for_certificate": self.waiting_for_certificate,
            "line": self.line,
            "inherited": list(self.inherited),
            "settings": self.settings.to_json() if self.settings is not None else None,
        }


class ListedSite(NamedTuple):
    """What the plain listing shows of a site, read without building the :class:`Site`: a
    tuple, as a listing makes one for each of tens of thousands of sites (see
    :meth:`~metaclone.document.ConfigDocument.listed_sites`).

    Every field is the Site's field of the same name, but ``bindings``: the summaries of its
    bindings (``protocol/information``) joined by ``", "``, "" when it has none; ``secure``:
    whether it has an https binding, which (as a site of a format that keeps one certificate
    per site in the file) is waiting for a certificate when ``certificate`` is None; and
    ``site``: the Site itself, where it was asked for.
    """

    id: int
    name: str
    kind: SiteKind
    auto_start: bool
    bindings: str
    certificate: CertificateRef | None
    secure: bool
    inherited: tuple[str, ...]
    site: Site | None = None


class ListedApplication(NamedTuple):
    """What the listing of applications shows of an :class:`Application`, read without building
    it (see :meth:`~metaclone.document.ConfigDocument.listed_applications`): a tuple, as a
    listing makes one for each of tens of thousands of applications.

    ``path``, ``application_pool`` and ``inherited`` are the Application's fields;
    ``directories`` the path and physical path of each of its virtual directories.
    """

    path: str
    application_pool: str | None
    inherited: tuple[str, ...]
    directories: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, application: Application) -> ListedApplication:
        """What the listing shows of ``application``."""
        return cls(
            application.path,
            application.application_pool,
            application.inherited,
            tuple((d.path, d.physical_path) for d in application.virtual_directories),
        )


class ListedJson(NamedTuple):
    """What ``sites --json`` writes of every site of a file, read without building every
    :class:`Site` (see :meth:`~metaclone.document.ConfigDocument.listed_json`): ``ids``, the
    id of each site in file order (no two the same where the applications of each are looked
    up by it); ``texts``, for each site in the same order the JSON text of ``Site.to_json()``
    with its settings read, or that Site (settings included) where only the Site tells;
    ``applications``, when the document read them with the sites, the JSON text of the
    applications of each site in the same order (else they are looked up by id)."""

    ids: tuple[int, ...]
    texts: Iterator[str | Site]
    applications: Iterator[str] | None = None


_HEX_SEPARATORS = lazy_pattern(lambda: re.compile(r"[\s:\-\u200e\u200f]"))


class HasThumbprint(Protocol):
    """Anything that knows its certificate's thumbprint: a loaded certificate file, a ref."""

    @property
    def thumbprint(self) -> str: ...


#: What the certificate operations accept as "a certificate".
CertificateInput: TypeAlias = "str | bytes | x509.Certificate | HasThumbprint"


def _is_certificate(value: object) -> bool:
    """Whether ``value`` is a ``cryptography`` certificate, without importing cryptography for
    the text and references most callers pass (no certificate exists before it is loaded)."""
    x509_module = sys.modules.get("cryptography.x509")
    return x509_module is not None and isinstance(value, x509_module.Certificate)


def normalize_thumbprint(value: CertificateInput) -> str:
    """A SHA-1 thumbprint as the 40 lowercase hex digits IIS stores.

    Accepts hex text with spaces, colons or upper case (as MMC and certutil show it, including
    the invisible left-to-right mark MMC puts in front when copied), the 20 raw bytes, a
    ``cryptography`` certificate (its SHA-1 fingerprint is taken), or an object with a
    ``thumbprint``, such as :class:`metaclone.certs.LoadedCertificate`.
    """
    if isinstance(value, bytes):
        if len(value) != 20:
            raise ThumbprintError(f"a thumbprint is 20 bytes, not {len(value)}")
        return value.hex()
    if _is_certificate(value):
        # cryptography is loaded: the certificate object comes from it.
        from cryptography.hazmat.primitives import hashes  # noqa: PLC0415

        return cast("x509.Certificate", value).fingerprint(hashes.SHA1()).hex()
    if not isinstance(value, str):
        return normalize_thumbprint(cast("HasThumbprint", value).thumbprint)
    cleaned = _HEX_SEPARATORS.sub("", value).lower()
    if len(cleaned) != 40 or any(c not in "0123456789abcdef" for c in cleaned):
        raise ThumbprintError(
            f"{value!r} is not a SHA-1 thumbprint "
            "(40 hexadecimal digits; spaces and colons are allowed)"
        )
    return cleaned

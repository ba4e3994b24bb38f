"""HTTP.sys certificate bindings: where IIS 7+ keeps the certificate of an https binding.

applicationHost.config holds the binding; HTTP.sys holds the certificate, keyed by IP:port,
hostname:port (SNI) or the central certificate store port.  This module maps bindings to those
keys, reads ``netsh http show sslcert`` output, and plans certificate changes as netsh and
PowerShell commands.  An IP:port entry is shared by every non-SNI site bound there, so plans are
made per HTTP.sys key, never per site, and name every other site a change touches.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from metaclone.errors import CertificateError, NetshParseError, SiteNotFoundError, ThumbprintError
from metaclone.files import read_input
from metaclone.messages import listing, quoted, shorten
from metaclone.sites import Binding, CertificateRef, Site, is_ascii_number, normalize_thumbprint

#: The application id IIS registers its certificate bindings under.
IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
#: The application id IIS Express uses.
IIS_EXPRESS_APP_ID = "{214124cd-d05b-4309-9af9-9caa44b2b74a}"

SSL_FLAG_SNI = 1
SSL_FLAG_CENTRAL_STORE = 2

#: What netsh prints for a value that is not set.
NULL_VALUE = "(null)"

#: The store HTTP.sys reads a certificate from when none is named.
DEFAULT_STORE = "MY"


class EndpointKind(enum.Enum):
    IPPORT = "ipport"
    HOSTNAMEPORT = "hostnameport"
    CCS = "ccs"


@attrs.frozen
class Endpoint:
    """An HTTP.sys certificate binding key, e.g. ``ipport=0.0.0.0:443``."""

    kind: EndpointKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind.value}={self.value}"

    @property
    def description(self) -> str:
        """What one entry of this kind is shared by, for messages."""
        if self.kind is EndpointKind.IPPORT:
            return "IP address and port"
        if self.kind is EndpointKind.HOSTNAMEPORT:
            return "host name and port"
        return "port of the central certificate store"


def endpoint_for(binding: Binding) -> Endpoint | None:
    """The HTTP.sys key that holds the certificate of an https ``binding`` (None otherwise).

    ``*:443:`` and ``:443:`` map to ``ipport=0.0.0.0:443``; an IP-bound binding to that IP (the
    host name plays no part in the choice of certificate); SNI (sslFlags bit 1) to
    ``hostnameport=host:443``; the central certificate store (bit 2) to ``ccs=443``.  IPv6
    addresses are written in their compressed form, as netsh shows them: ``[::1]:443``.
    """
    if not binding.is_secure or binding.port is None:
        return None
    flags = binding.ssl_flags or 0
    if flags & SSL_FLAG_CENTRAL_STORE:
        return Endpoint(EndpointKind.CCS, str(binding.port))
    if flags & SSL_FLAG_SNI and binding.host:
        return Endpoint(EndpointKind.HOSTNAMEPORT, f"{binding.host.lower()}:{binding.port}")
    ip = binding.ip or ""
    if ip in ("", "*"):
        ip = "0.0.0.0"
    return Endpoint(EndpointKind.IPPORT, f"{_canonical_ip(ip) or ip}:{binding.port}")


def central_store_file(host: str) -> str:
    """The file name the central certificate store looks up for ``host``.

    IIS names wildcard certificates with an underscore: ``*.example.com`` is
    ``_.example.com.pfx``.
    """
    host = host.lower()
    if host.startswith("*."):
        host = "_" + host[1:]
    return f"{host}.pfx"


def _canonical_ip(text: str) -> str | None:
    """``text`` as netsh writes the address (IPv6 compressed, in brackets), or None."""
    try:
        if text.startswith("[") and text.endswith("]"):
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _parse_port(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    port = int(text)
    return port if 0 < port <= 65535 else None


_HOST_NAME = re.compile(r"[\w*][\w.*-]*", re.UNICODE)
_GUID = re.compile(
    r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?"
)


def _endpoint_from_value(kind: EndpointKind, value: str) -> Endpoint | None:
    """The key netsh printed as ``value`` for a block of ``kind``, or None if it is not one."""
    if kind is EndpointKind.CCS:
        port = _parse_port(value)
        return Endpoint(kind, str(port)) if port is not None else None
    address, colon, port_text = value.rpartition(":")
    port = _parse_port(port_text)
    if not colon or port is None:
        return None
    if kind is EndpointKind.IPPORT:
        ip = _canonical_ip(address)
        return Endpoint(kind, f"{ip}:{port}") if ip is not None else None
    if not _HOST_NAME.fullmatch(address) or address.replace(".", "").isdigit():
        return None
    return Endpoint(kind, f"{address.lower()}:{port}")


def _endpoint_from_shape(value: str) -> Endpoint | None:
    """The key ``value`` stands for, judged by its form alone (for output in other languages)."""
    for kind in (EndpointKind.CCS, EndpointKind.IPPORT, EndpointKind.HOSTNAMEPORT):
        endpoint = _endpoint_from_value(kind, value)
        if endpoint is not None:
            return endpoint
    return None


def normalize_app_id(app_id: str) -> str:
    """An application id as netsh takes it: ``{guid}`` in lower case.

    Raises :class:`~metaclone.errors.CertificateError` for text that is not a GUID.
    """
    match = _GUID.fullmatch(app_id.strip())
    if match is None:
        raise CertificateError(
            f"{quoted(app_id)} is not an application id; write a GUID such as {IIS_APP_ID}"
        )
    return "{" + match.group(1).lower() + "}"


# -- reading netsh http show sslcert ---------------------------------------------------------


@attrs.frozen
class SslCertEntry:
    """One block of ``netsh http show sslcert`` output: an HTTP.sys certificate binding.

    ``thumbprint`` is the normalized certificate hash (None when netsh shows ``(null)``, as for
    central-store entries), ``store`` and ``app_id`` are as shown (``app_id`` lower-cased, None
    for ``(null)``).  ``fields`` keeps every ``label``/``value`` pair of the block in order,
    including the key line and fields this module does not know; ``line`` is where the block
    starts (1-based).
    """

    endpoint: Endpoint
    thumbprint: str | None
    store: str | None
    app_id: str | None
    fields: tuple[tuple[str, str], ...]
    line: int

    @property
    def ref(self) -> CertificateRef | None:
        """The certificate as a :class:`~metaclone.sites.CertificateRef` (None when unset)."""
        if self.thumbprint is None:
            return None
        return CertificateRef(self.thumbprint, self.store or DEFAULT_STORE)

    @property
    def english(self) -> bool:
        """Whether the block's labels are the English ones (so its settings can be read)."""
        return any(_label_key(label) in _KNOWN_FIELD_LABELS for label, _ in self.fields[1:])

    def to_json(self) -> dict[str, object]:
        return {
            "endpoint": str(self.endpoint),
            "kind": self.endpoint.kind.value,
            "key": self.endpoint.value,
            "thumbprint": self.thumbprint,
            "store": self.store,
            "app_id": self.app_id,
            "fields": [[label, value] for label, value in self.fields],
            "line": self.line,
        }


_ENDPOINT_LABELS = {
    "ip:port": EndpointKind.IPPORT,
    "hostname:port": EndpointKind.HOSTNAMEPORT,
    "central certificate store": EndpointKind.CCS,
}
_HASH_LABEL = "certificate hash"
_APP_ID_LABEL = "application id"
_STORE_LABEL = "certificate store name"

# The labels of the settings after the key fields, and the netsh parameter each one is given
# back with: ``netsh http update sslcert`` replaces the whole entry, so an update that did not
# repeat them would reset them to their defaults.
_FLAG_ON = ("enabled", "set", "enable")
_FLAG_OFF = ("disabled", "not set", "disable")


@attrs.frozen
class _Setting:
    parameter: str
    kind: str  # "on" / "off": a flag and its default; "number"; "text"


_SETTINGS: dict[str, _Setting] = {
    "verify client certificate revocation": _Setting("verifyclientcertrevocation", "on"),
    "verify revocation using cached client certificate only": _Setting(
        "verifyrevocationwithcachedclientcertonly", "off"
    ),
    "usage check": _Setting("usagecheck", "on"),
    "revocation freshness time": _Setting("revocationfreshnesstime", "number"),
    "url retrieval timeout": _Setting("urlretrievaltimeout", "number"),
    "ctl identifier": _Setting("sslctlidentifier", "text"),
    "ctl store name": _Setting("sslctlstorename", "text"),
    "ds mapper usage": _Setting("dsmapperusage", "off"),
    "negotiate client certificate": _Setting("clientcertnegotiation", "off"),
    "reject connections": _Setting("reject", "off"),
    "disable http2": _Setting("disablehttp2", "off"),
    "disable quic": _Setting("disablequic", "off"),
    "disable tls1.2": _Setting("disabletls12", "off"),
    "disable tls1.3": _Setting("disabletls13", "off"),
    "disable ocsp stapling": _Setting("disableocspstapling", "off"),
    "disable legacy tls versions": _Setting("disablelegacytls", "off"),
    "enable token binding": _Setting("enabletokenbinding", "off"),
    "log extended events": _Setting("logextendedevents", "off"),
    "enable session ticket": _Setting("enablesessionticket", "off"),
}

_KNOWN_FIELD_LABELS = frozenset({_HASH_LABEL, _APP_ID_LABEL, _STORE_LABEL, *_SETTINGS})

_QUOTE_PREFIX = re.compile(r"[ \t]*+(?:>[ \t]*+)*+")
_SEPARATOR = re.compile(r"\s:(?:\s|$)")
_RULE = re.compile(r"-{3,}")


def _label_key(label: str) -> str:
    return " ".join(label.split()).lower()


@attrs.frozen
class _Field:
    label: str
    value: str
    line: int
    column: int  # of the value


@attrs.frozen
class _Line:
    number: int
    column: int  # of the first character of ``text``
    text: str

    def field(self) -> _Field | None:
        """The line as ``Label : value`` (value '' for a heading ending in a colon), or None."""
        match = _SEPARATOR.search(self.text)
        if match is not None:
            label = self.text[: match.start()].rstrip()
            value = self.text[match.end() :].strip()
            if label:
                value_at = self.text.find(value, match.end()) if value else match.end()
                return _Field(label, value, self.number, self.column + value_at)
            return None
        if self.text.endswith(":") and len(self.text) > 1 and ":" not in self.text[:-1]:
            return _Field(self.text[:-1].rstrip(), "", self.number, self.column + len(self.text))
        return None


def _lines(text: str) -> Iterable[_Line]:
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if number == 1:
            line = line.removeprefix("\ufeff")
        start = _QUOTE_PREFIX.match(line)
        offset = start.end() if start else 0
        yield _Line(number, offset + 1, line[offset:].rstrip())


class _NetshReader:
    """Turns the lines of ``netsh http show sslcert`` output into entries."""

    def __init__(self, path: str, lines: Sequence[str]) -> None:
        self.path = path
        self.source = lines
        self.entries: list[SslCertEntry] = []
        self.seen: dict[Endpoint, SslCertEntry] = {}

    def error(self, message: str, line: int, column: int) -> NetshParseError:
        source = self.source[line - 1].rstrip("\r") if 0 < line <= len(self.source) else None
        return NetshParseError(
            message, path=self.path, line=line, column=column, source_line=source
        )

    def read(self, lines: Iterable[_Line]) -> tuple[SslCertEntry, ...]:
        block: list[_Field] = []
        found_header = False
        for line in lines:
            if not line.text:
                self.finish(block)
                block = []
                continue
            field = line.field()
            if field is None:
                if block:
                    raise self.error(
                        f"unexpected text {quoted(line.text)} in the block that starts at line "
                        f"{block[0].line}; netsh writes 'Label : value' lines there",
                        line.number,
                        line.column,
                    )
                found_header = found_header or bool(_RULE.fullmatch(line.text))
                continue
            starts_block = _label_key(field.label) in _ENDPOINT_LABELS
            if block and not starts_block:
                block.append(field)
                continue
            if block:
                self.finish(block)
            elif starts_block:
                pass
            elif not field.value:
                continue  # a heading such as "SSL Certificate bindings :" in some languages
            elif _endpoint_from_shape(field.value) is None:
                raise self.error(
                    f"a block of netsh output starts with {quoted(field.label)}; expected it to "
                    "start with 'IP:port', 'Hostname:port' or 'Central Certificate Store' "
                    "(is this the output of 'netsh http show sslcert'?)",
                    field.line,
                    line.column,
                )
            block = [field]
        self.finish(block)
        if not self.entries and not found_header:
            raise self.error(
                "no 'netsh http show sslcert' output found: expected the header "
                "'SSL Certificate bindings:' underlined with dashes, then one block per binding",
                1,
                1,
            )
        return tuple(self.entries)

    def finish(self, block: list[_Field]) -> None:
        if not block:
            return
        key = block[0]
        kind = _ENDPOINT_LABELS.get(_label_key(key.label))
        endpoint = (
            _endpoint_from_value(kind, key.value) if kind else _endpoint_from_shape(key.value)
        )
        if endpoint is None:
            expected = {
                EndpointKind.IPPORT: "an IP address and port such as 0.0.0.0:443 or [::]:443",
                EndpointKind.HOSTNAMEPORT: "a host name and port such as www.example.com:443",
                EndpointKind.CCS: "a port number such as 443",
            }
            raise self.error(
                f"{quoted(key.value)} is not {expected[kind or EndpointKind.IPPORT]}",
                key.line,
                key.column,
            )
        english = any(_label_key(f.label) in _KNOWN_FIELD_LABELS for f in block[1:])
        hash_field = self.key_field(block, _HASH_LABEL, 1, english)
        app_field = self.key_field(block, _APP_ID_LABEL, 2, english)
        store_field = self.key_field(block, _STORE_LABEL, 3, english)
        for needed, name in ((hash_field, "Certificate Hash"), (app_field, "Application ID")):
            if needed is None:
                raise self.error(
                    f"the block for {endpoint} has no {name} line (the output looks "
                    "truncated; capture the whole output of 'netsh http show sslcert')",
                    key.line,
                    1,
                )
        assert hash_field is not None
        assert app_field is not None
        entry = SslCertEntry(
            endpoint=endpoint,
            thumbprint=self.thumbprint(hash_field),
            store=_value_or_none(store_field),
            app_id=self.app_id(app_field),
            fields=tuple((f.label, f.value) for f in block),
            line=key.line,
        )
        earlier = self.seen.get(endpoint)
        if earlier is not None:
            raise self.error(
                f"{endpoint} appears twice (first at line {earlier.line}); give the output of "
                "one 'netsh http show sslcert' run",
                key.line,
                key.column,
            )
        self.seen[endpoint] = entry
        self.entries.append(entry)

    @staticmethod
    def key_field(block: list[_Field], label: str, position: int, english: bool) -> _Field | None:
        if english:
            return next((f for f in block if _label_key(f.label) == label), None)
        return block[position] if position < len(block) else None

    def thumbprint(self, field: _Field) -> str | None:
        if field.value == NULL_VALUE:
            return None
        try:
            return normalize_thumbprint(field.value)
        except ThumbprintError:
            raise self.error(
                f"certificate hash {quoted(field.value)} is not 40 hexadecimal digits",
                field.line,
                field.column,
            ) from None

    def app_id(self, field: _Field) -> str | None:
        if field.value == NULL_VALUE:
            return None
        try:
            return normalize_app_id(field.value)
        except CertificateError:
            raise self.error(
                f"application id {quoted(field.value)} is not a GUID such as {IIS_APP_ID}",
                field.line,
                field.column,
            ) from None


def _value_or_none(field: _Field | None) -> str | None:
    if field is None or field.value in ("", NULL_VALUE):
        return None
    return field.value


def parse_netsh_sslcert(text: str, path: str = "<netsh>") -> tuple[SslCertEntry, ...]:
    """The entries of ``netsh http show sslcert`` output.

    The output is a header (``SSL Certificate bindings:`` underlined with dashes, possibly after
    the command prompt) and one block per entry, blocks separated by blank lines.  A block starts
    with its key (``IP:port``, ``Hostname:port`` or ``Central Certificate Store``), then has
    ``Label : value`` lines with padded labels and ``(null)`` for unset values.  Tolerated: fields
    added by newer Windows versions (kept in :attr:`SslCertEntry.fields`), heading lines such as
    ``Extended Properties:``, indentation, markdown quote prefixes (``> ``), CRLF line ends, and a
    missing blank line before a block that starts with an English key label.

    Languages: English labels are recognised by name.  For output in another language the block's
    first field is taken as its key, its kind judged by the value (a port number: central store;
    an IPv4 address or bracketed IPv6 address and port: IP:port; otherwise hostname:port), and the
    certificate hash, application id and store name are taken from the second, third and fourth
    fields, the order every Windows version prints them in.

    Raises :class:`~metaclone.errors.NetshParseError` (with line and column) for text that is not
    such output, a block whose key or hash cannot be read, a truncated block, or a key shown twice.
    """
    return _NetshReader(path, text.split("\n")).read(_lines(text))


def decode_netsh_output(data: bytes, path: str = "<netsh>") -> str:
    """Text of saved netsh output: UTF-8 with or without BOM, or UTF-16 with BOM.

    PowerShell 5's ``>`` writes UTF-16 with a BOM; cmd's ``>`` and PowerShell 7 write UTF-8 (or
    plain ASCII for English output).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NetshParseError(
            f"the file is not {encoding.upper()} text ({exc.reason}); save the output as UTF-8, "
            "e.g. 'netsh http show sslcert | Out-File -Encoding utf8 sslcert.txt'",
            path=path,
            line=line,
            column=column,
        ) from None


def load_netsh_sslcert(path: str | os.PathLike[str]) -> tuple[SslCertEntry, ...]:
    """The entries of ``netsh http show sslcert`` output saved in the file ``path``.

    See :func:`parse_netsh_sslcert` and :func:`decode_netsh_output` for what is accepted.
    """
    name, data = read_input(path, NetshParseError, "netsh output")
    return parse_netsh_sslcert(decode_netsh_output(data, name), name)


def index_entries(entries: Iterable[SslCertEntry]) -> dict[Endpoint, SslCertEntry]:
    """The entries by key; raises :class:`~metaclone.errors.NetshParseError` for a repeated key."""
    index: dict[Endpoint, SslCertEntry] = {}
    for entry in entries:
        earlier = index.get(entry.endpoint)
        if earlier is not None:
            raise NetshParseError(
                f"{entry.endpoint} is given twice (blocks at lines {earlier.line} and "
                f"{entry.line})",
                line=entry.line,
            )
        index[entry.endpoint] = entry
    return index


def certificate_for(
    binding: Binding, entries: Mapping[Endpoint, SslCertEntry]
) -> CertificateRef | None:
    """The certificate HTTP.sys serves for ``binding``, from :func:`index_entries` output.

    None for bindings that are not https, keys HTTP.sys has no entry for, and central-store
    bindings (whose certificate is a file, not a thumbprint).
    """
    endpoint = endpoint_for(binding)
    if endpoint is None or endpoint.kind is EndpointKind.CCS:
        return None
    entry = entries.get(endpoint)
    return entry.ref if entry is not None else None


def carried_settings(entry: SslCertEntry) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The netsh parameters that restate ``entry``'s non-default settings, and warnings.

    ``netsh http update sslcert`` replaces the whole entry, so an update must repeat settings
    such as ``clientcertnegotiation=enable`` or they fall back to their defaults.  Warnings name
    values that could not be read back (unknown values of known fields, fields this module does
    not know that are switched on, and blocks in another language).
    """
    if not entry.english:
        return (), (
            f"{entry.endpoint}: the settings besides the certificate are shown in another "
            "language and are not repeated; 'netsh http update sslcert' resets them to their "
            "defaults, so check them afterwards",
        )
    options: list[tuple[str, str]] = []
    problems: list[str] = []
    for label, value in entry.fields[1:]:
        key = _label_key(label)
        setting = _SETTINGS.get(key)
        lowered = value.lower()
        if setting is None:
            if key not in _KNOWN_FIELD_LABELS and lowered in _FLAG_ON:
                problems.append(f"{label} : {value}")
            continue
        if setting.kind in ("on", "off"):
            if lowered in _FLAG_ON + _FLAG_OFF:
                on = lowered in _FLAG_ON
                if on != (setting.kind == "on"):
                    options.append((setting.parameter, "enable" if on else "disable"))
            else:
                problems.append(f"{label} : {value}")
        elif setting.kind == "number":
            if is_ascii_number(value):
                if int(value):
                    options.append((setting.parameter, value))
            else:
                problems.append(f"{label} : {value}")
        elif value and value != NULL_VALUE:
            options.append((setting.parameter, value))
    warnings: tuple[str, ...] = ()
    if problems:
        warnings = (
            f"{entry.endpoint}: these settings could not be repeated on the command line and "
            "'netsh http update sslcert' may reset them: "
            + listing((shorten(problem) for problem in problems), "; "),
        )
    return tuple(options), warnings


# -- planning ----------------------------------------------------------------------------------

ADD = "add"
UPDATE = "update"
DELETE = "delete"
REPLACE = "replace"


@attrs.frozen
class PlannedChange:
    """One change to one HTTP.sys entry.

    ``action`` is ``add``, ``update``, ``delete`` or ``replace`` (the current state is unknown:
    delete the entry if there is one, then add it).  ``sites`` names the sites the change was
    asked for; ``also_affected`` the other sites whose https bindings use the same entry and so
    get the new certificate (or lose it) too.  ``options`` are further netsh parameters that
    repeat the entry's current settings on an update.
    """

    action: str
    endpoint: Endpoint
    thumbprint: str | None
    store: str
    app_id: str
    sites: tuple[str, ...]
    also_affected: tuple[str, ...] = ()
    previous_thumbprint: str | None = None
    options: tuple[tuple[str, str], ...] = ()

    @property
    def comment(self) -> str:
        """One line saying what the change does and to which sites."""
        what = {
            ADD: f"add certificate {self.thumbprint}",
            UPDATE: f"set certificate {self.thumbprint}",
            REPLACE: f"set certificate {self.thumbprint}",
            DELETE: "remove the certificate",
        }[self.action]
        text = f"{self.endpoint} ({self.action}): {what} for {_names(self.sites)}"
        if self.previous_thumbprint:
            text += f" (was {self.previous_thumbprint})"
        if self.also_affected:
            verb = "gets" if len(self.also_affected) == 1 else "get"
            what = "no certificate either" if self.action == DELETE else "it too"
            text += f"; shared with {_names(self.also_affected)}, which {verb} {what}"
        return text

    def arguments(self) -> list[list[tuple[str, str]]]:
        """The netsh commands as ``[(verb, ''), (name, value), ...]`` lists, in order."""
        key = [(self.endpoint.kind.value, self.endpoint.value)]
        delete = [("delete", ""), *key]
        if self.action == DELETE:
            return [delete]
        assert self.thumbprint is not None
        full = [
            *key,
            ("certhash", self.thumbprint),
            ("appid", self.app_id),
            ("certstorename", self.store),
            *self.options,
        ]
        if self.action == REPLACE:
            return [delete, [("add", ""), *full]]
        return [[(self.action, ""), *full]]

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "endpoint": str(self.endpoint),
            "kind": self.endpoint.kind.value,
            "key": self.endpoint.value,
            "thumbprint": self.thumbprint,
            "store": self.store,
            "app_id": self.app_id,
            "sites": list(self.sites),
            "also_affected": list(self.also_affected),
            "previous_thumbprint": self.previous_thumbprint,
            "options": dict(self.options),
        }


def _names(names: Sequence[str]) -> str:
    quoted = ", ".join(f'"{name}"' for name in names)
    return ("site " if len(names) == 1 else "sites ") + quoted


_CMD_PLAIN = re.compile(r"[A-Za-z0-9._:\[\]{}*-]+")
_PS_PLAIN = re.compile(r"[A-Za-z0-9._:-]+")


def _cmd_argument(name: str, value: str) -> str:
    if not value:
        return name
    return f"{name}={value}" if _CMD_PLAIN.fullmatch(value) else f'{name}="{value}"'


def _ps_argument(name: str, value: str) -> str:
    if not value:
        return name
    if _PS_PLAIN.fullmatch(value):
        return f"{name}={value}"
    return f"{name}='" + value.replace("'", "''") + "'"


@attrs.frozen
class HttpSysPlan:
    """Changes to HTTP.sys certificate bindings, and what the user should know about them.

    Render with :meth:`netsh` (a cmd script) or :meth:`powershell`; an empty plan is falsy.
    """

    changes: tuple[PlannedChange, ...] = ()
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def merged(self, other: HttpSysPlan) -> HttpSysPlan:
        """This plan followed by ``other``.

        ``other`` is taken to happen later: where both change the same entry, ``other``'s change
        replaces this plan's one (in this plan's position).  Warnings are kept once each.
        """
        later = {change.endpoint: change for change in other.changes}
        changes = [later.pop(change.endpoint, change) for change in self.changes]
        changes.extend(c for c in other.changes if c.endpoint in later)
        warnings = dict.fromkeys((*self.warnings, *other.warnings))
        return HttpSysPlan(tuple(changes), tuple(warnings))

    def netsh(self) -> str:
        """The plan as netsh commands for an elevated command prompt, one per line.

        Each change is preceded by ``rem`` lines naming the sites it touches; warnings come
        first, also as ``rem`` lines.  A ``replace`` is a delete (which fails harmlessly when
        there is no entry) followed by an add.
        """
        lines = ["rem HTTP.sys certificate plan: run in an elevated command prompt"]
        lines.extend(f"rem warning: {warning}" for warning in self.warnings)
        if not self.changes:
            lines.append("rem nothing to change in HTTP.sys")
        for change in self.changes:
            lines.append(f"rem {change.comment}")
            for command in change.arguments():
                words = [_cmd_argument(name, value) for name, value in command]
                lines.append("netsh http " + words[0] + " sslcert " + " ".join(words[1:]))
        return "\n".join(lines) + "\n"

    def powershell(self) -> str:
        """The plan as a PowerShell script calling netsh.exe.

        Values PowerShell would otherwise interpret (the ``{…}`` of the application id, the
        brackets of an IPv6 address) are single-quoted.  The script stops at the first netsh
        command that fails, except the delete that starts a ``replace``, which may find no entry.
        """
        lines = [
            "# HTTP.sys certificate plan: run in an elevated PowerShell session",
            *(f"# warning: {warning}" for warning in self.warnings),
            "$ErrorActionPreference = 'Stop'",
            "$PSNativeCommandUseErrorActionPreference = $false",
        ]
        if not self.changes:
            lines.append("# nothing to change in HTTP.sys")
        for change in self.changes:
            lines.extend(("", f"# {change.comment}"))
            commands = change.arguments()
            for index, command in enumerate(commands):
                verb = command[0][0]
                words = [_ps_argument(name, value) for name, value in command[1:]]
                line = f"netsh http {verb} sslcert " + " ".join(words)
                if change.action == REPLACE and index == 0:
                    lines.append(line + " | Out-Null  # there may be no entry to delete")
                    continue
                lines.append(line)
                failure = f"netsh http {verb} sslcert {change.endpoint} failed"
                lines.append(
                    f"if ($LASTEXITCODE -ne 0) {{ throw '{failure}: exit code ' + $LASTEXITCODE }}"
                )
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, object]:
        return {
            "changes": [change.to_json() for change in self.changes],
            "warnings": list(self.warnings),
        }


@attrs.frozen
class _Demand:
    certificate: CertificateRef | None
    sites: list[Site]


def _same_certificate(a: CertificateRef | None, b: CertificateRef | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.thumbprint == b.thumbprint and a.store.upper() == b.store.upper()


def _describe(certificate: CertificateRef | None) -> str:
    return f"certificate {certificate.thumbprint}" if certificate else "no certificate"


def _normalized(certificate: CertificateRef | None) -> CertificateRef | None:
    if certificate is None:
        return None
    return CertificateRef(normalize_thumbprint(certificate.thumbprint), certificate.store)


def _unique_endpoints(site: Site) -> list[tuple[Endpoint, Binding]]:
    found: dict[Endpoint, Binding] = {}
    for binding in site.secure_bindings:
        endpoint = endpoint_for(binding)
        if endpoint is not None and endpoint not in found:
            found[endpoint] = binding
    return list(found.items())


def _central_store_warning(site: Site, binding: Binding, certificate: CertificateRef | None) -> str:
    where = f'site "{site.name}" binding {binding.binding_information}'
    port = binding.port
    if not binding.host:
        return (
            f"{where} uses the central certificate store (ccs={port}) but has no host name, "
            "so the store has no file for it; give the binding a host name"
        )
    file = central_store_file(binding.host)
    if certificate is None:
        return (
            f"{where} takes its certificate from the central certificate store (ccs={port}); "
            f"HTTP.sys is not changed: remove {file} from the store to take the certificate away"
        )
    return (
        f"{where} takes its certificate from the central certificate store (ccs={port}); "
        f"HTTP.sys is not changed: the store must contain {file} holding certificate "
        f"{certificate.thumbprint}"
    )


def plan_certificates(
    sites: Sequence[Site],
    targets: Mapping[int, CertificateRef | None],
    existing: Sequence[SslCertEntry] | None = None,
    *,
    app_id: str = IIS_APP_ID,
) -> HttpSysPlan:
    """The HTTP.sys changes that give each target site its new certificate.

    ``sites`` are all the sites of the document (to find who else shares an entry); ``targets``
    maps a site id to its new certificate, None to remove it.  Every https binding of a target is
    mapped to its HTTP.sys key (:func:`endpoint_for`); the plan has one change per key.  With
    ``existing`` (parsed ``netsh http show sslcert`` output) a key is added when absent, updated
    when it holds another certificate (repeating its other settings), left alone when it already
    holds the certificate, and deleted for None; without it, each key is replaced (deleted if
    present, then added).  Other sites on a changed key are named in ``also_affected`` and in a
    warning.  Central-store bindings take their certificate from a ``<host>.pfx`` file, so they
    get a warning naming the file instead of a command; a target without https bindings gets a
    warning too.

    Raises :class:`~metaclone.errors.CertificateError` when two targets need different
    certificates on one key (an IP:port entry holds one certificate for every site bound there),
    and :class:`~metaclone.errors.SiteNotFoundError` for a target id that is not in ``sites``.
    """
    app_id = normalize_app_id(app_id)
    by_id = {site.id: site for site in sites}
    for site_id in targets:
        if site_id not in by_id:
            raise SiteNotFoundError(
                f"no site has id {site_id}; the certificate plan needs every target among the "
                "sites of the document"
            )
    users: dict[Endpoint, list[Site]] = {}
    for site in sites:
        for endpoint, _ in _unique_endpoints(site):
            users.setdefault(endpoint, []).append(site)

    warnings: list[str] = []
    demands: dict[Endpoint, _Demand] = {}
    for site_id, wanted in targets.items():
        site = by_id[site_id]
        certificate = _normalized(wanted)
        endpoints = _unique_endpoints(site)
        if not endpoints:
            warnings.append(
                f'site "{site.name}" (id {site.id}) has no https binding, so there is no '
                "HTTP.sys certificate binding to change"
            )
        for endpoint, binding in endpoints:
            if endpoint.kind is EndpointKind.CCS:
                for ccs_binding in site.secure_bindings:
                    if endpoint_for(ccs_binding) == endpoint:
                        warnings.append(_central_store_warning(site, ccs_binding, certificate))
                continue
            demand = demands.setdefault(endpoint, _Demand(certificate, []))
            if not _same_certificate(demand.certificate, certificate):
                other = demand.sites[0]
                raise CertificateError(
                    f'sites "{other.name}" and "{site.name}" both use the HTTP.sys entry '
                    f"{endpoint} (binding {binding.binding_information}), which holds one "
                    f"certificate per {endpoint.description}, so they cannot have different "
                    f"certificates ({_describe(demand.certificate)} and {_describe(certificate)}). "
                    "Give one of them its own IP address, or use SNI (sslFlags=1 with a host "
                    "name) so that each gets its own hostnameport entry, then plan again."
                )
            demand.sites.append(site)

    index = index_entries(existing) if existing is not None else None
    changes: list[PlannedChange] = []
    for endpoint, demand in demands.items():
        target_ids = set(targets)
        others = tuple(s.name for s in users.get(endpoint, []) if s.id not in target_ids)
        current = index.get(endpoint) if index is not None else None
        certificate = demand.certificate
        options: tuple[tuple[str, str], ...] = ()
        if index is None:
            action = DELETE if certificate is None else REPLACE
        elif certificate is None:
            if current is None:
                continue
            action = DELETE
        elif current is None:
            action = ADD
        elif _same_certificate(current.ref, certificate):
            continue
        else:
            action = UPDATE
            options, notes = carried_settings(current)
            warnings.extend(notes)
        if current is not None and current.app_id not in (None, app_id):
            warnings.append(
                f"{endpoint} is registered by application {current.app_id}, not {app_id}; "
                "changing it affects that application too"
            )
        change = PlannedChange(
            action=action,
            endpoint=endpoint,
            thumbprint=certificate.thumbprint if certificate else None,
            store=certificate.store if certificate else (current and current.store) or "MY",
            app_id=app_id,
            sites=tuple(dict.fromkeys(s.name for s in demand.sites)),
            also_affected=others,
            previous_thumbprint=current.thumbprint if current else None,
            options=options,
        )
        if others:
            fate = "lose their certificate" if certificate is None else "get the new certificate"
            warnings.append(
                f"{endpoint} is shared: {_names(others)} will {fate} too (HTTP.sys holds one "
                f"certificate per {endpoint.description})"
            )
        changes.append(change)
    if any(change.action == REPLACE for change in changes):
        warnings.append(
            "the current HTTP.sys entries are not known: each change deletes the entry (if any) "
            "and adds it again, which resets its other settings (client certificate negotiation, "
            "revocation checks) to the defaults; give the 'netsh http show sslcert' output to "
            "plan updates that keep them"
        )
    return HttpSysPlan(tuple(changes), tuple(dict.fromkeys(warnings)))

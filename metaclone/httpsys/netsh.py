"""Reading ``netsh http show sslcert`` output, and the settings an update must repeat."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping

import attrs

from metaclone.errors import CertificateError, NetshParseError, PlanValueError, ThumbprintError
from metaclone.httpsys.app_ids import IIS_APP_ID
from metaclone.httpsys.endpoints import (
    DEFAULT_STORE,
    NULL_VALUE,
    Endpoint,
    EndpointKind,
    endpoint_from_shape,
    endpoint_from_text,
    normalize_app_id,
    resolution_order,
)
from metaclone.lossless.files import read_input
from metaclone.lossless.gate import source_line
from metaclone.messages import listing, quoted, shorten
from metaclone.model.rules import ctl_identifier_problem, store_name_problem
from metaclone.model.sites import Binding, CertificateRef, is_ascii_number, normalize_thumbprint


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
        """The certificate as a :class:`~metaclone.model.sites.CertificateRef` (None when unset)."""
        if self.thumbprint is None:
            return None
        return CertificateRef(self.thumbprint, self.store or DEFAULT_STORE)

    @property
    def english(self) -> bool:
        """Whether the block's labels are the English ones (so its settings can be read)."""
        return any(_label_key(label) in _KNOWN_FIELD_LABELS for label, _ in self.fields[1:])

    def to_json(self) -> dict[str, object]:
        return {
            **self.endpoint.to_json(),
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


@functools.lru_cache(maxsize=1024)  # every block of a capture repeats the same labels
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

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.entries: list[SslCertEntry] = []
        self.seen: dict[Endpoint, SslCertEntry] = {}
        self.pairs: dict[tuple[str, str], tuple[str, str]] = {}  # shared by the blocks

    def error(self, message: str, line: int, column: int) -> NetshParseError:
        source = source_line(self.text, line) if line > 0 else None
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
            block = self.add_field(block, field, line)
        self.finish(block)
        if not self.entries and not found_header:
            raise self.error(
                "no 'netsh http show sslcert' output found: expected the header "
                "'SSL Certificate bindings:' underlined with dashes, then one block per binding",
                1,
                1,
            )
        return tuple(self.entries)

    def add_field(self, block: list[_Field], field: _Field, line: _Line) -> list[_Field]:
        """The block ``field`` belongs to: ``block`` with it added, or a new block it starts
        (``block`` is finished then); ``[]`` for a heading outside any block."""
        starts_block = _label_key(field.label) in _ENDPOINT_LABELS
        if block and not starts_block:
            block.append(field)
            return block
        if block:
            self.finish(block)
        elif starts_block:
            pass
        elif not field.value:
            return []  # a heading such as "SSL Certificate bindings :" in some languages
        elif endpoint_from_shape(field.value) is None:
            raise self.error(
                f"a block of netsh output starts with {quoted(field.label)}; expected it to "
                "start with 'IP:port', 'Hostname:port' or 'Central Certificate Store' "
                "(is this the output of 'netsh http show sslcert'?)",
                field.line,
                line.column,
            )
        return [field]

    def finish(self, block: list[_Field]) -> None:
        if not block:
            return
        key = block[0]
        kind = _ENDPOINT_LABELS.get(_label_key(key.label))
        endpoint = endpoint_from_text(kind, key.value) if kind else endpoint_from_shape(key.value)
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
        pairs = [(f.label, f.value) for f in block]
        entry = SslCertEntry(
            endpoint=endpoint,
            thumbprint=self.thumbprint(hash_field),
            store=_value_or_none(store_field),
            app_id=self.app_id(app_field),
            fields=tuple([self.pairs.setdefault(pair, pair) for pair in pairs]),
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
    return _NetshReader(path, text).read(_lines(text))


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


def served_by(binding: Binding, entries: Mapping[Endpoint, SslCertEntry]) -> SslCertEntry | None:
    """The HTTP.sys entry that serves ``binding`` now, as HTTP.sys resolves it (None if none).

    ``entries`` is :func:`index_entries` output; see :func:`resolution_order` for the order.
    """
    for endpoint in resolution_order(binding):
        entry = entries.get(endpoint)
        if entry is not None:
            return entry
    return None


def certificate_for(
    binding: Binding, entries: Mapping[Endpoint, SslCertEntry]
) -> CertificateRef | None:
    """The certificate HTTP.sys serves for ``binding``, from :func:`index_entries` output.

    The entry is found as HTTP.sys finds it (:func:`served_by`).  None for bindings that are not
    https, bindings no entry serves, and those served by the central certificate store (whose
    certificate is a file, not a thumbprint).
    """
    entry = served_by(binding, entries)
    if entry is None or entry.endpoint.kind is EndpointKind.CCS:
        return None
    return entry.ref


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
        if setting is None:
            if key not in _KNOWN_FIELD_LABELS and value.lower() in _FLAG_ON:
                problems.append(f"{label} : {value}")
        elif not _readable(setting, value):
            problems.append(f"{label} : {value}")
        else:
            restated = _restated_value(entry, setting, value)
            if restated is not None:
                options.append((setting.parameter, restated))
    warnings: tuple[str, ...] = ()
    if problems:
        warnings = (
            f"{entry.endpoint}: these settings could not be repeated on the command line and "
            "'netsh http update sslcert' may reset them: "
            + listing((shorten(problem) for problem in problems), "; "),
        )
    return tuple(options), warnings


def _readable(setting: _Setting, value: str) -> bool:
    """Whether ``value`` is one this module can read back for ``setting``."""
    if setting.kind in ("on", "off"):
        return value.lower() in _FLAG_ON + _FLAG_OFF
    if setting.kind == "number":
        return is_ascii_number(value)
    return True


def _restated_value(entry: SslCertEntry, setting: _Setting, value: str) -> str | None:
    """The netsh value that restates the readable ``value`` of ``setting``; None for the default."""
    if setting.kind in ("on", "off"):
        on = value.lower() in _FLAG_ON
        if on == (setting.kind == "on"):
            return None
        return "enable" if on else "disable"
    if setting.kind == "number":
        return value if int(value) else None
    if not value or value == NULL_VALUE:
        return None
    _check_text_setting(entry, setting, value)
    return value


def _check_text_setting(entry: SslCertEntry, setting: _Setting, value: str) -> None:
    """Refuse a text setting of the capture that could not be written into a plan harmlessly."""
    if setting.parameter == "sslctlstorename":
        problem = store_name_problem(value)
    else:
        problem = ctl_identifier_problem(value)
    if problem is not None:
        raise PlanValueError(
            f"{entry.endpoint}: the captured value {quoted(value)} of {setting.parameter} cannot "
            f"be repeated in a plan ({problem}); set the entry by hand",
            line=entry.line,
        )

"""Writing the properties of a metabase key in the file's own layout.

A property keeps its place and quote; a new one goes to IIS's ordinal-sorted place on a line of
its own; MULTISZ values (ServerBindings, SecureBindings) are written one entry per line with
the continuation indentation of the key, else of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from metaclone.errors import BindingError, CertificateError
from metaclone.iis6.keys import WEB, KeyTable, MetabaseKey, Service
from metaclone.iis6.schema import format_multisz, parse_multisz
from metaclone.lazy import lazy_function, lazy_pattern
from metaclone.lossless import Attribute, Editor, Memo, XmlDocument
from metaclone.lossless.values import encode_attribute_value
from metaclone.model.bindings import unique_bindings
from metaclone.model.sites import Binding, Severity, Site, split_address
from metaclone.model.validation import require_binding

if TYPE_CHECKING:
    from metaclone.model.sites import Finding
else:
    # Built by the commands that read or find them (see metaclone.model.sites).
    Finding = lazy_function("metaclone.model.findings", "Finding")

_CONTROL = lazy_pattern(lambda: re.compile(r"[\x00-\x1f\x7f]"))
_CERTIFICATE_PROPERTIES = ("SSLCertHash", "SSLStoreName")
#: The continuation indentation of the file's MULTISZ values.
_LAYOUT: Memo[str] = Memo("iis6 MULTISZ continuation")
_DEFAULT_CONTINUATION = "\t\t\t"
# How far to look for a multi-line value whose layout new MULTISZ values copy.
_LAYOUT_PROBE_KEYS = 400


class KeyWriter:
    """Sets properties of the keys of one document (``index`` gives its current key table)."""

    def __init__(self, xml: XmlDocument, index: Callable[[], KeyTable]) -> None:
        self.xml = xml
        self._index = index

    def set_property(self, editor: Editor, key: MetabaseKey, name: str, raw: str) -> None:
        """Set property ``name`` to ``raw`` (attribute text for a double quote).

        An existing property keeps its place and quote; a new one goes to its ordinal-sorted
        place (case-sensitive, as IIS sorts: ``SSLCertHash`` before ``SecureBindings``), on a
        line of its own at the key's property indentation.  New properties that land at the
        same place come out in call order, so one editor must set them in ordinal order.
        """
        tag = key.start_tag
        attributes = self.xml.attributes(tag)
        existing = next((a for a in attributes if a.name == name), None)
        if existing is not None:
            if existing.quote == "'":
                raw = raw.replace("'", "&apos;")
            if existing.raw != raw:
                editor.replace(existing.value_start, existing.value_end, raw)
            return
        props = [a for a in attributes if a.name != "Location"]
        if props:
            after = next((a.name for a in props if a.name > name), None)
            editor.set_attribute(tag, name, raw, raw=True, before=after)
            return
        location = next((a for a in attributes if a.name == "Location"), None)
        indent = self.xml.indentation_before(key.start) + "\t\t"
        newline = self.xml.newline_near(key.start)
        offset = location.end if location is not None else key.start + 1 + len(key.key_type)
        editor.insert(offset, f'{newline}{indent}{name}="{raw}"')

    def continuation_indent(self, key: MetabaseKey) -> str:
        """The indentation of MULTISZ continuation lines: the key's own, else the file's."""
        own = _continuation_in(self.xml.attributes(key.start_tag))
        if own is not None:
            return own
        return self.xml.memo(_LAYOUT, self._file_continuation)

    def _file_continuation(self) -> str:
        found = _DEFAULT_CONTINUATION
        index = self._index()
        for position in range(min(len(index), _LAYOUT_PROBE_KEYS)):
            layout = _continuation_in(self.xml.attributes(index.key(position).start_tag))
            if layout is not None:
                found = layout
                break
        return found

    def write_multisz(
        self, editor: Editor, key: MetabaseKey, wanted: Iterable[tuple[str, list[str]]]
    ) -> None:
        """Give each MULTISZ property of ``wanted`` exactly its entries; none removes it."""
        props = {a.name: a for a in self.xml.attributes(key.start_tag) if a.name != "Location"}
        for name, entries in wanted:
            existing = props.get(name)
            if not entries:
                if existing is not None:
                    editor.remove_attribute(key.start_tag, name)
                continue
            if existing is not None and parse_multisz(existing.raw) == entries:
                continue
            raw = format_multisz(
                entries,
                newline=self.xml.newline_near(key.start),
                indent=self.continuation_indent(key),
                quote=existing.quote if existing is not None else '"',
            )
            self.set_property(editor, key, name, raw)

    # -- certificates ----------------------------------------------------------------------

    def write_certificate(
        self, key: MetabaseKey, thumbprint: str, store: str, *, path: str
    ) -> None:
        """Set SSLCertHash to ``thumbprint`` and SSLStoreName to ``store`` (checked here)."""
        if not isinstance(store, str) or not store.strip() or _CONTROL.search(store):
            raise CertificateError(
                f"{store!r} is not a certificate store name (e.g. MY)", path=path
            )
        editor = self.xml.edit()
        self.set_property(editor, key, "SSLCertHash", thumbprint)
        self.set_property(editor, key, "SSLStoreName", encode_name(store))
        editor.commit()

    def remove_certificate(self, key: MetabaseKey) -> None:
        editor = self.xml.edit()
        editor.remove_attribute(key.start_tag, "SSLCertHash")
        editor.remove_attribute(key.start_tag, "SSLStoreName")
        editor.commit()

    def swap_certificates(self, first: MetabaseKey, second: MetabaseKey) -> None:
        """Exchange SSLCertHash and SSLStoreName of two keys, absence included."""
        first_values = [self.xml.get(first.start_tag, n) for n in _CERTIFICATE_PROPERTIES]
        second_values = [self.xml.get(second.start_tag, n) for n in _CERTIFICATE_PROPERTIES]
        editor = self.xml.edit()
        for key, values in ((first, second_values), (second, first_values)):
            for name, value in zip(_CERTIFICATE_PROPERTIES, values, strict=True):
                if value is None:
                    editor.remove_attribute(key.start_tag, name)
                else:
                    self.set_property(editor, key, name, encode_attribute_value(value, '"'))
        editor.commit()


def inherited_certificate_notes(after: Site, service: Service) -> list[Finding]:
    """A note when a site whose certificate was removed still inherits one."""
    if after.certificate is None:
        return []
    return [
        Finding(
            Severity.WARNING,
            "inherited-certificate",
            f"site {after.id} {after.name!r} has no certificate of its own now, but "
            f"inherits {after.certificate.thumbprint} ({after.certificate.store}) from "
            f"/LM/{service.name} (SSLCertHash is inherited): remove it there, or "
            "set the site's own certificate",
            site_id=after.id,
            line=after.line,
        )
    ]


def sorted_bindings(
    service: Service, bindings: Iterable[Binding | str], *, path: str
) -> tuple[list[str], list[str]]:
    """``bindings`` checked by IIS's rules and written as IIS 6 does: the ServerBindings
    entries (http, or ftp for FTP sites) and the SecureBindings entries (https)."""
    plain: list[str] = []
    secure: list[str] = []
    parsed = [Binding.parse(item) if isinstance(item, str) else item for item in bindings]
    for binding in parsed:
        protocol = binding.protocol.lower()
        if protocol == service.plain_protocol:
            target = plain
        elif protocol == "https" and service is WEB:
            target = secure
        else:
            allowed = "http and https" if service is WEB else "ftp"
            raise BindingError(
                f"{binding.summary}: an IIS 6 {service.kind.value} site takes only "
                f"{allowed} bindings",
                path=path,
            )
        target.append(_iis6_information(binding, path))
    unique_bindings(parsed, path=path)
    return plain, secure


def encode_name(value: str) -> str:
    """Attribute text (double-quoted) for a one-line string value."""
    return encode_attribute_value(value, '"')


def _continuation_in(attributes: Iterable[Attribute]) -> str | None:
    for attribute in attributes:
        raw = attribute.raw
        cut = raw.find("\n")
        if cut < 0:
            continue
        rest = raw[cut + 1 :]
        indent = rest[: len(rest) - len(rest.lstrip(" \t"))]
        if indent:
            return indent
    return None


def _iis6_information(binding: Binding, path: str) -> str:
    """Check ``IP:port:host`` by IIS's rules and write it as IIS 6 does (no ``*`` for all
    addresses)."""
    require_binding(
        Binding.from_information(binding.protocol, binding.binding_information), path=path
    )
    ip, port, host = split_address(binding.binding_information)
    if ip == "*":
        ip = ""
    return f"{ip}:{port}:{host}"

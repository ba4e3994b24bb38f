"""The JSON text of a listed site, written directly.

``sites --json`` encodes every site of a file; building ``Site.to_json()``'s dictionaries and
handing them to the json module's encoder takes about half as long again as writing the same
text here.  The text is ``json.dumps(site.to_json())`` to the character (the json module's
defaults: ``", "`` and ``": "`` between items, non-ASCII as ``\\u`` escapes), which
``tests/cli/test_site_json.py`` checks on generated sites.  Strings are escaped by the json
module's own function.  Each distinct settings value, shared by many sites, is encoded once.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

from metaclone.model.sites import (
    ADDRESS_PROTOCOLS,
    Binding,
    CertificateRef,
    Site,
    SiteSettings,
    split_address,
)

#: How many distinct settings values are kept encoded: those many sites share come first in
#: a large file, and one of its own per site need not all be held.
_KEPT_SETTINGS = 1024


def _value(value: object) -> str:
    """A number, true, false or null as ``json.dumps`` writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value) if type(value) is not int else str(value)


def _certificate(certificate: CertificateRef | None) -> str:
    if certificate is None:
        return "null"
    thumbprint = encode_basestring_ascii(certificate.thumbprint)
    return f'{{"thumbprint": {thumbprint}, "store": {encode_basestring_ascii(certificate.store)}}}'


def binding_json(binding: Binding) -> str:
    """``json.dumps(binding.to_json())``."""
    protocol = binding.protocol
    information = binding.binding_information
    text = (
        f'{{"protocol": {encode_basestring_ascii(protocol)}, '
        f'"binding_information": {encode_basestring_ascii(information)}'
    )
    lowered = protocol.lower()
    if lowered in ADDRESS_PROTOCOLS:
        ip, port, host = split_address(information)
        text += (
            f', "ip": {encode_basestring_ascii(ip)}, "port": {_value(port)}, '
            f'"host": {encode_basestring_ascii(host)}'
        )
    if binding.ssl_flags is not None:
        text += f', "ssl_flags": {_value(binding.ssl_flags)}'
    if binding.certificate is not None or lowered == "https":
        text += f', "certificate": {_certificate(binding.certificate)}'
    return text + "}"


class SiteJson:
    """Encodes sites (see the module notes); one per listing, for its settings values."""

    def __init__(self) -> None:
        # Each value is kept with its text, so that its id stays its own.
        self._settings: dict[int, tuple[SiteSettings, str]] = {}

    def site(self, site: Site, settings: SiteSettings | None) -> str:
        """``json.dumps(site.to_json())`` for ``site`` with ``settings``."""
        bindings = ", ".join([binding_json(b) for b in site.bindings])
        inherited = ", ".join(map(encode_basestring_ascii, site.inherited))
        return (
            f'{{"id": {_value(site.id)}, "name": {encode_basestring_ascii(site.name)}, '
            f'"kind": {encode_basestring_ascii(site.kind.value)}, '
            f'"auto_start": {_value(site.auto_start)}, "bindings": [{bindings}], '
            f'"certificate": {_certificate(site.certificate)}, '
            f'"waiting_for_certificate": {_value(site.waiting_for_certificate)}, '
            f'"line": {_value(site.line)}, "inherited": [{inherited}], '
            f'"settings": {self._settings_text(settings)}}}'
        )

    def _settings_text(self, settings: SiteSettings | None) -> str:
        if settings is None:
            return "null"
        known = self._settings.get(id(settings))
        if known is not None:
            return known[1]
        text = json.dumps(settings.to_json())
        if len(self._settings) < _KEPT_SETTINGS:
            self._settings[id(settings)] = (settings, text)
        return text

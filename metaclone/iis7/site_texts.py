"""The JSON text of the sites :mod:`metaclone.iis7.listed_json` writes from their raw values
(see there); a module of its own so that the listings that write no JSON load no json module."""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring_ascii

from metaclone.iis7.listing import QUICK_BINDINGS_AT, QUICK_END, QuickValues
from metaclone.iis7.site_settings import SettingsMerge
from metaclone.model.sites import MOST_DIGITS, Site

#: What a site written from its raw values holds between the listing pass and its JSON text:
#: id, name, auto_start (JSON), inherited (JSON), its raw values, line, settings (as
#: :meth:`~metaclone.iis7.site_settings.SettingsMerge.read_json` gives them).
RawSite = tuple[int, str, str, str, QuickValues, int, str | tuple[str | None, ...]]


def site_texts(read: list[RawSite | Site], merge: SettingsMerge) -> Iterator[str | Site]:
    """The JSON text of each site of ``read`` written from its raw values, its settings put
    together by ``merge``; and each Site."""
    for item in read:
        yield item if isinstance(item, Site) else site_text(item, merge)


def site_text(raw: RawSite, merge: SettingsMerge) -> str:
    """``json.dumps(site.to_json())`` of a site written here."""
    ident, name, auto_start, inherited, values, line, own_settings = raw
    settings = own_settings if isinstance(own_settings, str) else merge.json_text(own_settings)
    bindings: list[str] = []
    waiting = "false"
    slots = iter(values[QUICK_BINDINGS_AT:QUICK_END])
    for protocol, raw_information, flags in zip(slots, slots, slots, strict=True):
        if protocol is None:
            break
        information = raw_information or ""
        if protocol == "http" or protocol == "https":  # noqa: PLR1714 (hot: two compares)
            head, _, host = information.rpartition(":")
            ip, _, port = head.rpartition(":")
            port = port.strip()
            # is_ascii_number, inline (hot: a call per binding)
            number = len(port) <= MOST_DIGITS and port.isdigit() and port.isascii()
            text = (
                f'{{"protocol": "{protocol}", '
                f'"binding_information": {encode_basestring_ascii(information)}, '
                f'"ip": {encode_basestring_ascii(ip.strip())}, '
                f'"port": {int(port) if number else "null"}, '
                f'"host": {encode_basestring_ascii(host.strip())}'
            )
        else:
            text = (
                f'{{"protocol": {encode_basestring_ascii(protocol.strip())}, '
                f'"binding_information": {encode_basestring_ascii(information)}'
            )
        if flags is not None:
            text += f', "ssl_flags": {int(flags)}'
        if protocol == "https":
            # No certificate known without HTTP.sys's entries: nor whether one is waiting.
            text += ', "certificate": null'
            waiting = "null"
        bindings.append(text + "}")
    return (
        f'{{"id": {ident}, "name": {encode_basestring_ascii(name)}, "kind": "web", '
        f'"auto_start": {auto_start}, "bindings": [{", ".join(bindings)}], '
        f'"certificate": null, "waiting_for_certificate": {waiting}, "line": {line}, '
        f'"inherited": [{inherited}], "settings": {settings}}}'
    )

"""The JSON text ``sites --json`` writes of an IIS 6 site, from the raw values of its server key.

Each text is ``json.dumps(site.to_json())`` of the :class:`~metaclone.model.sites.Site` that
:meth:`~metaclone.iis6.reading.SiteReader.site_from` reads from the same values (an IIS 6
site has no settings), written without building that Site and a
:class:`~metaclone.model.sites.Binding` for each of its bindings.
``tests/iis6/test_site_texts.py`` holds the two equal, however the values are written.  A
module of its own, so that the listings that write no JSON load no json module.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii

from metaclone.iis6.keys import Service
from metaclone.model.sites import ADDRESS_PROTOCOLS, CertificateRef

#: The longest port written here: the lowest limit Python may be set to on the digits ``int()``
#: reads (``sys.set_int_max_str_digits``).  Past its limit, the text of the Site raises only as
#: it is printed.
_LONGEST_PORT = 640


class PortTooLongError(Exception):
    """A binding's port has more digits than :func:`site_text` writes."""


def site_text(  # noqa: PLR0917 (the values of a server key, as the reader has them)
    ident: int,
    name: str,
    service: Service,
    auto_start: bool,
    plain: list[str],
    secure: list[str],
    certificate: CertificateRef | None,
    inherited: tuple[str, ...],
    line: int,
) -> str:
    """The text of the site with the binding informations ``plain`` (of its service's plain
    protocol) and ``secure`` (https, each carrying the site's ``certificate``)."""
    if certificate is None:
        certificate_text = "null"
    else:
        certificate_text = (
            f'{{"thumbprint": {encode_basestring_ascii(certificate.thumbprint)}, '
            f'"store": {encode_basestring_ascii(certificate.store)}}}'
        )
    bindings = _binding_texts(service.plain_protocol, plain, "")
    if secure:
        secure_texts = _binding_texts("https", secure, f', "certificate": {certificate_text}}}')
        bindings = f"{bindings}, {secure_texts}" if bindings else secure_texts
    # Secure bindings with no certificate are waiting for one: a site's https bindings carry
    # its own, and an IIS 6 file always tells whether there is one.
    waiting = "true" if secure and certificate is None else "false"
    inherited_text = ", ".join(map(encode_basestring_ascii, inherited))
    return (
        f'{{"id": {ident}, "name": {encode_basestring_ascii(name)}, '
        f'"kind": "{service.kind.value}", "auto_start": {"true" if auto_start else "false"}, '
        f'"bindings": [{bindings}], "certificate": {certificate_text}, '
        f'"waiting_for_certificate": {waiting}, "line": {line}, '
        f'"inherited": [{inherited_text}], "settings": null}}'
    )


def _binding_texts(protocol: str, informations: list[str], certificate_end: str) -> str:
    """The texts of the bindings of ``protocol`` with ``informations``, joined by ``", "``;
    ``certificate_end`` closes each (``"}"`` where it is empty)."""
    end = certificate_end or "}"
    start = f'{{"protocol": {encode_basestring_ascii(protocol)}, "binding_information": '
    if protocol.lower() not in ADDRESS_PROTOCOLS:
        return ", ".join([f"{start}{encode_basestring_ascii(i)}{end}" for i in informations])
    texts: list[str] = []
    for information in informations:
        # split_address written out: this runs for every binding of every listed site.
        head, _, host = information.rpartition(":")
        ip, _, port = head.rpartition(":")
        port = port.strip()
        if len(port) > _LONGEST_PORT:
            raise PortTooLongError
        texts.append(
            f"{start}{encode_basestring_ascii(information)}, "
            f'"ip": {encode_basestring_ascii(ip.strip())}, '
            f'"port": {int(port) if port.isdigit() and port.isascii() else "null"}, '
            f'"host": {encode_basestring_ascii(host.strip())}{end}'
        )
    return ", ".join(texts)

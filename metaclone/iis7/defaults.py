"""What an IIS 7+ site or application inherits: the collection defaults of ``<sites>``.

``<siteDefaults>`` is ``isCollectionDefault`` in IIS_schema.xml: its attributes and children are
the values of every ``<site>`` that does not set its own (``serverAutoStart``, ``<bindings>``,
``<limits>``, ``<logFile>``, ``<ftpServer><security><ssl serverCertHash
serverCertStoreName>``...).  ``<applicationDefaults>`` does the same for the applications, at
``<sites>`` level and inside a site; the site's own one wins, attribute by attribute.

The defaults are read once per version of the document, so that listing 50,000 sites costs no
more than one look at ``<sites>``.
"""

from __future__ import annotations

import attrs

from metaclone.iis7.index import SiteIndex, last_sites_level_element
from metaclone.iis7.site_parts import read_site_parts
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.sites import Binding, CertificateRef, is_ascii_number

#: How IIS writes false in a bool attribute it sets.
FALSE = "false"


@attrs.frozen
class SiteDefaults:
    """The values ``<siteDefaults>`` and ``<sites><applicationDefaults>`` give, decoded.

    ``server_auto_start`` is the text of ``siteDefaults/@serverAutoStart`` (None: not set);
    ``bindings`` the attributes of its bindings; ``ftp_ssl`` those of its
    ``ftpServer/security/ssl``; ``application_pool`` and ``enabled_protocols`` those of the
    sites-level ``applicationDefaults``.
    """

    server_auto_start: str | None = None
    bindings: tuple[dict[str, str], ...] = ()
    ftp_ssl: dict[str, str] | None = None
    application_pool: str | None = None
    enabled_protocols: str | None = None

    @property
    def auto_start(self) -> bool:
        """Whether a site without ``serverAutoStart`` starts (the schema's default: true)."""
        return not is_false(self.server_auto_start)

    def binding_values(self) -> tuple[Binding, ...]:
        """The default bindings as values; ValueError for an sslFlags that is no number."""
        bindings: list[Binding] = []
        for values in self.bindings:
            flags_text = values.get("sslFlags")
            if flags_text is not None and not is_ascii_number(flags_text.strip()):
                raise ValueError(f"<siteDefaults> binding sslFlags={flags_text!r} is not a number")
            bindings.append(
                Binding.from_information(
                    values.get("protocol", ""),
                    values.get("bindingInformation", ""),
                    int(flags_text) if flags_text is not None else None,
                )
            )
        return tuple(bindings)

    def certificate(self, own: dict[str, str] | None) -> tuple[CertificateRef | None, bool]:
        """An FTP site's certificate from its ``ssl`` attributes ``own`` and these defaults,
        and whether any part of it was inherited."""
        own = own or {}
        inherited = self.ftp_ssl or {}
        thumbprint = own.get("serverCertHash", "").strip()
        from_defaults = False
        if not thumbprint:
            thumbprint = inherited.get("serverCertHash", "").strip()
            from_defaults = bool(thumbprint)
        if not thumbprint:
            return None, False
        store = own.get("serverCertStoreName")
        if not store:
            store = inherited.get("serverCertStoreName")
            from_defaults = from_defaults or bool(store)
        return CertificateRef(thumbprint.lower(), store or "MY"), from_defaults


def is_false(text: str | None) -> bool:
    """Whether a bool attribute's text reads as false (IIS accepts any case)."""
    return text is not None and text.strip().lower() == FALSE


def read_defaults(index: SiteIndex) -> SiteDefaults:
    """The collection defaults of the ``<sites>`` the index was built on.

    Of several ``<siteDefaults>`` (a broken file) the last one counts, as with
    ``applicationDefaults``; a default element inside a comment is never read.
    """
    if index.sites_element is None or index.sites_element.name != "sites":
        return SiteDefaults()
    text = index.text
    found = last_sites_level_element(text, index.sites_element, index.sites, "siteDefaults")
    auto_start: str | None = None
    bindings: tuple[dict[str, str], ...] = ()
    ftp_ssl: dict[str, str] | None = None
    if found is not None:
        element, values = found
        raw = values.get("serverAutoStart")
        auto_start = decode_attribute_value(raw) if raw is not None else None
        if not element.is_empty_tag:
            parts = read_site_parts(text, element)
            bindings, ftp_ssl = parts.bindings, parts.ftp_ssl
    return SiteDefaults(auto_start, bindings, ftp_ssl, index.default_pool, index.default_protocols)

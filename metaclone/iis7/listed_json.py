"""The JSON text of every site of an applicationHost.config, straight from the listing pass.

``sites --json`` writes each site as ``json.dumps(site.to_json())`` with its settings read
(:meth:`~metaclone.document.ConfigDocument.with_settings`).  A site the listing pass of
:func:`~metaclone.iis7.listing.scan_applicationhost` read whole, and whose bindings are written
the way IIS writes them, is written here from those raw values, without building its
:class:`~metaclone.model.sites.Site` and :class:`~metaclone.model.sites.Binding` values, and its
settings from the JSON text of each element's part (see
:meth:`~metaclone.iis7.site_settings.SettingsMerge.json_text`).  Every other site is read by the
exact readers and handed on as a ``Site``.  ``tests/iis7/test_listed_json.py`` holds the two
equal on generated files.

The raw values need no decoding: the listing pass reads only values with no reference, quote,
``<`` or white space other than spaces (``PLAIN_VALUE``), whose written form is their value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone.errors import MetacloneError
from metaclone.iis7.defaults import FALSE
from metaclone.iis7.index import SiteElement, SiteIndex
from metaclone.iis7.listing import QUICK_BINDINGS_AT, QUICK_END, QuickValues
from metaclone.iis7.reading import SiteReading
from metaclone.lazy import lazy_function
from metaclone.model.build import paused_garbage_collection, site_with_settings
from metaclone.model.sites import ADDRESS_PROTOCOLS, ListedJson, Site

if TYPE_CHECKING:
    from metaclone.iis7.site_settings import SettingsMerge, own_setting_texts, read_settings
    from metaclone.iis7.site_texts import RawSite
    from metaclone.model.sites import SiteSettings
else:
    # The settings are read by the listings that write them (and with_settings) alone.
    own_setting_texts = lazy_function("metaclone.iis7.site_settings", "own_setting_texts")
    read_settings = lazy_function("metaclone.iis7.site_settings", "read_settings")

#: The longest binding information written here; longer goes through the exact path, which
#: answers a port of thousands of digits as ``int()`` does.
_LONGEST_INFORMATION = 1024

#: The longest sslFlags text written here (a uint has ten digits).
_LONGEST_FLAGS = 10


class SiteJsonListing(SiteReading):
    """:meth:`listed_json` for the documents the listing pass reads."""

    def listed_json(self, *, applications: bool = False) -> ListedJson | None:
        """See :meth:`ConfigDocument.listed_json`: every site of the listing pass written as
        IIS writes it is kept as its raw values, and written when reached."""
        if self.exact or not self.dialect.listing_pass or self._sslcerts_attached:
            return None
        try:
            with paused_garbage_collection():
                read = self._read_for_json()
        except _SettingsUnreadError:
            # A settings error: the exact path reads every site first, and reports the first
            # error in that order.
            return None
        if read is None:
            return None
        # The json module is loaded by the listings that write JSON alone.
        from metaclone.iis7.site_texts import site_texts  # noqa: PLC0415

        ids = tuple([item.id if isinstance(item, Site) else item[0] for item in read])
        return ListedJson(ids, site_texts(read, self._defaults()[0].settings_merge))

    def _read_for_json(self) -> list[RawSite | Site] | None:
        """Each site, as its raw values or (not written as IIS writes it) as the Site with its
        settings; None when two sites share an id (a lookup by site is then no longer the
        site's own entry)."""
        text = self.xml.text
        index, quick = self._scan()
        defaults = self._defaults()[0]
        merge = defaults.settings_merge
        inherited_start = defaults.server_auto_start is not None
        default_start = "true" if defaults.auto_start else "false"
        ids: set[int] = set()
        read: list[RawSite | Site] = []
        line, counted_to = 1, 0
        for entry, values in zip(index.sites, quick or (None,) * len(index.sites), strict=True):
            if entry.id in ids:
                return None
            ids.add(entry.id)
            line += text.count("\n", counted_to, entry.start)
            counted_to = entry.start
            if values is not None and _plain_bindings(values):
                own_start = entry.server_auto_start
                if own_start:
                    auto_start = "false" if own_start.strip().lower() == FALSE else "true"
                    inherited = ""
                else:
                    auto_start = default_start
                    inherited = '"auto_start"' if inherited_start else ""
                settings = self._settings_json(text, entry, merge)
                read.append((entry.id, entry.name, auto_start, inherited, values, line, settings))
                continue
            site = self._exact_site(entry, values, index, line)
            read.append(site_with_settings(site, self._settings(text, entry, merge)))
        return read

    def _exact_site(
        self, entry: SiteElement, values: QuickValues | None, index: SiteIndex, line: int
    ) -> Site:
        """The site as :attr:`sites` reads it."""
        if values is None:
            return self._read_site(entry, index, line)
        return self._quick_site(entry, values, index, line)

    def _settings_json(
        self, text: str, entry: SiteElement, merge: SettingsMerge
    ) -> str | tuple[str | None, ...]:
        """The settings of ``entry`` as :meth:`SettingsMerge.read_json` gives them."""
        texts = own_setting_texts(text, entry.content_start, entry.content_end)
        if texts is not None:
            return merge.read_json(texts)
        import json  # noqa: PLC0415 (see listed_json)

        return json.dumps(self._settings(text, entry, merge).to_json())

    def _settings(self, text: str, entry: SiteElement, merge: SettingsMerge) -> SiteSettings:
        try:
            return read_settings(text, entry, merge, exact=self.exact)
        except MetacloneError:
            raise _SettingsUnreadError from None


class _SettingsUnreadError(Exception):
    """A site's settings could not be read: the listing is left to the exact path."""


def _plain_bindings(values: QuickValues) -> bool:
    """Whether the bindings among ``values`` are written here: one or more, each http or https
    (as IIS writes them) or a protocol without an address (net.tcp...), with sslFlags of
    digits alone, and not those of an FTP site (which inherits its certificate)."""
    slots = iter(values[QUICK_BINDINGS_AT:QUICK_END])
    found = False
    for protocol, information, flags in zip(slots, slots, slots, strict=True):
        if protocol is None:
            break
        if (
            protocol != "http"  # noqa: PLR1714 (hot: two compares, no set built)
            and protocol != "https"
            and protocol.strip().lower() in ADDRESS_PROTOCOLS
        ):
            # Another spelling of an address protocol: the exact path words it.
            return False
        if flags is not None and not (
            len(flags) <= _LONGEST_FLAGS and flags.isdigit() and flags.isascii()
        ):
            return False
        if information is not None and len(information) > _LONGEST_INFORMATION:
            return False
        found = True
    return found

"""What an IIS 7+ site or application inherits: the collection defaults of ``<sites>``.

``<siteDefaults>`` is ``isCollectionDefault`` in IIS_schema.xml: its attributes and children are
the values of every ``<site>`` that does not set its own (``serverAutoStart``, ``<bindings>``,
``<ftpServer serverAutoStart>``, ``<ftpServer><security><ssl serverCertHash
serverCertStoreName>``...); the attributes of ``<limits>``, ``<logFile>`` and
``<traceFailedRequestsLogging>`` are merged one by one.  ``<applicationDefaults>`` does the same
for the applications, at ``<sites>`` level and inside a site; the site's own one wins, attribute
by attribute.  ``<virtualDirectoryDefaults>`` gives the virtual directories their ``userName``,
``password``, ``logonMethod`` and ``allowSubDirConfig``: the nearest one (application, site,
``<sites>``) wins, attribute by attribute.

The configuration system does not accept one of these elements twice at one level; such a file
has no defined defaults, so :attr:`SiteDefaults.duplicates` says where the extra ones are and
the readers refuse to guess.

The defaults are read once per version of the document, so that listing 50,000 sites costs no
more than one look at ``<sites>``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from metaclone.iis7.index import SiteIndex, last_sites_level_element, sites_level_elements
from metaclone.iis7.schema import DIRECTORY_DEFAULTS
from metaclone.iis7.site_parts import read_site_parts
from metaclone.lazy import lazy_function, lazy_pattern
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.sites import Binding, CertificateRef, is_ascii_number

if TYPE_CHECKING:
    # Loaded by what reads the settings (listings that write them, with_settings) alone.
    from metaclone.iis7.site_settings import SettingsMerge
    from metaclone.model.sites import VirtualDirectory

else:
    # Built by the commands that read or find them (see metaclone.model.sites).
    VirtualDirectory = lazy_function("metaclone.model.applications", "VirtualDirectory")
#: How IIS writes false in a bool attribute it sets.
FALSE = "false"


#: The collection defaults of ``<sites>``, each allowed once.
DEFAULT_ELEMENTS = ("siteDefaults", "applicationDefaults", "virtualDirectoryDefaults")


#: The fields of :class:`~metaclone.model.sites.VirtualDirectory` a
#: ``<virtualDirectoryDefaults>`` supplies, by attribute name.
DIRECTORY_FIELDS = {
    "userName": "user_name",
    "password": "password_set",
    "logonMethod": "logon_method",
    "allowSubDirConfig": "allow_sub_dir_config",
}


# An encrypted empty password, which IIS writes as the schema default: no password.
_EMPTY_SECRET = lazy_pattern(lambda: re.compile(r"\[enc:[^:\]]*::enc\]"))


@attrs.frozen
class SiteDefaults:
    """The values ``<siteDefaults>`` and ``<sites><applicationDefaults>`` give, decoded.

    ``server_auto_start`` is the text of ``siteDefaults/@serverAutoStart`` (None: not set);
    ``bindings`` the attributes of its bindings; ``ftp_ssl`` those of its
    ``ftpServer/security/ssl``; ``application_pool`` and ``enabled_protocols`` those of the
    sites-level ``applicationDefaults``; ``ftp_server_auto_start`` the text of
    ``siteDefaults/ftpServer/@serverAutoStart``; ``merged`` the attributes of its ``limits``,
    ``logFile`` and ``traceFailedRequestsLogging`` by element name; ``directory`` those of the
    sites-level ``virtualDirectoryDefaults``.  ``duplicates`` holds (name, offset) of every
    default element that repeats one before it at ``<sites>`` level.
    """

    server_auto_start: str | None = None
    bindings: tuple[dict[str, str], ...] = ()
    ftp_ssl: dict[str, str] | None = None
    application_pool: str | None = None
    enabled_protocols: str | None = None
    ftp_server_auto_start: str | None = None
    merged: dict[str, dict[str, str]] = attrs.Factory(dict)
    directory: dict[str, str] | None = None
    duplicates: tuple[tuple[str, int], ...] = ()

    @property
    def auto_start(self) -> bool:
        """Whether a site without ``serverAutoStart`` starts (the schema's default: true)."""
        return not is_false(self.server_auto_start)

    def ftp_auto_start(self, own: str | None) -> tuple[bool, bool]:
        """Whether an FTP site whose ``ftpServer/@serverAutoStart`` reads ``own`` (None: not
        set) starts, and whether that was inherited (the schema's default: true)."""
        if own is not None and own.strip():
            return not is_false(own), False
        inherited = self.ftp_server_auto_start
        return not is_false(inherited), inherited is not None and bool(inherited.strip())

    @functools.cached_property
    def settings_merge(self) -> SettingsMerge:
        """The settings of the sites under these defaults, worked out once per distinct value."""
        from metaclone.iis7.site_settings import SettingsMerge  # noqa: PLC0415 - see TYPE_CHECKING

        return SettingsMerge(self.merged)

    def directory_values(
        self, own: Mapping[str, str], nearer: Iterable[Mapping[str, str] | None]
    ) -> VirtualDirectory:
        """The virtual directory ``own`` with what it inherits from the
        ``<virtualDirectoryDefaults>`` ``nearer`` (nearest first; these sites-level ones last)."""
        chain = [d for d in (*nearer, self.directory) if d is not None]
        if len(chain) > (self.directory is not None):
            settings = _directory_settings(own, chain)
        else:
            # Only these defaults apply (most files): the settings follow from the directory's
            # own four values, worked out once per distinct four.
            key = tuple(map(own.get, DIRECTORY_DEFAULTS))
            cache = self._settings_by_own
            found = cache.get(key)
            if found is None:
                found = _directory_settings(own, chain)
                if len(cache) < _SETTINGS_CACHED:
                    cache[key] = found
            settings = found
        return VirtualDirectory(own.get("path", ""), own.get("physicalPath", ""), *settings)

    @functools.cached_property
    def _settings_by_own(self) -> dict[tuple[str | None, ...], _DirectorySettings]:
        """The settings of :meth:`directory_values` under these defaults alone, by the
        directory's own values of :data:`DIRECTORY_DEFAULTS` (None: not set)."""
        return {}

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


#: The fields of :class:`~metaclone.model.sites.VirtualDirectory` after its path and folder.
_DirectorySettings = tuple[str, str, bool, bool, tuple[str, ...]]


#: How many distinct settings :meth:`SiteDefaults.directory_values` keeps: directories written
#: with their own user names or passwords each make one, which need not all be kept.
_SETTINGS_CACHED = 1024


def _directory_settings(
    own: Mapping[str, str], chain: Sequence[Mapping[str, str]]
) -> _DirectorySettings:
    """User name, logon method, allowSubDirConfig, whether a password is set and the fields
    inherited, of the directory ``own`` under the defaults ``chain`` (nearest first)."""
    inherited: list[str] = []
    if not chain:  # nothing to inherit: the own values, else the schema's
        values = {**DIRECTORY_DEFAULTS, **own}
    else:
        values = _inherited_values(own, chain, inherited)
    password = values["password"]
    return (
        values["userName"],
        values["logonMethod"],
        not is_false(values["allowSubDirConfig"]),
        bool(password) and _EMPTY_SECRET.fullmatch(password.strip()) is None,
        tuple(inherited),
    )


def _inherited_values(
    own: Mapping[str, str], chain: Sequence[Mapping[str, str]], inherited: list[str]
) -> dict[str, str]:
    """The directory attributes of ``own``, else of the nearest of ``chain`` that has them
    (their fields added to ``inherited``), else the schema's."""
    values: dict[str, str] = {}
    for name, default in DIRECTORY_DEFAULTS.items():
        value = own.get(name)
        if value is None:
            for defaults in chain:
                value = defaults.get(name)
                if value is not None:
                    inherited.append(DIRECTORY_FIELDS[name])
                    break
            else:
                value = default
        values[name] = value
    return values


def is_false(text: str | None) -> bool:
    """Whether a bool attribute's text reads as false (IIS accepts any case)."""
    return text is not None and text.strip().lower() == FALSE


def read_defaults(index: SiteIndex) -> SiteDefaults:
    """The collection defaults of the ``<sites>`` the index was built on.

    A default element inside a comment is never read; of several at ``<sites>`` level (a file
    IIS does not accept) the last one is read and the others are in ``duplicates``.
    """
    if index.sites_element is None or index.sites_element.name != "sites":
        return SiteDefaults()
    text = index.text
    found = last_sites_level_element(text, index.sites_element, index.sites, "siteDefaults")
    auto_start: str | None = None
    parts = None
    if found is not None:
        element, values = found
        raw = values.get("serverAutoStart")
        auto_start = decode_attribute_value(raw) if raw is not None else None
        if not element.is_empty_tag:
            parts = read_site_parts(text, element)
    directory = last_sites_level_element(
        text, index.sites_element, index.sites, "virtualDirectoryDefaults"
    )
    ftp_server = parts.ftp_server if parts is not None and parts.ftp_server else {}
    return SiteDefaults(
        auto_start,
        parts.bindings if parts is not None else (),
        parts.ftp_ssl if parts is not None else None,
        index.default_pool,
        index.default_protocols,
        ftp_server_auto_start=ftp_server.get("serverAutoStart"),
        merged=parts.merged if parts is not None else {},
        directory=_decoded(directory[1]) if directory is not None else None,
        duplicates=duplicate_defaults(index),
    )


def _decoded(raw: Mapping[str, str]) -> dict[str, str]:
    return {name: decode_attribute_value(value) for name, value in raw.items()}


def duplicate_defaults(index: SiteIndex) -> tuple[tuple[str, int], ...]:
    """(name, offset) of every ``<sites>``-level default element that repeats an earlier one.

    One string count per name over ``<sites>``; the elements are read only where a name is
    mentioned more than once.
    """
    sites_element = index.sites_element
    if sites_element is None:
        return ()
    text = index.text
    found: list[tuple[str, int]] = []
    for name in DEFAULT_ELEMENTS:
        mentions = text.count(f"<{name}", sites_element.content_start, sites_element.content_end)
        if mentions > 1:
            elements = sites_level_elements(text, sites_element, index.sites, name)
            found.extend((name, element.start) for element, _ in elements[1:])
    return tuple(sorted(found, key=lambda item: item[1]))

"""Reading an IIS 6 site for ``metaclone convert``: what IIS 7 can take, and what it cannot.

Values are effective values: a key without its own value of an INHERIT property takes the
nearest key above it that has one (up to ``/LM``), then what an ``iiscnfg /export /inherited``
file lists in ``IIsInheritedProperties``, then the MBSchema default.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from metaclone.convert.mapping import (
    FTP_LOCATION_PROPERTIES,
    LOCATION_PROPERTIES,
    POOL_CARRIED,
    POOL_DEFAULTS,
    POOL_SETTINGS,
    SITE_SETTINGS,
    ElementPath,
    Settings,
)
from metaclone.convert.notes import (
    NOT,
    NOT_CARRIED,
    identity_notes,
    key_notes,
    note,
    property_notes,
)
from metaclone.convert.values import differing, ftp_settings, setting_value, web_settings
from metaclone.iis6.metabase import INHERITED_PROPERTIES, MetabaseDocument, MetabaseKey
from metaclone.iis6.schema import (
    parse_bool,
    read_value,
)
from metaclone.lossless import Attribute
from metaclone.model.lookup import SITE_SERVICES
from metaclone.model.rules import name_key
from metaclone.model.sites import (
    Application,
    Binding,
    Finding,
    Severity,
    Site,
    SiteKind,
    VirtualDirectory,
    is_ascii_number,
    split_address,
)

_POOLS = "/LM/W3SVC/AppPools/"
_LOCATION_KEY_TYPES = frozenset({"IIsWebVirtualDir", "IIsWebDirectory", "IIsWebFile"})
_FTP_LOCATION_KEY_TYPES = frozenset({"IIsFtpVirtualDir"})


@attrs.frozen
class SourcePool:
    """An IIS 6 application pool as a new IIS 7 pool needs it (times in minutes)."""

    name: str
    identity_type: int
    user_name: str | None
    restart_minutes: int
    idle_minutes: int
    defined: bool
    auto_start: bool = True
    #: Other settings that differ from IIS 7's defaults: (element below ``<add>``, attribute,
    #: value).
    settings: tuple[tuple[ElementPath, str, str], ...] = ()
    #: What the pool's key holds that a new IIS 7 pool cannot take (only for a pool added).
    notes: tuple[Finding, ...] = ()


@attrs.frozen
class SourceLocation:
    """Settings at a directory or file of the site (``path`` below its ROOT) that differ from
    what that path inherits."""

    path: str
    settings: Settings


@attrs.frozen
class SourceSite:
    """Everything ``metaclone convert`` takes from one IIS 6 site, in IIS 7 terms."""

    site: Site
    bindings: tuple[Binding, ...]
    applications: tuple[Application, ...]
    pools: tuple[SourcePool, ...]
    #: Effective settings at the site's ROOT (compared with the target's server defaults).
    site_settings: Settings
    #: Directories and files below ROOT with settings of their own.
    locations: tuple[SourceLocation, ...]
    #: FTP: (anonymous allowed, basic allowed).
    ftp_authentication: tuple[bool, bool] | None
    notes: tuple[Finding, ...]
    #: What ``/LM/W3SVC/AppPools`` holds that new pools cannot take (only when one is added).
    pool_service_notes: tuple[Finding, ...] = ()
    #: The metabase file, for messages.
    path: str = ""
    #: Settings of the site's own key with a place in ``<site>``: (element, attribute, value,
    #: IIS 7 default or None to write it whatever the default).
    site_elements: tuple[tuple[ElementPath, str, str, str | None], ...] = ()


class Effective:
    """Effective values of INHERIT properties in one metabase."""

    def __init__(self, doc: MetabaseDocument) -> None:
        self.doc = doc
        self._inherited: dict[str, Attribute] | None = None

    def attribute(self, location: str, name: str) -> Attribute | None:
        """The attribute that gives ``name`` its value at ``location``, or None."""
        xml = self.doc.xml
        path = location.rstrip("/")
        while path:
            key = self.doc.key(path)
            if key is not None:
                found = xml.attribute(key.start_tag, name)
                if found is not None:
                    return found
            path = path.rpartition("/")[0]
        return self._inherited_properties().get(name)

    def value(self, location: str, name: str, default: str) -> object:
        """The typed value (see ``metabase_schema.read_value``), else ``default`` read alike."""
        found = self.attribute(location, name)
        raw = found.raw if found is not None else default
        try:
            return read_value(name, raw)
        except ValueError as exc:
            assert found is not None, f"the default of {name} must be readable"
            raise self.doc.xml.parse_error(found.value_start, f"{name}: {exc}") from None

    def number(self, location: str, name: str, default: int) -> int:
        """A DWORD outside metaclone's property table, at ``location``."""
        found = self.attribute(location, name)
        if found is None:
            return default
        text = found.value.strip()
        if not is_ascii_number(text) or int(text) > 0xFFFFFFFF:
            raise self.doc.xml.parse_error(found.value_start, f"{name}: {text!r} is not a DWORD")
        return int(text)

    def flag(self, location: str, name: str, default: bool) -> bool:
        """A BOOL at ``location``."""
        found = self.attribute(location, name)
        if found is None:
            return default
        try:
            return parse_bool(found.value)
        except ValueError as exc:
            raise self.doc.xml.parse_error(found.value_start, f"{name}: {exc}") from None

    def _inherited_properties(self) -> dict[str, Attribute]:
        if self._inherited is None:
            self._inherited = {}
            xml = self.doc.xml
            if self.doc.is_export and INHERITED_PROPERTIES in xml.text:
                # Export files are small: their top-level elements are walked, not indexed.
                mbproperty = xml.child(xml.root, "MBProperty")
                element = xml.child(mbproperty, INHERITED_PROPERTIES) if mbproperty else None
                if element is not None:
                    self._inherited = {a.name: a for a in xml.attributes(element)}
        return self._inherited


def read_source(doc: MetabaseDocument, site: Site) -> SourceSite:
    """What ``site`` of ``doc`` becomes in IIS 7, with a note for everything it cannot take."""
    effective = Effective(doc)
    keys = doc.site_keys(site)
    server = doc.key(f"/LM/{SITE_SERVICES[site.kind]}/{site.id}") or keys[0]
    root = server.location + "/ROOT"
    web = site.kind is SiteKind.WEB
    applications = doc.applications(site)
    if web and not any(app.path == "/" for app in applications):
        applications = (_root_application(doc, effective, keys, root, applications), *applications)
    notes = list(property_notes(doc, site, keys, server))
    pools = tuple(_pools(doc, effective, site, applications)) if web else ()
    service_key = doc.key(_POOLS.rstrip("/"))
    service_notes: tuple[Finding, ...] = ()
    if pools and service_key is not None:
        # What every pool inherits, beyond the properties a new pool is made of.
        service_notes = tuple(key_notes(doc, site, service_key, POOL_CARRIED))
    site_settings = _settings_at(effective, root, web=web)
    locations = list(_locations(doc, effective, keys, root, web=web))
    ftp = None
    if not web:
        ftp = (
            effective.flag(root, "AllowAnonymous", True),
            not effective.flag(root, "AnonymousOnly", False),
        )
    bindings = tuple(_iis7_binding(b) for b in site.bindings)
    elements = tuple(_site_elements(doc, site, server, notes)) if web else ()
    return SourceSite(
        site,
        bindings,
        applications,
        pools,
        site_settings,
        tuple(locations),
        ftp,
        tuple(notes),
        service_notes,
        doc.path,
        elements,
    )


def _iis7_binding(binding: Binding) -> Binding:
    """``IP:port:host`` as IIS 7 writes it: all unassigned addresses as ``*``."""
    ip, port, host = split_address(binding.binding_information)
    shown_port = str(port) if port is not None else binding.binding_information.split(":")[-2]
    return Binding(binding.protocol, f"{ip or '*'}:{shown_port}:{host}")


def _settings_at(effective: Effective, location: str, *, web: bool) -> Settings:
    properties = LOCATION_PROPERTIES if web else FTP_LOCATION_PROPERTIES
    values = {
        name: effective.value(location, name, default) for name, default in properties.items()
    }
    return web_settings(values) if web else ftp_settings(values)


def _below(location: str, root: str) -> tuple[str, ...] | None:
    """The path segments of ``location`` below ``root`` (case-insensitively), or None."""
    if location.lower() == root.lower():
        return ()
    if not location.lower().startswith(root.lower() + "/"):
        return None
    return tuple(s for s in location[len(root) + 1 :].split("/") if s)


def _locations(
    doc: MetabaseDocument,
    effective: Effective,
    keys: tuple[MetabaseKey, ...],
    root: str,
    *,
    web: bool,
) -> Iterator[SourceLocation]:
    """Keys below ROOT that set a location property themselves, with what differs from the
    key above them (what the IIS 7 path inherits)."""
    key_types = _LOCATION_KEY_TYPES if web else _FTP_LOCATION_KEY_TYPES
    properties = LOCATION_PROPERTIES if web else FTP_LOCATION_PROPERTIES
    for key in keys:
        segments = _below(key.location, root)
        if not segments or key.key_type not in key_types:
            continue
        if not any(name in doc.properties(key) for name in properties):
            continue
        own = _settings_at(effective, key.location, web=web)
        parent = _settings_at(effective, key.location.rpartition("/")[0], web=web)
        changed = differing(own, parent)
        if changed:
            yield SourceLocation("/".join(segments), changed)


def _root_application(
    doc: MetabaseDocument,
    effective: Effective,
    keys: tuple[MetabaseKey, ...],
    root: str,
    applications: tuple[Application, ...],
) -> Application:
    """The ``/`` application IIS 7 requires, for a site whose ROOT is no application: the
    ROOT folder and the virtual directories outside every application."""
    inside = [app.path.lower().rstrip("/") + "/" for app in applications]
    root_key = doc.key(root)
    directories = [VirtualDirectory("/", _own_path(doc, root_key))]
    for key in keys:
        segments = _below(key.location, root)
        if not segments or key.key_type != "IIsWebVirtualDir":
            continue
        url = "/" + "/".join(segments)
        if any((url.lower() + "/").startswith(prefix) for prefix in inside):
            continue
        directories.append(VirtualDirectory(url, _own_path(doc, key)))
    pool = effective.attribute(root, "AppPoolId")
    name = pool.value.strip() if pool is not None else ""
    return Application("/", name or None, tuple(directories))


def _own_path(doc: MetabaseDocument, key: MetabaseKey | None) -> str:
    if key is None:
        return ""
    found = doc.xml.attribute(key.start_tag, "Path")
    return found.value if found is not None else ""


def _pools(
    doc: MetabaseDocument,
    effective: Effective,
    site: Site,
    applications: tuple[Application, ...],
) -> Iterator[SourcePool]:
    seen: set[str] = set()
    for app in applications:
        name = app.application_pool
        if name is None or name_key(name) in seen:
            continue
        seen.add(name_key(name))
        location = _POOLS + name
        key = doc.key(location)
        defined = key is not None and key.key_type == "IIsApplicationPool"
        notes: list[Finding] = []
        if key is not None and defined:
            notes.extend(key_notes(doc, site, key, POOL_CARRIED))
        user = effective.attribute(location, "WAMUserName")
        # AppPoolAutoStart is not inherited (MBSchema: NO_ATTRIBUTES).
        auto_start = doc.xml.attribute(key.start_tag, "AppPoolAutoStart") if key else None
        identity = effective.number(
            location, "AppPoolIdentityType", POOL_DEFAULTS["AppPoolIdentityType"]
        )
        # A password of the pool's own key is noted with the key's other properties.
        noted = key is not None and doc.xml.attribute(key.start_tag, "WAMUserPass") is not None
        if not noted:
            notes.extend(identity_notes(site, name, identity, user.value if user else None))
        yield SourcePool(
            name,
            identity,
            user.value if user is not None and user.value.strip() else None,
            effective.number(location, "PeriodicRestartTime", POOL_DEFAULTS["PeriodicRestartTime"]),
            effective.number(location, "IdleTimeout", POOL_DEFAULTS["IdleTimeout"]),
            defined,
            _true(auto_start.value) if auto_start is not None else True,
            tuple(_pool_settings(effective, site, name, notes)),
            tuple(notes),
        )


def _pool_settings(
    effective: Effective, site: Site, pool: str, notes: list[Finding]
) -> Iterator[tuple[ElementPath, str, str]]:
    """The pool's settings of :data:`POOL_SETTINGS` that the metabase sets (on the pool's key
    or above it) to something other than IIS 7's default.

    MBSchema's defaults are not written: IIS 6 setup writes its own values on
    ``/LM/W3SVC/AppPools``, and a metabase without them (an export) does not say what they were.
    """
    location = _POOLS + pool
    for name, setting in POOL_SETTINGS.items():
        found = effective.attribute(location, name)
        if found is None:
            continue
        text = found.value
        try:
            value = setting_value(name, setting, text)
        except ValueError as exc:
            raise effective.doc.xml.parse_error(found.value_start, f"{name}: {exc}") from None
        if value is None:
            notes.append(
                Finding(
                    Severity.WARNING,
                    NOT_CARRIED,
                    f"application pool {pool!r}: {name} {text.strip()} is not carried: IIS 7 "
                    "has no such value",
                    site.id,
                )
            )
        elif value != setting.iis7_default:
            yield setting.element, setting.attribute, value


def _site_elements(
    doc: MetabaseDocument, site: Site, server: MetabaseKey, notes: list[Finding]
) -> Iterator[tuple[ElementPath, str, str, str | None]]:
    """The site key's own values of :data:`SITE_SETTINGS`, as IIS 7 writes them."""
    for name, setting in SITE_SETTINGS.items():
        found = doc.xml.attribute(server.start_tag, name)
        if found is None:
            continue
        try:
            value = setting_value(name, setting, found.value)
        except ValueError as exc:
            raise doc.xml.parse_error(found.value_start, f"{name}: {exc}") from None
        if value is None:
            reason = (NOT, f"IIS 7 has no {setting.attribute} for {found.value.strip()!r}")
            notes.append(note(doc, site, server, name, reason=reason, offset=found.name_start))
            continue
        yield setting.element, setting.attribute, value, setting.iis7_default


def _true(text: str) -> bool:
    try:
        return parse_bool(text)
    except ValueError:
        return True

"""The attributes of the elements metaclone models, as IIS_schema.xml defines them.

The table is a compact copy of what ``IIS_schema.xml`` (IIS 7.0 to 10) says of ``<site>``,
``<binding>``, ``<application>``, ``<virtualDirectory>``, the collection defaults, application
pools (``<applicationPools><add>``) and ``<location>``: attribute names, types, which are
required, which are keys, and the validation type IIS applies.  ``metaclone check`` compares a
file with it (:mod:`metaclone.iis7.checks`); nothing else reads it, so it is loaded on first
use (``metaclone.iis7.schema.ELEMENTS``).
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["ELEMENTS", "AttributeSchema", "Kind"]


class Kind(enum.Enum):
    """Attribute types as IIS_schema.xml names them (those of the modelled elements)."""

    STRING = "string"
    UINT = "uint"
    BOOL = "bool"
    ENUM = "enum"
    TIMESPAN = "timeSpan"
    INT64 = "int64"
    FLAGS = "flags"


@attrs.frozen
class AttributeSchema:
    """One attribute: its type, whether it is required or a (combined) key, its validation."""

    kind: Kind = Kind.STRING
    required: bool = False
    key: bool = False
    validation: str | None = None
    values: frozenset[str] = frozenset()


_S, _U, _B, _E = Kind.STRING, Kind.UINT, Kind.BOOL, Kind.ENUM


def _a(
    kind: Kind = _S,
    *,
    required: bool = False,
    key: bool = False,
    validation: str | None = None,
    values: tuple[str, ...] = (),
) -> AttributeSchema:
    return AttributeSchema(kind, required, key, validation, frozenset(values))


_APPLICATION_DEFAULTS = {
    "path": _a(validation="applicationPath"),
    "applicationPool": _a(validation="applicationPoolName"),
    "enabledProtocols": _a(),
    "serviceAutoStartEnabled": _a(_B),
    "serviceAutoStartProvider": _a(),
    "preloadEnabled": _a(_B),
}
_VIRTUAL_DIRECTORY = {
    "path": _a(key=True, validation="virtualDirectoryPath"),
    "physicalPath": _a(),
    "userName": _a(),
    "password": _a(),
    "logonMethod": _a(_E, values=("Interactive", "Batch", "Network", "ClearText")),
    "allowSubDirConfig": _a(_B),
}

#: The modelled elements by name, as IIS_schema.xml (IIS 10) defines them.
ELEMENTS: dict[str, dict[str, AttributeSchema]] = {
    "site": {
        "name": _a(required=True, key=True, validation="siteName"),
        "id": _a(_U, required=True, key=True, validation="siteId"),
        "serverAutoStart": _a(_B),
    },
    "siteDefaults": {
        "name": _a(validation="siteName"),
        "id": _a(_U),
        "serverAutoStart": _a(_B),
    },
    "binding": {
        "protocol": _a(required=True, key=True, validation="nonEmptyString"),
        "bindingInformation": _a(required=True, key=True, validation="bindingInformation"),
        "sslFlags": _a(_U, validation="sslFlags"),
    },
    "application": {
        **_APPLICATION_DEFAULTS,
        "path": _a(required=True, key=True, validation="applicationPath"),
    },
    "applicationDefaults": _APPLICATION_DEFAULTS,
    "virtualDirectory": _VIRTUAL_DIRECTORY,
    "virtualDirectoryDefaults": {
        **_VIRTUAL_DIRECTORY,
        "path": _a(validation="virtualDirectoryPath"),
    },
    "pool": {
        "name": _a(required=True, key=True, validation="applicationPoolName"),
        "queueLength": _a(_U),
        "autoStart": _a(_B),
        "enable32BitAppOnWin64": _a(_B),
        "managedRuntimeVersion": _a(),
        "managedRuntimeLoader": _a(),
        "enableConfigurationOverride": _a(_B),
        "managedPipelineMode": _a(_E, values=("Integrated", "Classic")),
        "CLRConfigFile": _a(),
        "passAnonymousToken": _a(_B),
        "startMode": _a(_E, values=("OnDemand", "AlwaysRunning")),
    },
    "location": {
        "path": _a(),
        "overrideMode": _a(_E, values=("Inherit", "Allow", "Deny")),
        "allowOverride": _a(_B),
        "inheritInChildApplications": _a(_B),
    },
}

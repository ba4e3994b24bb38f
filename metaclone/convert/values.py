"""IIS 6 values as IIS 7 settings: the converters that apply :mod:`.mapping`'s tables.

Flags become flag names or ``enabled`` switches, minutes and seconds become timeSpans, and an
IIS 6 key's effective values become the location settings that are then compared with what the
IIS 7 path would inherit (:func:`differing`).
"""

from __future__ import annotations

from collections.abc import Mapping

from metaclone.convert.mapping import (
    CUSTOM_HEADERS,
    DEFAULT_DOCUMENT_FILES,
    FLAG_ATTRIBUTES,
    FLAG_SETS,
    FTP_AUTHORIZATION,
    FTP_PERMISSIONS,
    HTTP_REDIRECT,
    REDIRECT_OPTIONS,
    SWITCHES,
    Collection,
    Setting,
    SettingKey,
    Settings,
    SettingValue,
)
from metaclone.iis6.schema import PROPERTIES, parse_bool, parse_dword


def unmapped_flags(name: str, bits: int, *, ftp: bool = False) -> list[str]:
    """The flags set in ``bits`` of property ``name`` that no IIS 7 setting takes (for an FTP
    site with ``ftp``)."""
    flags = PROPERTIES[name].flags
    mapped = {flag for prop, flag in SWITCHES if prop == name}
    flag_set = FLAG_SETS.get(name)
    if ftp and name == "AccessFlags":
        mapped = set(FTP_PERMISSIONS)
    elif flag_set is not None:
        mapped.update(flag_set.names)
    found = [flag for flag, value in flags.items() if bits & value and flag not in mapped]
    rest = bits
    for value in flags.values():
        rest &= ~value
    if rest:
        found.append(str(rest))
    return found


def flag_text(name: str, bits: int) -> str:
    """The IIS 7 flags attribute value for the IIS 6 bits of property ``name`` (``None``: 0)."""
    flag_set = FLAG_SETS[name]
    flags = PROPERTIES[name].flags
    names = [iis7 for iis6, iis7 in flag_set.names.items() if bits & flags[iis6]]
    return ", ".join(names) or "None"


def time_span(minutes: int) -> str:
    """Minutes as an IIS timeSpan, ``hh:mm:ss`` with as many hours as it takes: IIS's own
    schema writes 29 hours as ``29:00:00``."""
    return seconds_span(minutes * 60)


def setting_value(name: str, setting: Setting, text: str) -> str | None:
    """The IIS 7 text of IIS 6 property ``name`` written ``text`` (None: a value IIS 7 has no
    name for).  Raises ValueError for text that is no BOOL or DWORD where one is expected."""
    if setting.kind == "text":
        return text
    if setting.kind == "texts":
        return setting.texts.get(text.strip().upper())
    if setting.kind == "bool":
        return "true" if parse_bool(text) else "false"
    number = parse_dword(name, text)
    if setting.kind == "minutes":
        return time_span(number)
    if setting.kind == "seconds":
        return seconds_span(number)
    if setting.kind == "names":
        return setting.names.get(number)
    if setting.kind == "flags":
        if number & ~sum(setting.names):
            return None
        return ", ".join(flag for bit, flag in setting.names.items() if number & bit) or "None"
    return str(number)


def seconds_span(seconds: int) -> str:
    """Seconds as an IIS timeSpan, ``hh:mm:ss``."""
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}"


# -- settings from IIS 6 values ---------------------------------------------------------------


def web_settings(values: Mapping[str, object]) -> Settings:
    """Every location setting, from the effective values of :data:`LOCATION_PROPERTIES`
    (flags as numbers, strings decoded) at one metabase key."""
    settings: Settings = {}
    for (prop, flag), element in SWITCHES.items():
        bits = _bits(values[prop])
        settings[(element, "enabled")] = "true" if bits & PROPERTIES[prop].flags[flag] else "false"
    for prop, flag_set in FLAG_SETS.items():
        settings[(flag_set.element, flag_set.attribute)] = flag_text(prop, _bits(values[prop]))
    documents = [d.strip() for d in str(values["DefaultDoc"]).split(",") if d.strip()]
    settings[(DEFAULT_DOCUMENT_FILES, "")] = Collection(tuple((("value", d),) for d in documents))
    settings.update(redirect_settings(str(values["HttpRedirect"]))[0])
    headers = values["HttpCustomHeaders"]
    entries = custom_headers(headers if isinstance(headers, list) else [])[0]
    settings[(CUSTOM_HEADERS, "")] = Collection(
        tuple((("name", name), ("value", value)) for name, value in entries)
    )
    return settings


def custom_headers(entries: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The (name, value) headers of an IIS 6 ``HttpCustomHeaders`` list (``Name: value``
    entries), and the entries that are no header."""
    headers: list[tuple[str, str]] = []
    others: list[str] = []
    for entry in entries:
        name, colon, value = entry.partition(":")
        if colon and name.strip():
            headers.append((name.strip(), value.strip()))
        elif entry.strip():
            others.append(entry)
    return headers, others


def ftp_settings(values: Mapping[str, object]) -> Settings:
    """The FTP authorization rule for the effective ``AccessFlags`` at one key: everyone may
    do what IIS 6 allowed (IIS 7 FTP allows nothing without a rule)."""
    bits = _bits(values["AccessFlags"])
    flags = PROPERTIES["AccessFlags"].flags
    permissions = ", ".join(name for flag, name in FTP_PERMISSIONS.items() if bits & flags[flag])
    rule = (("accessType", "Allow"), ("users", "*"), ("permissions", permissions))
    return {(FTP_AUTHORIZATION, ""): Collection((rule,) if permissions else ())}


def _bits(value: object) -> int:
    return value if isinstance(value, int) else 0


def redirect_settings(text: str) -> tuple[Settings, list[str]]:
    """The httpRedirect settings for an IIS 6 ``HttpRedirect`` value, and the options in it
    that IIS 7 has no place for (``URL[, EXACT_DESTINATION][, CHILD_ONLY][, PERMANENT]``)."""
    destination, *options = [part.strip() for part in text.split(",")]
    settings: Settings = {
        (HTTP_REDIRECT, "enabled"): "true" if destination else "false",
        (HTTP_REDIRECT, "destination"): destination,
        (HTTP_REDIRECT, "exactDestination"): "false",
        (HTTP_REDIRECT, "childOnly"): "false",
        (HTTP_REDIRECT, "httpResponseStatus"): "Found",
    }
    unknown: list[str] = []
    for option in options:
        target = REDIRECT_OPTIONS.get(option.upper())
        if target is None:
            if option:
                unknown.append(option)
            continue
        settings[(HTTP_REDIRECT, target[0])] = target[1]
    return settings, unknown


def same_setting(key: SettingKey, a: SettingValue | None, b: SettingValue | None) -> bool:
    """Whether two values of setting ``key`` mean the same (flags in any order, names and
    booleans in any case, default documents compared case-insensitively)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, Collection) or isinstance(b, Collection):
        if not (isinstance(a, Collection) and isinstance(b, Collection)):
            return False
        return _folded_entries(a) == _folded_entries(b)
    if key in FLAG_ATTRIBUTES:
        return _flag_names(a) == _flag_names(b)
    if key[1] in ("enabled", "exactDestination", "childOnly", "httpResponseStatus"):
        return a.strip().lower() == b.strip().lower()
    return a == b


def _folded_entries(value: Collection) -> tuple[tuple[tuple[str, str], ...], ...]:
    # An entry's attributes in any order: a file may write value= before name=.
    return tuple(tuple(sorted((k, v.casefold()) for k, v in entry)) for entry in value.entries)


def _flag_names(text: str) -> frozenset[str]:
    names = {part.strip().lower() for part in text.split(",")}
    return frozenset(names - {"", "none"})


def differing(settings: Settings, baseline: Mapping[SettingKey, SettingValue]) -> Settings:
    """The settings whose value is not the same as the baseline's, in ``settings``' order."""
    return {
        key: value
        for key, value in settings.items()
        if not same_setting(key, value, baseline.get(key))
    }

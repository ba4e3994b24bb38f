"""What ``metaclone convert`` cannot carry from an IIS 6 site: a note for each property of its
keys that IIS 7 has no place for, whole or in part (code ``not-carried``)."""

from __future__ import annotations

from collections.abc import Iterator

from metaclone.convert.mapping import (
    FTP_CARRIED,
    IDENTITY_TYPES,
    POOLED,
    SITE_SETTINGS,
    WEB_CARRIED,
)
from metaclone.convert.values import custom_headers, redirect_settings, unmapped_flags
from metaclone.iis6.metabase import MetabaseDocument, MetabaseKey
from metaclone.iis6.schema import (
    PROPERTIES,
    SECURE_PROPERTIES,
    SITE_PROPERTIES,
    is_secure_blob,
    read_value,
)
from metaclone.lossless import Attribute
from metaclone.model.sites import Finding, Severity, Site, SiteKind

NOT_CARRIED = "not-carried"
NOT = "is not carried"
PARTLY = "is only partly carried"

_SERVER_ONLY = frozenset(SITE_PROPERTIES)


def identity_notes(site: Site, pool: str, identity: int, user: str | None) -> list[Finding]:
    """What a pool's identity cannot take along: an unknown type, a user's password."""
    notes: list[Finding] = []
    if identity not in IDENTITY_TYPES:
        notes.append(
            Finding(
                Severity.WARNING,
                NOT_CARRIED,
                f"application pool {pool!r}: AppPoolIdentityType {identity} is not carried: it "
                "is no identity IIS knows; the pool runs as NetworkService",
                site.id,
            )
        )
    elif IDENTITY_TYPES[identity] == "SpecificUser":
        notes.append(
            Finding(
                Severity.WARNING,
                NOT_CARRIED,
                f"application pool {pool!r}: the password of {user or 'its user'} is not "
                "carried: it is encrypted with the IIS 6 machine's key (WAMUserPass); set it "
                "with appcmd set apppool or IIS Manager",
                site.id,
            )
        )
    return notes


def property_notes(
    doc: MetabaseDocument, site: Site, keys: tuple[MetabaseKey, ...], server: MetabaseKey
) -> Iterator[Finding]:
    """A note for each property of the site's ``keys`` IIS 7 cannot take (``server``: the
    site's own key)."""
    carried = WEB_CARRIED if site.kind is SiteKind.WEB else FTP_CARRIED
    # Only the site's own key carries its name, state, bindings, certificate, logging and
    # limits; set on a key below it they are not read.
    below = carried - SITE_SETTINGS.keys() - _SERVER_ONLY
    for key in keys:
        owned = carried if key == server else below
        yield from key_notes(doc, site, key, owned, ftp=site.kind is SiteKind.FTP)


def key_notes(
    doc: MetabaseDocument,
    site: Site,
    key: MetabaseKey,
    carried: frozenset[str],
    *,
    ftp: bool = False,
) -> Iterator[Finding]:
    """A note for each property of ``key`` that IIS 7 cannot take, whole or in part."""
    xml = doc.xml
    for attribute in doc.properties(key).values():
        reason = _not_carried(attribute, carried, ftp=ftp)
        if reason is not None:
            yield note(doc, site, key, attribute.name, reason=reason, offset=attribute.name_start)
    if key.empty:
        return
    for child in xml.children(key.element):
        name = xml.get(child, "Name") or child.name
        ident = xml.get(child, "ID")
        what = f"Custom property {name}" + (f" (ID {ident})" if ident else "")
        yield note(
            doc,
            site,
            key,
            what,
            reason=(NOT, "it is outside the IIS 6 schema"),
            offset=child.start,
        )


def _not_carried(
    attribute: Attribute, carried: frozenset[str], *, ftp: bool
) -> tuple[str, str] | None:
    """Whether ``attribute`` is not carried or only partly, and why (None: it is carried, or
    it holds nothing)."""
    name, raw = attribute.name, attribute.raw
    if name in SECURE_PROPERTIES or is_secure_blob(raw):
        return NOT, "it is encrypted with the IIS 6 machine's key; set it again on the new server"
    if not attribute.value.strip():
        return None
    if name == "AppIsolated":
        return _isolation_left(attribute)
    if name not in carried:
        return NOT, "IIS 7 has no equivalent that metaclone writes"
    if name in SITE_SETTINGS:
        return None  # its value is read, and noted if IIS 7 has no name for it, with the site
    if name in PROPERTIES and PROPERTIES[name].flags:
        return _flags_left(attribute, ftp=ftp)
    if name == "HttpCustomHeaders":
        return _headers_left(attribute)
    if name == "HttpRedirect":
        return _redirect_options_left(attribute)
    return None


def _isolation_left(attribute: Attribute) -> tuple[str, str] | None:
    """``AppIsolated``: only the pooled process (2) is what IIS 7 does."""
    if attribute.value.strip() == str(POOLED):
        return None
    return NOT, "IIS 5 isolation (AppIsolated 0 or 1) has no IIS 7 equivalent"


def _flags_left(attribute: Attribute, *, ftp: bool) -> tuple[str, str] | None:
    """A flags property: the flags no IIS 7 setting takes."""
    name = attribute.name
    try:
        bits = read_value(name, attribute.raw)
    except ValueError:
        return None  # the value is read, and refused with its place, when it is converted
    left = unmapped_flags(name, bits, ftp=ftp) if isinstance(bits, int) else []
    if left:
        return PARTLY, f"IIS 7 has no place for {', '.join(left)}"
    return None


def _headers_left(attribute: Attribute) -> tuple[str, str] | None:
    """``HttpCustomHeaders``: the entries that are no ``Name: value`` header."""
    try:
        entries = read_value(attribute.name, attribute.raw)
    except ValueError:
        return None
    others = custom_headers(entries)[1] if isinstance(entries, list) else []
    if others:
        return PARTLY, f"IIS 7 has no place for {', '.join(map(repr, others))} (no Name: value)"
    return None


def _redirect_options_left(attribute: Attribute) -> tuple[str, str] | None:
    """``HttpRedirect``: the options after the destination that IIS 7 has no place for."""
    unknown = redirect_settings(attribute.value)[1]
    if unknown:
        return PARTLY, f"IIS 7 has no place for the redirect option(s) {', '.join(unknown)}"
    return None


def note(
    doc: MetabaseDocument,
    site: Site,
    key: MetabaseKey,
    what: str,
    *,
    reason: tuple[str, str],
    offset: int,
) -> Finding:
    return Finding(
        Severity.WARNING,
        NOT_CARRIED,
        f"{key.location}: {what} {reason[0]}: {reason[1]}",
        site.id,
        doc.xml.line_of(offset),
    )

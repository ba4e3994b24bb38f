"""Which site is a site's placeholder, and which names its steps can print: the rules
``placeholder begin`` and ``finish`` share.

A placeholder is a copy of a site that keeps its https (and FTP over TLS) bindings up while the
site waits for a certificate: another site of the same kind with exactly those bindings.  The
default name, or the started/stopped pair that ``begin`` leaves, tells which of two such sites
is the placeholder.
"""

from __future__ import annotations

from collections.abc import Hashable

from metaclone.document import ConfigDocument, SiteKey
from metaclone.errors import SiteNameError, SiteNotFoundError
from metaclone.messages import listing
from metaclone.model.bindings import endpoint_key
from metaclone.model.rules import has_control_characters, name_key
from metaclone.model.sites import Binding, Site

PLACEHOLDER_SUFFIX = " (placeholder)"

#: The protocols TLS is spoken on: https, and ftp (FTP over TLS).
TLS_PROTOCOLS = frozenset({"https", "ftp"})


def tls_bindings(site: Site) -> tuple[Binding, ...]:
    """The bindings a placeholder keeps up: https, and ftp (FTP over TLS)."""
    return tuple(b for b in site.bindings if b.protocol.lower() in TLS_PROTOCOLS)


def _keys(site: Site) -> dict[Hashable, Binding]:
    return {endpoint_key(b): b for b in tls_bindings(site)}


def _other_keys(site: Site) -> dict[Hashable, Binding]:
    """The bindings of ``site`` that no certificate serves (http, net.tcp, ...)."""
    return {endpoint_key(b): b for b in site.bindings if b.protocol.lower() not in TLS_PROTOCOLS}


def find_placeholder(doc: ConfigDocument, site: SiteKey) -> Site | None:
    """The placeholder ``begin`` left for ``site``, if there is one.

    That is a site of the same kind whose https and ftp bindings are exactly ``site``'s (see
    :func:`placeholder_mismatch`) with the default placeholder name, or, while ``site`` is
    stopped, a started one.
    """
    original = doc.site(site)
    name = f"{original.name}{PLACEHOLDER_SUFFIX}"
    named = None
    # Most sites have no placeholder: a large file's sites are not all read to learn that.
    if doc.may_have_site_named(name):
        try:
            named = doc.site(name)
        except SiteNotFoundError:
            named = None
    if named is not None and stands_in_for(named, original):
        return named
    if original.auto_start or not _keys(original):
        return None
    return next((other for other in doc.sites if stands_in_for(other, original)), None)


def placeholder_of(doc: ConfigDocument, site: Site) -> Site | None:
    """The site ``site`` is the placeholder of, going by its name, if there is one."""
    if not name_key(site.name).endswith(name_key(PLACEHOLDER_SUFFIX)):
        return None
    try:
        original = doc.site(site.name[: -len(PLACEHOLDER_SUFFIX)])
    except SiteNotFoundError:
        return None
    found = find_placeholder(doc, original) if original.kind is site.kind else None
    return original if found is not None and found.id == site.id else None


def stands_in_for(candidate: Site, original: Site) -> bool:
    """Whether ``candidate`` looks like the placeholder ``begin`` left for ``original``.

    It has the kind and bindings of a placeholder (:func:`placeholder_mismatch`), and the
    default placeholder name or, while ``original`` is stopped and has https, a started state.
    """
    if candidate.kind is not original.kind or candidate.id == original.id:
        return False
    if placeholder_mismatch(original, candidate) is not None:
        return False
    if name_key(candidate.name) == name_key(f"{original.name}{PLACEHOLDER_SUFFIX}"):
        return True
    return bool(_keys(original)) and candidate.auto_start and not original.auto_start


def placeholder_mismatch(original: Site, candidate: Site) -> str | None:
    """Why ``candidate`` is not the placeholder of ``original``, or None when it is.

    A placeholder is another site of the same kind whose https and ftp bindings are exactly the
    original's.  A site whose pending request removed its https bindings takes them back from
    its placeholder: that placeholder is a copy of it, with exactly its other bindings.
    """
    if candidate.kind is not original.kind:
        kinds = f"{candidate.kind.value} site and {original.name!r} a {original.kind.value} site"
        return f"it is a {kinds}"
    mine, theirs = _keys(original), _keys(candidate)
    if not theirs:
        listed = listing(b.summary for b in mine.values())
        return "it has no https binding" + (f" ({original.name!r} has {listed})" if mine else "")
    if not mine:
        differences = _differences(_other_keys(original), _other_keys(candidate), original.name)
        if differences is None:
            return None
        return (
            f"{original.name!r} has no https binding, so its placeholder would be a copy of it "
            f"with the same other bindings, but {differences}"
        )
    return _differences(mine, theirs, original.name)


def _differences(
    mine: dict[Hashable, Binding], theirs: dict[Hashable, Binding], name: str
) -> str | None:
    """What bindings ``theirs`` lacks or has beyond ``mine`` (those of site ``name``)."""
    if mine.keys() == theirs.keys():
        return None
    parts = []
    lacking = [b.summary for k, b in mine.items() if k not in theirs]
    extra = [b.summary for k, b in theirs.items() if k not in mine]
    if lacking:
        parts.append("it lacks " + listing(lacking))
    if extra:
        parts.append(f"it has {listing(extra)}, which {name!r} has not")
    return "; ".join(parts)


def check_printable(doc: ConfigDocument, *sites: Site) -> None:
    """Refuse sites whose names no step could print safely: a line end in a name would start
    a line of its own in the steps and the plan, forged by whoever wrote the file."""
    for site in sites:
        if has_control_characters(site.name):
            raise SiteNameError(
                f"site {site.id} is named {site.name!r}, with a line end or control character, "
                "which IIS does not allow in a site name and no next step could print safely; "
                f"rename it first (metaclone rename FILE --site {site.id} --name NAME)",
                path=doc.path,
                line=site.line,
            )
        if '"' in site.name:
            # The steps quote site names for cmd ("NAME"); a quote inside would end the quoting.
            raise SiteNameError(
                f"site {site.id} is named {site.name!r}, with a double quote, which IIS does not "
                "allow in a site name and would end the quoting of the next steps; rename it "
                f"first (metaclone rename FILE --site {site.id} --name NAME)",
                path=doc.path,
                line=site.line,
            )

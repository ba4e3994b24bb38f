"""What changed between two configuration files, in IIS terms.

:func:`diff_documents` matches the sites of two documents of the same format by id, then the
rest by name (so a renamed site is a rename and a re-numbered site a change of id, not a removal
and an addition), and lists per site what changed: state, bindings, certificate, applications,
virtual directories, location blocks (IIS 7) or keys (IIS 6) and customMetadata keys; then what
changed beside the sites: application pools, and location blocks and metadata of no site.
White space, attribute order and comments are never differences.

:func:`metaclone.workflow.sslcert_changes.diff_sslcerts` does the same for two captures of
``netsh http show sslcert``, per HTTP.sys endpoint.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

import attrs

from metaclone.document import ConfigDocument
from metaclone.errors import FormatMismatchError
from metaclone.lazy import lazy_pattern
from metaclone.model.parts import Part, PartKind, SiteMark, differences, mark, sections
from metaclone.model.rules import name_key
from metaclone.model.sites import Application, Binding, CertificateRef, Site
from metaclone.workflow.part_readers import application_context, parts_of, section_groups

# How a change reads after "site N 'NAME': ".
_LABELS = {
    "site-added": "added",
    "site-removed": "removed",
    "site-renamed": "renamed",
    "site-id-changed": "id changed",
    "site-state-changed": "state changed",
    "site-settings-changed": "setting changed",
    "pool-added": "application pool added",
    "pool-removed": "application pool removed",
    "pool-changed": "application pool changed",
    "sslcert-added": "HTTP.sys entry added",
    "sslcert-removed": "HTTP.sys entry removed",
    "sslcert-changed": "HTTP.sys certificate changed",
}


@attrs.frozen
class Change:
    """One difference between two files.

    ``site_id`` and ``site_name`` are the site's in the new file (the old file's for a removed
    site; None for what belongs to no site); ``what`` names the thing that changed (a binding, an
    application path, a location path with its section, ...); ``old`` and ``new`` are its values
    (None where there is none); the lines are where it is in each file.
    """

    kind: str
    site_id: int | None
    site_name: str | None
    what: str
    old: str | None = None
    new: str | None = None
    old_line: int | None = None
    new_line: int | None = None

    @property
    def message(self) -> str:
        """The change as a changelog line: ``site 2 'Shop': binding added https/*:443:shop``."""
        label = _LABELS.get(self.kind) or self.kind.replace("-", " ")
        text = f"{label} {_printable(self.what)}" if self.what else label
        if self.kind.endswith("-added") and self.new:
            text += f" ({_printable(self.new)})"
        elif self.kind.endswith("-removed") and self.old:
            text += f" ({_printable(self.old)})"
        elif not self.kind.endswith(("-added", "-removed")):
            text += f": {_shown(self.old)} -> {_shown(self.new)}"
        if self.site_id is None:
            return text
        return f"site {self.site_id} {self.site_name!r}: {text}"

    def to_json(self) -> dict[str, object]:
        return attrs.asdict(self)


def _shown(value: str | None) -> str:
    return "(none)" if value is None else _printable(value)


# Control characters, which a value read from a file may hold (a decoded &#xA;, say): shown
# escaped, so that no value can start a line of its own in a changelog.
_CONTROL = lazy_pattern(lambda: re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]"))


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


# -- matching ---------------------------------------------------------------------------------

_Item = TypeVar("_Item")


def match_items(
    old: Sequence[_Item], new: Sequence[_Item], *keys: Callable[[_Item], Hashable]
) -> tuple[list[tuple[_Item, _Item]], list[_Item], list[_Item]]:
    """Pairs of ``old`` and ``new`` items with equal keys, tried key after key; the rest.

    Items with the same key pair up in file order.  Returns the pairs (in ``old`` order), the
    ``old`` items left over and the ``new`` items left over.
    """
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    paired: dict[int, int] = {}
    for key in keys:
        waiting: dict[Hashable, list[int]] = defaultdict(list)
        for position in new_left:
            waiting[key(new[position])].append(position)
        still: list[int] = []
        for position in old_left:
            candidates = waiting.get(key(old[position]))
            if candidates:
                paired[position] = candidates.pop(0)
            else:
                still.append(position)
        old_left = still
        taken = set(paired.values())
        new_left = [p for p in new_left if p not in taken]
    pairs = [(old[o], new[n]) for o, n in sorted(paired.items())]
    return pairs, [old[p] for p in old_left], [new[p] for p in new_left]


# -- documents ----------------------------------------------------------------------------------


def diff_documents(old: ConfigDocument, new: ConfigDocument) -> tuple[Change, ...]:
    """The changes from ``old`` to ``new``, site by site, then beside the sites.

    Raises :class:`~metaclone.errors.FormatMismatchError` when the formats differ.
    """
    if old.format != new.format:
        raise FormatMismatchError(
            f"cannot compare {old.path} ({old.format}) with {new.path} ({new.format}): "
            "compare files of the same format",
            path=old.path,
        )
    if old.to_bytes() == new.to_bytes():
        return ()
    pairs, removed, added = match_items(
        old.sites,
        new.sites,
        lambda s: (s.kind, s.id),
        lambda s: (s.kind, name_key(s.name)),
    )
    by_site, alike = _part_changes(old, new, pairs)
    changes: list[Change] = []
    for number, (before, after) in enumerate(pairs):
        changes.extend(_site_changes(old, new, before, after, number in alike))
        changes.extend(by_site.get(number, ()))
    changes.extend(_site_change(after, "site-added", "", None, _summary(after)) for after in added)
    changes.extend(
        _site_change(before, "site-removed", "", _summary(before), None, old_line=before.line)
        for before in removed
    )
    changes.extend(by_site.get(_NO_SITE, ()))
    return tuple(changes)


def _summary(site: Site) -> str:
    return ", ".join(b.summary for b in site.bindings) or "no bindings"


def _site_change(
    site: Site,
    kind: str,
    what: str,
    old: str | None,
    new: str | None,
    *,
    old_line: int | None = None,
    new_line: int | None = None,
) -> Change:
    if kind != "site-removed" and new_line is None:
        new_line = site.line
    return Change(kind, site.id, site.name, what, old, new, old_line, new_line)


def _site_changes(
    old_doc: ConfigDocument,
    new_doc: ConfigDocument,
    before: Site,
    after: Site,
    written_alike: bool,
) -> Iterator[Change]:
    """What changed in a site's own values; its applications are read only when the site is not
    ``written_alike`` in both files (then they cannot differ)."""
    lines = {"old_line": before.line, "new_line": after.line}
    if before.name != after.name:
        yield _site_change(after, "site-renamed", "", before.name, after.name, **lines)
    if before.id != after.id:
        yield _site_change(after, "site-id-changed", "", str(before.id), str(after.id), **lines)
    if before.auto_start != after.auto_start:
        states = ("stopped", "started")
        yield _site_change(
            after,
            "site-state-changed",
            "",
            states[before.auto_start],
            states[after.auto_start],
            **lines,
        )
    yield from _binding_changes(before, after)
    if before.certificate != after.certificate:
        yield _site_change(
            after,
            "certificate-changed",
            "",
            certificate_text(before.certificate),
            certificate_text(after.certificate),
            **lines,
        )
    if not written_alike:
        yield from _application_changes(
            after, old_doc.applications(before), new_doc.applications(after), before.line
        )


def certificate_text(certificate: CertificateRef | None) -> str | None:
    """A certificate as changes show it: ``thumbprint (store)``."""
    return None if certificate is None else f"{certificate.thumbprint} ({certificate.store})"


def _binding_changes(before: Site, after: Site) -> Iterator[Change]:
    lines = {"old_line": before.line, "new_line": after.line}
    pairs, removed, added = match_items(
        before.bindings,
        after.bindings,
        lambda b: (name_key(b.protocol), name_key(b.binding_information)),
    )
    for old, new in pairs:
        if (old.protocol, old.binding_information, old.ssl_flags) != (
            new.protocol,
            new.binding_information,
            new.ssl_flags,
        ):
            same_text = old.summary == new.summary
            yield _site_change(
                after,
                "binding-changed",
                new.summary,
                _ssl_flags(old) if same_text else _binding(old),
                _ssl_flags(new) if same_text else _binding(new),
                **lines,
            )
    for new in added:
        yield _site_change(after, "binding-added", new.summary, None, None, **lines)
    for old in removed:
        yield _site_change(after, "binding-removed", old.summary, None, None, **lines)


def _ssl_flags(binding: Binding) -> str:
    return "no sslFlags" if binding.ssl_flags is None else f"sslFlags={binding.ssl_flags}"


def _binding(binding: Binding) -> str:
    if binding.ssl_flags is None:
        return binding.summary
    return f"{binding.summary} sslFlags={binding.ssl_flags}"


def _application_changes(
    site: Site, before: Sequence[Application], after: Sequence[Application], old_line: int | None
) -> Iterator[Change]:
    lines = {"old_line": old_line, "new_line": site.line}
    pairs, removed, added = match_items(before, after, lambda a: name_key(a.path))
    for app in added:
        yield _site_change(site, "application-added", app.path, None, app.application_pool, **lines)
    for app in removed:
        yield _site_change(
            site, "application-removed", app.path, app.application_pool, None, **lines
        )
    for old, new in pairs:
        if old.application_pool != new.application_pool:
            yield _site_change(
                site,
                "application-changed",
                new.path,
                old.application_pool,
                new.application_pool,
                **lines,
            )
        directories, gone, came = match_items(
            old.virtual_directories, new.virtual_directories, lambda d: name_key(d.path)
        )
        where = new.path.rstrip("/")
        for directory in came:
            yield _site_change(
                site,
                "virtual-directory-added",
                where + directory.path,
                None,
                directory.physical_path,
                **lines,
            )
        for directory in gone:
            yield _site_change(
                site,
                "virtual-directory-removed",
                where + directory.path,
                directory.physical_path,
                None,
                **lines,
            )
        for was, now in directories:
            if was.physical_path != now.physical_path:
                yield _site_change(
                    site,
                    "virtual-directory-changed",
                    where + now.path,
                    was.physical_path,
                    now.physical_path,
                    **lines,
                )


# -- parts: location blocks, keys, metadata, pools ------------------------------------------


#: The key of the changes of parts that belong to no site.
_NO_SITE = -1


def _part_changes(
    old_doc: ConfigDocument, new_doc: ConfigDocument, pairs: Sequence[tuple[Site, Site]]
) -> tuple[dict[int, list[Change]], set[int]]:
    """Changes of parts by the position of their site's pair (:data:`_NO_SITE`: no site), and
    the positions of the pairs whose sites are written alike (see :func:`site_text`).

    Parts of a site that is only in one file are left out: the site's coming or going says it.
    """
    token: dict[tuple[str, SiteMark], int] = {}
    for number, (before, after) in enumerate(pairs):
        token["old", mark(before)] = number
        token["new", mark(after)] = number

    # Parts of a site that is in one file only, keyed as parts of no site (when they can be),
    # so that what the site takes over from the other file is not listed as added or removed.
    of_lone_sites: set[tuple[str, tuple[int, PartKind, str]]] = set()

    def keyed(parts: Iterable[Part], side: str) -> dict[tuple[int, PartKind, str], Part]:
        found: dict[tuple[int, PartKind, str], Part] = {}
        for part in parts:
            if part.site is None:
                key = (_NO_SITE, part.kind, part.identity)
            elif (owner := token.get((side, mark(part.site)))) is not None:
                key = (owner, part.kind, part.identity)
            elif part.absolute is not None:
                key = (_NO_SITE, part.kind, part.absolute)
                of_lone_sites.add((side, key))
            else:
                continue
            found.setdefault(key, part)
        return found

    old_parts = keyed(parts_of(old_doc), "old")
    new_parts = keyed(parts_of(new_doc), "new")
    groups = section_groups(new_doc)
    kinds = list(PartKind)
    found: dict[int, list[Change]] = defaultdict(list)
    # File order (the old file's, then what only the new one has), kind by kind.
    ordered = [*old_parts, *(key for key in new_parts if key not in old_parts)]
    for key in sorted(ordered, key=lambda k: kinds.index(k[1])):
        was, now = old_parts.get(key), new_parts.get(key)
        if (("old", key) in of_lone_sites and now is None) or (
            ("new", key) in of_lone_sites and was is None
        ):
            continue
        site = pairs[key[0]][1] if key[0] != _NO_SITE else None
        found[key[0]].extend(_compare_parts(site, was, now, groups))
    alike: set[int] = set()
    if application_context(old_doc) == application_context(new_doc):
        old_texts, new_texts = site_texts(old_parts), site_texts(new_parts)
        alike = {n for n, text in old_texts.items() if text and new_texts.get(n) == text}
    return found, alike


def site_texts(parts: dict[tuple[int, PartKind, str], Part]) -> dict[int, tuple[str, ...]]:
    """The text of each site's own definition (its element, or its keys), by pair position."""
    texts: dict[int, list[str]] = defaultdict(list)
    for (owner, kind, identity), part in sorted(parts.items(), key=lambda item: item[0][2]):
        if owner != _NO_SITE and kind in (PartKind.SETTINGS, PartKind.KEY):
            texts[owner].append(f"{identity}\0{part.text}")
    return {owner: tuple(text) for owner, text in texts.items()}


def _compare_parts(
    site: Site | None, before: Part | None, after: Part | None, groups: frozenset[str]
) -> Iterator[Change]:
    site_id = site.id if site is not None else None
    site_name = site.name if site is not None else None
    kind = (before or after).kind.value  # type: ignore[union-attr]
    old_line = before.line if before is not None else None
    new_line = after.line if after is not None else None
    if before is None or after is None:
        present = before or after
        assert present is not None
        if present.listed_elsewhere:
            return
        detail = _contents(present, groups)
        state = "added" if before is None else "removed"
        old, new = (None, detail) if before is None else (detail, None)
        yield Change(
            f"{kind}-{state}", site_id, site_name, present.path, old, new, old_line, new_line
        )
        return
    if before.kind is PartKind.METADATA or before.text == after.text or before.node == after.node:
        return
    sections = groups if before.kind is PartKind.LOCATION else None
    for difference in differences(before.node, after.node, groups=sections):
        yield Change(
            f"{kind}-changed",
            site_id,
            site_name,
            f"{after.path}: {difference.where}" if after.path else difference.where,
            difference.old,
            difference.new,
            old_line,
            new_line,
        )


def _contents(part: Part, groups: frozenset[str]) -> str | None:
    """What an added or removed part holds, in short: a location block's sections."""
    if part.kind is PartKind.LOCATION:
        return ", ".join(sections(part.node, groups)) or None
    if part.kind is PartKind.KEY:
        return part.node.name
    return None

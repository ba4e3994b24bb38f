"""Cloning an IIS 7+ site with what refers to it, and choosing the name and id of a new site."""

from __future__ import annotations

import re
from collections.abc import Sequence

from metaclone.document import SiteKey
from metaclone.errors import (
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
    SiteNotFoundError,
)
from metaclone.iis7.certificates import SiteCertificates
from metaclone.iis7.checks import orphan_finding
from metaclone.iis7.children import elements_named
from metaclone.iis7.defaults import FALSE, is_false
from metaclone.iis7.index import (
    SITE_NAME_PROPERTIES,
    LocationEntry,
    SiteEntry,
    SiteIndex,
)
from metaclone.lossless import Editor
from metaclone.lossless.tokens import Tag, TagKind, iter_markup, next_tag
from metaclone.model.rules import MAX_IIS7_SITE_ID, copy_name, name_key
from metaclone.model.sites import (
    ADDRESS_PROTOCOLS,
    Finding,
    Severity,
    Site,
)
from metaclone.model.validation import (
    require_pool_name,
    require_site_id,
    require_site_name,
)

_MAX_NOTES_PER_OPERATION = 50


class SiteCloning(SiteCertificates):
    """``clone_site``, ``new_site_identity`` and the checks of a new name and id."""

    def _check_new_name(self, name: str | None, index: SiteIndex, *, allow: int | None) -> str:
        if name is None:
            raise SiteNameError(
                "a new site needs a name (site names are unique in IIS 7 and later)",
                path=self.path,
            )
        require_site_name(name, path=self.path)
        wanted = name_key(name)
        for entry in index.sites_by_name.get(wanted, ()):
            if entry.id != allow:
                raise self.xml.located(
                    SiteNameError,
                    entry.element.start,
                    f"site name {name!r} is already used by site id {entry.id} "
                    "(names compare case-insensitively)",
                )
        site_names = index.sites_by_name
        for loc in index.locations_of(name):
            if wanted not in site_names:
                raise self.xml.located(
                    SiteNameError,
                    loc.element.start,
                    f"<location path={loc.path!r}> already configures a site named {name!r} "
                    "(left behind by a deleted site?); a site with that name would inherit it. "
                    "Delete the block or choose another name",
                )
        return name

    def _choose_id(self, new_id: int | None, index: SiteIndex) -> int:
        used = {e.id: e for e in index.sites}
        metadata_ids = index.metadata_ids
        if new_id is None:
            highest = max([*used, *metadata_ids], default=0)
            if highest >= MAX_IIS7_SITE_ID:
                raise SiteIdOutOfRangeError(
                    f"the highest site id in use is {highest}; no higher id is valid "
                    "(give one explicitly)",
                    path=self.path,
                )
            return highest + 1
        require_site_id(new_id, MAX_IIS7_SITE_ID, path=self.path)
        if new_id in used:
            entry = used[new_id]
            raise self.xml.located(
                SiteIdInUseError,
                entry.element.start,
                f"site id {new_id} is already used by site {entry.name!r}",
            )
        if new_id in metadata_ids:
            key = index.keys_of(new_id)[0]
            raise self.xml.located(
                SiteIdInUseError,
                key.element.start,
                f"site id {new_id} is still used by customMetadata key {key.path!r} of a "
                "deleted site; a site given that id would inherit it (Microsoft KB 3202096). "
                "Choose another id",
            )
        return new_id

    def new_site_identity(self, name: str | None, site_id: int | None) -> tuple[str, int]:
        """The name and id a new site may take, refused as :meth:`clone_site` refuses them:
        ``name`` unused (and named by no location block left behind), ``site_id`` unused by
        sites and customMetadata, or when None one more than the highest id either uses."""
        index = self._index()
        return self._check_new_name(name, index, allow=None), self._choose_id(site_id, index)

    def clone_site(
        self,
        source: SiteKey,
        new_id: int | None = None,
        new_name: str | None = None,
        *,
        auto_start: bool = False,
        clone_app_pools: bool = False,
    ) -> Site:
        """Copy a site with a new id and name, with its location blocks and customMetadata.

        ``new_name`` defaults to ``NAME (copy)`` (``NAME (copy 2)``, ... when taken), as IIS 6
        names copies.  The copy is inserted right after the source and is stopped
        (``serverAutoStart="false"``) unless ``auto_start``.  ``new_id`` defaults to one more
        than the highest id used by a site or by customMetadata, so no deleted site's id is
        reused.  With
        ``clone_app_pools``, the application pools the source's applications name explicitly
        are copied under new names and the clone's applications point at the copies.
        Site-specific text the copy keeps (host names, paths) is reported in :attr:`notes`.
        """
        index = self._index()
        entry = self._editable(self._entry(source))
        if new_name is None:
            new_name = self._copy_name(entry, index)
        name = self._check_new_name(new_name, index, allow=None)
        site_id = self._choose_id(new_id, index)
        editor = self.xml.edit()
        scratch = self.xml.edit()
        notes: list[Finding] = []
        self._rewrite_identity(scratch, entry, site_id, name)
        self._set_start(scratch, entry, auto_start, clone=True)
        if clone_app_pools:
            self._clone_pools(editor, scratch, entry=entry, index=index, name=name, notes=notes)
        block = entry.block
        editor.insert_after(block, scratch.render(block.start, block.end))
        locations = index.locations_of(entry.name)
        for loc in locations:
            scratch.set_attribute(loc.element, "path", loc.renamed(name))
            editor.insert_after(loc.element, scratch.render(loc.element.start, loc.element.end))
        self._copy_metadata(editor, scratch, entry=entry, index=index, site_id=site_id, name=name)
        rewritten = {"applicationPool"} if clone_app_pools else set()
        notes.extend(self._site_specific_notes(entry, locations, rewritten))
        notes.extend(self._orphans_left(index))
        if self.dialect.clone_notes is not None:
            notes.extend(self.dialect.clone_notes(site_id, self._line(entry)))
        # Where the copy starts once committed: the source block's end, moved by the patches
        # before it, plus the line end and indentation insert_after puts in front.
        copy_start = block.end + len(self.xml.newline_near(block.start))
        copy_start += len(self.xml.indentation_before(block.start))
        copy_start += sum(
            len(p.new) - (p.end - p.start) for p in editor.patches if p.end < block.end
        )
        editor.commit()
        self.notes.extend(notes)
        return self._site_at(copy_start, site_id, name, index)

    def _copy_name(self, entry: SiteEntry, index: SiteIndex) -> str:
        """``NAME (copy)``, numbered past names used by sites or by location blocks."""
        return copy_name(
            entry.name,
            lambda name: name_key(name) in index.sites_by_name or bool(index.locations_of(name)),
        )

    def _site_at(self, offset: int, site_id: int, name: str, index: SiteIndex) -> Site:
        """The site whose block starts at ``offset``, read without indexing the file again."""
        tag = next_tag(self.xml.text, offset)
        if tag is None:  # pragma: no cover - the offset is that of text just inserted
            return self.site(site_id)
        block = self.xml.element_at(tag)
        element, wrapper = block, None
        if block.name != "site":
            inner = self.xml.child(block, "site")
            if inner is None:  # pragma: no cover
                return self.site(site_id)
            element, wrapper = inner, block
        return self._read_site(SiteEntry.of(element, site_id, name, wrapper), index)

    def _rewrite_identity(self, editor: Editor, entry: SiteEntry, site_id: int, name: str) -> None:
        editor.set_attribute(entry.element, "name", name)
        editor.set_attribute(entry.element, "id", str(site_id))
        wrapped = self.dialect.wrapper_attributes
        if entry.wrapper is not None and wrapped is not None:
            editor.set_attribute(entry.wrapper, wrapped.name, name)
            editor.set_attribute(entry.wrapper, wrapped.id, str(site_id))

    def _set_start(
        self, editor: Editor, entry: SiteEntry, auto_start: bool, *, clone: bool
    ) -> None:
        """Make the site start (or not) with IIS: ``serverAutoStart`` is written whenever the
        value the site has now, its own or the one it inherits from ``<siteDefaults>``,
        differs from ``auto_start``; a site that already starts as asked is left alone."""
        current = self.xml.attribute(entry.element, "serverAutoStart")
        if current is not None and current.value.strip():
            effective = not is_false(current.value)
        else:
            effective = self._defaults()[0].auto_start
        if effective != auto_start:
            editor.set_attribute(entry.element, "serverAutoStart", "true" if auto_start else FALSE)
        state = self.dialect.wrapper_state
        wrapper = entry.wrapper
        if (
            state is not None
            and wrapper is not None
            and self.xml.attribute(wrapper, state.attribute) is not None
        ):
            if not auto_start:
                editor.set_attribute(wrapper, state.attribute, state.stopped)
            elif not clone:
                editor.set_attribute(wrapper, state.attribute, state.started)

    def _copy_metadata(
        self,
        editor: Editor,
        scratch: Editor,
        *,
        entry: SiteEntry,
        index: SiteIndex,
        site_id: int,
        name: str,
    ) -> None:
        keys = index.keys_of(entry.id)
        if not keys:
            return
        newline = self.xml.newline_near(keys[-1].element.start)
        copies: list[str] = []
        for position, key in enumerate(keys):
            scratch.set_attribute(key.element, "path", key.moved(site_id))
            if key.is_site_root:
                for prop in elements_named(self.xml, key.element, "property"):
                    if (self.xml.get(prop, "id") or "").strip() in SITE_NAME_PROPERTIES:
                        scratch.set_attribute(prop, "value", name)
            # insert_after indents the first copy; the others need their own indentation.
            indent = self.xml.indentation_before(key.element.start) if position else ""
            copies.append(indent + scratch.render(key.element.start, key.element.end))
        # The copies go together after the last of the source's keys.
        editor.insert_after(keys[-1].element, newline.join(copies))

    def _clone_pools(
        self,
        editor: Editor,
        scratch: Editor,
        *,
        entry: SiteEntry,
        index: SiteIndex,
        name: str,
        notes: list[Finding],
    ) -> None:
        xml = self.xml
        apps = list(elements_named(xml, entry.element, "application"))
        explicit: dict[str, str] = {}
        for app in apps:
            pool = xml.get(app, "applicationPool")
            if pool:
                explicit.setdefault(name_key(pool), pool)
        if not explicit:
            notes.append(
                Finding(
                    Severity.INFO,
                    "no-pool-cloned",
                    f"site {entry.name!r} names no application pool of its own; the clone "
                    "uses the default pool like the source",
                    entry.id,
                    self._line(entry),
                )
            )
            return
        pools_element = index.pools_element
        pool_elements = (
            {
                name_key(xml.get(p, "name") or ""): p
                for p in elements_named(xml, pools_element, "add")
            }
            if pools_element is not None
            else {}
        )
        renamed: dict[str, str] = {}
        for folded, pool in explicit.items():
            new_pool = _pool_name(pool, entry.name, name, single=len(explicit) == 1)
            require_pool_name(new_pool, path=self.path)
            if name_key(new_pool) in pool_elements or name_key(new_pool) in {
                name_key(n) for n in renamed.values()
            }:
                raise SiteNameError(
                    f"application pool {new_pool!r} already exists; clone without new pools "
                    "or choose another site name",
                    path=self.path,
                )
            source_pool = pool_elements.get(folded)
            if source_pool is None:
                raise SiteNotFoundError(
                    f"site {entry.name!r} uses application pool {pool!r}, which this file does "
                    "not define",
                    path=self.path,
                )
            renamed[folded] = new_pool
            scratch.set_attribute(source_pool, "name", new_pool)
            editor.insert_after(source_pool, scratch.render(source_pool.start, source_pool.end))
        for app in apps:
            pool = xml.get(app, "applicationPool")
            if pool and name_key(pool) in renamed:
                scratch.set_attribute(app, "applicationPool", renamed[name_key(pool)])

    def _site_specific_notes(
        self,
        entry: SiteEntry,
        locations: Sequence[LocationEntry],
        rewritten: set[str],
    ) -> list[Finding]:
        """Values copied as they are that still name the source site or one of its hosts."""
        site = self._read_site(entry, self._index())
        needles = {name_key(entry.name)}
        needles.update(
            name_key(b.host)
            for b in site.bindings
            if b.host and b.host != "*" and b.protocol.lower() in ADDRESS_PROTOCOLS
        )
        skip = {"name", "SITE.NAME", "bindingInformation", "bindings", "path"}
        patterns = {
            needle: re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
            for needle in needles
            if needle
        }
        notes: list[Finding] = []
        regions = [(entry.block, "the clone")] + [
            (loc.element, "a copied location block") for loc in locations
        ]
        text = self.xml.text
        for element, where in regions:
            for token in iter_markup(text, element.start, element.end):
                if not isinstance(token, Tag) or token.kind is TagKind.END:
                    continue
                for attribute in self.xml.attributes(token):
                    if attribute.name in rewritten or (
                        attribute.name in skip
                        and token.name in ("site", "SITE", "binding", "location")
                    ):
                        continue
                    value = name_key(attribute.value)
                    hits = sorted(n for n, pattern in patterns.items() if pattern.search(value))
                    if hits:
                        notes.append(
                            Finding(
                                Severity.INFO,
                                "site-specific-value",
                                f"{where} keeps <{token.name} {attribute.name}="
                                f"{attribute.value!r}>, which mentions {', '.join(map(repr, hits))}"
                                "; change it by hand if the clone needs its own",
                                entry.id,
                                self.xml.line_of(token.start),
                            )
                        )
        if len(notes) > _MAX_NOTES_PER_OPERATION:
            rest = len(notes) - _MAX_NOTES_PER_OPERATION
            notes = notes[:_MAX_NOTES_PER_OPERATION]
            notes.append(
                Finding(
                    Severity.INFO,
                    "site-specific-value",
                    f"... and {rest} more values that mention the source site",
                    entry.id,
                    self._line(entry),
                )
            )
        return notes

    def _orphans_left(self, index: SiteIndex) -> list[Finding]:
        return [
            orphan_finding(self.xml, loc)
            for loc in index.locations
            if loc.site_name is not None and name_key(loc.site_name) not in index.sites_by_name
        ]


def _pool_name(pool: str, old_site: str, new_site: str, *, single: bool) -> str:
    """A name for the clone's copy of ``pool``: the site name swapped in, else appended."""
    if name_key(pool) == name_key(old_site):
        return new_site
    position = name_key(pool).find(name_key(old_site))
    if position >= 0:
        return pool[:position] + new_site + pool[position + len(old_site) :]
    return new_site if single else f"{new_site} {pool}"

"""Cloning an IIS 7+ site with what refers to it, and choosing the name and id of a new site."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from metaclone.document import SiteKey
from metaclone.errors import (
    MetacloneError,
    SiteIdInUseError,
    SiteNameError,
)
from metaclone.iis7.certificates import SiteCertificates
from metaclone.iis7.index import SiteElement, SiteIndex
from metaclone.lossless import Editor, Element
from metaclone.model.rules import copy_name, name_key
from metaclone.model.site_rules import check_free_name, choose_site_id
from metaclone.model.sites import Site, SiteKind

if TYPE_CHECKING:
    from metaclone.iis7.index import LocationEntry
    from metaclone.model.sites import Finding


class SiteCloning(SiteCertificates):
    """``clone_site``, ``new_site_identity`` and the checks of a new name and id."""

    def _check_new_name(self, name: str | None, index: SiteIndex, *, allow: int | None) -> str:
        if name is None:
            raise SiteNameError(
                "a new site needs a name (site names are unique in IIS 7 and later)",
                path=self.path,
            )
        return check_free_name(
            name, path=self.path, taken=lambda wanted: self._name_owner(wanted, index, allow)
        )

    def _name_owner(self, name: str, index: SiteIndex, allow: int | None) -> MetacloneError | None:
        """The error naming what has ``name`` already: another site than ``allow``, or a
        location block a deleted site left behind."""
        wanted = name_key(name)
        for entry in index.sites_by_name.get(wanted, ()):
            if entry.id != allow:
                return self.xml.located(
                    SiteNameError,
                    entry.element.start,
                    f"site name {name!r} is already used by site id {entry.id} "
                    "(names compare case-insensitively)",
                )
        locations = index.locations_of(name)
        if locations and wanted not in index.sites_by_name:
            loc = locations[0]
            return self.xml.located(
                SiteNameError,
                loc.element.start,
                f"<location path={loc.path!r}> already configures a site named {name!r} "
                "(left behind by a deleted site?); a site with that name would inherit it. "
                "Delete the block or choose another name",
            )
        return None

    def _choose_id(self, new_id: int | None, index: SiteIndex) -> int:
        used = _UsedIds(index)
        return choose_site_id(
            new_id,
            used,
            self.site_rules,
            path=self.path,
            taken=lambda wanted: self._id_owner(wanted, index),
            highest=index.highest_id,
        )

    def _id_owner(self, site_id: int, index: SiteIndex) -> MetacloneError | None:
        """The error naming what uses ``site_id`` already: a site, or customMetadata a deleted
        site left behind (KB 3202096)."""
        sites = index.sites_by_id.get(site_id)
        if sites:
            entry = sites[-1]
            return self.xml.located(
                SiteIdInUseError,
                entry.element.start,
                f"site id {site_id} is already used by site {entry.name!r}",
            )
        keys = index.keys_of(site_id)
        if keys:
            key = keys[0]
            return self.xml.located(
                SiteIdInUseError,
                key.element.start,
                f"site id {site_id} is still used by customMetadata key {key.path!r} of a "
                "deleted site; a site given that id would inherit it (Microsoft KB 3202096). "
                "Choose another id",
            )
        return None

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
        from metaclone.iis7 import site_copy  # noqa: PLC0415 - by the first copy, not a listing

        index = self._index()
        entry = self._editable(self._entry(source))
        self._only_bindings(entry)  # of two lists, which the clone serves is not defined
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
            notes.extend(
                site_copy.clone_pools(
                    self.xml,
                    editor,
                    scratch,
                    entry=entry,
                    pools_element=index.pools_element,
                    name=name,
                    line=self._line(entry),
                )
            )
        block = entry.block
        copy = scratch.render(block.start, block.end)
        editor.insert_after(block, copy)
        locations = index.locations_of(entry.name)
        site_copy.copy_locations(editor, scratch, locations, name=name)
        site_copy.copy_metadata(
            self.xml, editor, scratch, index.keys_of(entry.id), site_id=site_id, name=name
        )
        rewritten = {"applicationPool"} if clone_app_pools else set()
        notes.extend(self._clone_notes(entry, index, locations, rewritten, site_id))
        copy_start = self._copy_start(editor, block)
        self._commit_keeping_defaults(editor)  # a copied <site> adds no <sites>-level default
        self.notes.extend(notes)
        return self._site_between(copy_start, copy_start + len(copy), site_id, name)

    def _clone_notes(
        self,
        entry: SiteElement,
        index: SiteIndex,
        locations: Sequence[LocationEntry],
        rewritten: set[str],
        site_id: int,
    ) -> list[Finding]:
        """What the user should know about a clone of ``entry`` given id ``site_id``."""
        from metaclone.iis7.site_copy import site_specific_notes  # noqa: PLC0415 - see clone_site

        notes = site_specific_notes(
            self.xml,
            entry,
            self._read_site(entry, index),
            locations,
            rewritten,
            line=self._line(entry),
        )
        notes.extend(self._orphans_left(index))
        if self.dialect.clone_notes is not None:
            notes.extend(self.dialect.clone_notes(site_id, self._line(entry)))
        return notes

    def _copy_start(self, editor: Editor, block: Element) -> int:
        """Where the copy of ``block`` starts once ``editor`` commits: the block's end, moved
        by the patches before it, plus the line end and indentation insert_after puts in front."""
        copy_start = block.end + len(self.xml.newline_near(block.start))
        copy_start += len(self.xml.indentation_before(block.start))
        copy_start += sum(
            len(p.new) - (p.end - p.start) for p in editor.patches if p.end < block.end
        )
        return copy_start

    def _copy_name(self, entry: SiteElement, index: SiteIndex) -> str:
        """``NAME (copy)``, numbered past names used by sites or by location blocks."""
        return copy_name(
            entry.name,
            lambda name: name_key(name) in index.sites_by_name or bool(index.locations_of(name)),
        )

    def _rewrite_identity(
        self, editor: Editor, entry: SiteElement, site_id: int, name: str
    ) -> None:
        editor.set_attribute(entry.element, "name", name)
        editor.set_attribute(entry.element, "id", str(site_id))
        wrapped = self.dialect.wrapper_attributes
        if entry.wrapper is not None and wrapped is not None:
            editor.set_attribute(entry.wrapper, wrapped.name, name)
            editor.set_attribute(entry.wrapper, wrapped.id, str(site_id))

    def _set_start(
        self, editor: Editor, entry: SiteElement, auto_start: bool, *, clone: bool
    ) -> None:
        """Make the site start (or not) with IIS (see :func:`write_auto_start`): a value is
        written whenever the one the site has now, its own or the one it inherits from
        ``<siteDefaults>``, differs from ``auto_start``; a site that already starts as asked is
        left alone."""
        # Writing markup (starting, style) is imported by the edits that write some.
        from metaclone.iis7.starting import write_auto_start  # noqa: PLC0415

        site = self._read_site(entry, self._index())
        write_auto_start(
            editor,
            entry.element,
            is_ftp=site.kind is SiteKind.FTP,
            starts=site.auto_start,
            wanted=auto_start,
            sample=self._any_binding(),
        )
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

    def _orphans_left(self, index: SiteIndex) -> list[Finding]:
        orphans = index.orphan_locations()
        if not orphans:
            return []
        # The checks are imported by the commands that check, or that find something to tell.
        from metaclone.iis7.checks import orphan_finding  # noqa: PLC0415

        return [orphan_finding(self.xml, loc) for loc in orphans]


class _UsedIds(Collection[int]):
    """The ids sites and customMetadata keys use, as the index groups them: asked whether
    an id is used without a set of every id being made."""

    def __init__(self, index: SiteIndex) -> None:
        self._index = index

    def __contains__(self, site_id: object) -> bool:
        return site_id in self._index.sites_by_id or site_id in self._index.metadata_ids

    def __iter__(self) -> Iterator[int]:
        return iter(self._index.sites_by_id.keys() | self._index.metadata_ids)

    def __len__(self) -> int:
        return len(self._index.sites_by_id.keys() | self._index.metadata_ids)

"""Move a site from IIS 6 to IIS 7+ offline: a metabase site in, applicationHost site out.

>>> import metaclone
>>> from metaclone.convert import site_to_applicationhost
>>> metabase = metaclone.load("MetaBase.xml")                      # doctest: +SKIP
>>> target = metaclone.load("applicationHost.config")              # doctest: +SKIP
>>> done = site_to_applicationhost(metabase, "Shop", target)       # doctest: +SKIP
>>> target.save("applicationHost.new.config")                      # doctest: +SKIP

The target only gains text: the ``<site>`` after the last site, new application pools after
the last pool, and ``<location>`` blocks before ``</configuration>``, each in the file's own
indentation, quotes and line ends.  What IIS 7 has no place for is listed in the result's
``notes`` (and refused with ``strict``); certificates go into an HTTP.sys plan, never into the
file (FTP sites aside, whose certificate IIS 7 keeps in the file).  See :mod:`convert_map` for
the mapping.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from metaclone.convert.mapping import IIS7_DEFAULTS, PIPELINES, RUNTIMES, Settings
from metaclone.convert.markup import (
    Node,
    application_node,
    ftp_server_node,
    pool_node,
    render,
    server_defaults,
    settings_tree,
)
from metaclone.convert.notes import NOT_CARRIED
from metaclone.convert.source import SourcePool, SourceSite, read_source
from metaclone.convert.values import differing
from metaclone.document import ConfigDocument, SiteKey
from metaclone.errors import (
    ConversionError,
    SiteIdInUseError,
    SiteNameError,
    UnsupportedDocumentError,
)
from metaclone.httpsys import HttpSysPlan
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.style import (
    MarkupStyle,
    append_child,
    child_indentation,
    style_of,
)
from metaclone.lossless import Editor, Element, XmlDocument
from metaclone.lossless.tokens import TagKind, next_tag
from metaclone.model.rules import name_key, pool_name_problem, site_name_problem
from metaclone.model.sites import Finding, Severity, Site, SiteKind


@attrs.frozen
class Conversion:
    """What converting one IIS 6 site did.

    ``source`` is the IIS 6 site, ``site`` the new IIS 7 one; ``plan`` the HTTP.sys plan for
    its certificate (None when there is none to bind); ``pools`` the application pools added;
    ``locations`` the paths of the location blocks written; ``notes`` what was not carried
    (code ``not-carried``) and what else the user must know.
    """

    source: Site
    site: Site
    plan: HttpSysPlan | None
    pools: tuple[str, ...]
    locations: tuple[str, ...]
    notes: tuple[Finding, ...]


def site_to_applicationhost(
    metabase_doc: ConfigDocument,
    site: SiteKey,
    apphost_doc: ConfigDocument,
    *,
    new_id: int | None = None,
    new_name: str | None = None,
    pipeline: str = "classic",
    runtime: str = "v2.0",
    strict: bool = False,
) -> Conversion:
    """Insert IIS 6 ``site`` of ``metabase_doc`` into ``apphost_doc`` as an IIS 7 site.

    The name is the site's ServerComment (``new_name`` when given), checked by IIS's site-name
    rules and refused when another site or a left-behind location block has it.  The id is
    ``new_id`` when given (refused when taken), else the IIS 6 id when the target does not use
    it, else the next free one (one more than the highest id of a site or customMetadata key).
    New application pools get the ``pipeline`` (classic or integrated) and ``runtime``
    (``v2.0``, ``v4.0`` or ``""``).

    With ``strict``, a site with properties IIS 7 cannot take is refused
    (:class:`~metaclone.errors.ConversionError`).  On any error ``apphost_doc`` is unchanged;
    on success the notes are also added to ``apphost_doc.notes``.
    """
    return convert_sites(
        metabase_doc,
        [site],
        apphost_doc,
        new_id=new_id,
        new_name=new_name,
        pipeline=pipeline,
        runtime=runtime,
        strict=strict,
    )[0]


def convert_sites(
    metabase_doc: ConfigDocument,
    sites: Sequence[SiteKey],
    apphost_doc: ConfigDocument,
    *,
    new_id: int | None = None,
    new_name: str | None = None,
    pipeline: str = "classic",
    runtime: str = "v2.0",
    strict: bool = False,
) -> tuple[Conversion, ...]:
    """:func:`site_to_applicationhost` for several sites, all or none.

    ``new_id`` and ``new_name`` apply to a single site only.
    """
    metabase, target = _documents(metabase_doc, apphost_doc)
    mode = _pipeline(pipeline, target)
    if runtime not in RUNTIMES:
        raise ConversionError(
            f'runtime {runtime!r} is not one of v2.0, v4.0 or "" (no managed code)',
            path=target.path,
        )
    if len(sites) != 1 and (new_id is not None or new_name is not None):
        raise ConversionError("a new id or name applies to one site; convert one at a time")
    sources = [read_source(metabase, metabase.site(key)) for key in sites]
    results: list[Conversion] = []
    with target.transaction():
        for source in sources:
            results.append(
                _convert(
                    source,
                    target,
                    new_id=new_id,
                    new_name=new_name,
                    pipeline=mode,
                    runtime=runtime,
                    strict=strict,
                )
            )
    for result in results:
        target.notes.extend(result.notes)
    return tuple(results)


def _documents(
    metabase_doc: ConfigDocument, apphost_doc: ConfigDocument
) -> tuple[MetabaseDocument, AppHostDocument]:
    if not isinstance(metabase_doc, MetabaseDocument):
        raise UnsupportedDocumentError(
            f"the site to convert comes from an IIS 6 metabase (MetaBase.xml or an iiscnfg "
            f"export); this is {metabase_doc.format}",
            path=metabase_doc.path,
        )
    if not isinstance(apphost_doc, AppHostDocument) or not apphost_doc.dialect.holds_pools:
        raise UnsupportedDocumentError(
            f"the site goes into an IIS 7+ applicationHost.config; this is {apphost_doc.format}"
            + (
                " (appcmd XML holds no pools or location blocks)"
                if isinstance(apphost_doc, AppHostDocument)  # the dialect without pools
                else ""
            ),
            path=apphost_doc.path,
        )
    return metabase_doc, apphost_doc


def _pipeline(pipeline: str, target: AppHostDocument) -> str:
    mode = PIPELINES.get(pipeline.strip().lower())
    if mode is None:
        raise ConversionError(
            f"pipeline {pipeline!r} is not classic or integrated", path=target.path
        )
    return mode


def _refuse_not_carried(notes: Sequence[Finding], path: str) -> None:
    lost = [note.message for note in notes if note.code == NOT_CARRIED]
    if lost:
        raise ConversionError(
            f"--strict: {len(lost)} propert{'y' if len(lost) == 1 else 'ies'} would not be "
            f"carried to IIS 7 (first: {lost[0]}); nothing was written",
            path=path,
            notes=tuple(lost),
        )


def _identity(
    target: AppHostDocument, source: Site, new_id: int | None, new_name: str | None
) -> tuple[str, int]:
    name = new_name if new_name is not None else source.name
    hint = "" if new_name is not None else "; give the new site a name with --name"
    problem = site_name_problem(name)
    if problem is not None:
        raise SiteNameError(f"site name {name!r} is refused: {problem}{hint}", path=target.path)
    try:
        if new_id is not None:
            return target.new_site_identity(name, new_id)
        try:
            return target.new_site_identity(name, source.id)
        except SiteIdInUseError:
            return target.new_site_identity(name, None)
    except SiteNameError as error:
        if not hint:
            raise
        raise SiteNameError(
            error.message + hint, path=error.path, line=error.line, column=error.column
        ) from None


def _convert(
    source: SourceSite,
    target: AppHostDocument,
    *,
    new_id: int | None,
    new_name: str | None,
    pipeline: str,
    runtime: str,
    strict: bool,
) -> Conversion:
    writer = _Writer(target)
    added = writer.new_pools(source.pools)
    notes = list(source.notes)
    if added:
        notes.extend(source.pool_service_notes)
    notes.extend(note for pool in added for note in pool.notes)
    if strict:
        _refuse_not_carried(notes, source.path)
    name, site_id = _identity(target, source.site, new_id, new_name)
    pools = writer.pools(source.pools, added, pipeline, runtime, notes)
    writer.site(source, name, site_id)
    locations = writer.locations(source, name)
    writer.commit()
    new_site = target.site(site_id)
    plan = _plan(target, source, new_site, notes)
    # Clashes with the target's other sites, found as `check` finds them.
    notes.extend(f for f in target.binding_findings(new_site) if f.code not in _ANSWERED)
    return Conversion(source.site, new_site, plan, pools, locations, tuple(notes))


#: Check findings about a new site that its conversion answers itself: the HTTP.sys plan
#: binds the certificate, or a note says that there is none.
_ANSWERED = frozenset({"missing-certificate"})


def _plan(
    target: AppHostDocument, source: SourceSite, new_site: Site, notes: list[Finding]
) -> HttpSysPlan | None:
    certificate = source.site.certificate
    if new_site.kind is SiteKind.FTP or not new_site.secure_bindings:
        return None
    if certificate is None:
        notes.append(
            Finding(
                Severity.WARNING,
                "waiting-for-certificate",
                f"IIS 6 site {source.site.id} {source.site.name!r} has https bindings but no "
                "certificate (SSLCertHash): bind one in HTTP.sys when it is issued",
                new_site.id,
                new_site.line,
            )
        )
        return None
    return target.set_certificate(new_site, certificate.thumbprint, certificate.store)


class _Writer:
    """Collects the insertions into one target document, in its style, then commits them."""

    def __init__(self, target: AppHostDocument) -> None:
        self.target = target
        self.xml: XmlDocument = target.xml
        sites, pools = target.sections
        if sites is None:
            raise UnsupportedDocumentError(
                "this applicationHost.config has no <sites> section to add a site to",
                path=target.path,
            )
        self.sites_element: Element = sites
        self.pools_element = pools
        self.editor: Editor = self.xml.edit()
        self.last_pool: Element | None = None
        self.newline = self.xml.newline_near(sites.start)
        self.style: MarkupStyle = style_of(self.xml, _sample(self.xml, sites), sites)

    def commit(self) -> None:
        self.editor.commit()

    def _insert(self, parent: Element, last: Element | None, nodes: Sequence[Node]) -> None:
        """``nodes`` after ``last`` (the last of their kind in ``parent``, at whose indentation
        they go), else as the last children of ``parent``."""
        xml = self.xml
        if last is not None:
            indent = xml.indentation_before(last.start)
        else:
            indent = child_indentation(xml, parent, self.style.indent_unit)
        markup = (self.newline + indent).join(
            render(node, indent, self.style, self.newline) for node in nodes
        )
        if last is not None:
            self.editor.insert_after(last, markup)
        else:
            append_child(self.editor, parent, markup, indent, self.newline)

    def site(self, source: SourceSite, name: str, site_id: int) -> None:
        auto_start = "true" if source.site.auto_start else "false"
        children = [application_node(app) for app in source.applications]
        children.append(
            Node(
                "bindings",
                children=tuple(
                    Node(
                        "binding",
                        (("protocol", b.protocol), ("bindingInformation", b.binding_information)),
                    )
                    for b in source.bindings
                ),
            )
        )
        if source.ftp_authentication is not None:
            children.append(ftp_server_node(source))
        children.extend(settings_tree(self._differing_from_site_defaults(source)))
        attributes = (("name", name), ("id", str(site_id)), ("serverAutoStart", auto_start))
        last = self.target.last_site_element
        self._insert(self.sites_element, last, [Node("site", attributes, tuple(children))])

    def existing_pools(self) -> set[str]:
        """The names of the target's application pools, as IIS compares them (name_key)."""
        element = self.pools_element
        names: set[str] = set()
        if element is None:
            return names
        for child in self.xml.children(element):
            if child.name == "add":
                names.add(name_key(self.xml.get(child, "name") or ""))
                self.last_pool = child
        return names

    def new_pools(self, pools: Sequence[SourcePool]) -> list[SourcePool]:
        """The pools the target does not have yet."""
        existing = self.existing_pools() if pools else set()
        return [pool for pool in pools if name_key(pool.name) not in existing]

    def _differing_from_site_defaults(self, source: SourceSite) -> Settings:
        """The site's own logging and limits values that differ from what the target's
        ``siteDefaults`` (else IIS 7's defaults) would give it."""
        xml = self.xml
        defaults = self._site_defaults() if source.site_elements else None
        settings: Settings = {}
        for element_path, attribute, value, default in source.site_elements:
            element = defaults
            for name in element_path:
                element = xml.child(element, name) if element is not None else None
            found = xml.get(element, attribute) if element is not None else None
            baseline = found if found is not None else default
            if baseline is None or baseline.casefold() != value.casefold():
                settings[(element_path, attribute)] = value
        return settings

    def _site_defaults(self) -> Element | None:
        """``<sites><siteDefaults>``, looked for after the last site first (where IIS writes
        it), so that the sites of a large file are not walked."""
        xml, sites = self.xml, self.sites_element
        last = self.target.last_site_element
        position = last.end if last is not None else sites.content_start
        while (tag := next_tag(xml.text, position, sites.content_end)) is not None:
            if tag.kind is TagKind.END:
                break
            element = xml.element_at(tag)
            if tag.name == "siteDefaults":
                return element
            position = element.end
        return xml.child(sites, "siteDefaults")

    def pools(
        self,
        pools: Sequence[SourcePool],
        added: Sequence[SourcePool],
        pipeline: str,
        runtime: str,
        notes: list[Finding],
    ) -> tuple[str, ...]:
        """Add the ``added`` pools; note the others, which the site uses as they are."""
        element = self.pools_element
        names = {name_key(pool.name) for pool in added}
        for pool in pools:
            notes.extend(_pool_notes(pool, name_key(pool.name) not in names, self.target))
        if not added:
            return ()
        for pool in added:
            problem = pool_name_problem(pool.name)
            if problem is not None:
                raise ConversionError(
                    f"application pool name {pool.name!r} is refused: {problem}; rename the "
                    "pool in IIS 6 first",
                    path=self.target.path,
                )
        if element is None:
            raise UnsupportedDocumentError(
                "this applicationHost.config has no <applicationPools> section to add the "
                "site's pools to",
                path=self.target.path,
            )
        self._insert(element, self.last_pool, [pool_node(p, pipeline, runtime) for p in added])
        return tuple(pool.name for pool in added)

    def locations(self, source: SourceSite, name: str) -> tuple[str, ...]:
        locations = self.target.locations
        defaults = server_defaults(self.xml, locations, IIS7_DEFAULTS)
        blocks = []
        site_level = differing(source.site_settings, defaults)
        if site_level:
            blocks.append((name, site_level))
        blocks.extend((f"{name}/{loc.path}", loc.settings) for loc in source.locations)
        if not blocks:
            return ()
        nodes = [
            Node("location", (("path", path),), settings_tree(settings))
            for path, settings in blocks
        ]
        root = self.xml.root
        last = locations[-1].element if locations else None
        end = root.end_tag.start if root.end_tag is not None else root.end
        if last is not None and self.xml.text[last.end : end].strip():
            last = None  # something follows the last block: the new ones go at the very end
        self._insert(root, last, nodes)
        return tuple(path for path, _ in blocks)


def _sample(xml: XmlDocument, sites: Element) -> Element | None:
    """An empty element written the way the file writes them (a ``<binding />``)."""
    for site in xml.children(sites):
        bindings = xml.child(site, "bindings") if site.name == "site" else None
        binding = xml.child(bindings, "binding") if bindings is not None else None
        if binding is not None:
            return binding
    return None


def _pool_notes(pool: SourcePool, exists: bool, target: AppHostDocument) -> list[Finding]:
    notes: list[Finding] = []
    if exists:
        notes.append(
            Finding(
                Severity.INFO,
                "pool-exists",
                f"application pool {pool.name!r} already exists in {target.path}: the site uses "
                "it as it is",
            )
        )
        return notes
    if not pool.defined:
        notes.append(
            Finding(
                Severity.WARNING,
                "pool-not-defined",
                f"application pool {pool.name!r} has no key in the metabase "
                f"(/LM/W3SVC/AppPools/{pool.name}; an export file holds no pools): it is "
                "added with IIS 6's defaults",
            )
        )
    return notes

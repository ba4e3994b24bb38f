"""IIS 7+ applicationHost.config (IIS and IIS Express) and appcmd XML.

Both formats hold ``<site>`` elements of the same shape; appcmd XML wraps each one in a
``<SITE SITE.NAME SITE.ID bindings state>`` element that must stay in step with it, and has no
location blocks or customMetadata.  One implementation serves both: an appcmd document is an
applicationHost document whose :class:`~metaclone.iis7.appcmd.Dialect` says so.

What refers to a site, and follows a clone, rename or delete:

* by name: ``<location path="Site">`` and ``"Site/..."`` blocks directly under
  ``<configuration>`` (first path segment, case-insensitively; never markup inside comments);
* by id: ``<customMetadata><key path="LM/W3SVC/<id>...">``, whose property 2102 on the site's
  own key is the site name.

Certificates of https bindings live in HTTP.sys, not in the file: certificate operations on web
sites return an :class:`~metaclone.httpsys.HttpSysPlan` and leave the file alone.  FTP sites keep
theirs in ``ftpServer/security/ssl``, which is edited in place.

IIS Express is told apart from IIS by ``%IIS_USER_HOME%``, which every IIS Express template
carries (in its header comment and in the application pools' ``CLRConfigFile``) and no server
file does; its HTTP.sys entries use IIS Express's application id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from metaclone.document import SiteKey
from metaclone.errors import DuplicateDefaultsError
from metaclone.iis7.appcmd import APPCMD, APPLICATIONHOST, Dialect
from metaclone.iis7.children import elements_named
from metaclone.iis7.clean_shapes import (
    CleanApplications,
    clean_applications,
    listed_applications,
)
from metaclone.iis7.cloning import SiteCloning
from metaclone.iis7.index import SITE_NAME_PROPERTIES, SiteElement
from metaclone.iis7.listed_json import SiteJsonListing
from metaclone.iis7.site_parts import SiteParts, read_site_parts
from metaclone.lazy import lazy_function
from metaclone.lossless import Element
from metaclone.model.sites import ListedApplication, Site

if TYPE_CHECKING:
    # The steps after a placeholder are told by the placeholder commands alone.
    from metaclone.handover import Handover

    # What refers to a site from outside it, loaded by what reads it (see iis7.index).
    from metaclone.iis7.index import LocationEntry, MetadataKey
    from metaclone.model.sites import Application, Finding
else:
    # Built by the commands that read or find them (see metaclone.model.sites).
    Application = lazy_function("metaclone.model.applications", "Application")


class AppHostDocument(SiteCloning, SiteJsonListing):
    """An IIS 7.0-10 or IIS Express applicationHost.config."""

    format: ClassVar[str] = APPLICATIONHOST.format
    dialect: ClassVar[Dialect] = APPLICATIONHOST
    is_iis: ClassVar[bool] = True
    certificates_in_file: ClassVar[bool] = False

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of ``site`` with their virtual directories, in file order.

        An application without ``applicationPool`` (or ``enabledProtocols``) takes the value
        of the site's ``applicationDefaults``, else that of ``<sites><applicationDefaults>``;
        ``inherited`` names the fields so filled in.  Each virtual directory carries its user
        name, logon method, allowSubDirConfig and whether it has a password: its own, else
        those of the nearest ``<virtualDirectoryDefaults>`` (application, site, ``<sites>``).
        """
        return self._applications_of(self._entry(site))

    def _applications_of(self, entry: SiteElement) -> tuple[Application, ...]:
        parts: SiteParts | CleanApplications | None = None
        if not self.exact:
            parts = clean_applications(self.xml.text, entry.start, entry.end)
        if parts is None:
            parts = read_site_parts(self.xml.text, entry.element, exact=self.exact)
        if parts.repeated:
            raise self.xml.located(
                DuplicateDefaultsError,
                entry.start,
                f"site {entry.name!r} holds <{parts.repeated[0]}> more than once (in the site or "
                "in one application); IIS does not accept a repeated element, so what its "
                "applications inherit is not defined: merge them into one (check names the line)",
            )
        fallbacks = self._application_fallbacks(parts.application_defaults)
        directory_values = self._defaults()[0].directory_values
        site_directory_defaults = parts.directory_defaults
        applications: list[Application] = []
        for (app, vdirs), nearer in zip(
            parts.applications, parts.application_directory_defaults, strict=True
        ):
            pool, protocols, inherited = _inherited(
                app.get("applicationPool"), app.get("enabledProtocols"), fallbacks
            )
            directories = (nearer, site_directory_defaults)
            applications.append(
                Application(
                    app.get("path", ""),
                    pool,
                    tuple(directory_values(v, directories) for v in vdirs),
                    protocols,
                    inherited,
                )
            )
        return tuple(applications)

    def _application_fallbacks(
        self, site_defaults: dict[str, str] | None
    ) -> tuple[str | None, str | None]:
        """The pool and protocols of an application of a site whose own
        ``<applicationDefaults>`` is ``site_defaults`` that names none (None: nothing)."""
        defaults = self._defaults()[0]
        own = site_defaults or {}
        return (
            own.get("applicationPool", defaults.application_pool) or None,
            own.get("enabledProtocols", defaults.enabled_protocols) or None,
        )

    def listed_applications(self) -> Iterator[tuple[ListedApplication, ...]] | None:
        """See :meth:`ConfigDocument.listed_applications`: the applications of a site written
        as IIS writes it are read from its text as written, without their values."""
        if self.exact:
            return None
        entries = self._index().sites
        if len({entry.id for entry in entries}) < len(entries):
            # Its site may not be the one an id selects (or none may be).
            return None
        return self._listed_applications(entries)

    def _listed_applications(
        self, entries: Sequence[SiteElement]
    ) -> Iterator[tuple[ListedApplication, ...]]:
        text = self.xml.text
        # Those of a site without <applicationDefaults> of its own (most sites): the same for
        # every such site of this text.
        shared: tuple[str | None, str | None] | None = None
        for entry in entries:
            read = listed_applications(text, entry.start, entry.end)
            if read is None:
                yield tuple(map(ListedApplication.of, self._applications_of(entry)))
                continue
            applications, site_defaults = read
            if site_defaults is not None:
                fallbacks = self._application_fallbacks(site_defaults)
            else:
                if shared is None:
                    shared = self._application_fallbacks(None)
                fallbacks = shared
            listed: list[ListedApplication] = []
            for path, own_pool, own_protocols, directories in applications:
                pool, _, inherited = _inherited(own_pool, own_protocols, fallbacks)
                listed.append(ListedApplication(path, pool, inherited, tuple(directories)))
            yield tuple(listed)

    def placeholder_steps(self, handover: Handover) -> tuple[str, ...]:
        from metaclone.handover import iis_express_steps  # noqa: PLC0415 - see TYPE_CHECKING

        if self.is_iis_express:
            return iis_express_steps(handover)
        return self.dialect.placeholder_steps(handover)

    def keep_only(self, sites: Iterable[SiteKey]) -> None:
        """Remove every ``<SITE>`` but those of ``sites``, so that the document is exactly
        what ``appcmd add site /in`` should add (appcmd XML only)."""
        if not self.dialect.standalone_sites:
            super().keep_only(sites)
            return
        kept = {self._entry(site).block.start for site in sites}
        editor = self.xml.edit()
        for entry in self._index().sites:
            if entry.block.start not in kept:
                editor.remove_element(entry.block)
        editor.commit()

    def site_element(self, site: SiteKey) -> Element:
        """The ``<site>`` element of ``site`` (inside its ``<SITE>`` in appcmd XML)."""
        return self._entry(site).element

    @property
    def default_application_pool(self) -> str | None:
        """``<sites><applicationDefaults applicationPool>``: the pool of applications that
        name none (unless their site's own applicationDefaults does)."""
        return self._index().default_pool

    @property
    def location_blocks(self) -> tuple[LocationEntry, ...]:
        """The ``<location>`` blocks directly under ``<configuration>``, in file order."""
        return tuple(self._index().locations)

    @property
    def metadata_keys(self) -> tuple[MetadataKey, ...]:
        """The ``<customMetadata><key>`` elements, in file order."""
        return tuple(self._index().metadata_keys)

    @property
    def application_pool_elements(self) -> tuple[Element, ...]:
        """The children of ``<applicationPools>``: each ``<add>`` and the pool defaults."""
        pools = self._index().pools_element
        return () if pools is None else tuple(self.xml.children(pools))

    def declared_section_groups(self) -> frozenset[str]:
        """The section groups ``<configSections>`` declares, as paths (``system.webServer``)."""
        xml = self.xml
        declared = xml.child(xml.root, "configSections")
        found: set[str] = set()
        pending = [(declared, "")] if declared is not None else []
        while pending:
            parent, prefix = pending.pop()
            for group in xml.children(parent):
                name = xml.get(group, "name")
                if group.name == "sectionGroup" and name:
                    found.add(prefix + name)
                    pending.append((group, f"{prefix}{name}/"))
        return frozenset(found)

    def check(self) -> list[Finding]:
        """Problems in the sites and what refers to them; the document is not changed.

        In a file whose ``<sites>`` repeats a default element the sites have no defined values
        (:class:`~metaclone.errors.DuplicateDefaultsError`): only the schema is checked.
        """
        # The checks (with their validators) are imported by the commands that check.
        from metaclone.iis7.checks import schema_findings, site_findings  # noqa: PLC0415

        try:
            sites, clean = self.checked_sites()
        except DuplicateDefaultsError:
            return schema_findings(self.xml, self._index(), self.ssl_flag_bits, exact=self.exact)
        return site_findings(
            self.xml,
            self._index(),
            sites,
            ssl_bits=self.ssl_flag_bits,
            sslcerts=self._sslcert_by_endpoint if self._sslcerts_attached else None,
            exact=self.exact,
            clean=clean,
        )

    @property
    def sections(self) -> tuple[Element | None, Element | None]:
        """The ``<sites>`` and ``<applicationPools>`` elements (None where the file has none)."""
        index = self._index()
        return index.sites_element, index.pools_element

    @property
    def last_site_element(self) -> Element | None:
        """The last ``<site>`` element, after which a new site goes."""
        sites = self._index().sites
        return sites[-1].element if sites else None

    @property
    def locations(self) -> tuple[LocationEntry, ...]:
        """The ``<location>`` blocks directly under ``<configuration>``, in file order."""
        return tuple(self._index().locations)

    def binding_findings(self, site: SiteKey) -> list[Finding]:
        """What :meth:`check` says about ``site``'s bindings: clashes with other started sites,
        HTTP.sys endpoints shared with other sites, endpoints without a certificate."""
        from metaclone.iis7.checks import binding_clashes  # noqa: PLC0415 - see check
        from metaclone.iis7.endpoint_checks import certificate_findings  # noqa: PLC0415

        wanted = self.site(site)
        sites = self.sites
        # The findings name the other sites of a clash or an endpoint in their message.
        marks = (f"(id {wanted.id})", f"sites {wanted.id} {wanted.name!r} and ")
        sslcerts = self._sslcert_by_endpoint if self._sslcerts_attached else None
        found = binding_clashes(sites) + certificate_findings(sites, sslcerts)
        return [
            f for f in found if f.site_id == wanted.id or any(mark in f.message for mark in marks)
        ]

    def delete_site(self, site: SiteKey) -> None:
        """Remove a site with its location blocks and customMetadata keys."""
        index = self._index()
        entry = self._editable(self._entry(site))
        editor = self.xml.edit()
        editor.remove_element(entry.block)
        for loc in index.locations_of(entry.name):
            editor.remove_element(loc.element)
        for key in index.keys_of(entry.id):
            editor.remove_element(key.element)
        editor.commit()

    def rename_site(self, site: SiteKey, new_name: str) -> Site:
        """Rename a site; its location blocks and customMetadata name follow."""
        index = self._index()
        entry = self._editable(self._entry(site))
        name = self._check_new_name(new_name, index, allow=entry.id)
        editor = self.xml.edit()
        editor.set_attribute(entry.element, "name", name)
        wrapped = self.dialect.wrapper_attributes
        if entry.wrapper is not None and wrapped is not None:
            editor.set_attribute(entry.wrapper, wrapped.name, name)
        for loc in index.locations_of(entry.name):
            editor.set_attribute(loc.element, "path", loc.renamed(name))
        for key in index.keys_of(entry.id):
            if key.is_site_root:
                for prop in elements_named(self.xml, key.element, "property"):
                    if (self.xml.get(prop, "id") or "").strip() in SITE_NAME_PROPERTIES:
                        editor.set_attribute(prop, "value", name)
        return self._commit_site_edit(editor, entry, name)

    def set_auto_start(self, site: SiteKey, auto_start: bool) -> Site:
        """Set ``serverAutoStart`` (only written when it differs from what the file says)."""
        entry = self._editable(self._entry(site))
        editor = self.xml.edit()
        self._set_start(editor, entry, auto_start, clone=False)
        return self._commit_site_edit(editor, entry, entry.name)


class AppcmdDocument(AppHostDocument):
    """``appcmd list site /config /xml`` output: ``<appcmd><SITE ...><site>...</site></SITE>``.

    ``SITE.NAME``, ``SITE.ID``, the ``bindings`` summary and ``state`` change together with the
    inner ``<site>``, so the output feeds ``appcmd add site /in`` directly.
    """

    format: ClassVar[str] = APPCMD.format
    dialect: ClassVar[Dialect] = APPCMD


def _inherited(
    pool: str | None, protocols: str | None, fallbacks: tuple[str | None, str | None]
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The pool and protocols of an application that names ``pool`` and ``protocols`` (None
    or "": none), with the fields of them it inherits (see :meth:`AppHostDocument.applications`)."""
    inherited: list[str] = []
    if not pool:
        pool = fallbacks[0]
        if pool is not None:
            inherited.append("application_pool")
    if not protocols:
        protocols = fallbacks[1]
        if protocols is not None:
            inherited.append("enabled_protocols")
    return pool, protocols, tuple(inherited)

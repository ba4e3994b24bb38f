"""``metaclone check`` for IIS 7+: what IIS's schema would reject in the parts metaclone models.

The parts are the sites (with ``<siteDefaults>``), their bindings, applications and virtual
directories (with their defaults), the application pools and the ``<location>`` blocks; the
facts come from :mod:`metaclone.iis7.schema`.  Findings (codes documented in the README):

* ``schema-unknown-attribute``: an attribute the schema does not define (IIS refuses to read
  the file);
* ``schema-missing-attribute``: a required attribute is absent;
* ``schema-type``: a value that is not of the attribute's type (uint, bool, enum);
* ``schema-rule``: a value that breaks the attribute's validation rule (site and pool names,
  site ids, binding information, sslFlags bits, application and virtual directory paths);
* ``schema-duplicate-key``: two bindings, applications, virtual directories or pools with the
  same key (sites have ``duplicate-site-id`` and ``duplicate-site-name``);
* ``undefined-pool`` (warning): an application names a pool the file does not define.

The HTTP.sys endpoints of the sites' https bindings are checked by
:mod:`metaclone.iis7.endpoint_checks`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from metaclone import httpsys
from metaclone.iis7.children import (
    Child,
    children_with_attributes,
    decoded_attributes,
    raw_attributes,
)
from metaclone.iis7.clean_shapes import (
    application_start,
    clean_location_tag,
    clean_pool_names,
    clean_site,
)
from metaclone.iis7.endpoint_checks import certificate_findings
from metaclone.iis7.index import LocationEntry, SiteElement, SiteIndex, sites_level_elements
from metaclone.iis7.validators import (
    CERTIFICATE_ATTRIBUTES,
    attribute_validators,
    ignored,
    is_uint,
)
from metaclone.lossless import Element, XmlDocument
from metaclone.lossless.values import decode_attribute_value
from metaclone.model import rules
from metaclone.model.build import grouped, paused_garbage_collection
from metaclone.model.checks import common_checks
from metaclone.model.rules import name_key, name_keys
from metaclone.model.site_rules import IIS7_RULES
from metaclone.model.sites import Binding, Finding, Severity, Site
from metaclone.model.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.httpsys import SslCertEntry

#: The children of a site whose own children are checked.
_NESTED = frozenset({"bindings", "application"})

#: The elements a site (and ``<siteDefaults>``) may hold once each, other than the defaults.
SINGLE_CHILDREN = (
    "bindings",
    "limits",
    "logFile",
    "traceFailedRequestsLogging",
    "ftpServer",
    "hsts",
)


class _Checker:
    """Collects the findings of one document."""

    def __init__(self, xml: XmlDocument, index: SiteIndex, ssl_bits: int) -> None:
        self.xml = xml
        self.index = index
        self.ssl_bits = ssl_bits
        self.findings: list[Finding] = []
        self.certificate_findings: list[Finding] = []
        self.site_id: int | None = None
        # The last offset a finding was made at and its line: findings mostly come in file
        # order, and the line of the next is counted on from there.
        self._counted_to = 0
        self._line = 1

    def add(self, severity: Severity, code: str, message: str, offset: int) -> None:
        if offset >= self._counted_to:
            self._line += self.xml.text.count("\n", self._counted_to, offset)
            self._counted_to = offset
            line = self._line
        else:
            line = self.xml.line_of(offset)
        self.findings.append(Finding(severity, code, message, self.site_id, line))

    def attributes(self, item: Element | Child, schema_name: str) -> dict[str, str]:
        """Check the attributes of ``item`` against ``schema_name``; their values by name."""
        if isinstance(item, Child):
            element = item.element
            values = decoded_attributes(item.attribute_text)
        else:
            element = item
            raw = raw_attributes(self.xml.text, element.start_tag)
            values = {name: decode_attribute_value(value) for name, value in raw.items()}
        validators, required = attribute_validators(schema_name)
        for name, value in values.items():
            if name not in validators:
                if not ignored(name):
                    self.add(
                        Severity.ERROR,
                        "schema-unknown-attribute",
                        f"<{element.name}> has attribute {name!r}, which the IIS schema "
                        "does not define: IIS refuses to read the file",
                        self.offset_of(element, name),
                    )
                continue
            validator = validators[name]
            problem = validator(value) if validator is not None else None
            if problem is not None:
                self.add(
                    Severity.ERROR,
                    problem[0],
                    f"<{element.name} {name}={value!r}>: {problem[1]}",
                    self.offset_of(element, name, value=True),
                )
        for name in required:
            if name not in values:
                self.add(
                    Severity.ERROR,
                    "schema-missing-attribute",
                    f"<{element.name}> has no {name!r}, which the IIS schema requires",
                    element.start,
                )
        return values

    def offset_of(self, element: Element, name: str, *, value: bool = False) -> int:
        """Where attribute ``name`` (its value, with ``value``) of ``element`` starts."""
        found = self.xml.attribute(element.start_tag, name)
        if found is None:
            return element.start
        return found.value_start if value else found.name_start

    def once(
        self, elements: Sequence[Element], name: str, where: str, code: str = "duplicate-defaults"
    ) -> None:
        """Report every ``<name>`` of ``elements`` after the first: IIS accepts one."""
        for element in elements[1:]:
            self.add(
                Severity.ERROR,
                code,
                f"<{name}> appears again in {where} (first at line "
                f"{self.xml.line_of(elements[0].start)}); IIS does not accept a repeated "
                "element, so what it gives is not defined: merge them into one",
                element.start,
            )

    def unique(self, items: Sequence[tuple[str, Element]], what: str) -> None:
        """Report every item whose key (compared as IIS compares keys) came before."""
        if len(items) < 2:
            return  # most applications have one virtual directory
        seen: dict[str, Element] = {}
        for key, element in items:
            folded = rules.name_key(key)
            first = seen.setdefault(folded, element)
            if first is not element:
                self.add(
                    Severity.ERROR,
                    "schema-duplicate-key",
                    f"{what} {key!r} is defined twice (first at line "
                    f"{self.xml.line_of(first.start)}): IIS refuses the file",
                    element.start,
                )

    def children(self, parent: Element, name: str, nested: Collection[str] = ()) -> list[Child]:
        """The ``name`` children of ``parent`` (those named in ``nested`` with their own)."""
        found = children_with_attributes(self.xml.text, parent, nested)
        return [child for child in found if child.name == name]


def schema_findings(
    xml: XmlDocument, index: SiteIndex, ssl_bits: int, *, exact: bool = False
) -> list[Finding]:
    """What the IIS schema rejects in the modelled parts of the document (see module notes).

    Sites, pools and location tags written as IIS writes them are recognised whole
    (:mod:`metaclone.iis7.clean_shapes`); ``exact`` reads every one element by element, with
    the same findings.
    """
    with paused_garbage_collection():
        return _schema_pass(xml, index, ssl_bits, exact)[0]


def _schema_pass(
    xml: XmlDocument, index: SiteIndex, ssl_bits: int, exact: bool, clean: Collection[int] = ()
) -> tuple[list[Finding], list[Finding]]:
    """:func:`schema_findings`, and apart, the site bindings that carry certificate
    attributes: one read of every site (``clean``: where those start that are known to have
    the shape of ``clean_site``)."""
    checker = _Checker(xml, index, ssl_bits)
    _check_sites(checker, _check_pools(checker, exact), exact, clean)
    if index.sites_element is not None and index.sites_element.name == "sites":
        for name in ("siteDefaults", "applicationDefaults", "virtualDirectoryDefaults"):
            elements = [
                element
                for element, _ in sites_level_elements(
                    xml.text, index.sites_element, index.sites, name
                )
            ]
            for element in elements:
                checker.attributes(element, name)
                if name == "siteDefaults":
                    children = children_with_attributes(xml.text, element, _NESTED)
                    _check_bindings(checker, [c for c in children if c.name == "bindings"])
                    _once_each(checker, grouped((c.name, c) for c in children), "<siteDefaults>")
            checker.once(elements, name, "<sites>")
    for location in index.locations:
        if exact or not clean_location_tag(xml.text, location.start, location.content_start):
            checker.attributes(location.element, "location")
    return checker.findings, checker.certificate_findings


def _check_sites(
    checker: _Checker, pools: set[str] | None, exact: bool, shaped: Collection[int]
) -> None:
    """Check every site: whole when it is written as IIS writes it, else element by element
    (``shaped``: where the sites start whose shape the listing pass already matched)."""
    text, ssl_bits = checker.xml.text, checker.ssl_bits
    for entry in checker.index.sites:
        checker.site_id = entry.id
        shape = entry.start in shaped
        clean = None if exact else clean_site(text, entry.start, entry.end, ssl_bits, shape)
        if clean is None:
            checker.attributes(entry.element, "site")
            _check_site_children(checker, entry, pools)
            continue
        for path, pool in clean:
            if pools is not None and pool and rules.name_key(pool) not in pools:
                _undefined_pool(
                    checker, path, pool, application_start(text, entry.start, entry.end, path)
                )
    checker.site_id = None


def _check_pools(checker: _Checker, exact: bool) -> set[str] | None:
    """Check the pools; their names by key (None: the file defines no pools section)."""
    pools_element = checker.index.pools_element
    if pools_element is None:
        return None
    clean = None if exact else clean_pool_names(checker.xml.text, pools_element)
    if clean is not None:
        return {rules.name_key(name) for name in clean}
    names: list[tuple[str, Element]] = []
    for add in checker.children(pools_element, "add"):
        values = checker.attributes(add, "pool")
        if "name" in values:
            names.append((values["name"], add.element))
    checker.unique(names, "application pool")
    return {rules.name_key(name) for name, _ in names}


def _check_site_children(checker: _Checker, entry: SiteElement, pools: set[str] | None) -> None:
    children = grouped(
        (child.name, child)
        for child in children_with_attributes(checker.xml.text, entry.element, _NESTED)
    )
    _check_bindings(checker, children.get("bindings", ()), site=entry)
    _once_each(checker, children, "the site")
    paths: list[tuple[str, Element]] = []
    for name in ("applicationDefaults", "virtualDirectoryDefaults"):
        for element in children.get(name, ()):
            checker.attributes(element, name)
        checker.once([child.element for child in children.get(name, ())], name, "the site")
    for application in children.get("application", ()):
        values = checker.attributes(application, "application")
        paths.append((values.get("path", ""), application.element))
        _check_pool_defined(
            checker,
            values.get("path", ""),
            values.get("applicationPool"),
            application.element.start,
            pools,
        )
        directories: list[tuple[str, Element]] = []
        for directory in application.children:
            if directory.name == "virtualDirectory":
                directory_values = checker.attributes(directory, "virtualDirectory")
                directories.append((directory_values.get("path", ""), directory.element))
        directory_defaults = [
            child for child in application.children if child.name == "virtualDirectoryDefaults"
        ]
        for element in directory_defaults:
            checker.attributes(element, "virtualDirectoryDefaults")
        if len(directory_defaults) > 1:
            checker.once(
                [c.element for c in directory_defaults],
                "virtualDirectoryDefaults",
                "the application",
            )
        checker.unique(directories, "virtual directory")
    checker.unique(paths, "application")


def _once_each(checker: _Checker, children: Mapping[str, Sequence[Child]], where: str) -> None:
    """Report the :data:`SINGLE_CHILDREN` written more than once among ``children``: which of
    them IIS would read is not defined (the site's bindings would be read from both)."""
    repeated = [
        (name, children[name]) for name in SINGLE_CHILDREN if len(children.get(name, ())) > 1
    ]
    # In file order, by where each element is first repeated.
    for name, elements in sorted(repeated, key=lambda pair: pair[1][1].element.start):
        checker.once([child.element for child in elements], name, where, "duplicate-element")


def _check_pool_defined(
    checker: _Checker, path: str, pool: str | None, offset: int, pools: set[str] | None
) -> None:
    """Warn when the application ``path`` at ``offset`` names a pool the file lacks."""
    if pools is not None and pool and rules.name_key(pool) not in pools:
        _undefined_pool(checker, path, pool, offset)


def _undefined_pool(checker: _Checker, path: str, pool: str, offset: int) -> None:
    """Warn that the application ``path`` at ``offset`` names ``pool``, which the file lacks."""
    checker.add(
        Severity.WARNING,
        "undefined-pool",
        f"application {path!r} runs in application pool {pool!r}, "
        "which this file does not define: IIS answers its requests with 503",
        offset,
    )


def _check_bindings(
    checker: _Checker, containers: Iterable[Child], site: SiteElement | None = None
) -> None:
    """Check the ``<binding>`` children of ``containers``; those of ``site`` are looked at for
    certificate attributes too."""
    keys: list[tuple[str, Element]] = []
    for container in containers:
        for child in container.children:
            if child.name != "binding":
                continue
            element = child.element
            values = checker.attributes(child, "binding")
            if site is not None and not CERTIFICATE_ATTRIBUTES.isdisjoint(values):
                checker.certificate_findings.append(
                    _certificate_on_binding(checker.xml, site, element)
                )
            protocol = values.get("protocol", "")
            information = values.get("bindingInformation", "")
            keys.append((f"{protocol}/{information}", element))
            flags_text = values.get("sslFlags")
            flags = int(flags_text) if flags_text is not None and is_uint(flags_text) else None
            if flags_text is not None and flags is None:
                continue  # reported as schema-type
            problem = binding_problem(
                Binding.from_information(protocol, information, flags), checker.ssl_bits
            )
            if problem is not None and protocol.strip() and information.strip():
                checker.add(
                    Severity.ERROR,
                    "schema-rule",
                    f"binding {protocol}/{information}: {problem}",
                    element.start,
                )
    checker.unique(keys, "binding")


def _certificate_on_binding(xml: XmlDocument, site: SiteElement, binding: Element) -> Finding:
    return Finding(
        Severity.ERROR,
        "certificate-on-binding",
        f"site {site.name!r}: <binding> carries certificateHash or certificateStoreName, which "
        "the IIS schema rejects (the certificate belongs in HTTP.sys)",
        site.id,
        xml.line_of(binding.start),
    )


def site_findings(
    xml: XmlDocument,
    index: SiteIndex,
    sites: Sequence[Site],
    *,
    ssl_bits: int,
    sslcerts: Mapping[httpsys.Endpoint, SslCertEntry] | None,
    exact: bool = False,
    clean: Collection[int] = (),
) -> list[Finding]:
    """Problems in the sites of an IIS 7+ file and what refers to them (``sslcerts``: the
    attached HTTP.sys entries by endpoint, None when none are attached; ``exact``: as for
    :func:`schema_findings`; ``clean``: where the sites start whose shape the listing matched).

    The findings and what they are made from hold no reference cycles, so the collector is
    paused while they are made (see :func:`~metaclone.model.build.paused_garbage_collection`).
    """
    with paused_garbage_collection():
        return _site_findings(
            xml, index, sites, ssl_bits=ssl_bits, sslcerts=sslcerts, exact=exact, clean=clean
        )


def _site_findings(
    xml: XmlDocument,
    index: SiteIndex,
    sites: Sequence[Site],
    *,
    ssl_bits: int,
    sslcerts: Mapping[httpsys.Endpoint, SslCertEntry] | None,
    exact: bool,
    clean: Collection[int],
) -> list[Finding]:
    findings: list[Finding] = []
    findings.extend(common_checks(sites, IIS7_RULES))
    names = set(name_keys([s.name for s in sites]))
    for loc in index.locations:
        if loc.site_name is not None and name_key(loc.site_name) not in names:
            findings.append(orphan_finding(xml, loc))
    findings.extend(
        Finding(Severity.ERROR, "inconsistent-site", message, None, xml.line_of(offset))
        for offset, message in index.problems
    )
    schema, certificate_attributes = _schema_pass(xml, index, ssl_bits, exact, clean)
    findings.extend(schema)
    ids = {s.id for s in sites}
    reported: set[int] = set()
    for key in index.metadata_keys:
        if key.site_id is not None and key.site_id not in ids and key.site_id not in reported:
            reported.add(key.site_id)
            findings.append(
                Finding(
                    Severity.WARNING,
                    "stale-metadata",
                    f"customMetadata key {key.path!r} belongs to site id {key.site_id}, "
                    "which no site has; a new site given that id would inherit it "
                    "(Microsoft KB 3202096)",
                    key.site_id,
                    xml.line_of(key.element.start),
                )
            )
    findings.extend(certificate_findings(sites, sslcerts))
    findings.extend(certificate_attributes)
    return findings


def orphan_finding(xml: XmlDocument, loc: LocationEntry) -> Finding:
    """The finding on a location block that names no site."""
    return Finding(
        Severity.WARNING,
        "orphaned-location",
        f"<location path={loc.path!r}> names no site; it is left as it is",
        None,
        xml.line_of(loc.element.start),
    )


def binding_clashes(sites: Sequence[Site]) -> list[Finding]:
    """Bindings two started sites both listen on (``duplicate-binding``, as every format
    reports them)."""
    return [f for f in common_checks(sites, IIS7_RULES) if f.code == "duplicate-binding"]

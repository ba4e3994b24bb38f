"""``sites``, ``clone``, ``delete``, ``start``, ``stop`` and ``rename``."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from metaclone.cli.console import EXIT_OK, Console, Handler
from metaclone.cli.held_texts import HeldTexts
from metaclone.cli.inputs import given_bindings, load_document
from metaclone.cli.outputs import (
    check_destinations,
    emit,
    endpoint_text,
    input_bytes,
    json_listing_encoded,
    served_by_text,
)
from metaclone.document import ConfigDocument, SiteKey
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import ListedApplication, ListedJson, ListedSite, Site, SiteKind

if TYPE_CHECKING:
    from metaclone.model.sites import Application, SiteSettings

#: The mark after a value the site inherits, and the line that explains it.
INHERITED_MARK = "*"
INHERITED_LEGEND = (
    f"{INHERITED_MARK} inherited: not set on the site or application itself "
    "(IIS 7 <siteDefaults> or <applicationDefaults>, IIS 6 a key above it)"
)


def site_line(site: Site) -> str:
    """One line for ``site``; a value it inherits is marked :data:`INHERITED_MARK`."""
    # Binding.summary written out: this runs for every binding of every listed site.
    bindings = ", ".join([f"{b.protocol}/{b.binding_information}" for b in site.bindings])
    own = site.certificate
    if own is not None:
        certificate = f"{own.thumbprint} ({own.store})"
    elif "https/" not in bindings.lower():
        # Every https binding shows as "https/..." in any case: there is none.
        certificate = "-"
    else:
        certificate = _binding_certificates(site)
    return _line(
        site.id, site.name, site.kind, site.auto_start, bindings, certificate, site.inherited
    )


def listed_line(site: ListedSite) -> str:
    """:func:`site_line` of the site ``site`` shows (an IIS 6 site: its https bindings carry
    its certificate, which is known to be missing when it has none)."""
    own = site.certificate
    if own is not None:
        certificate = f"{own.thumbprint} ({own.store})"
    else:
        certificate = "waiting for a certificate" if site.secure else "-"
    return _line(
        site.id, site.name, site.kind, site.auto_start, site.bindings, certificate, site.inherited
    )


def _line(  # noqa: PLR0917 (the parts of a listing line)
    ident: int,
    name: str,
    kind: SiteKind,
    auto_start: bool,
    bindings: str,
    certificate: str,
    inherited: tuple[str, ...],
) -> str:
    """The listing line of a site with the bindings summary ``bindings`` and the certificate
    text ``certificate``, marking what it inherits."""
    state = "[started]" if auto_start else "[stopped]"
    bindings = bindings or "-"
    cert_mark = ""
    if inherited:
        if "auto_start" in inherited:
            state += INHERITED_MARK
        if "bindings" in inherited:
            bindings = f"({bindings}){INHERITED_MARK}"
        if "certificate" in inherited:
            cert_mark = INHERITED_MARK
    shown = " ftp" if kind is SiteKind.FTP else ""
    return f"{ident:>10}  {name}{shown}  {state}  {bindings}  cert: {certificate}{cert_mark}"


def _binding_certificates(site: Site) -> str:
    """What :func:`site_line` shows of the certificates of a site with https bindings and no
    certificate of its own (:attr:`Site.waiting_for_certificate`, the bindings looked at once)."""
    secure = [b for b in site.bindings if b.is_secure]
    if any(b.certificate for b in secure):
        return ", ".join(
            sorted({f"{c.thumbprint} ({c.store})" for b in secure if (c := b.certificate)})
        )
    if not secure:
        return "-"
    if site.certificate_known:
        return "waiting for a certificate"
    return "in HTTP.sys (give --sslcert to show it)"


def inherited_legend(sites: Sequence[Site] | Sequence[ListedSite]) -> str | None:
    """The line that explains :data:`INHERITED_MARK`, when one of ``sites`` shows it."""
    return INHERITED_LEGEND if any(site.inherited for site in sites) else None


def _application_line(application: Application) -> str:
    directories = ", ".join(
        f"{d.path} = {d.physical_path}" for d in application.virtual_directories
    )
    return _shown_application(
        application.path, application.application_pool, application.inherited, directories
    )


def _listed_application_line(application: ListedApplication) -> str:
    """:func:`_application_line` of the application ``application`` shows."""
    directories = ", ".join([f"{path} = {folder}" for path, folder in application.directories])
    return _shown_application(
        application.path, application.application_pool, application.inherited, directories
    )


def _shown_application(
    path: str, pool: str | None, inherited: tuple[str, ...], directories: str
) -> str:
    shown_pool = pool or "-"
    if "application_pool" in inherited:
        shown_pool += INHERITED_MARK
    return f"{'':>12}app {path}  pool: {shown_pool}  {directories or '-'}"


def _selected_sites(doc: ConfigDocument, keys: Sequence[str]) -> tuple[Site, ...]:
    """The sites named by ``keys`` (ids or names) in the order given, each once; all without."""
    if not keys:
        return doc.sites
    chosen: dict[tuple[int, int | None], Site] = {}
    for key in keys:
        site = doc.site(key)
        chosen.setdefault((site.id, site.line), site)
    return tuple(chosen.values())


def _site_json(doc: ConfigDocument, site: Site) -> dict[str, object]:
    """``site`` as JSON; with netsh output attached, each https binding also names the HTTP.sys
    entry a change would write (``endpoint``) and the one that serves it now (``served_by``)."""
    data = site.to_json()
    if doc.sslcerts_known and site.secure_bindings:
        data["bindings"] = [
            {**b.to_json(), "endpoint": endpoint_text(b), "served_by": served_by_text(doc, b)}
            if b.is_secure
            else b.to_json()
            for b in site.bindings
        ]
    return data


def _encoded_sites(
    doc: ConfigDocument,
    sites: Sequence[Site],
    settings: Sequence[SiteSettings | None],
    every_applications: HeldTexts | None,
) -> Iterator[str]:
    """The JSON text of each site of ``sites`` as :func:`_site_json` gives it, with the
    settings in ``settings`` at the same place and (when given) the JSON text of its
    applications (:func:`_applications_json`)."""
    import json

    from metaclone.cli.site_json import SiteJson

    encoder = SiteJson()
    applications = iter(every_applications) if every_applications is not None else None
    for at, site in enumerate(sites):
        if doc.sslcerts_known:
            data = _site_json(doc, site)
            own = settings[at]
            data["settings"] = own.to_json() if own is not None else None
            text = json.dumps(data)
        else:
            text = encoder.site(site, settings[at])
        if applications is not None:
            text = f'{text[:-1]}, "applications": {next(applications)}}}'
        yield text


def _list_json(
    args: argparse.Namespace, console: Console, doc: ConfigDocument, listed: ListedJson
) -> int:
    """``sites --json`` from :meth:`ConfigDocument.listed_json`: the applications too are read
    before anything is printed."""
    fields: dict[str, object] = {"format": doc.format, "path": args.file}
    every: Iterable[str] | None = listed.applications
    if every is None and args.applications:
        every = _every_applications_json(doc, listed.ids)
    texts = _listed_texts(listed.texts, every)
    console.json("sites", json_listing_encoded(fields, "sites", texts))
    return EXIT_OK


def _listed_texts(
    listed: Iterator[str | Site], every_applications: Iterable[str] | None
) -> Iterator[str]:
    """The JSON text of each site of :meth:`ConfigDocument.listed_json`, with (when given)
    the JSON text of its applications, as :func:`_encoded_sites` writes them."""
    from metaclone.cli.site_json import SiteJson

    encoder = SiteJson()
    applications = iter(every_applications) if every_applications is not None else None
    for item in listed:
        text = item if isinstance(item, str) else encoder.site(item, item.settings)
        if applications is not None:
            text = f'{text[:-1]}, "applications": {next(applications)}}}'
        yield text


def _every_applications_json(doc: ConfigDocument, sites: Sequence[SiteKey]) -> HeldTexts:
    """The JSON text of the applications of each site ``sites`` name, in order: kept until the
    listing is printed, compressed (see :class:`HeldTexts`), it holds far less memory than
    the values or the texts themselves."""
    import json

    held = HeldTexts()
    for site in sites:
        held.append(json.dumps([a.to_json() for a in doc.applications(site)]))
    return held


def cmd_sites(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    listed = None if args.json or args.applications or args.names else doc.listed_sites()
    if listed is not None:
        with paused_garbage_collection():
            console.out(f"{args.file}: {doc.format}, {len(listed)} site(s)\n")
            console.out_lines(map(listed_line, listed))
            legend = inherited_legend(listed)
            if legend is not None:
                console.out(legend + "\n")
        return EXIT_OK
    if args.json and not args.names:
        with paused_garbage_collection():
            listed_json = doc.listed_json(applications=args.applications)
            if listed_json is not None:
                return _list_json(args, console, doc, listed_json)
    if args.applications and not (args.json or args.names):
        with paused_garbage_collection():
            listed_both = doc.listed_sites_and_applications()
            if listed_both is not None:
                _list_listed_applications(args, console, doc, *listed_both)
                return EXIT_OK
    sites = _selected_sites(doc, args.names)
    # The output of a large listing is built from many short-lived values, each burst of
    # which would otherwise start a collection walking every site read.
    with paused_garbage_collection():
        return _list_sites(args, console, doc, sites)


def _list_listed_applications(
    args: argparse.Namespace,
    console: Console,
    doc: ConfigDocument,
    listed: Sequence[ListedSite],
    every_applications: Iterator[tuple[ListedApplication, ...]],
) -> None:
    """The listing of the sites and their applications from
    :meth:`ConfigDocument.listed_sites_and_applications`, as :func:`_list_sites` writes it
    from :attr:`ConfigDocument.sites`."""
    console.out(f"{args.file}: {doc.format}, {len(listed)} site(s)\n")
    inherited = _Inherited()
    # One stream of lines for every site: a write for each of tens of thousands of sites
    # costs more than making their lines.
    console.out_lines(
        line
        for site, applications in zip(listed, every_applications, strict=True)
        for line in (listed_line(site), *map(_listed_application_line, inherited(applications)))
    )
    legend = inherited_legend(listed) or inherited.legend
    if legend is not None:
        console.out(legend + "\n")


_Applications = TypeVar("_Applications", tuple["Application", ...], tuple[ListedApplication, ...])


class _Inherited:
    """Passes applications through and remembers whether one of them showed an inherited
    value, for the legend after the listing."""

    legend: str | None = None

    def __call__(self, applications: _Applications) -> _Applications:
        if self.legend is None and any(a.inherited for a in applications):
            self.legend = INHERITED_LEGEND
        return applications


def _list_sites(
    args: argparse.Namespace, console: Console, doc: ConfigDocument, sites: Sequence[Site]
) -> int:
    if args.json:
        fields: dict[str, object] = {"format": doc.format, "path": args.file}
        # The file is read before anything is printed: a site's settings or applications may
        # still hold an error.  Then each site is encoded as it is printed.
        # Only the settings are kept: a copy of every site would be held to the end.
        settings = [doc.with_settings(s).settings for s in sites]
        every = _every_applications_json(doc, sites) if args.applications else None
        encoded = _encoded_sites(doc, sites, settings, every)
        console.json("sites", json_listing_encoded(fields, "sites", encoded))
        return EXIT_OK
    console.out(f"{args.file}: {doc.format}, {len(sites)} site(s)\n")
    inherited = _Inherited()
    listed = None if args.names or not args.applications else doc.listed_applications()
    if not args.applications:
        console.out_lines(site_line(site) for site in sites)
    elif listed is not None:
        console.out_lines(
            line
            for site, shown in zip(sites, listed, strict=True)
            for line in (site_line(site), *map(_listed_application_line, inherited(shown)))
        )
    else:
        console.out_lines(
            line
            for site in sites
            for line in (
                site_line(site),
                *map(_application_line, inherited(doc.applications(site))),
            )
        )
    legend = inherited_legend(sites) or inherited.legend
    if legend is not None:
        console.out(legend + "\n")
    return EXIT_OK


def cmd_clone(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = input_bytes(args, doc)
    bindings = given_bindings(args.bindings)
    # Read before the clone, which leaves it as it is: reading it after would index the new
    # text, which writing the document does not need.
    source = doc.site(args.site)
    # A clone that fails changes nothing by itself; a transaction is needed only when the
    # bindings are set after it.
    with doc.transaction() if bindings is not None else contextlib.nullcontext():
        new = doc.clone_site(args.site, new_id=args.id, new_name=args.name, auto_start=args.started)
        if bindings is not None:
            new = doc.set_bindings(new, bindings)
    check_destinations(args)
    console.note(
        f"metaclone: cloned site {source.id} {source.name!r} as site {new.id} {new.name!r}"
        f" ({'started' if new.auto_start else 'stopped'})"
    )
    return emit(args, console, doc, before)


def cmd_delete(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = input_bytes(args, doc)
    site = doc.site(args.site)
    doc.delete_site(site)
    console.note(f"metaclone: deleted site {site.id} {site.name!r}")
    return emit(args, console, doc, before)


def cmd_rename(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = input_bytes(args, doc)
    site = doc.site(args.site)
    renamed = doc.rename_site(site, args.name)
    console.note(f"metaclone: renamed site {site.id} {site.name!r} to {renamed.name!r}")
    return emit(args, console, doc, before)


def _cmd_auto_start(value: bool) -> Handler:
    def handler(args: argparse.Namespace, console: Console) -> int:
        doc = load_document(args)
        before = input_bytes(args, doc)
        state = "started" if value else "stopped"
        current = doc.site(args.site)
        if current.auto_start == value:
            console.note(
                f"metaclone: site {current.id} {current.name!r} is already marked {state}; "
                "nothing written"
            )
            return EXIT_OK
        site = doc.set_auto_start(current, value)
        check_destinations(args)
        console.note(f"metaclone: site {site.id} {site.name!r} marked {state}")
        return emit(args, console, doc, before)

    return handler


cmd_start = _cmd_auto_start(True)
cmd_stop = _cmd_auto_start(False)

"""What every configuration document offers, whatever its format.

The IIS 6 and IIS 7 documents implement the same site operations, so that the placeholder
workflow and the command line are written once against this class.  Each operation either
completes or raises a :class:`~metaclone.errors.MetacloneError` with the document unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar

from metaclone.errors import AmbiguousSiteError, SiteNotFoundError, UnsupportedDocumentError
from metaclone.lossless import XmlDocument
from metaclone.messages import LISTED_ITEMS, listing, quoted
from metaclone.model.build import grouped
from metaclone.model.rules import name_key
from metaclone.model.sites import (
    Application,
    Binding,
    CertificateInput,
    Finding,
    Site,
    SiteKind,
    is_ascii_number,
)

if TYPE_CHECKING:
    from metaclone.handover import Handover
    from metaclone.httpsys import HttpSysPlan, SslCertEntry

SiteKey = int | str | Site

_Candidate = TypeVar("_Candidate")


def select_site(
    candidates: Sequence[_Candidate],
    key: SiteKey,
    identity: Callable[[_Candidate], tuple[int, str, SiteKind]],
    *,
    path: str,
    format: str,
) -> _Candidate:
    """The candidate that ``key`` selects, by the rules of :meth:`ConfigDocument.site`.

    ``identity`` gives a candidate's id, name and kind, so that a document can select among
    light index entries without building a Site for each.
    """
    if isinstance(key, Site):
        key = key.id if key.kind is SiteKind.WEB else f"ftp/{key.id}"
    kind = SiteKind.WEB
    if isinstance(key, str) and key.lower().startswith("ftp/") and is_ascii_number(key[4:]):
        kind, key = SiteKind.FTP, int(key[4:])
    if isinstance(key, int) or is_ascii_number(key.strip()):
        number = int(key)
        by_id = [c for c in candidates if identity(c)[0] == number]
        if kind is SiteKind.FTP:
            by_id = [c for c in by_id if identity(c)[2] is kind]
        elif len(by_id) > 1:
            by_id = [c for c in by_id if identity(c)[2] is kind] or by_id
        if len(by_id) == 1:
            return by_id[0]
        if len(by_id) > 1:
            raise AmbiguousSiteError(
                f"{len(by_id)} sites have id {number}: "
                + listing(repr(identity(c)[1]) for c in by_id),
                path=path,
            )
        if isinstance(key, int):
            what = "FTP site" if kind is SiteKind.FTP else "site"
            raise _not_found(f"{what} with id {number}", candidates, identity, path, format)
    name = name_key(str(key).strip())
    by_name = [c for c in candidates if name_key(identity(c)[1]) == name]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise AmbiguousSiteError(
            f"{len(by_name)} sites are named {str(key).strip()!r} (ids "
            + listing(str(identity(c)[0]) for c in by_name)
            + "); give the id instead",
            path=path,
        )
    shown = str(key).strip()
    # Digits were looked up as an id first, then as a name: the message says both.
    what = f"site with id or name {shown}" if is_ascii_number(shown) else f"site named {shown!r}"
    raise _not_found(what, candidates, identity, path, format)


def _not_found(
    what: str,
    candidates: Sequence[_Candidate],
    identity: Callable[[_Candidate], tuple[int, str, SiteKind]],
    path: str,
    format: str,
) -> SiteNotFoundError:
    known = listing(
        (f"{identity(c)[0]} {quoted(identity(c)[1])}" for c in candidates[:LISTED_ITEMS]),
        total=len(candidates),
    )
    return SiteNotFoundError(
        f"no {what} in this {format} document"
        + (f" (sites: {known})" if known else " (it has no sites)"),
        path=path,
    )


class ConfigDocument:
    """A loaded configuration file: the exact bytes plus a model of its sites.

    ``notes`` collects findings that operations report without refusing (a COM+ package shared
    with the source of a clone, a location block left alone, ...); callers may read and clear it.
    """

    format: ClassVar[str] = "xml"

    def __init__(self, xml: XmlDocument) -> None:
        self.xml = xml
        self.notes: list[Finding] = []
        self._site_groups_cache: (
            tuple[tuple[Site, ...], dict[int, tuple[Site, ...]], dict[str, tuple[Site, ...]]] | None
        ) = None

    @property
    def path(self) -> str:
        return self.xml.path

    @property
    def modified(self) -> bool:
        return self.xml.modified

    def to_bytes(self) -> bytes:
        """The document's bytes; identical to the input when nothing was changed."""
        return self.xml.to_bytes()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temporary file in the same folder, then replace)."""
        self.xml.save(path)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.format} {self.path!r}>"

    # -- reading ---------------------------------------------------------------------------

    @property
    def sites(self) -> tuple[Site, ...]:
        raise self._unsupported("list sites")

    def site(self, key: SiteKey) -> Site:
        """The site with id ``key`` or name ``key`` (names compare case-insensitively).

        A string of digits is taken as an id first and as a name only when no site has that
        id.  ``"ftp/21"`` selects FTP site 21 where FTP and web sites have separate ids (IIS 6).
        """
        sites = self.sites
        by_id, by_name = self._site_groups(sites)
        if isinstance(key, Site):
            # The very site, even in a broken file where two sites share an id.
            same = [s for s in by_id.get(key.id, ()) if (s.kind, s.line) == (key.kind, key.line)]
            if len(same) == 1:
                return same[0]
        elif (
            isinstance(key, str)
            and not is_ascii_number(key.strip())
            and not key.lower().startswith("ftp/")
        ):
            # The one site of that name is what select_site would choose, found without going
            # through every site of a large file ("ftp/..." keys are left to select_site).
            named = by_name.get(name_key(key.strip()), ())
            if len(named) == 1:
                return named[0]
        return select_site(
            sites, key, lambda s: (s.id, s.name, s.kind), path=self.path, format=self.format
        )

    def _site_groups(
        self, sites: tuple[Site, ...]
    ) -> tuple[dict[int, tuple[Site, ...]], dict[str, tuple[Site, ...]]]:
        """``sites`` by id and by name key (:func:`~metaclone.model.rules.name_key`), built once per
        version of the text."""
        cached = self._site_groups_cache
        if cached is None or cached[0] is not sites:
            by_id = grouped((site.id, site) for site in sites)
            by_name = grouped((name_key(site.name), site) for site in sites)
            cached = (sites, by_id, by_name)
            self._site_groups_cache = cached
        return cached[1], cached[2]

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of ``site``, each with its virtual directories, in file order.

        Read on request rather than with :attr:`sites`, so that listing the sites of a large
        file does not read every application of every site.
        """
        raise self._unsupported("list applications")

    @property
    def sslcerts_known(self) -> bool:
        """Whether the HTTP.sys certificate entries are known (IIS 7+ with ``netsh`` output
        attached); until then :meth:`served_by` cannot tell."""
        return False

    def served_by(self, binding: Binding) -> SslCertEntry | None:
        """The HTTP.sys entry that serves ``binding`` now, as HTTP.sys resolves it (SNI, central
        store, exact IP:port, then the wildcard; see :func:`metaclone.httpsys.served_by`).

        None when no entry serves it or the entries are not known (:attr:`sslcerts_known`).
        """
        return None

    def _unsupported(self, action: str) -> UnsupportedDocumentError:
        root = self.xml.root.name
        return UnsupportedDocumentError(
            f"cannot {action}: <{root}> is not the root of an IIS 6 metabase, an IIS 7+ "
            "applicationHost.config or appcmd XML",
            path=self.path,
        )

    def check(self) -> list[Finding]:
        """Problems found in the document (none for a document without sites)."""
        return []

    def uncertified_bindings(self, site: SiteKey) -> tuple[Binding, ...] | None:
        """The https bindings of ``site`` that no certificate serves; None when not known.

        Where the file keeps the certificate (IIS 6, IIS 7 FTP sites) that is every https
        binding of a site without one.  IIS 7 web sites override this: their certificates are
        in HTTP.sys.
        """
        found = self.site(site)
        if not found.certificate_known:
            return None
        if found.certificate is not None:
            return ()
        return tuple(b for b in found.secure_bindings if b.certificate is None)

    def placeholder_steps(self, handover: Handover) -> tuple[str, ...]:
        """What to do on the server, in order, to carry out a placeholder step done in this
        document (see :mod:`metaclone.handover`)."""
        raise self._unsupported("say how to install it")

    # -- editing ---------------------------------------------------------------------------

    def keep_only(self, sites: Iterable[SiteKey]) -> None:
        """Remove every site but ``sites``: what ``appcmd add site /in`` takes (appcmd XML)."""
        raise UnsupportedDocumentError(
            f"only appcmd XML can be cut down to some of its sites; this is {self.format}",
            path=self.path,
        )

    def clone_site(
        self,
        source: SiteKey,
        new_id: int | None = None,
        new_name: str | None = None,
        *,
        auto_start: bool = False,
    ) -> Site:
        raise self._unsupported("clone a site")

    def delete_site(self, site: SiteKey) -> None:
        raise self._unsupported("delete a site")

    def rename_site(self, site: SiteKey, new_name: str) -> Site:
        raise self._unsupported("rename a site")

    def set_auto_start(self, site: SiteKey, auto_start: bool) -> Site:
        raise self._unsupported("start or stop a site")

    def set_bindings(self, site: SiteKey, bindings: Iterable[Binding | str]) -> Site:
        raise self._unsupported("set bindings")

    def set_certificate(
        self, site: SiteKey, certificate: CertificateInput, store: str = "MY"
    ) -> HttpSysPlan | None:
        raise self._unsupported("set a certificate")

    def remove_certificate(self, site: SiteKey) -> HttpSysPlan | None:
        raise self._unsupported("remove a certificate")

    def swap_certificates(self, a: SiteKey, b: SiteKey) -> HttpSysPlan | None:
        raise self._unsupported("swap certificates")

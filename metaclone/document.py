"""What every configuration document offers, whatever its format.

The IIS 6 and IIS 7 documents implement the same site operations, so that the placeholder
workflow and the command line are written once against this class.  Each operation either
completes or raises a :class:`~metaclone.errors.MetacloneError` with the document unchanged.
"""

from __future__ import annotations

import contextlib
import operator
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from metaclone import httpsys
from metaclone.errors import UnsupportedDocumentError
from metaclone.lossless import Memo, XmlDocument
from metaclone.lossless.patches import Checkpoint
from metaclone.lossless.undo import undoable
from metaclone.model.lookup import SiteKey, SiteTable, select_site, site_identity
from metaclone.model.site_rules import IIS6_RULES, SiteRules
from metaclone.model.sites import (
    Binding,
    CertificateInput,
    ListedApplication,
    ListedJson,
    ListedSite,
    Site,
)

if TYPE_CHECKING:
    from metaclone.handover import Handover
    from metaclone.httpsys import HttpSysPlan, SslCertEntry
    from metaclone.model.sites import Application, Finding

__all__ = ["Checkpoint", "ConfigDocument", "SiteKey", "select_site"]

#: :attr:`ConfigDocument.sites` by id and by name, with the tuple it was built from.
_SITE_TABLE: Memo[tuple[tuple[Site, ...], SiteTable[Site]]] = Memo("site table")


class ConfigDocument:
    """A loaded configuration file: the exact bytes plus a model of its sites.

    ``notes`` collects findings that operations report without refusing (a COM+ package shared
    with the source of a clone, a location block left alone, ...); callers may read and clear it.
    """

    format: ClassVar[str] = "xml"
    #: Whether this is one of the IIS formats (``check``, ``diff`` and ``audit`` read those).
    is_iis: ClassVar[bool] = False
    #: Whether the file keeps its certificates itself (IIS 6; IIS 7 FTP sites), rather than
    #: HTTP.sys (IIS 7 web sites, see :meth:`attach_sslcerts`).
    certificates_in_file: ClassVar[bool] = True
    #: How this format numbers and names sites.
    site_rules: ClassVar[SiteRules] = IIS6_RULES

    def __init__(self, xml: XmlDocument, *, exact: bool = False) -> None:
        self.xml = xml
        self.notes: list[Finding] = []
        self._exact = exact

    @property
    def path(self) -> str:
        return self.xml.path

    @property
    def modified(self) -> bool:
        return self.xml.modified

    def to_bytes(self) -> bytes:
        """The document's bytes; identical to the input when nothing was changed."""
        return self.xml.to_bytes()

    def chunks(self) -> Iterator[bytes]:
        """:meth:`to_bytes` in pieces of about a megabyte, encoded as they are reached (to
        write a large document without holding its bytes, or its whole text after an edit)."""
        return self.xml.chunks()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temporary file in the same folder, then replace)."""
        self.xml.save(path)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.format} {self.path!r}>"

    @property
    def exact(self) -> bool:
        """True when the document reads everything the slow, exact way (no fast paths): the
        reference the fast readers are tested against (``metaclone.loads(data, exact=True)``)."""
        return self._exact

    @property
    def app_id(self) -> str:
        """The application id the file's HTTP.sys certificate entries are registered under."""
        return httpsys.IIS_APP_ID

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Several operations as one: if any raises, the document returns to its state before
        the first (:attr:`notes` are left as they are).  What the operations replace is kept,
        not the text before them (see :mod:`metaclone.lossless.undo`)."""
        with undoable(self.xml):
            yield

    def unified_diff(self, before: bytes, path: str) -> str:
        """The unified diff of ``path`` from ``before`` (this document's earlier bytes) to now.

        For a file in another encoding than UTF-8 or ASCII it is a diff of the decoded text,
        which ``patch`` cannot apply to the file; its first line says so.
        """
        xml = self.xml
        return self._diff_from(before[len(xml.bom) :].decode(xml.encoding), path)

    def unified_diff_since(self, checkpoint: Checkpoint, path: str) -> str:
        """:meth:`unified_diff` from the text at ``checkpoint`` (``self.xml.checkpoint()``):
        the document's earlier text without a copy of its bytes, and its text now read only
        around the changes."""
        return self._diff_from(checkpoint.text, path)

    def _diff_from(self, old: str, path: str) -> str:
        # Only --diff and review diffs: the other commands need not import difflib.
        from metaclone.lossless.diff import unified_diff  # noqa: PLC0415

        xml = self.xml
        if xml.encoding == "utf-8":
            return unified_diff(old, xml.patched_text() if self.modified else old, path)
        # The text as written: with the character references the encoding needed.
        bom = len(xml.bom)
        diff = unified_diff(old, self.to_bytes()[bom:].decode(xml.encoding), path)
        if not diff or xml.encoding == "ascii":
            return diff
        note = (
            f"# metaclone: review diff of the decoded text of {path} ({xml.encoding}); "
            "patch cannot apply it: use -o or --in-place to write the file\n"
        )
        return note + diff

    # -- reading ---------------------------------------------------------------------------

    @property
    def sites(self) -> tuple[Site, ...]:
        raise self._unsupported("list sites")

    def listed_sites(self, *, secure_sites: bool = False) -> Sequence[ListedSite] | None:
        """What the plain listing shows of every site, in file order, read without building
        :attr:`sites`, but (with ``secure_sites``) those with an https binding; None when only
        :attr:`sites` can tell (the IIS 6 metabase reads them in one pass)."""
        return None

    def listed_json(self, *, applications: bool = False) -> ListedJson | None:
        """What ``sites --json`` writes of every site, in file order (see
        :class:`~metaclone.model.sites.ListedJson`): each site's text is that of
        ``json.dumps(self.with_settings(site).to_json())``.  Every site and its settings are
        read before this returns, so that an error in any is raised here.  With
        ``applications``, the applications of each site are read with the sites (IIS 6) or
        then looked up by its id.  None when only :attr:`sites` can tell (appcmd XML,
        HTTP.sys entries attached, IIS 7+ two sites with one id, IIS 6 where its one pass
        cannot read the file)."""
        return None

    def listed_applications(self) -> Iterator[tuple[ListedApplication, ...]] | None:
        """What the listing of applications shows of the applications of each site of
        :attr:`sites`, in that order: those :meth:`applications` gives, read as each site is
        reached (an error in a site is raised there).  None when only :meth:`applications`
        can tell (IIS 6, the exact readers, two sites with one id)."""
        return None

    def listed_sites_and_applications(
        self,
    ) -> tuple[Sequence[ListedSite], Iterator[tuple[ListedApplication, ...]]] | None:
        """:meth:`listed_sites` with what the listing shows of the applications of each of
        those sites, in that order, as :meth:`applications` gives those of the same site of
        :attr:`sites`: read as each site is reached (an error in a site is raised there).
        None when only :attr:`sites` can tell (IIS 7+: :meth:`listed_applications`)."""
        return None

    def site(self, key: SiteKey) -> Site:
        """The site with id ``key`` or name ``key`` (names compare case-insensitively).

        A string of digits is taken as an id first and as a name only when no site has that
        id.  ``"ftp/21"`` selects FTP site 21 where FTP and web sites have separate ids (IIS 6).
        """
        return self._site_table().select(key, path=self.path, format=self.format)

    def may_have_site_named(self, name: str) -> bool:
        """False when no site is named ``name`` (in any case), told without reading every site
        of the file; True when one may be, which :meth:`site` then settles.  The IIS 6 metabase
        looks at the text for it, and IIS 7+ finds names in its index (say True)."""
        return True

    def _site_table(self) -> SiteTable[Site]:
        """:attr:`sites` by id and by name, built once per value of :attr:`sites`."""
        sites = self.sites
        built = self.xml.memo(_SITE_TABLE, lambda: (sites, self._new_site_table(sites)))
        if built[0] is not sites:
            built = (sites, self._new_site_table(sites))
            self.xml.remember(_SITE_TABLE, built)
        return built[1]

    def _new_site_table(self, sites: tuple[Site, ...]) -> SiteTable[Site]:
        return SiteTable(
            sites,
            site_identity,
            separate_ftp_ids=self.site_rules.separate_ftp_ids,
            line=lambda s: s.line,
            id_of=operator.attrgetter("id"),
            name_of=operator.attrgetter("name"),
        )

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of ``site``, each with its virtual directories, in file order.

        Read on request rather than with :attr:`sites`, so that listing the sites of a large
        file does not read every application of every site.
        """
        raise self._unsupported("list applications")

    def with_settings(self, site: Site) -> Site:
        """``site`` (one of :attr:`sites`) with its ``settings`` read: the effective
        ``<limits>``, ``<logFile>`` and ``<traceFailedRequestsLogging>`` values of an IIS 7+
        site.  Read on request, as :meth:`applications`; IIS 6 sites have none (None)."""
        return site

    def attach_sslcerts(self, entries: Iterable[SslCertEntry]) -> None:
        """Give the document the HTTP.sys certificate entries of ``netsh http show sslcert``
        (IIS 7+; see :attr:`sslcerts_known`).

        Raises :class:`UnsupportedDocumentError` for a document that keeps its certificates
        itself.
        """
        raise UnsupportedDocumentError(
            f"--sslcert applies to IIS 7+ files; this is {self.format}, which keeps its "
            "certificates in the file itself",
            path=self.path,
        )

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

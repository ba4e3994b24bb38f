"""Exception classes.

Every error metaclone raises on purpose is a :class:`MetacloneError`.  Errors that can point at a
place in a file carry ``path``, ``line`` and ``column`` (1-based) so that the command line can
print ``file:line:column: message`` and callers can jump to the spot.
"""

from __future__ import annotations

from metaclone.messages import window


class MetacloneError(Exception):
    """Base class of every error metaclone raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    @property
    def location(self) -> str:
        """``path:line:column`` as far as it is known, or an empty string."""
        parts = [p for p in (self.path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message


class ParseError(MetacloneError, ValueError):
    """The input is not a document metaclone can read.

    ``source_line`` is the text of the offending line (when known); ``str()`` shows it with a
    caret under the column, cut to about 120 characters around the column.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message, path=path, line=line, column=column)
        self.source_line = source_line

    def __str__(self) -> str:
        text = super().__str__()
        if self.source_line is None or self.column is None:
            return text
        # A tab counts as one column, as libxml2 counts columns.
        shown, caret_at = window(self.source_line.expandtabs(1), self.column)
        return f"{text}\n    {shown}\n    {' ' * caret_at}^"


class UnsupportedDocumentError(MetacloneError):
    """The document is well-formed XML but not one of the formats an operation needs."""


class SiteError(MetacloneError):
    """Base class of refused site operations."""


class SiteNotFoundError(SiteError, LookupError):
    """No site has the given id or name."""


class AmbiguousSiteError(SiteError, LookupError):
    """A site name matches more than one site."""


class SiteIdInUseError(SiteError):
    """The requested id is already used by a site (or by data left behind for one)."""


class SiteIdOutOfRangeError(SiteError, ValueError):
    """The requested id is outside the range IIS accepts."""


class SiteNameError(SiteError, ValueError):
    """The requested name is invalid or already used by another site."""


class InconsistentSiteError(SiteError):
    """The file describes a site twice, and the two descriptions disagree (appcmd XML whose
    ``<SITE>`` wrapper names another site than the ``<site>`` inside, or holds several)."""


class BindingError(SiteError, ValueError):
    """A binding is malformed or conflicts with another."""


class CertificateError(MetacloneError):
    """A certificate could not be loaded, or is not acceptable for the operation."""


class ThumbprintError(CertificateError, ValueError):
    """A thumbprint is not 40 hexadecimal digits (or 20 bytes)."""


class CertificateValidityError(CertificateError):
    """The certificate is expired or not yet valid."""


class CertificateKeyError(CertificateError):
    """A PKCS#12 file holds no private key, or one that does not match its certificate."""


class DuplicateDefaultsError(ParseError):
    """``<sites>`` holds ``<siteDefaults>``, ``<applicationDefaults>`` or
    ``<virtualDirectoryDefaults>`` more than once: IIS's configuration system does not accept
    such a file, so what its sites inherit is not defined."""


class NetshParseError(ParseError):
    """``netsh http show sslcert`` output could not be read."""


class ConversionError(SiteError):
    """A site cannot be converted as asked (``--strict`` with properties IIS 7 cannot take, an
    unknown pipeline mode or runtime, a target without the sections a site needs).

    ``notes`` holds the messages of what would not be carried, for a ``--strict`` refusal.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, path=path, line=line, column=column)
        self.notes = notes


class PlanValueError(CertificateError, ValueError):
    """A value an HTTP.sys plan would carry breaks its grammar (host name, address, store...).

    Plans are run by administrators in an elevated prompt, so a value is written into one only
    when it is proven harmless; anything else is refused with this error.
    """


class FormatMismatchError(UnsupportedDocumentError):
    """Two files to compare are not of the same format."""


class WriteError(MetacloneError, OSError):
    """A file could not be written (``path`` names it); the files on disk are as they were."""


class UnsafeTargetError(WriteError):
    """A destination is refused before anything is written: not a regular file, or the input."""


class FileChangedError(WriteError):
    """The file changed on disk after it was read; replacing it would lose that change."""


class CertificateUsageError(CertificateError):
    """The certificate is not meant for TLS servers (its extended key usage lacks serverAuth)."""


class WorkflowError(MetacloneError):
    """A placeholder workflow step was refused because it would leave https down."""


class NothingToKeepUpError(WorkflowError):
    """The site has no https (or FTP over TLS) binding, so a placeholder would keep nothing up."""


class MissingCertificateError(WorkflowError, CertificateError):
    """The placeholder would start without a certificate to serve."""


class PlaceholderExistsError(WorkflowError):
    """The site already has a placeholder: ``begin`` has been run before."""


class NotAPlaceholderError(WorkflowError):
    """The site named as the placeholder does not hold the original's https bindings."""


class PreviousConfigError(WorkflowError):
    """The earlier copy of the configuration given with ``--from`` cannot serve the site."""


class OutputExistsError(MetacloneError):
    """A file to be written (a private key, a request, a PFX) already exists."""


class CertificateRequestError(CertificateError):
    """A certificate request cannot be made: no host name, a bad subject or host name."""


class CertificateChainError(CertificateError):
    """The chain given with a certificate does not link up to it."""

"""metaclone: clone IIS sites in configuration files, offline, changing only what must change.

>>> import metaclone
>>> doc = metaclone.load("MetaBase.xml")            # doctest: +SKIP
>>> placeholder = doc.clone_site("Shop", new_name="Shop (placeholder)")  # doctest: +SKIP
>>> doc.save("MetaBase.new.xml")                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone.__about__ import __version__
from metaclone.errors import (
    AmbiguousSiteError,
    BindingError,
    CertificateError,
    CertificateKeyError,
    CertificateValidityError,
    ConversionError,
    DuplicateDefaultsError,
    FileChangedError,
    FormatMismatchError,
    InconsistentSiteError,
    MetacloneError,
    NetshParseError,
    ParseError,
    SiteError,
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
    SiteNotFoundError,
    ThumbprintError,
    UnsafeTargetError,
    UnsupportedDocumentError,
    WriteError,
)
from metaclone.lazy import lazy_attributes

if TYPE_CHECKING:
    from metaclone import certs, convert, httpsys, workflow
    from metaclone.document import ConfigDocument
    from metaclone.loader import detect_format, load, loads
    from metaclone.model.sites import (
        Application,
        Binding,
        CertificateRef,
        Finding,
        Severity,
        Site,
        SiteKind,
        SiteSettings,
        VirtualDirectory,
        normalize_thumbprint,
    )
    from metaclone.workflow.changes import Change, diff_documents
    from metaclone.workflow.sslcert_changes import diff_sslcerts

__all__ = [
    "AmbiguousSiteError",
    "Application",
    "Binding",
    "BindingError",
    "CertificateError",
    "CertificateKeyError",
    "CertificateRef",
    "CertificateValidityError",
    "Change",
    "ConfigDocument",
    "ConversionError",
    "DuplicateDefaultsError",
    "FileChangedError",
    "Finding",
    "FormatMismatchError",
    "InconsistentSiteError",
    "MetacloneError",
    "NetshParseError",
    "ParseError",
    "Severity",
    "Site",
    "SiteError",
    "SiteIdInUseError",
    "SiteIdOutOfRangeError",
    "SiteKind",
    "SiteNameError",
    "SiteNotFoundError",
    "SiteSettings",
    "ThumbprintError",
    "UnsafeTargetError",
    "UnsupportedDocumentError",
    "VirtualDirectory",
    "WriteError",
    "__version__",
    "certs",
    "convert",
    "detect_format",
    "diff_documents",
    "diff_sslcerts",
    "httpsys",
    "load",
    "loads",
    "normalize_thumbprint",
    "workflow",
]

# The rest of the package is imported when a name is first used (PEP 562), so that a command,
# or a program that reads one file, imports only what it uses: the certificates (and
# cryptography), the workflows, the conversion and the other format's code load on demand.
_HOMES = {
    **{name: f"metaclone.{name}" for name in ("certs", "convert", "httpsys", "workflow")},
    "ConfigDocument": "metaclone.document",
    **dict.fromkeys(("detect_format", "load", "loads"), "metaclone.loader"),
    **dict.fromkeys(
        ("Binding", "CertificateRef", "Severity", "Site", "SiteKind", "normalize_thumbprint"),
        "metaclone.model.sites",
    ),
    **dict.fromkeys(("Application", "VirtualDirectory"), "metaclone.model.applications"),
    "SiteSettings": "metaclone.model.settings",
    "Finding": "metaclone.model.findings",
    **dict.fromkeys(("Change", "diff_documents"), "metaclone.workflow.changes"),
    "diff_sslcerts": "metaclone.workflow.sslcert_changes",
}


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)

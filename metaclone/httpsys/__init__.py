"""HTTP.sys certificate bindings: where IIS 7+ keeps the certificate of an https binding.

applicationHost.config holds the binding; HTTP.sys holds the certificate, keyed by IP:port,
hostname:port (SNI) or the central certificate store port.  The package maps bindings to those
keys (:mod:`~metaclone.httpsys.endpoints`), reads ``netsh http show sslcert`` output
(:mod:`~metaclone.httpsys.netsh`), plans certificate changes per key
(:mod:`~metaclone.httpsys.planning`) and renders plans as cmd and PowerShell scripts that are
safe to run on a stale capture and to run twice (:mod:`~metaclone.httpsys.scripts`).  Every name
is available from ``metaclone.httpsys`` itself, imported on first use (PEP 562) but for the
application ids IIS registers its entries under, so that a listing loads no more of it than it
uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone.httpsys.app_ids import IIS_APP_ID, IIS_EXPRESS_APP_ID
from metaclone.lazy import lazy_attributes

if TYPE_CHECKING:
    from metaclone.httpsys.endpoints import (
        DEFAULT_STORE,
        NULL_VALUE,
        SSL_FLAG_CENTRAL_STORE,
        SSL_FLAG_SNI,
        Endpoint,
        EndpointKind,
        central_store_file,
        endpoint_for,
        endpoint_text,
        normalize_app_id,
        resolution_order,
        wildcard_of,
    )
    from metaclone.httpsys.netsh import (
        SslCertEntry,
        carried_settings,
        certificate_for,
        decode_netsh_output,
        index_entries,
        load_netsh_sslcert,
        parse_netsh_sslcert,
        served_by,
    )
    from metaclone.httpsys.planning import (
        ADD,
        DELETE,
        REPLACE,
        UPDATE,
        HttpSysPlan,
        PlannedChange,
        plan_certificates,
    )

__all__ = [
    "ADD",
    "DEFAULT_STORE",
    "DELETE",
    "IIS_APP_ID",
    "IIS_EXPRESS_APP_ID",
    "NULL_VALUE",
    "REPLACE",
    "SSL_FLAG_CENTRAL_STORE",
    "SSL_FLAG_SNI",
    "UPDATE",
    "Endpoint",
    "EndpointKind",
    "HttpSysPlan",
    "PlannedChange",
    "SslCertEntry",
    "carried_settings",
    "central_store_file",
    "certificate_for",
    "decode_netsh_output",
    "endpoint_for",
    "endpoint_text",
    "index_entries",
    "load_netsh_sslcert",
    "normalize_app_id",
    "parse_netsh_sslcert",
    "plan_certificates",
    "resolution_order",
    "served_by",
    "wildcard_of",
]

_ELSEWHERE = {
    **dict.fromkeys(
        (
            "DEFAULT_STORE",
            "NULL_VALUE",
            "SSL_FLAG_CENTRAL_STORE",
            "SSL_FLAG_SNI",
            "Endpoint",
            "EndpointKind",
            "central_store_file",
            "endpoint_for",
            "endpoint_text",
            "normalize_app_id",
            "resolution_order",
            "wildcard_of",
        ),
        "metaclone.httpsys.endpoints",
    ),
    **dict.fromkeys(
        (
            "SslCertEntry",
            "carried_settings",
            "certificate_for",
            "decode_netsh_output",
            "index_entries",
            "load_netsh_sslcert",
            "parse_netsh_sslcert",
            "served_by",
        ),
        "metaclone.httpsys.netsh",
    ),
    **dict.fromkeys(
        ("ADD", "DELETE", "REPLACE", "UPDATE", "HttpSysPlan", "PlannedChange", "plan_certificates"),
        "metaclone.httpsys.planning",
    ),
}


__getattr__, __dir__ = lazy_attributes(__name__, _ELSEWHERE)

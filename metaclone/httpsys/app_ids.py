"""The application ids IIS and IIS Express register their HTTP.sys certificate bindings under.

Kept apart from the endpoints so that a document can name them without loading the rest of
the package (a listing of an IIS 6 file needs nothing else of HTTP.sys).
"""

from __future__ import annotations

#: The application id IIS registers its certificate bindings under.
IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
#: The application id IIS Express uses.
IIS_EXPRESS_APP_ID = "{214124cd-d05b-4309-9af9-9caa44b2b74a}"

"""The kinds of change :func:`metaclone.workflow.changes.diff_documents` reports, apart from
the comparison itself: a report names its rules without loading the comparison."""

from __future__ import annotations

#: Every kind of change, with what it means (the README and the report rules show these).
CHANGE_KINDS: dict[str, str] = {
    "site-added": "A site is in the new file only.",
    "site-removed": "A site is in the old file only.",
    "site-renamed": "A site (matched by id) has another name.",
    "site-id-changed": "A site (matched by name) has another id.",
    "site-state-changed": "A site starts automatically in one file and not in the other.",
    "binding-added": "A site has a binding the old file does not give it.",
    "binding-removed": "A site lost a binding.",
    "binding-changed": "A binding's sslFlags (or the case of its text) changed.",
    "certificate-changed": "The certificate the file gives a site changed (IIS 6, IIS 7 FTP).",
    "application-added": "A site has a new application.",
    "application-removed": "A site lost an application.",
    "application-changed": "An application runs in another application pool.",
    "virtual-directory-added": "An application has a new virtual directory.",
    "virtual-directory-removed": "An application lost a virtual directory.",
    "virtual-directory-changed": "A virtual directory serves another physical path.",
    "site-settings-changed": "A setting of a site's own element changed (logFile, limits, "
    "ftpServer, hsts...); the setting is named.",
    "location-added": "A <location> block (by path) is in the new file only.",
    "location-removed": "A <location> block (by path) is in the old file only.",
    "location-changed": "A section of a <location> block changed; the section is named.",
    "key-added": "An IIS 6 key below a site is in the new file only.",
    "key-removed": "An IIS 6 key below a site is in the old file only.",
    "key-changed": "A property of an IIS 6 key below a site changed; the property is named.",
    "metadata-key-added": "A customMetadata key is in the new file only.",
    "metadata-key-removed": "A customMetadata key is in the old file only.",
    "pool-added": "An application pool is in the new file only.",
    "pool-removed": "An application pool is in the old file only.",
    "pool-changed": "A setting of an application pool changed; the setting is named.",
    "sslcert-added": "An HTTP.sys certificate binding is in the new capture only.",
    "sslcert-removed": "An HTTP.sys certificate binding is in the old capture only.",
    "sslcert-changed": "An HTTP.sys certificate binding holds another certificate.",
}

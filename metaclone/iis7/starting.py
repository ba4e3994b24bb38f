"""Writing whether an IIS 7+ site starts with IIS.

A web site starts as its ``serverAutoStart`` says; an FTP site as its
``<ftpServer serverAutoStart>`` says (Ftp_schema.xml; the site's own attribute is the web
server's).  Either is written only when what the site does now, by its own value or the one it
inherits from ``<siteDefaults>``, differs from what is asked.
"""

from __future__ import annotations

from metaclone.iis7.defaults import FALSE
from metaclone.iis7.style import append_child, child_indentation, style_of
from metaclone.lossless import Editor, Element


def write_auto_start(
    editor: Editor,
    site: Element,
    *,
    is_ftp: bool,
    starts: bool,
    wanted: bool,
    sample: Element | None,
) -> None:
    """Make the ``<site>`` ``site``, which now ``starts`` (or not), start as ``wanted``.

    An FTP site without ``<ftpServer>`` gets one, as its last child, in the style of ``sample``
    (an element of the file such as a ``<binding>``) and of its siblings.
    """
    if starts == wanted:
        return
    value = "true" if wanted else FALSE
    if not is_ftp:
        editor.set_attribute(site, "serverAutoStart", value)
        return
    xml = editor.document
    ftp_server = xml.child(site, "ftpServer")
    if ftp_server is not None:
        editor.set_attribute(ftp_server, "serverAutoStart", value)
        return
    style = style_of(xml, sample, site)
    newline = xml.newline_near(site.start)
    indent = child_indentation(xml, site, style.indent_unit)
    markup = style.empty_element("ftpServer", [("serverAutoStart", value)])
    append_child(editor, site, markup, indent, newline)

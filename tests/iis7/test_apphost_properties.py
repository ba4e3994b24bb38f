"""Clone invariants over generated applicationHost.config documents."""

from __future__ import annotations

import difflib
import re

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.rules import name_key

# Names that are prefixes of one another, so that a sloppy match would be caught.
NAMES = ["Shop", "Shop Old", "Shopping", "shop2", "Site", "Site A", "Default Web Site"]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    unit = draw(st.sampled_from(["    ", "\t", "  "]))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique_by=str.casefold))
    ids = draw(st.lists(st.integers(1, 60), min_size=len(names), max_size=len(names), unique=True))
    sites = list(zip(ids, names, strict=True))
    stale = draw(st.lists(st.integers(61, 90), max_size=2, unique=True))

    def line(depth: int, text: str) -> str:
        return unit * depth + text + newline

    out = ['<?xml version="1.0" encoding="UTF-8"?>', newline]
    out.append("<!--" + newline + f'    <location path="{names[0]}">' + newline + "-->" + newline)
    out.append("<configuration>" + newline)
    out.append(line(1, "<system.applicationHost>"))
    out.append(line(2, "<customMetadata>"))
    for site_id in [i for i, _ in sites if draw(st.booleans())] + stale:
        out.append(line(3, f'<key path="LM/W3SVC/{site_id}">'))
        out.append(line(4, f'<property id="2102" dataType="String" value="n{site_id}&#xA;" />'))
        out.append(line(3, "</key>"))
        if draw(st.booleans()):
            out.append(line(3, f'<key path="LM/W3SVC/{site_id}/ROOT/app">'))
            out.append(line(4, '<property id="2102" dataType="String" value="app" />'))
            out.append(line(3, "</key>"))
    out.append(line(2, "</customMetadata>"))
    out.append(line(2, "<sites>"))
    for site_id, name in sites:
        start = draw(st.sampled_from(["", ' serverAutoStart="true"', ' serverAutoStart="false"']))
        out.append(line(3, f'<site name="{name}" id="{site_id}"{start}>'))
        out.append(line(4, f'<application path="/" applicationPool="{name}">'))
        out.append(line(5, f'<virtualDirectory path="/" physicalPath="D:\\w\\{site_id}" />'))
        out.append(line(4, "</application>"))
        out.append(line(4, "<bindings>"))
        port = draw(st.integers(1, 65535))
        flags = draw(st.sampled_from(["", ' sslFlags="0"', ' sslFlags="1"', ' sslFlags="97"']))
        out.append(
            line(5, f'<binding protocol="https" bindingInformation="*:{port}:h{site_id}"{flags} />')
        )
        out.append(line(5, '<binding protocol="net.tcp" bindingInformation="808:*" />'))
        out.append(line(4, "</bindings>"))
        out.append(line(3, "</site>"))
    out.append(line(3, '<applicationDefaults applicationPool="DefaultAppPool" />'))
    out.append(line(2, "</sites>"))
    out.append(line(1, "</system.applicationHost>"))
    for _, name in sites:
        for suffix in draw(st.lists(st.sampled_from(["", "/app", "/app/x.aspx"]), unique=True)):
            out.append(line(1, f'<location path="{name}{suffix}">'))
            out.append(
                line(2, '<system.webServer><directoryBrowse enabled="true" /></system.webServer>')
            )
            out.append(line(1, "</location>"))
    out.append("</configuration>")
    if draw(st.booleans()):
        out.append(newline)
    return "".join(out), sites


def _lines(text: str) -> list[str]:
    return text.split("\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_clone_invariants(
    generated: tuple[str, list[tuple[int, str]]], data: st.DataObject
) -> None:
    text, sites = generated
    doc = metaclone.loads(text.encode(), "gen.config")
    assert isinstance(doc, AppHostDocument)
    assert doc.to_bytes() == text.encode()
    source_id, source_name = data.draw(st.sampled_from(sites))
    new_name = "Clone " + str(data.draw(st.integers(0, 9)))
    source_before = attrs.evolve(doc.site(source_id), line=None)
    locations_before = len(etree.fromstring(text.encode()).findall("location"))
    copies = sum(
        1 for loc in doc.location_blocks if name_key(loc.site_name or "") == name_key(source_name)
    )

    clone = doc.clone_site(source_id, new_name=new_name)
    after = doc.xml.text

    # The source is untouched and the clone equals it but for id, name and start.
    assert attrs.evolve(doc.site(source_id), line=None) == source_before
    assert clone.name == new_name
    assert not clone.auto_start
    assert clone.bindings == source_before.bindings
    metadata_ids = [int(n) for n in re.findall(r'"LM/W3SVC/(\d+)', text)]
    assert clone.id == max([i for i, _ in sites] + metadata_ids) + 1

    # Only inserted lines; none of them still names the source.
    matcher = difflib.SequenceMatcher(None, _lines(text), _lines(after), autojunk=False)
    added: list[str] = []
    for op, _, _, j1, j2 in matcher.get_opcodes():
        assert op in ("equal", "insert")
        if op == "insert":
            added.extend(_lines(after)[j1:j2])
    inserted = "\n".join(added)
    assert f'name="{source_name}"' not in inserted
    assert f'id="{source_id}"' not in inserted
    assert re.search(rf'path="{re.escape(source_name)}(/|")', inserted, re.IGNORECASE) is None
    assert re.search(rf'"LM/W3SVC/{source_id}(/|")', inserted) is None
    if f'"LM/W3SVC/{source_id}"' in text:
        assert f'value="{new_name}"' in inserted

    # The output is well-formed, with one more site and the source's location blocks doubled.
    root = etree.fromstring(doc.to_bytes())
    assert len(root.findall("system.applicationHost/sites/site")) == len(sites) + 1
    assert len(root.findall("location")) == locations_before + copies
    assert [s.id for s in doc.sites].count(clone.id) == 1

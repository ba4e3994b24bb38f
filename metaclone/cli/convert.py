"""``convert``: IIS 6 sites into an IIS 7+ applicationHost.config."""

from __future__ import annotations

import argparse

from metaclone import convert
from metaclone.cli.console import Console
from metaclone.cli.inputs import load_document
from metaclone.cli.outputs import emit, input_bytes
from metaclone.errors import ConversionError
from metaclone.httpsys import HttpSysPlan
from metaclone.loader import load


def cmd_convert(args: argparse.Namespace, console: Console) -> int:
    metabase = load(args.metabase)
    doc = load_document(args)  # the applicationHost.config (--into), with --sslcert attached
    before = input_bytes(args, doc)
    try:
        results = convert.convert_sites(
            metabase,
            args.site,
            doc,
            new_id=args.id,
            new_name=args.name,
            pipeline=args.pipeline,
            runtime=args.runtime,
            strict=args.strict,
        )
    except ConversionError as error:
        for note in error.notes:
            console.say(f"metaclone: not carried: {note}")
        raise
    plan: HttpSysPlan | None = None
    for result in results:
        source, site = result.source, result.site
        state = "started" if site.auto_start else "stopped"
        console.say(
            f"metaclone: converted IIS 6 site {source.id} {source.name!r} into site {site.id} "
            f"{site.name!r} ({state})"
        )
        if result.pools:
            console.note("metaclone: added application pool(s) " + ", ".join(result.pools))
        if result.locations:
            console.note("metaclone: added location block(s) " + ", ".join(result.locations))
        if result.plan is not None:
            plan = result.plan if plan is None else plan.merged(result.plan)
    return emit(args, console, doc, before, plan)

"""``convert``: IIS 6 sites into an IIS 7+ applicationHost.config."""

from __future__ import annotations

import argparse

from metaclone import convert
from metaclone.cli.console import Console
from metaclone.cli.inputs import load_document
from metaclone.cli.options import Commands, add_command, add_plan_options, site_id
from metaclone.cli.outputs import emit
from metaclone.errors import ConversionError
from metaclone.httpsys import HttpSysPlan
from metaclone.loader import load


def cmd_convert(args: argparse.Namespace, console: Console) -> int:
    metabase = load(args.metabase)
    doc = load_document(args)  # the applicationHost.config (--into), with --sslcert attached
    before = doc.to_bytes()
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


def register(commands: Commands) -> None:
    converting = add_command(
        commands, "convert", "move IIS 6 sites into an IIS 7+ applicationHost.config"
    )
    converting.add_argument(
        "metabase", metavar="METABASE", help="IIS 6 MetaBase.xml or iiscnfg export"
    )
    converting.add_argument(
        "--site", required=True, action="append", help="id or name of an IIS 6 site (repeatable)"
    )
    converting.add_argument(
        "--into",
        dest="file",
        required=True,
        metavar="APPLICATIONHOST",
        help="the applicationHost.config the sites go into (the document written)",
    )
    converting.add_argument("--id", type=site_id, help="id of the new site (default: chosen)")
    converting.add_argument("--name", help="name of the new site (default: its ServerComment)")
    converting.add_argument(
        "--pipeline",
        choices=["classic", "integrated"],
        default="classic",
        help="pipeline mode of new application pools (default: classic)",
    )
    converting.add_argument(
        "--runtime",
        choices=["v2.0", "v4.0", ""],
        default="v2.0",
        help='.NET version of new application pools; "" for no managed code (default: v2.0)',
    )
    converting.add_argument(
        "--strict", action="store_true", help="refuse when anything cannot be carried"
    )
    add_plan_options(converting)
    converting.set_defaults(handler=cmd_convert)

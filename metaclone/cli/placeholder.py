"""``placeholder begin`` and ``placeholder finish``."""

from __future__ import annotations

import argparse

from metaclone import workflow
from metaclone.cli.console import Console
from metaclone.cli.inputs import given_certificate, load_document
from metaclone.cli.options import (
    Commands,
    add_certificate_source,
    add_command,
    add_file,
    add_plan_options,
    site_id,
)
from metaclone.cli.outputs import check_destinations, emit
from metaclone.loader import load


def _destination(args: argparse.Namespace) -> str:
    """The file the new document ends up in, as the next steps should name it.

    A --diff is a patch of FILE: applied, it makes FILE the new document.
    """
    if args.output:
        return str(args.output)
    if args.in_place or args.diff:
        return str(args.file)
    return "NEW_FILE"


def _say_result(console: Console, result: workflow.WorkflowResult) -> None:
    for change in result.changes:
        console.note(f"metaclone: {change}")
    for warning in result.warnings:
        console.say(f"metaclone: warning: {warning}")
    for note in result.notes:
        console.note(f"metaclone: note: {note}")
    console.say("metaclone: next steps on the server:")
    for number, step in enumerate(result.next_steps, 1):
        console.say(f"  {number}. {step}")


def cmd_placeholder_begin(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = given_certificate(args, console, site)
    previous = load(args.previous) if args.previous else None
    result = workflow.begin(
        doc,
        site,
        new_id=args.id,
        new_name=args.name,
        certificate=certificate,
        previous=previous,
        saved_as=_destination(args),
        only_new=args.only_new,
    )
    check_destinations(args, result.plan)
    _say_result(console, result)
    return emit(args, console, doc, before, result.plan)


def cmd_placeholder_finish(args: argparse.Namespace, console: Console) -> int:
    doc = load_document(args)
    before = doc.to_bytes()
    site = doc.site(args.site)
    certificate = given_certificate(args, console, site)
    assert certificate is not None  # argparse requires --thumbprint or --cert
    result = workflow.finish(
        doc,
        site,
        args.placeholder,
        certificate,
        delete=args.delete,
        force=args.force,
        saved_as=_destination(args),
        certificate_file=args.cert,
    )
    check_destinations(args, result.plan)
    _say_result(console, result)
    return emit(args, console, doc, before, result.plan)


def register(commands: Commands) -> None:
    """``placeholder`` and its two steps."""
    placeholder = add_command(
        commands,
        "placeholder",
        "serve a site from a placeholder while its certificate is pending",
        group=True,
    )
    steps = placeholder.add_subparsers(dest="step", required=True, metavar="STEP")
    _add_begin(steps)
    _add_finish(steps)


def _add_begin(steps: Commands) -> None:
    begin = add_command(steps, "placeholder begin", "clone the site as a started placeholder")
    add_file(begin)
    begin.add_argument("--site", required=True, help="id or name of the site")
    begin.add_argument("--id", type=site_id, help="id of the placeholder (default: chosen)")
    begin.add_argument("--name", help="name of the placeholder")
    add_certificate_source(begin, required=False)
    begin.add_argument(
        "--from",
        dest="previous",
        metavar="OLD_CONFIG",
        help="an earlier copy of the configuration that still has the site's certificate",
    )
    begin.add_argument(
        "--only-new",
        action="store_true",
        help="appcmd XML: write the new <SITE> alone, as 'appcmd add site /in' takes it",
    )
    add_plan_options(begin)
    begin.set_defaults(handler=cmd_placeholder_begin)


def _add_finish(steps: Commands) -> None:
    finish = add_command(
        steps, "placeholder finish", "install the new certificate and retire the placeholder"
    )
    add_file(finish)
    finish.add_argument("--site", required=True, help="id or name of the original site")
    finish.add_argument("--placeholder", required=True, help="id or name of the placeholder")
    add_certificate_source(finish, required=True)
    finish.add_argument("--delete", action="store_true", help="delete the placeholder")
    finish.add_argument(
        "--force",
        action="store_true",
        help="go ahead even if P's https bindings are not the site's (P is not its placeholder)",
    )
    add_plan_options(finish)
    finish.set_defaults(handler=cmd_placeholder_finish)

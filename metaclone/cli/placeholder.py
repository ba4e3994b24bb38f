"""``placeholder begin`` and ``placeholder finish``."""

from __future__ import annotations

import argparse

from metaclone import workflow
from metaclone.cli.console import Console
from metaclone.cli.inputs import given_certificate, load_document
from metaclone.cli.outputs import check_destinations, emit, input_bytes
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
    before = input_bytes(args, doc)
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
    before = input_bytes(args, doc)
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

"""``check`` and ``diff``: findings and changes as text, JSON, SARIF or GitHub commands."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Sequence

from metaclone.cli.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_REFUSED,
    EXIT_USAGE,
    Console,
    error_lines,
)
from metaclone.cli.outputs import json_listing
from metaclone.errors import MetacloneError
from metaclone.workflow import report, review
from metaclone.workflow.report import ReportItem
from metaclone.workflow.review import LoadError


def _say_unreadable(console: Console, item: LoadError) -> None:
    if isinstance(item, MetacloneError):
        for line in error_lines(item):
            console.say(line)
    else:
        console.say(f"metaclone: error: {item.filename or ''}: {item.strerror or item}")


def _render_items(console: Console, output: str, items: Iterable[ReportItem]) -> None:
    """SARIF or GitHub workflow commands for ``items``."""
    if output == report.OutputFormat.SARIF.value:
        console.json("sarif", report.render_sarif(items))
    else:
        console.out_lines(report.github_command(item) for item in items)


def _check_json(console: Console, results: Sequence[review.FileCheck], single: bool) -> None:
    """One named file: its findings as before (nothing when it cannot be read); else every
    file under ``files``."""
    if single:
        found = results[0]
        if found.error is None:
            fields: dict[str, object] = {
                "format": found.format,
                "path": found.path,
                "ok": found.problems == 0,
            }
            listing = json_listing(fields, "findings", (f.to_json() for f in found.findings))
            console.json("check", listing)
        return
    ok = all(r.problems == 0 for r in results) and any(r.error is None for r in results)
    console.json("check-files", json_listing({"ok": ok}, "files", (r.to_json() for r in results)))


def _check_text(results: Sequence[review.FileCheck], single: bool) -> list[str]:
    """Each readable file's findings and count; a total unless one file was named."""
    lines: list[str] = []
    read = [r for r in results if r.error is None]
    for result in read:
        lines.extend(item.text() for item in result.items)
        lines.append(
            f"{result.path}: {result.problems} problem(s), {len(result.findings)} finding(s)"
        )
    if not single:
        with_problems = sum(1 for r in read if r.problems)
        lines.append(
            f"checked {len(read)} file(s): {with_problems} with problems, "
            f"{len(results) - len(read)} unreadable"
        )
    return lines


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    single = len(args.paths) == 1 and not os.path.isdir(args.paths[0])
    if args.sslcert and not single:
        console.say("metaclone: error: --sslcert goes with one FILE (its netsh capture)")
        return EXIT_USAGE
    if args.sslcert:
        results: tuple[review.FileCheck, ...] = (
            review.check_file(args.paths[0], sslcert=args.sslcert),
        )
    else:
        results = review.check_paths(args.paths)
    if not results:
        console.say("metaclone: error: no IIS configuration file found in " + ", ".join(args.paths))
        return EXIT_REFUSED
    if args.format in ("text", "json"):
        for result in results:
            if result.error is not None:
                _say_unreadable(console, result.error)
    read = [r for r in results if r.error is None]
    if args.format == "json":
        _check_json(console, results, single)
    elif args.format == "text":
        console.out_lines(_check_text(results, single) if read else [])
    else:
        _render_items(console, args.format, (i for r in results for i in r.items))
    if not read:
        return EXIT_REFUSED
    return EXIT_PROBLEMS if any(r.problems for r in results) else EXIT_OK


def _comparison_lines(comparison: review.Comparison) -> list[str]:
    changes = comparison.changes
    if not changes:
        return [f"{comparison.old} -> {comparison.new}: no changes"]
    lines = [f"{comparison.old} -> {comparison.new}: {len(changes)} change(s)"]
    lines.extend(f"  {change.message}" for change in changes)
    return lines


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    if args.sslcert and len(args.new) != 1:
        console.say("metaclone: error: --sslcert OLD_CAPTURE NEW_CAPTURE goes with one NEW file")
        return EXIT_USAGE
    sslcert = (args.sslcert[0], args.sslcert[1]) if args.sslcert else None
    comparisons = review.compare_with_base(args.old, args.new, sslcert)
    compared = [c for c in comparisons if c.error is None]
    for comparison in comparisons:
        if comparison.error is not None and args.format in ("text", "json"):
            _say_unreadable(console, comparison.error)
    if args.format == "json":
        if len(comparisons) > 1:
            listing = (c.to_json() for c in comparisons)
            console.json("diff-files", json_listing({"base": args.old}, "comparisons", listing))
        elif compared:
            import json

            console.json("diff", json.dumps(compared[0].to_json(), indent=2) + "\n")
    elif args.format == "text":
        console.out_lines(line for c in compared for line in _comparison_lines(c))
    else:
        _render_items(console, args.format, (i for c in comparisons for i in c.items))
    if not compared:
        return EXIT_REFUSED
    differs = any(c.changes for c in compared) or len(compared) < len(comparisons)
    return EXIT_PROBLEMS if differs else EXIT_OK

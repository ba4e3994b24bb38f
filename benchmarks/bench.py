# Imports sit inside the worker functions on purpose: each measured process loads only what its
# task needs, after the memory baseline is taken.  The tables print real multiplication signs.
# ruff: noqa: PLC0415, RUF001
"""Benchmark metaclone against the lxml code a user would otherwise write.

For each format, on one generated file with N sites (default 50,000), three tasks are measured:

(a) ``sites``     ``metaclone.load`` then ``doc.sites``
(b) ``clone``     ``metaclone.load``, ``clone_site(first site, new_name=...)``, ``to_bytes()``
(c) ``baseline``  lxml parse (safe parser), ``copy.deepcopy`` of the site element (IIS 7
                  ``<site>``, IIS 6 the ``IIsWebServer`` key) inserted beside it with a new name
                  and id, ``etree.tostring`` — lossy, and it copies less than (b) does, but it is
                  what people write

Every measurement runs in a fresh Python process, so that its peak resident set size
(``VmHWM``, or ``ru_maxrss`` where /proc is missing) belongs to that task alone; the figure
reported as "peak above imports" is that peak minus the process's peak right after its imports
(the interpreter and the libraries).  ``tracemalloc`` is not used for the comparison because it
does not see libxml2's own allocations.  Wall time is the best of ``--repeat`` runs and covers
the task only (imports excluded).  A scaling run repeats the tasks on N/10 sites.

    python benchmarks/bench.py                     # N = 50,000, both formats
    python benchmarks/bench.py --sites 5000 --repeat 1
    python benchmarks/bench.py --profile clone --format iis7 --sites 50000
    python benchmarks/bench.py --ten-clones --sites 50000  # ten clones in one process vs one
    python benchmarks/bench.py --cli --small --python /tmp/venv/bin/python  # commands.py

``--cli`` times every command as a fresh process (``benchmarks/commands.py``); ``--python PATH``
runs those processes with another interpreter, such as a virtual environment's with the package
installed by ``pip install .`` (as users have it, and without the global interpreter's start-up
hooks).

``--ten-clones`` runs, in fresh processes interleaved in rounds, one clone and ten successive
clones of the first site after ``metaclone.load``, and reports the median time of the clones
alone (load and ``to_bytes`` excluded) and their ratio: successive edits should cost in
proportion to the change, not to the file.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TASKS = ("sites", "clone", "baseline")
#: Worker tasks that only ``--ten-clones`` runs.
CLONE_TASKS = ("clone", "clone10")
FORMATS = ("iis6", "iis7")
CLONE_NAME = "bench-clone.example"
#: The generator gives the first site id 1 in both formats.
FIRST_SITE_ID = 1

TARGET_CLONE_VS_BASELINE = 1.5
TARGET_SCALING = 11.0
TARGET_SITES_SECONDS = 1.0


# ---------------------------------------------------------------------------------------------
# Worker side: one task in this process, figures as JSON on stdout
# ---------------------------------------------------------------------------------------------


def _peak_rss_kib() -> int:
    """This process's peak resident set size in KiB.

    ``VmHWM`` belongs to the process's own address space, which exec starts afresh;
    ``ru_maxrss`` is not reset by exec and can report the parent's size at fork time.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _baseline_clone(path: str, file_format: str) -> dict[str, float]:
    from lxml import etree

    started = time.perf_counter()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        strip_cdata=False,
    )
    tree = etree.parse(path, parser)
    parsed = time.perf_counter()
    root = tree.getroot()
    if file_format == "iis7":
        site = root.find("system.applicationHost/sites/site")
        if site is None:
            raise LookupError("no <site> element")
        clone = copy.deepcopy(site)
        clone.set("name", CLONE_NAME)
        clone.set("id", str(10**9))
    else:
        namespace = root.nsmap.get(None)
        prefix = f"{{{namespace}}}" if namespace else ""
        site = root.find(f"{prefix}MBProperty/{prefix}IIsWebServer")
        if site is None:
            raise LookupError("no <IIsWebServer> element")
        clone = copy.deepcopy(site)
        clone.set("Location", f"/LM/W3SVC/{10**9}")
        clone.set("ServerComment", CLONE_NAME)
    parent = site.getparent()
    if parent is None:
        raise LookupError("the site element has no parent")
    parent.insert(parent.index(site) + 1, clone)
    data = etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
    done = time.perf_counter()
    return {
        "load_s": parsed - started,
        "op_s": done - parsed,
        "total_s": done - started,
        "output_bytes": float(len(data)),
    }


def _metaclone_task(path: str, task: str) -> dict[str, float]:
    import metaclone

    started = time.perf_counter()
    doc = metaclone.load(path)
    loaded = time.perf_counter()
    if task == "sites":
        count = len(doc.sites)
        done = time.perf_counter()
        return {
            "load_s": loaded - started,
            "op_s": done - loaded,
            "total_s": done - started,
            "sites": float(count),
        }
    for number in range(10 if task == "clone10" else 1):
        doc.clone_site(FIRST_SITE_ID, new_name=f"{CLONE_NAME}-{number}" if number else CLONE_NAME)
    cloned = time.perf_counter()
    data = doc.to_bytes()
    done = time.perf_counter()
    return {
        "load_s": loaded - started,
        "op_s": done - loaded,
        "clone_s": cloned - loaded,
        "to_bytes_s": done - cloned,
        "total_s": done - started,
        "output_bytes": float(len(data)),
    }


def run_worker(task: str, file_format: str, path: str) -> dict[str, Any]:
    """Run one task in this process and return its figures."""
    # Import everything a task needs before the clock and the memory baseline start.
    import lxml.etree  # noqa: F401

    if task != "baseline":
        # metaclone imports each format's code on first use: both are imported here.
        import metaclone.iis6.metabase
        import metaclone.iis7.applicationhost
        import metaclone.loader  # noqa: F401
    rss_after_imports = _peak_rss_kib()
    try:
        if task == "baseline":
            figures: dict[str, Any] = _baseline_clone(path, file_format)
        else:
            figures = _metaclone_task(path, task)
    except Exception as exc:  # reported, not raised: the driver prints it in the table
        message = str(getattr(exc, "message", exc)).splitlines()[0]
        return {"error": f"{type(exc).__name__}: {message}"[:120]}
    peak = _peak_rss_kib()
    figures["peak_rss_mib"] = peak / 1024
    figures["peak_above_imports_mib"] = (peak - rss_after_imports) / 1024
    return figures


# ---------------------------------------------------------------------------------------------
# Driver side
# ---------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from lxml import etree

    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
    }


def generated_file(file_format: str, sites: int, seed: int) -> Path:
    """The generated file for these parameters, written once and reused."""
    sys.path.insert(0, str(HERE))
    from generate import generate

    OUT.mkdir(exist_ok=True)
    suffix = "config" if file_format == "iis7" else "xml"
    path = OUT / f"{file_format}-{sites}-seed{seed}.{suffix}"
    if not path.exists():
        temp = path.with_suffix(".partial")
        temp.write_bytes(generate(file_format, sites, seed))
        temp.replace(path)
    return path


def run_once(task: str, file_format: str, path: Path) -> dict[str, Any]:
    """One fresh-process run of one task: its figures, or ``{"error": ...}``."""
    python_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=python_path)
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            task,
            "--format",
            file_format,
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        return {
            "error": f"worker exited {completed.returncode}: "
            + completed.stderr.strip().splitlines()[-1:][0][:300]
            if completed.stderr.strip()
            else f"worker exited {completed.returncode}"
        }
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The best run of a task by total time, with the highest memory of all its runs."""
    failed = [r for r in runs if "error" in r]
    if failed:
        return dict(failed[0])
    best = min(runs, key=lambda r: float(r["total_s"]))
    summary = dict(best)
    summary["peak_rss_mib"] = max(float(r["peak_rss_mib"]) for r in runs)
    summary["peak_above_imports_mib"] = max(float(r["peak_above_imports_mib"]) for r in runs)
    # The task itself, after loading, at its best (not necessarily in the best run overall).
    summary["best_op_s"] = min(float(r["op_s"]) for r in runs)
    summary["runs"] = len(runs)
    return summary


def _fmt_seconds(result: dict[str, Any], key: str = "total_s") -> str:
    return "—" if "error" in result or key not in result else f"{float(result[key]):.2f}"


def _fmt_mib(result: dict[str, Any], key: str) -> str:
    return "—" if "error" in result else f"{float(result[key]):.0f}"


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    if "error" in a or "error" in b or float(b[key]) <= 0:
        return None
    return float(a[key]) / float(b[key])


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def report(results: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    lines: list[str] = []
    info = results["machine"]
    lines.append(
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; {info['os']}; "
        f"Python {info['python']}, lxml {info['lxml']} (libxml2 {info['libxml2']})."
    )
    lines.append(f"Best of {results['repeat']} rounds of every task; each run a fresh process.")
    lines.append("")
    lines.append(
        "| format | sites | file MB | task | total s | load/parse s | rest s "
        "| peak RSS MiB | peak above imports MiB |"
    )
    lines.append("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for entry in results["measurements"]:
        result = entry["result"]
        note = f" ({result['error']})" if "error" in result else ""
        lines.append(
            f"| {entry['format']} | {entry['sites']:,} | {entry['file_mb']:.1f} | "
            f"{entry['task']}{note} | {_fmt_seconds(result)} | {_fmt_seconds(result, 'load_s')} | "
            f"{_fmt_seconds(result, 'op_s')} | {_fmt_mib(result, 'peak_rss_mib')} | "
            f"{_fmt_mib(result, 'peak_above_imports_mib')} |"
        )
    lines.append("")
    lines.append(
        "| format | (b)/(c) time | (b)/(c) peak memory | `sites` alone s | "
        "`sites` / lxml parse | load + `sites` s | scaling (a) | scaling (b) "
        "| scaling (c) |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    verdicts: list[str] = []
    for file_format in results["formats"]:
        big = {
            e["task"]: e["result"]
            for e in results["measurements"]
            if e["format"] == file_format and e["sites"] == results["sites"]
        }
        small = {
            e["task"]: e["result"]
            for e in results["measurements"]
            if e["format"] == file_format and e["sites"] != results["sites"]
        }
        time_ratio = _ratio(big["clone"], big["baseline"], "total_s")
        memory_ratio = _ratio(big["clone"], big["baseline"], "peak_above_imports_mib")
        scaling = {
            task: (_ratio(big[task], small[task], "total_s") if task in small else None)
            for task in TASKS
        }
        sites_result = big["sites"]
        sites_alone = None if "error" in sites_result else float(sites_result["best_op_s"])
        baseline = big["baseline"]
        # Against lxml's parse of the same file in the same rounds: a figure that holds when
        # the machine's speed drifts.
        versus_parse = (
            None
            if sites_alone is None or "error" in baseline
            else sites_alone / float(baseline["load_s"])
        )
        lines.append(
            f"| {file_format} | {_fmt_ratio(time_ratio)} | {_fmt_ratio(memory_ratio)} | "
            f"{'—' if sites_alone is None else f'{sites_alone:.2f}'} | "
            f"{_fmt_ratio(versus_parse)} | "
            f"{_fmt_seconds(sites_result)} | {_fmt_ratio(scaling['sites'])} | "
            f"{_fmt_ratio(scaling['clone'])} | {_fmt_ratio(scaling['baseline'])} |"
        )
        verdicts.append(
            f"{file_format}: (b) ≤ {TARGET_CLONE_VS_BASELINE}× (c) time: "
            f"{_verdict(None if time_ratio is None else time_ratio <= TARGET_CLONE_VS_BASELINE)}; "
            f"(b) peak ≤ (c) peak: "
            f"{_verdict(None if memory_ratio is None else memory_ratio <= 1.0)}; "
            f"`sites` < {TARGET_SITES_SECONDS:.0f} s: "
            f"{_verdict(None if sites_alone is None else sites_alone < TARGET_SITES_SECONDS)}; "
            f"10× sites ≤ {TARGET_SCALING:.0f}× time: "
            + _verdict(
                None
                if scaling["clone"] is None or scaling["sites"] is None
                else max(scaling["clone"], scaling["sites"]) <= TARGET_SCALING
            )
        )
    lines.append("")
    lines.extend(f"- {v}" for v in verdicts)
    return "\n".join(lines)


def run_benchmarks(
    sites: int, formats: Sequence[str], repeat: int, seed: int, scaling: bool
) -> dict[str, Any]:
    """Every task on every file, ``repeat`` rounds of one run each.

    Rounds rather than consecutive repeats: the speed of a shared machine drifts over minutes,
    and a round measures every task close together in time, so that each task gets the same
    chance of a quiet moment and the ratios compare like with like.
    """
    sizes = [sites // 10, sites] if scaling and sites >= 10 else [sites]
    cases = [
        (file_format, size, generated_file(file_format, size, seed), task)
        for file_format in formats
        for size in sizes
        for task in TASKS
    ]
    runs: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for round_number in range(1, repeat + 1):
        for file_format, size, path, task in cases:
            print(
                f"  round {round_number}/{repeat}  {file_format} {size:>7,} sites  {task:<8} ...",
                end="",
                flush=True,
                file=sys.stderr,
            )
            result = run_once(task, file_format, path)
            shown = result.get("error") or f"{float(result['total_s']):.2f} s"
            print(f" {shown}", file=sys.stderr)
            runs.setdefault((file_format, size, task), []).append(result)
    measurements = [
        {
            "format": file_format,
            "sites": size,
            "task": task,
            "file_mb": path.stat().st_size / 1_000_000,
            "result": summarize(runs[(file_format, size, task)]),
        }
        for file_format, size, path, task in cases
    ]
    return {
        "machine": machine(),
        "sites": sites,
        "repeat": repeat,
        "seed": seed,
        "formats": list(formats),
        "measurements": measurements,
    }


def profile(task: str, file_format: str, sites: int, seed: int, limit: int) -> str:
    """cProfile of one task, in this process: where the time goes."""
    path = generated_file(file_format, sites, seed)
    sys.path.insert(0, str(ROOT))
    profiler = cProfile.Profile()
    profiler.enable()
    if task == "baseline":
        _baseline_clone(str(path), file_format)
    else:
        _metaclone_task(str(path), task)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="metaclone vs lxml benchmark")
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="format to measure (repeatable; default both)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best of)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-scaling", action="store_true", help="skip the N/10 run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", choices=TASKS, help="profile one task instead")
    parser.add_argument("--limit", type=int, default=30, help="rows of profile output")
    parser.add_argument(
        "--cli",
        action="store_true",
        help="time every command as a fresh process (benchmarks/commands.py)",
    )
    parser.add_argument(
        "--small", action="store_true", help="with --cli: ~100 KB files instead of --sites"
    )
    parser.add_argument(
        "--ten-clones",
        action="store_true",
        help="ten successive clones in one process against one clone",
    )
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="with --cli: run with compiled modules, as an installed package",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="with --cli: run the commands and baselines with this interpreter "
        "(e.g. a venv's, with the package installed), from a scratch folder",
    )
    parser.add_argument("--worker", choices=TASKS + CLONE_TASKS[1:], help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    formats = args.formats or list(FORMATS)
    # The package is used from the checkout this script belongs to, installed or not.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if args.worker:
        print(json.dumps(run_worker(args.worker, formats[0], args.path)))
        return 0
    if args.profile:
        for file_format in formats:
            print(f"== {args.profile} {file_format} {args.sites:,} sites ==")
            print(profile(args.profile, file_format, args.sites, args.seed, args.limit))
        return 0
    if args.cli:
        return _run_commands(args, formats)
    if args.ten_clones:
        print(ten_clones(args.sites, formats, args.repeat, args.seed))
        return 0
    results = run_benchmarks(args.sites, formats, args.repeat, args.seed, not args.no_scaling)
    OUT.mkdir(exist_ok=True)
    target = args.json or OUT / f"results-{args.sites}.json"
    target.write_text(json.dumps(results, indent=2))
    print(report(results))
    return 0


def ten_clones(sites: int, formats: Sequence[str], repeat: int, seed: int) -> str:
    """One clone against ten successive clones after load, fresh processes, in rounds."""
    import statistics

    lines = [
        "| format | sites | 1 clone s | 10 clones s | ratio | peak RSS MiB (10) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for file_format in formats:
        path = generated_file(file_format, sites, seed)
        runs: dict[str, list[dict[str, Any]]] = {task: [] for task in CLONE_TASKS}
        for _ in range(repeat):
            for task in CLONE_TASKS:
                runs[task].append(run_once(task, file_format, path))
        failed = [r["error"] for rs in runs.values() for r in rs if "error" in r]
        if failed:
            lines.append(f"| {file_format} | {sites:,} | {failed[0]} | | | |")
            continue
        one, ten = (statistics.median(float(r["clone_s"]) for r in runs[t]) for t in CLONE_TASKS)
        peak = max(float(r["peak_rss_mib"]) for r in runs["clone10"])
        lines.append(
            f"| {file_format} | {sites:,} | {one:.2f} | {ten:.2f} | {ten / one:.2f}× | {peak:.0f} |"
        )
    return "\n".join(lines)


#: Sites that make a generated file of about 100 KB.
SMALL_SITES = {"iis6": 75, "iis7": 70}


def _run_commands(args: argparse.Namespace, formats: Sequence[str]) -> int:
    from commands import run as run_commands

    files = []
    for file_format in formats:
        sites = SMALL_SITES[file_format] if args.small else args.sites
        files.append((file_format, sites, generated_file(file_format, sites, args.seed)))
    OUT.mkdir(exist_ok=True)
    label = "small" if args.small else str(args.sites)
    target = args.json or OUT / f"commands-{label}.json"
    print(
        run_commands(
            files,
            args.repeat,
            machine(),
            target,
            small=args.small,
            bytecode=args.bytecode,
            python=args.python,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

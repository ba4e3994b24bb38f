# The tables print real multiplication signs.
# ruff: noqa: RUF001
"""Time metaclone's commands as users run them: one fresh process per run.

For each format, on a generated file, every command below runs as ``python -m metaclone ...``
in a new process, interleaved in rounds with two baselines run the same way on the same file:

- ``lxml parse``: a fresh process that imports lxml and parses the file into a tree with a safe
  parser (the figure every ratio divides by);
- ``lxml clone``: parse, ``copy.deepcopy`` of the first site inserted beside it, ``tostring``
  (what people otherwise write; lossy).

With ``--small`` two more baselines show what any Python program pays on this machine before
metaclone does anything: ``python -c pass`` and ``python -c "import lxml.etree"``, run the same
way; the table then gives each command's own share, its time above the second.

A figure is the median of the rounds' wall times (process start to exit, imports included);
memory is each process's own peak resident set (``wait4``'s ``ru_maxrss``, which covers that child
alone), shown as a multiple of the file's size.  The machine's speed drifts, so only ratios from
one run mean anything; every run records the machine and versions beside its figures.

    python benchmarks/bench.py --cli                          # 50,000 sites, both formats
    python benchmarks/bench.py --cli --sites 5000 --repeat 3
    python benchmarks/bench.py --cli --small                  # ~100 KB files: the start-up cost
    python benchmarks/bench.py --cli --small --bytecode       # with compiled modules, as installed

Where ``PYTHONDONTWRITEBYTECODE`` is set and the checkout has no ``__pycache__``, every process
compiles the modules it imports, which an installed package does not: ``--bytecode`` gives the
processes a compiled-module cache of their own (filled by an untimed first round).

``--python PATH`` runs the commands and the baselines with another interpreter, typically a
virtual environment with the package installed (``pip install .``, not editable), which is how
users run it and which leaves out whatever the global interpreter runs at start-up (a ``.pth``
file, say).  Those processes start in a scratch folder, so that the installed package is the one
imported rather than the checkout:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install .
    python benchmarks/bench.py --cli --small --python /tmp/venv/bin/python
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Ratio targets against lxml's tree parse of the same file: listings and single edits, then the
#: commands that read every site's details or run the whole workflow.
FAST_TARGET = 0.5
FULL_TARGET = 1.0
MEMORY_TARGET = 3.0
SMALL_TARGET_S = 0.120

_PARSE = """
import sys
from lxml import etree
parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
etree.parse(sys.argv[1], parser)
"""

_CLONE = """
import copy, sys
from lxml import etree
parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
tree = etree.parse(sys.argv[1], parser)
root = tree.getroot()
site = next(e for e in root.iter() if isinstance(e.tag, str)
            and e.tag.rpartition("}")[2] in ("site", "IIsWebServer"))
clone = copy.deepcopy(site)
site.addnext(clone)
data = etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
"""


#: What every command pays before doing its own work: start-up, reading, decoding and the
#: well-formedness check of the file, and telling its format; with the garbage collector as
#: the command line has it (off while a command runs, nothing collected on the way out).
_LOAD = """
import gc, sys
import metaclone
gc.disable()
metaclone.load(sys.argv[1])
gc.freeze()
"""


def _metaclone(*arguments: str) -> list[str]:
    return ["{python}", "-m", "metaclone", *arguments]


_TARGETS = """
import json, sys
import metaclone
doc = metaclone.load(sys.argv[1])
sites = doc.sites
middle = len(sites) // 2
# From the middle of the file: the first site would flatter whatever stops at the first match.
edited = sites[middle]
secure = next(
    s for s in (*sites[middle:], *sites[:middle]) if s.secure_bindings and s.kind.value == "web"
)
certificate = secure.certificate or secure.secure_bindings[0].certificate
print(json.dumps([str(edited.id), str(secure.id), certificate.thumbprint if certificate else None]))
"""

_PLACEHOLDER = """
import sys
import metaclone
doc = metaclone.load(sys.argv[1])
original = doc.site(sys.argv[2])
print(next(s.id for s in doc.sites if s.id != original.id and s.name.startswith(original.name)))
"""


def _ask(script: str, *arguments: str) -> str:
    """What ``script`` prints, run in a child process.

    The parent stays small on purpose: a child's peak resident set as the kernel reports it
    starts from the size of the process it was forked from.
    """
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _targets(path: Path) -> tuple[str, str, str]:
    """The site in the middle of ``path``, and the first https site from there on with its
    certificate thumbprint."""
    edited, secure, thumbprint = json.loads(_ask(_TARGETS, str(path)))
    return edited, secure, thumbprint or "ab" * 20


#: The start-up baselines of ``--small``: the interpreter alone, then with lxml imported.
PYTHON = "python -c pass"
PYTHON_LXML = "python + import lxml.etree"
#: The floor of every command: ``metaclone.load`` of the file in a fresh process.
LOAD = "metaclone load"
BASELINES = frozenset({"lxml parse", "lxml clone", LOAD, PYTHON, PYTHON_LXML})


def command_lines(
    path: Path, scratch: Path, *, small: bool = False
) -> dict[str, tuple[list[str], float]]:
    """Each measured command (with its ratio target) for the file at ``path``."""
    edited, secure, thumbprint = _targets(path)
    out = str(scratch / f"out{path.suffix}")
    begun = str(scratch / f"begun{path.suffix}")
    copy = str(scratch / f"inplace{path.suffix}")
    new_thumbprint = "cd" * 20
    file = str(path)
    start_up: dict[str, tuple[list[str], float]] = {
        PYTHON: (["{python}", "-c", "pass"], 0.0),
        PYTHON_LXML: (["{python}", "-c", "import lxml.etree"], 0.0),
    }
    return {
        **(start_up if small else {}),
        "lxml parse": (["{python}", "-c", _PARSE, file], 1.0),
        "lxml clone": (["{python}", "-c", _CLONE, file], 0.0),
        LOAD: (["{python}", "-c", _LOAD, file], 0.0),
        "sites": (_metaclone("sites", file), FAST_TARGET),
        "sites --json": (_metaclone("sites", file, "--json"), FAST_TARGET),
        "sites --applications": (_metaclone("sites", file, "--applications"), FULL_TARGET),
        "cert show": (_metaclone("cert", "show", file), FAST_TARGET),
        "check": (_metaclone("check", file), FULL_TARGET),
        "clone -o": (
            _metaclone("clone", file, "--site", edited, "--name", "bench copy", "-o", out),
            FAST_TARGET,
        ),
        "clone --diff": (
            _metaclone("clone", file, "--site", edited, "--name", "bench copy", "--diff"),
            FAST_TARGET,
        ),
        "delete -o": (_metaclone("delete", file, "--site", edited, "-o", out), FAST_TARGET),
        "rename -o": (
            _metaclone("rename", file, "--site", edited, "--name", "bench renamed", "-o", out),
            FAST_TARGET,
        ),
        "stop -o": (_metaclone("stop", file, "--site", edited, "-o", out), FAST_TARGET),
        "stop --in-place": (
            _metaclone("stop", copy, "--site", edited, "--in-place", "--no-backup"),
            FAST_TARGET,
        ),
        "placeholder begin -o": (
            _metaclone(
                "placeholder",
                "begin",
                file,
                "--site",
                secure,
                "--thumbprint",
                thumbprint,
                "-o",
                begun,
            ),
            FULL_TARGET,
        ),
        "placeholder finish -o": (
            _metaclone(
                "placeholder",
                "finish",
                begun,
                "--site",
                secure,
                "--placeholder",
                "{placeholder}",
                "--thumbprint",
                new_thumbprint,
                "-o",
                out,
            ),
            FULL_TARGET,
        ),
    }


def _run(
    argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS in KiB and exit status of one fresh process.

    The CPU time (user and system, ``wait4``'s) varies less than the wall time on a busy
    machine, whose other processes take turns on its cores."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and process.stderr is not None:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-2000:])
    if process.stderr is not None:
        process.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


def _bytecode_env(scratch: Path) -> dict[str, str]:
    """The environment of processes that keep compiled modules, as an installed package has
    them: written once to a cache in ``scratch`` (the checkout is left alone), then read."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def measure(
    path: Path,
    rounds: int,
    *,
    small: bool = False,
    bytecode: bool = False,
    python: str | None = None,
) -> dict[str, Any]:
    """Every command's median time and peak memory on ``path``, interleaved in rounds.

    With ``bytecode`` a first, untimed round compiles every module the commands import.  With
    ``python`` the commands run with that interpreter, from a scratch folder (so that the
    package it has installed is imported, not the checkout).
    """
    size = path.stat().st_size
    with tempfile.TemporaryDirectory(prefix="metaclone-bench-") as folder:
        scratch = Path(folder)
        commands = command_lines(path, scratch, small=small)
        env = _bytecode_env(scratch) if bytecode else None
        interpreter = python or sys.executable
        cwd = scratch if python else ROOT
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, int] = dict.fromkeys(commands, 0)
        failures: dict[str, int] = {}
        warm_up = 1 if bytecode else 0
        for round_number in range(warm_up + rounds):
            for name, (template, _) in commands.items():
                argv = [interpreter if part == "{python}" else part for part in template]
                if name == "stop --in-place":
                    shutil.copyfile(path, scratch / f"inplace{path.suffix}")
                if name == "placeholder finish -o":
                    secure = argv[argv.index("--site") + 1]
                    begun = str(scratch / f"begun{path.suffix}")
                    placeholder = _ask(_PLACEHOLDER, begun, secure)
                    argv = [placeholder if part == "{placeholder}" else part for part in argv]
                elapsed, cpu_s, peak, status = _run(argv, env, cwd)
                if round_number < warm_up:
                    continue
                # `check` exits 1 when it finds problems, as the generated files have.
                if status not in ((0, 1) if name == "check" else (0,)):
                    failures[name] = status
                times[name].append(elapsed)
                cpu[name].append(cpu_s)
                peaks[name] = max(peaks[name], peak)
    parse = statistics.median(times["lxml parse"])
    rows = {}
    for name, (_, target) in commands.items():
        median = statistics.median(times[name])
        rows[name] = {
            "median_s": median,
            "runs_s": times[name],
            "cpu_median_s": statistics.median(cpu[name]),
            "ratio_to_parse": median / parse,
            "target_ratio": target or None,
            "peak_mib": peaks[name] / 1024,
            "peak_to_file": peaks[name] * 1024 / size,
            "exit_status": failures.get(name, 0),
        }
    return {
        "file": str(path),
        "bytes": size,
        "rounds": rounds,
        "python": interpreter,
        "commands": rows,
    }


def report(results: dict[str, Any]) -> str:
    """The figures as a Markdown table per file."""
    lines: list[str] = []
    for entry in results["files"]:
        lines.append(
            f"\n{entry['format']}, {entry['sites']} sites, {entry['bytes'] / 1e6:.1f} MB, "
            f"median of {entry['rounds']} rounds, {entry['python']}\n"
        )
        if PYTHON_LXML in entry["commands"]:
            lines.extend(_start_up_table(entry["commands"]))
        else:
            lines.extend(_table(entry["commands"], small=entry["bytes"] < 1_000_000))
    return "\n".join(lines)


def _verdict(name: str, row: dict[str, Any], ok: bool) -> str:
    if name in BASELINES:
        return "baseline"
    return "failed" if row["exit_status"] else ("met" if ok else "NOT met")


def _table(rows: dict[str, Any], *, small: bool) -> list[str]:
    """The figures of one file; "above load" is each command's own work, its time above
    :data:`LOAD`'s."""
    load = rows[LOAD]["median_s"] if LOAD in rows else None
    lines = [
        "| command | median s | above load s | ÷ lxml parse | target | peak MiB | peak ÷ file | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        above = "" if load is None or name in BASELINES else f"{row['median_s'] - load:.2f}"
        target = row["target_ratio"]
        if small:
            ok = row["median_s"] <= SMALL_TARGET_S
            goal = f"≤ {SMALL_TARGET_S * 1000:.0f} ms"
        else:
            ok = target is None or row["ratio_to_parse"] <= target
            goal = f"≤ {target:.1f}×" if target else ""
            ok = ok and (name in BASELINES or row["peak_to_file"] <= MEMORY_TARGET)
        lines.append(
            f"| {name} | {row['median_s']:.2f} | {above} | {row['ratio_to_parse']:.2f}× | {goal} | "
            f"{row['peak_mib']:.0f} | {row['peak_to_file']:.2f}× | {_verdict(name, row, ok)} |"
        )
    return lines


def _start_up_table(rows: dict[str, Any]) -> list[str]:
    """Milliseconds, wall and CPU, and each command's own share: its time above Python with lxml
    imported."""
    floor = rows[PYTHON_LXML]["median_s"]
    cpu_floor = rows[PYTHON_LXML]["cpu_median_s"]
    lines = [
        "| command | median ms | above python + lxml, ms | CPU ms | CPU above python + lxml, "
        "ms | target | peak MiB | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        baseline = name in BASELINES
        own = "" if baseline else f"{(row['median_s'] - floor) * 1000:.0f}"
        own_cpu = "" if baseline else f"{(row['cpu_median_s'] - cpu_floor) * 1000:.0f}"
        ok = row["median_s"] <= SMALL_TARGET_S
        lines.append(
            f"| {name} | {row['median_s'] * 1000:.0f} | {own} | "
            f"{row['cpu_median_s'] * 1000:.0f} | {own_cpu} | "
            f"≤ {SMALL_TARGET_S * 1000:.0f} ms | {row['peak_mib']:.0f} | "
            f"{_verdict(name, row, ok)} |"
        )
    return lines


def run(
    files: Sequence[tuple[str, int, Path]],
    rounds: int,
    machine: dict[str, str],
    json_path: Path | None,
    *,
    small: bool = False,
    bytecode: bool = False,
    python: str | None = None,
) -> str:
    results: dict[str, Any] = {"machine": machine, "files": []}
    for file_format, sites, path in files:
        entry = measure(path, rounds, small=small, bytecode=bytecode, python=python)
        entry.update(format=file_format, sites=sites)
        results["files"].append(entry)
    text = "machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()) + report(results)
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=2))
    return text

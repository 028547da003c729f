#!/usr/bin/env python3
"""Execute notebooks through the course kernel, as a learner would.

Each notebook runs from a fresh kernel over the Jupyter protocol
(nbclient), with the notebook's own directory as the working directory.
A notebook fails when a cell errors or panics, when a cell tagged
`raises-exception` does *not* fail or fails with another error than its
`expect-error:TEXT` tag names (a compiler code such as E0373, or words of
the message), when its prose states a reading of the run (a time, a ratio,
a count, a comparison next to a number) that the outputs beside it do not
show and that is not worded as what to look for with its condition
(prose_check.py), or when the kernel dies. Executed copies
(with outputs) of the runs that passed are written to the output directory,
for publishing; those of failed runs to its `failed/` folder, to read.

Usage: run_notebooks.py [--kernel NAME] [--out DIR] NOTEBOOK...
       run_notebooks.py --warm [--first-only] [--stamp FILE --stamp-text TEXT] NOTEBOOK...
           (compile what the notebooks load: all of it, or only the first
           :dep line, the support crate; write TEXT to FILE when done)

The launcher (`./lab`) runs it with the course's notebooks; see
kernel-ext/launcher/src/kernel/runner.rs.
"""

import argparse
import os
import platform
import re
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

import prose_check

KERNEL = "parallel-rust"
# Where the executed copies of failed runs go, under the --out folder.
FAILED_DIR = "failed"
# Panics abort the cell with an error instead of printing and carrying on,
# so a panicking cell cannot pass unnoticed.
GUARD = ":preserve_vars_on_panic 0"
PANIC_MARKER = "panicked at"
# A CPU monitor plot needs this many readings to show a line, not a dot.
MIN_MONITOR_READINGS = 20
MONITOR_HEADER = re.compile(r"CPU use per core: (\d+) readings?")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def outputs_text(cell, stream=None):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and (stream is None or out.get("name") == stream):
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])) or out.get("evalue", ""))
    return "".join(parts)


# A cell that must fail names the error it must fail with: a compiler
# error code (E0373) or words of the message, after this prefix.
EXPECT_PREFIX = "expect-error:"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def expected_errors(cell):
    """The `expect-error:` texts a `raises-exception` cell's tags name."""
    return [t[len(EXPECT_PREFIX):] for t in tags(cell) if t.startswith(EXPECT_PREFIX)]


def check(nb):
    """(problems, (prose sentences checked against the outputs, prose
    sentences worded with a condition or a source)): see `check_cells` and
    prose_check.py."""
    prose, checked, worded = prose_check.check(nb)
    return check_cells(nb) + prose, (checked, worded)


def check_cells(nb):
    """Problems nbclient does not catch. The kernel reports a panic or an
    error returned with `?` on stderr while the cell still counts as run,
    so any stderr output fails the cell unless it is tagged
    `raises-exception` (which must then fail, with the error its
    `expect-error:` tag names) or `allow-stderr`."""
    problems = []
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        errored = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        stderr = outputs_text(cell, "stderr").strip()
        if "raises-exception" in tags(cell):
            expected = expected_errors(cell)
            said = ANSI.sub("", outputs_text(cell))
            if not errored and not stderr:
                problems.append(f"cell {i} is tagged raises-exception but ran without an error")
            elif not expected:
                problems.append(f"cell {i} is tagged raises-exception without a tag "
                                f"`{EXPECT_PREFIX}CODE` naming the error it must raise")
            elif not any(e in said for e in expected):
                problems.append(f"cell {i} should fail with {' or '.join(expected)}, "
                                f"but failed with:\n{said.strip()[:2000]}")
        elif stderr and "allow-stderr" not in tags(cell):
            kind = "panicked" if PANIC_MARKER in stderr else "wrote to stderr (an error returned with `?`?)"
            problems.append(f"cell {i} {kind}:\n{stderr}")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for found in MONITOR_HEADER.finditer(data.get("text/plain", "") + out.get("text", "")):
                if int(found.group(1)) < MIN_MONITOR_READINGS:
                    problems.append(f"cell {i} shows a CPU monitor with {found.group(1)} readings; "
                                    f"it needs at least {MIN_MONITOR_READINGS}")
            if "image/svg+xml" in data and "text/html" not in data:
                # JupyterLab does not draw bare SVG in a notebook it does not
                # trust, so a published notebook would show only the text.
                problems.append(f"cell {i} shows a bare image/svg+xml output; "
                                "send an <img> in text/html instead (Figure::to_html)")
    return problems


def machine_stamp():
    """Where and when the outputs were made, for the published pages: the
    date (UTC), the CPU model, physical and logical cores, the system."""
    cpu, cores = platform.processor() or platform.machine(), set()
    try:
        block = {}
        for line in Path("/proc/cpuinfo").read_text().splitlines() + [""]:
            key, _, value = line.partition(":")
            if key.strip():
                block[key.strip()] = value.strip()
            elif block:
                cpu = block.get("model name", cpu)
                cores.add((block.get("physical id"), block.get("core id", len(cores))))
                block = {}
    except OSError:
        pass
    return {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "physical_cores": len(cores) or None,
        "logical_cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
    }


# Asks the kernel for its build folder (evcxr makes one per kernel and
# leaves it behind, some 70 MB, when the kernel is shut down).
BUILD_DIR_QUERY = ":last_compile_dir"


def build_dir_of(cell):
    """The folder a `:last_compile_dir` cell printed, if any."""
    text = outputs_text(cell).strip()
    path = Path(text) if text else None
    return path if path and path.is_absolute() and path.name.startswith(".tmp") else None


def remove_build_dir(cell):
    """Removes the build folder that the query cell `cell` reported: only
    that kernel's, never another run's on the same machine."""
    path = build_dir_of(cell)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def execute(path, kernel, out_dir, timeout, log_dir):
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(GUARD))
    nb.cells.insert(1, nbformat.v4.new_code_cell(BUILD_DIR_QUERY))
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=300,
        iopub_timeout=30,
        record_timing=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    start = time.monotonic()
    failure = None
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / (path.stem + ".kernel.log")
    try:
        # The kernel's own output (compiler progress) goes to a log file.
        with open(log_path, "w") as log:
            client.execute(stdout=log, stderr=log)
    except CellExecutionError as e:
        failure = str(e)
    except CellTimeoutError as e:
        failure = f"a cell ran longer than {timeout} s: {e}"
    except DeadKernelError as e:
        failure = f"the kernel died: {e}"
    elapsed = time.monotonic() - start
    remove_build_dir(nb.cells.pop(1))
    guard = nb.cells.pop(0)
    nb.metadata["course"] = {"executed": machine_stamp()}
    first_result = seconds_since(guard, "shell.execute_reply", nb.cells)
    found, prose_checked = check(nb)
    problems = ([failure] if failure else []) + found
    if problems:
        problems.append(f"kernel log: {log_path}\n" + tail(log_path, 15))
    if out_dir is not None:
        # Only a run that passed is an executed copy (what ./lab publish
        # uses); a failed run is kept apart, to read, never to publish.
        target = out_dir if not problems else out_dir / FAILED_DIR
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target / path.name)
        if not problems:
            (out_dir / FAILED_DIR / path.name).unlink(missing_ok=True)
    return elapsed, problems, slowest_cells(nb), first_result, prose_checked


def seconds_since(guard, _key, cells):
    """Seconds from the kernel's first reply (the guard cell, answered as
    soon as the kernel is up) to the reply of the first real code cell."""
    stamps = guard.get("metadata", {}).get("execution", {})
    start = stamps.get("iopub.status.busy") or stamps.get("shell.execute_reply")
    first = next((c for c in cells if c.cell_type == "code"), None)
    end = first and first.get("metadata", {}).get("execution", {}).get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def tail(path, n):
    try:
        return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-n:])
    except OSError:
        return ""


def slowest_cells(nb, n=3):
    timed = []
    for i, cell in enumerate(nb.cells, start=1):
        t = cell.get("metadata", {}).get("execution", {})
        start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            secs = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                    - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timed.append((secs, i))
    return sorted(timed, reverse=True)[:n]


def toml_string(text):
    """`text` as a TOML basic string, quotes included: backslashes, quotes
    and control characters escaped, so any path reads back unchanged."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def dep_lines(path):
    """The `:dep` lines of a notebook's code cells, in order."""
    nb = nbformat.read(path, as_version=4)
    return [line.strip() for cell in nb.cells if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.strip().startswith(":dep ")]


def warm_groups(notebooks):
    """What to compile, from the notebooks' own `:dep` lines: the first
    line (the support crate, which every notebook loads first), and each
    notebook's further lines in the order it loads them, one group per
    distinct list."""
    first, groups = None, {}
    for path in notebooks:
        deps = dep_lines(path)
        if not deps:
            continue
        first = first or deps[0]
        rest = tuple(d for d in deps if d != first)
        if rest:
            groups.setdefault(rest, path.stem)
    if first is None:
        raise SystemExit("no notebook has a :dep line: nothing to warm")
    return first, [(name, list(deps)) for deps, name in groups.items()] or [("support crate", [])]


def warm(notebooks, kernel, log_dir, first_only=False):
    """Compile what the notebooks load, in throwaway kernels, filling
    evcxr's cache so that no cell spends a minute compiling in front of the
    room: the support crate, then each notebook's other `:dep` lines after
    it, as that notebook loads them. Each set gets a kernel of its own,
    started in the notebooks' folder like the notebooks: loading one crate
    can rebuild another already loaded (different dependency features),
    which a kernel cannot reload."""
    first, groups = warm_groups(notebooks)
    if first_only:
        groups = [("support crate", [])]
    folder = notebooks[0].parent.resolve()
    support = f"{first}\nuse parallel_course::prelude::*;\nlet info = build_info();\ninfo"
    log_dir.mkdir(parents=True, exist_ok=True)
    shown = None
    for name, deps in groups:
        query = nbformat.v4.new_code_cell(BUILD_DIR_QUERY)
        nb = nbformat.v4.new_notebook()
        nb.cells = [query, nbformat.v4.new_code_cell(support)]
        nb.cells += [nbformat.v4.new_code_cell(dep) for dep in deps]
        client = NotebookClient(nb, kernel_name=kernel, timeout=900, startup_timeout=300,
                                resources={"metadata": {"path": str(folder)}})
        try:
            with open(log_dir / f"warm-{name}.kernel.log", "w") as log:
                client.execute(stdout=log, stderr=log)
        finally:
            remove_build_dir(query)
        shown = shown or nb.cells[1]
    print(shown.outputs[-1]["data"]["text/plain"] if shown.outputs else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--kernel", default=KERNEL)
    ap.add_argument("--out", type=Path, default=None, help="write executed copies here")
    ap.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    ap.add_argument("--warm", action="store_true",
                    help="compile what the notebooks load instead of running them")
    ap.add_argument("--first-only", action="store_true",
                    help="with --warm: only the first :dep line (the support crate)")
    ap.add_argument("--stamp", type=Path, default=None,
                    help="with --warm: a file to write --stamp-text to when done")
    ap.add_argument("--stamp-text", default="")
    ap.add_argument("--log-dir", type=Path, default=Path(".course/logs"),
                    help="where the kernels' own output goes")
    args = ap.parse_args()

    # Stopped by SIGTERM (./lab stopped by a signal, a service manager):
    # end at once. The kernel this runner started sees its parent gone and
    # stops its cell process and itself within a second or two.
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(128 + signum))
    if not args.notebooks:
        ap.error("give at least one notebook")
    if args.warm:
        warm(args.notebooks, args.kernel, args.log_dir, args.first_only)
        if args.stamp:
            args.stamp.write_text(args.stamp_text)
        return 0

    failed, prose_total = [], [0, 0]
    for path in args.notebooks:
        print(f"  {path} ...", end="", flush=True)
        elapsed, problems, slow, first, prose_checked = execute(
            path, args.kernel, args.out, args.timeout, args.log_dir)
        prose_total = [a + b for a, b in zip(prose_total, prose_checked)]
        status = "ok" if not problems else "FAILED"
        slow_text = ", ".join(f"cell {i} {s:.1f} s" for s, i in slow)
        first_text = f"first cell {first:.1f} s, " if first is not None else ""
        print(f" {status} in {elapsed:.1f} s ({first_text}slowest: {slow_text}; "
              f"prose: {prose_checked[0]} readings checked, {prose_checked[1]} worded with a condition)",
              flush=True)
        if problems:
            failed.append(path)
            for p in problems:
                print("    " + p.replace("\n", "\n    "), flush=True)
    print(f"prose check: {prose_total[0]} sentences with readings checked against their outputs, "
          f"{prose_total[1]} more worded with their condition or source")
    if failed:
        print(f"{len(failed)} of {len(args.notebooks)} notebooks failed: "
              + ", ".join(str(p) for p in failed))
        return 1
    print(f"all {len(args.notebooks)} notebooks executed cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())

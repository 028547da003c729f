#!/usr/bin/env python3
"""Checks of the course kernel that no notebook can make on itself.

Each check starts fresh kernels through Jupyter's own client, as
JupyterLab does, and says what it measured. Times are reported, never
asserted: they depend on the machine.

1. An edit to the support crate reaches the next kernel (the kernel caches
   compiled crates keyed by the compiler's command line; the crate's build
   script puts a hash of its sources there).
2. One kernel, one set of statics: a rayon pool built in one cell is the
   next cell's pool, and cells do not start a pool each.
3. An interrupt keeps the variables: long work of the support crate
   (`pi_par` over 10^11 points, a `timeit!`, a scaling study) stops when
   asked, and the variables made before it are still there.
4. A loop that never checks is stopped after a grace period; the message
   names the lost variables, and `%rebuild` makes them again.
5. No process outlives its cell: after an interrupt of `integral_processes`,
   after the cell's process is stopped, and after a kernel restart, none of
   the processes the cell started is left.
6. Live output: the CPU monitor updates its chart while it runs, and a cell
   shows several figures, in order.
7. IPython's magics: `%timeit`, `%%timeit`, `%time`, `%%time` (whose
   variables stay), and a clear error for a wrong flag.
8. Start-up and cell times: kernel start to the first cell's result (at
   once, and after 10 s of reading), and a trivial cell's median time with
   evcxr's own breakdown of where it goes.
9. Kernels started together: 8 at once all answer their first cell; the
   slowest time and the memory per kernel are reported.
10. Locked versions: the crates a kernel loads have the versions the
    course's Cargo.lock names.
11. Prelude inputs: every function and builder method of the prelude
    that takes a size, count, duration, seed or float (found in the
    crate's source by tests/prelude_inputs.rs) is called with 0, 1, huge,
    negative and NaN values: none aborts the cell's process, runs past
    10 s or loses a variable, and every refusal says what was wrong and
    what is allowed.
12. Failed runs: the runner leaves no executed copy to publish for a
    notebook that failed (its copy goes to `failed/`).
13. Panics keep variables: a failed `assert!`, an index past the end, an
    `expect` on an `Err` and a panic in a scoped thread each stop their
    cell with the message; the variables made before are kept, in the
    same process (only what the panicking cell moved is gone).
14. A kernel dies with its server: the process that started a kernel is
    killed without a shutdown; within a few seconds the kernel, its cell
    process and what a cell started are gone.
15. Output nobody can forge: a cell prints a display line (the prefix and
    HTML), without the kernel's key and with a guessed one; it is shown as
    text, never as a rich output.
16. A connection file with an empty key (no signatures): the kernel
    refuses to start and says why.
17. An oversized frame: a peer on the shell port declares a 2^40-byte
    frame before any handshake; the kernel drops that peer and still
    answers its client.
18. JupyterLab's console: Shift+Enter on an unfinished `fn f() {` waits
    for more (is_complete says incomplete, with an indent), and the up
    arrow finds this session's inputs and an earlier kernel's
    (history_request).
19. A warm spare: with COURSE_KERNEL_SPARES=1 (as ./lab's JupyterLab
    sets it), a kernel starts a spare for the next notebook; the next
    kernel hands it its connection, and its first cell answers at once, in
    the notebook's folder.
20. A torn build cache: an entry of evcxr's cache whose hit counter is
    empty (what a kernel killed mid-write leaves, and what makes every
    later compile of that crate fail) is mended when the next kernel
    starts, and the kernel's log says so.
21. The kernel's allocator (COURSE_KERNEL_ALLOCATOR): unset, `mimalloc`
    and `system` are accepted; a wrong name is said on the kernel's log
    and the kernel goes on (with mimalloc).
22. Types rust-analyzer is not given: `is_x86_feature_detected!` gives a
    typed variable; a variable whose type only `core::arch` names asks
    for that type in a clear error, and runs with it written out.
23. Analysis only when asked: after cells without a `let` (which leave
    rust-analyzer alone), a completion still answers and the first `let`
    cell's variables are typed and kept.

Usage: kernel_behaviour.py [--kernel NAME] [--only NAME,...] CRATE_DIR
"""

import argparse
import fcntl
import json
import os
import queue
import re
import statistics
import threading
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from jupyter_client.manager import start_new_kernel

KERNEL = "parallel-rust"
PROBE = "KERNEL_EDIT_PROBE"


def run_cell(kc, code, timeout=600):
    """Executes `code`; returns (status, text) where text joins the
    stdout, stderr, results and error messages the cell produced."""
    return outcome(kc, kc.execute(code), timeout, code)


def outcome(kc, msg_id, timeout=600, code=""):
    """Waits for the request `msg_id` to finish; returns (status, text)."""
    try:
        found, reply = messages(kc, msg_id, timeout)
    except TimeoutError:
        raise TimeoutError(f"no reply within {timeout} s to: {code!r}")
    parts = []
    for msg in found:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            parts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            parts.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            parts.append(content.get("evalue", "") + "\n".join(content.get("traceback", [])))
    return reply["status"], "".join(parts)


LOG_DIR = Path(".course/logs")


PRELUDE = ':dep parallel_course = { path = ".." }\nuse parallel_course::prelude::*;'


@contextmanager
def fresh_kernel(kernel, cwd, prelude=False, query_build_dir=True):
    """A new kernel started in `cwd`, with the course prelude loaded if
    asked, shut down afterwards (the course kernel removes its build
    folder then; the folder is removed here too, for other kernels). Its
    own output (compiler progress) goes to a log."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "kernel-behaviour.kernel.log", "a") as log:
        km, kc = start_new_kernel(kernel_name=kernel, cwd=str(cwd), startup_timeout=300,
                                  stdout=log, stderr=log)
        build_dir = None
        try:
            if query_build_dir:
                status, text = run_cell(kc, ":last_compile_dir")
                if status == "ok" and text.strip():
                    build_dir = text.strip()
            if prelude:
                status, text = run_cell(kc, PRELUDE)
                assert status == "ok", f"loading the prelude failed:\n{text}"
            yield km, kc
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            # A kernel's own build folder (some 70 MB) goes; a kernel slot
            # (`slot-N`) stays warm for the next kernel.
            if build_dir and Path(build_dir).name.startswith(".tmp"):
                shutil.rmtree(build_dir, ignore_errors=True)


def copy_crate(src, dst):
    for name in ("Cargo.toml", "Cargo.lock", "build.rs"):
        shutil.copy2(src / name, dst / name)
    shutil.copytree(src / "src", dst / "src")
    # The copy is a crate of its own, not the course's workspace, and finds
    # its path dependencies where they are.
    manifest = (dst / "Cargo.toml").read_text()
    start = manifest.index("[workspace]")
    end = manifest.index("\n[", start + 1)
    manifest = manifest[:start] + "[workspace]\n" + manifest[end:]
    manifest = re.sub(r'path = "(kernel-ext/[^"]+)"',
                      lambda m: f'path = "{(src / m.group(1)).as_posix()}"', manifest)
    (dst / "Cargo.toml").write_text(manifest)


def load_probe(kernel, crate, cwd):
    """Loads `crate` in a fresh kernel; returns (seconds to load, probe value)."""
    with fresh_kernel(kernel, cwd) as (_, kc):
        start = time.monotonic()
        status, text = run_cell(kc, f':dep parallel_course = {{ path = "{crate.as_posix()}" }}')
        loaded = time.monotonic() - start
        assert status == "ok", f"loading the crate copy failed:\n{text}"
        status, text = run_cell(kc, f"parallel_course::{PROBE}")
        assert status == "ok", f"reading the probe failed:\n{text}"
        return loaded, text.strip()


def check_edit_reaches_kernel(kernel, crate_dir):
    with tempfile.TemporaryDirectory(prefix="course-edit-probe-") as tmp:
        copy = Path(tmp) / "parallel_course"
        copy.mkdir()
        copy_crate(crate_dir, copy)
        lib = copy / "src" / "lib.rs"
        base = lib.read_text()
        # A fresh value for every run, so an earlier run's cache entry
        # cannot answer for this one.
        first = int(time.time()) % 1_000_000
        lib.write_text(base + f"\n#[doc(hidden)]\npub const {PROBE}: u32 = {first};\n")
        cold, v1 = load_probe(kernel, copy, tmp)
        warm, v2 = load_probe(kernel, copy, tmp)
        lib.write_text(base + f"\n#[doc(hidden)]\npub const {PROBE}: u32 = {first + 1};\n")
        edited, v3 = load_probe(kernel, copy, tmp)
    assert v1 == str(first) and v2 == str(first), f"expected {first}, got {v1} and {v2}"
    assert v3 == str(first + 1), f"after the edit the kernel saw {v3}, expected {first + 1}: a stale build"
    print(f"  edit reaches a fresh kernel: ok (crate load: first {cold:.1f} s, cached {warm:.1f} s, "
          f"after an edit {edited:.1f} s)")


THREADS = """fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}"""


def check_one_pool(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        status, text = run_cell(kc, "rayon::ThreadPoolBuilder::new().num_threads(1).build_global().is_ok()")
        assert status == "ok" and "true" in text, f"build_global failed:\n{text}"
        status, text = run_cell(kc, "rayon::current_num_threads()")
        assert status == "ok" and text.strip() == "1", \
            f"a pool of 1 thread built in one cell is not the next cell's pool: {text.strip()} threads"
        status, text = run_cell(kc, THREADS)
        assert status == "ok", text
        counts = []
        for _ in range(10):
            status, text = run_cell(kc, "(0..1000u64).into_par_iter().sum::<u64>();\nthreads()")
            assert status == "ok", text
            counts.append(int(text.strip()))
        assert len(set(counts)) == 1, f"threads after each of ten rayon cells: {counts}"
        print(f"  one pool: a 1-thread global pool carries over between cells; "
              f"threads flat at {counts[0]} across ten rayon cells")


def messages(kc, msg_id, timeout=600):
    """Every IOPub message of request `msg_id` until it is idle, and the
    reply's content."""
    found = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no reply within {timeout} s")
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        found.append(msg)
    reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
    return found, reply["content"]


def interrupt_after(km, kc, code, seconds, timeout=120):
    """Runs `code`, interrupts it `seconds` after it starts running (its
    execute_input), and returns (reply content, text said, seconds from the
    interrupt to the reply)."""
    msg_id = kc.execute(code)
    found, asked_at = [], None
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_input":
            # Compiling comes before running: wait for the work to start.
            time.sleep(seconds)
            asked_at = time.monotonic()
            km.interrupt_kernel()
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        found.append(msg)
    stopped = time.monotonic() - asked_at
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    said = "".join(m["content"].get("text", "") + m["content"].get("evalue", "") for m in found)
    return reply["content"], said, stopped


def check_interrupt_keeps_variables(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (km, kc):
        status, text = run_cell(kc, "let keep = 41;")
        assert status == "ok", text
        report = []
        for what, code in (("pi_par over 10^11 points", "let r = pi_par(100_000_000_000, 1);"),
                           ("a long timeit!", "timeit!(pi_par(1_000_000_000, 1))"),
                           ("a scaling study", "let s = scaling_study(2, || pi_par(3_000_000_000, 1))?;")):
            reply, said, stopped = interrupt_after(km, kc, code, 2.0)
            assert reply["status"] == "error" and reply.get("ename") == "KeyboardInterrupt", \
                f"{what}: the interrupted cell replied {reply}"
            assert "kept" in said, f"{what}: the cell said {said!r}"
            status, text = run_cell(kc, "keep + 1")
            assert status == "ok" and text.strip() == "42", \
                f"{what}: after the interrupt `keep + 1` gave {status}: {text}"
            report.append(f"{what} {stopped:.2f} s")
        # Run All stops at a failed cell: a request queued behind it is
        # aborted, while one sent after its reply, however soon, runs.
        failing = kc.execute('let broken: u32 = "not a number";')
        queued = kc.execute("keep + 2")
        first, _ = outcome(kc, failing)
        second, _ = outcome(kc, queued)
        assert (first, second) == ("error", "aborted"), \
            f"a failed cell and one queued behind it replied {first}, {second}"
        status, text = run_cell(kc, "keep + 3")
        assert status == "ok" and text.strip() == "44", f"the cell after the abort gave {status}: {text}"
        print("  interrupt keeps variables: stopped after " + ", ".join(report) +
              "; `keep` was there after each, and a request queued behind a failed cell was aborted "
              "while the next one ran")


def check_own_loop_and_rebuild(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (km, kc):
        for code in ("let keep: u64 = 41;", "let data: Vec<u64> = (1..=keep).collect();"):
            status, text = run_cell(kc, code)
            assert status == "ok", text
        status, build_dir = run_cell(kc, ":last_compile_dir")
        reply, said, stopped = interrupt_after(
            km, kc, "let mut x = 0u64;\nloop { x = x.wrapping_add(1); }", 1.0)
        assert reply["status"] == "error", reply
        # The kernel lives on, and still holds its build folder's lock: the
        # launcher's clean-up leaves the folder alone.
        live_lock = Path(build_dir.strip()) / ".course-kernel-live"
        with open(live_lock) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                raise AssertionError(f"{live_lock} is not held after the interrupt")
            except BlockingIOError:
                pass
        assert "Lost: " in said and "keep" in said and "%rebuild" in said, f"the cell said {said!r}"
        status, _ = run_cell(kc, "keep")
        assert status == "error", "`keep` survived the stopped process"
        status, text = run_cell(kc, "%rebuild")
        assert status == "ok", f"%rebuild failed:\n{text}"
        status, text = run_cell(kc, "data.len() as u64 + keep")
        assert status == "ok" and text.strip() == "82", f"after %rebuild: {status}: {text}"
        print(f"  own loop: stopped {stopped:.1f} s after the interrupt; the message named the lost "
              f"variables; %rebuild made `keep` and `data` again")


def processes_named(marker):
    """Process ids whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(int(entry.name))
    return found


def gone(marker, within=5.0):
    """Whether no process with `marker` on its command line is left
    within `within` seconds (a killed process takes a moment to go)."""
    deadline = time.monotonic() + within
    while processes_named(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not processes_named(marker)


def check_no_process_outlives_its_cell(kernel, crate_dir):
    if not Path("/proc").is_dir():
        print("  processes: SKIPPED (no /proc to list processes)")
        return
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (km, kc):
        reply, said, stopped = interrupt_after(km, kc, "integral_processes(200_000, 2)?", 2.0)
        assert reply["status"] == "error", f"{reply}: {said}"
        assert gone("integral-worker"), f"workers left: {processes_named('integral-worker')}"
        # A cell that does not stop: its process and everything it started go.
        marker = "600.123"
        code = f'let _c = std::process::Command::new("sleep").arg("{marker}").spawn()?;\nloop {{}}'
        reply, said, killed = interrupt_after(km, kc, code, 1.0)
        assert reply["status"] == "error", reply
        assert gone(marker), f"a process the stopped cell started is left: {processes_named(marker)}"
        # A kernel restart in the middle of a cell.
        marker = "600.321"
        kc.execute(f'let _c = std::process::Command::new("sleep").arg("{marker}").spawn()?;\nloop {{}}')
        deadline = time.monotonic() + 60
        while not processes_named(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_named(marker), "the cell never started its process"
        km.restart_kernel(now=False)
        assert gone(marker, within=15), f"a process outlived the restart: {processes_named(marker)}"
    print(f"  processes: integral_processes stopped {stopped:.2f} s after the interrupt with no "
          f"worker left; a stopped cell's child and a restarted kernel's child were gone too")


def check_live_output(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        found, reply = messages(kc, kc.execute("let p = monitor_cpus(|| pi_par(60_000_000, 1))?;\np"))
        assert reply["status"] == "ok", reply
        kinds = [m["msg_type"] for m in found]
        updates = kinds.count("update_display_data")
        assert updates >= 1, f"the CPU monitor showed nothing while it ran: {kinds}"
        code = ('let a = LineChart::new("first", "x", "y").line("a", [(0.0, 0.0), (1.0, 1.0)]).draw()?;\n'
                'let b = LineChart::new("second", "x", "y").line("b", [(0.0, 1.0), (1.0, 0.0)]).draw()?;\n'
                'a.evcxr_display();\nprintln!("between the figures");\nb.evcxr_display();')
        found, reply = messages(kc, kc.execute(code))
        assert reply["status"] == "ok", reply
        shown = [m["msg_type"] if m["msg_type"] != "stream" else m["content"]["text"].strip()
                 for m in found if m["msg_type"] in ("display_data", "stream")]
        assert shown == ["display_data", "between the figures", "display_data"], shown
    print(f"  live output: the CPU monitor updated its view {updates} times while it ran; two figures "
          f"and a line between them came in order")


def check_magics(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        cases = (("%timeit -n 3 -r 2 pi_par(100_000, 1)", "(mean ± std. dev. of 2 runs, 3 loops each)"),
                 ("%%timeit -n 2 -r 2 let n = 100_000;\npi_par(n, 1)", "of 2 runs, 2 loops each"),
                 ("%time pi_par(100_000, 1)", "Wall time:"),
                 ("%%time\nlet timed = pi_par(100_000, 1);\ntimed > 3.0", "Wall time:"))
        for code, expected in cases:
            status, text = run_cell(kc, code)
            assert status == "ok" and expected in text, f"{code!r} gave {status}:\n{text}"
        status, text = run_cell(kc, "timed < 3.3")
        assert status == "ok" and "true" in text, f"a %%time cell's variable is gone: {text}"
        status, text = run_cell(kc, "%timeit -p 3 pi_par(100, 1)")
        assert status == "error" and "-n N" in text, f"a wrong flag gave {status}: {text}"
        target = Path(tempfile.mkdtemp(prefix="writefile-")) / "rules" / "Snakefile"
        status, text = run_cell(kc, f'%%writefile {target}\nrule all:\n    input: "x"')
        written = target.read_text() if target.exists() else None
        assert status == "ok" and f"Writing {target}" in text and written == 'rule all:\n    input: "x"\n', \
            f"%%writefile gave {status}: {text}; the file holds {written!r}"
        shutil.rmtree(target.parent.parent)
        status, text = run_cell(kc, "for i in 0..2 { let _ = i; }")
        assert status == "ok" and "()" not in text, f"a cell ending in a loop showed {text!r}"
    print("  magics: %timeit, %%timeit, %time and %%time give timeit!'s and time!'s lines; %%time keeps "
          "its variables; a wrong flag says what is allowed; %%writefile writes its cell to a file; a cell "
          "ending in a loop shows nothing")


def check_start_and_cell_times(kernel, crate_dir):
    first_cell = PRELUDE + "\nlet info = build_info();\ninfo"
    results = {}
    for reading in (0, 10):
        started = time.monotonic()
        with fresh_kernel(kernel, crate_dir / "notebooks", query_build_dir=False) as (km, kc):
            time.sleep(reading)
            status, text = run_cell(kc, first_cell)
            assert status == "ok", text
            results[reading] = (time.monotonic() - started, time.monotonic() - started - reading)
            if reading == 0:
                memory = kernel_memory_mib(km, split=True)
                run_cell(kc, ":timing")
                times, breakdowns = [], []
                for _ in range(11):
                    t = time.monotonic()
                    status, text = run_cell(kc, "6 * 7")
                    times.append(time.monotonic() - t)
                    assert status == "ok" and "42" in text, text
                    breakdowns.append(text)
    median = statistics.median(times)
    print(f"  memory after the first cell: kernel process {memory[0]:.0f} MiB PSS, cell process "
          f"{memory[1]:.0f} MiB ({memory[0] + memory[1]:.0f} MiB together)")
    inside = sorted(breakdowns, key=lambda b: int(re.search(r"Took (\d+) ms", b).group(1)))
    typical = re.search(r"Took (\d+) ms \(([^)]*)\)", inside[len(inside) // 2])
    print(f"  start: kernel start to the first cell's result {results[0][0]:.1f} s with the cell sent at "
          f"once; {results[10][1]:.1f} s after the click when the learner reads for 10 s first")
    print(f"  trivial cell `6 * 7`: median {median:.3f} s over 11 from request to reply; inside evcxr "
          f"{typical.group(1)} ms ({typical.group(2)}), the rest is the kernel and the Jupyter protocol")


def pss_mib(pid):
    """A process's proportional set size (its own pages whole, shared ones
    split among their users), in MiB; 0 when it cannot be read."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        return int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) / 1024
    except (OSError, AttributeError):
        return 0.0


def child_pids(pid):
    """The children of every thread of `pid` (a thread's `children` file
    lists only the processes that thread started, and the kernel starts its
    cell process from a thread of its own)."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            pass
    return found


def kernel_memory_mib(km, split=False):
    """PSS of a kernel's process and its descendants (the cell process),
    in MiB; with `split`, (kernel, everything below it)."""
    pid = km.provisioner.process.pid if km.provisioner else None
    if pid is None:
        return (0.0, 0.0) if split else 0.0
    below, todo = 0.0, child_pids(pid)
    while todo:
        p = todo.pop()
        below += pss_mib(p)
        todo.extend(child_pids(p))
    own = pss_mib(pid)
    return (own, below) if split else own + below


def check_kernels_started_together(kernel, crate_dir, count=8):
    first_cell = PRELUDE + "\nlet info = build_info();\ninfo"
    results, errors, memory = [None] * count, [], [None] * count
    start = threading.Barrier(count)

    def one(i):
        try:
            start.wait()
            t = time.monotonic()
            with fresh_kernel(kernel, crate_dir / "notebooks", query_build_dir=True) as (km, kc):
                status, text = run_cell(kc, first_cell)
                results[i] = time.monotonic() - t
                if status != "ok" or "release-grade" not in text:
                    errors.append(f"kernel {i}: {status}: {text[-300:]}")
                memory[i] = kernel_memory_mib(km)
                # Stay up until every kernel has answered, as a room would.
                deadline = time.monotonic() + 300
                while None in results and time.monotonic() < deadline and not errors:
                    time.sleep(0.2)
        except Exception as e:  # noqa: BLE001: any failure of one kernel is reported
            errors.append(f"kernel {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, "\n".join(errors)
    answered = [r for r in results if r is not None]
    mem = [m for m in memory if m]
    print(f"  {count} kernels at once: all answered the first cell; slowest {max(answered):.1f} s, "
          f"fastest {min(answered):.1f} s; memory per kernel (kernel and cell process) "
          f"{statistics.median(mem):.0f} MiB median, {max(mem):.0f} MiB at most")


def locked_versions(text):
    versions, name = {}, None
    for line in text.splitlines():
        if line.startswith("name = "):
            name = line.split('"')[1]
        elif line.startswith("version = ") and name:
            versions.setdefault(name, set()).add(line.split('"')[1])
            name = None
    return versions


def check_locked_versions(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        status, text = run_cell(kc, ":last_compile_dir")
        assert status == "ok", text
        kernel_lock = Path(text.strip()) / "Cargo.lock"
        loaded = locked_versions(kernel_lock.read_text())
    course = locked_versions((crate_dir / "Cargo.lock").read_text())
    checked = [name for name in ("rand", "rayon", "sysinfo", "plotters", "memory-stats") if name in loaded]
    wrong = [f"{n} {sorted(loaded[n])} (the course locks {sorted(course.get(n, []))})"
             for n in checked if not loaded[n] <= course.get(n, set())]
    assert len(checked) >= 4 and not wrong, f"versions differ from Cargo.lock: {wrong}"
    print("  locked versions: " + ", ".join(f"{n} {'/'.join(sorted(loaded[n]))}" for n in checked) +
          ", as Cargo.lock names them")


def prelude_input_plan(crate_dir):
    """The calls `tests/prelude_inputs.rs` generates from the crate's own
    source: every parameterised item of the prelude, with 0, 1, huge,
    negative and NaN values (see that file)."""
    import subprocess
    cargo = os.environ.get("CARGO", "cargo")
    with tempfile.TemporaryDirectory(prefix="course-prelude-inputs-") as tmp:
        plan_file = Path(tmp) / "plan.json"
        done = subprocess.run(
            [cargo, "test", "--workspace", "--locked", "--quiet", "--test", "prelude_inputs", "--",
             "--exact", "every_parameterised_prelude_item_is_called_or_excluded_by_name"],
            cwd=crate_dir, env={**os.environ, "PRELUDE_INPUTS_PLAN": str(plan_file)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert done.returncode == 0 and plan_file.exists(), \
            f"generating the calls failed:\n{done.stdout[-3000:]}"
        return json.loads(plan_file.read_text())


# Past this a call is a hang; an interrupted call must stop within the
# kernel's grace period, after which the kernel stops the cell's process.
CALL_LIMIT_S = 10.0
STOP_LIMIT_MS = 3000.0


def probe_cell(calls, ids):
    return "\n".join(f"__probe({i}, || __show(&{calls[i]['code']}));" for i in ids)


def plain(text):
    """`text` without the terminal's colour codes (evcxr colours its errors)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def unescape(text):
    """Undoes `__probe`'s escapes of backslashes, line breaks and tabs."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def run_probes(km, kc, code, timeout=900):
    """Runs a cell of `__probe` calls; returns (status, outcomes by call id,
    the id of a call that ran past the limit, the cell's other text).
    A call still running after CALL_LIMIT_S is interrupted through the
    kernel, as the learner's button would."""
    msg_id = kc.execute(code)
    outcomes, pending, other = {}, "", []
    running, started, hung = None, None, None
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            msg = None
        now = time.monotonic()
        if running is not None and hung is None and now - started > CALL_LIMIT_S:
            hung = running
            km.interrupt_kernel()
        if now > deadline:
            raise TimeoutError(f"a cell of calls did not finish within {timeout} s")
        if msg is None or msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        if kind == "stream" and content.get("name") == "stdout":
            pending += content["text"]
            *lines, pending = pending.split("\n")
            for line in lines:
                fields = line.split("\t")
                if fields[0] == "PRELUDE-INPUT-START":
                    running, started = int(fields[1]), time.monotonic()
                elif fields[0] == "PRELUDE-INPUT-END":
                    outcomes[int(fields[1])] = {
                        "outcome": fields[2], "ms": float(fields[3]), "stop_ms": float(fields[4]),
                        "message": unescape("\t".join(fields[5:]))}
                    running = None
                else:
                    other.append(line)
        elif kind == "error":
            other.append(plain(content.get("evalue", "") + "\n".join(content.get("traceback", []))))
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    if running is not None and running not in outcomes:
        outcomes[running] = {"outcome": "died", "ms": (time.monotonic() - started) * 1e3,
                             "stop_ms": -1, "message": "\n".join(other[-5:])}
    return reply["content"]["status"], outcomes, hung, "\n".join(other)


# Errors that are not refusals but what the work itself came to with a
# value it accepted, each with why that is right.
WORK_OUTCOMES = (
    ("did not finish within", "the run was stopped at the time limit it was given"),
)

# Inputs refused before the cell even runs: the compiler's error names
# what is wrong. (A batch cell cannot hold them: it would not compile.)
COMPILE_TIME = (
    ("pi_par(-5, 1)", "u64"),
    ("timeit!(-n 0 1 + 1)", "1 or more"),
    ("timeit!(-r 0 1 + 1)", "1 or more"),
)


def refusal_problem(call, result, baseline):
    """Why an error or panic is not an acceptable refusal, or None."""
    message = result["message"]
    if call["expect"] is not None:
        if call["expect"] not in message:
            return f"should say {call['expect']!r}"
        return None if "allowed" in message else "says nothing of what is allowed"
    if call["label"] == "defaults":
        # An environment without a part of the course (Slurm, Snakemake, a
        # worker program) fails the ordinary call too; a refusal of the
        # ordinary values is the test's mistake.
        if "allowed" in message or result["outcome"] == "panic":
            return "the ordinary values (the defaults of tests/prelude_inputs.rs) were refused"
        return None
    if baseline is not None and baseline["outcome"] in ("err", "panic") and message == baseline["message"]:
        return None  # the same failure as the ordinary call: not about this value
    if result["outcome"] == "err" and any(words in message for words, _ in WORK_OUTCOMES):
        return None
    if "allowed" not in message:
        return "does not say what is allowed"
    if not any(name in message for name in call["names"]):
        return f"does not name what was wrong ({', '.join(call['names'])})"
    return None


def check_prelude_inputs(kernel, crate_dir):
    """Every parameterised helper of the prelude, found in the crate's own
    source by tests/prelude_inputs.rs, called with 0, 1, huge, negative and
    NaN values in a real kernel: none aborts the cell process, runs past
    10 s or loses a variable, and each refusal says what was wrong and what
    is allowed."""
    plan = prelude_input_plan(crate_dir)
    calls = plan["calls"]
    begun = time.monotonic()
    problems, results, cells = [], {}, 0

    def set_up(kc):
        status, text = run_cell(kc, plan["harness"] + "\nlet keep = 41;\nstd::process::id()")
        assert status == "ok", f"the harness did not compile: {plain(text)[-2000:]}"
        return text.strip()

    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (km, kc):
        pid = set_up(kc)
        todo = [list(range(i, min(i + plan["per_cell"], len(calls))))
                for i in range(0, len(calls), plan["per_cell"])]
        while todo:
            batch = todo.pop(0)
            cells += 1
            status, outcomes, hung, other = run_probes(km, kc, probe_cell(calls, batch))
            if not outcomes and status != "ok":
                if len(batch) > 1:
                    # A call that does not compile: halve the cell until it
                    # is found, and run the others.
                    half = len(batch) // 2
                    todo[:0] = [batch[:half], batch[half:]]
                else:
                    problems.append(f"{calls[batch[0]]['code']}: does not compile:\n{other[-1500:]}")
                    results[batch[0]] = {"outcome": "died", "ms": 0, "stop_ms": -1, "message": ""}
                continue
            results.update(outcomes)
            if hung is not None:
                problems.append(f"{calls[hung]['code']}: still running after {CALL_LIMIT_S:.0f} s "
                                f"({calls[hung]['item']}, {calls[hung]['label']})")
            status, text = run_cell(kc, "(keep + 1, std::process::id())")
            if not (status == "ok" and text.strip() == f"(42, {pid})"):
                culprit = next((i for i in batch if outcomes.get(i, {}).get("outcome") == "died"), hung)
                where = calls[culprit]["code"] if culprit is not None else "a call of the cell"
                problems.append(f"{where}: the cell process ended or `keep` was lost "
                                f"({plain(text).strip()[-300:]})")
                pid = set_up(kc)
                # Go on after the call that ended the process.
                rest = [i for i in batch if i not in outcomes and i != culprit]
                if rest:
                    todo.insert(0, rest)
        for code, says in COMPILE_TIME:
            status, text = run_cell(kc, code)
            if not (status == "error" and says in plain(text)):
                problems.append(f"{code}: should not compile, saying {says!r}: {plain(text)[-400:]}")
        status, text = run_cell(kc, "(keep + 1, std::process::id())")
        if not (status == "ok" and text.strip() == f"(42, {pid})"):
            problems.append(f"after the cells that do not compile, `keep` was lost: {plain(text)[-300:]}")
    for i, call in enumerate(calls):
        result = results.get(i)
        what = f"{call['code']} ({call['label']})"
        if result is None:
            problems.append(f"{what}: never reported")
            continue
        if result["outcome"] == "died":
            continue  # reported with its cell
        if result["ms"] > CALL_LIMIT_S * 1e3:
            problems.append(f"{what}: took {result['ms'] / 1e3:.1f} s")
        if result["outcome"] == "interrupted" and result["stop_ms"] > STOP_LIMIT_MS:
            problems.append(f"{what}: took {result['stop_ms']:.0f} ms to stop when interrupted")
        if result["outcome"] in ("err", "panic"):
            baseline = next((results.get(j) for j, c in enumerate(calls)
                             if c["item"] == call["item"] and c["label"] == "defaults"), None)
            why = refusal_problem(call, result, baseline)
            if why:
                problems.append(f"{what}: {why}: {result['message'][:300]!r}")
    counts = {}
    for r in results.values():
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    stops = [r["stop_ms"] for r in results.values() if r["outcome"] == "interrupted"]
    slowest = max((i for i, r in results.items() if r["outcome"] == "interrupted"),
                  key=lambda i: results[i]["stop_ms"], default=None)
    items = len(plan["parameterised"]) - len(plan["excluded"])
    summary = (
        f"{len(plan['parameterised'])} parameterised items of the prelude found in its source, {items} "
        f"called and {len(plan['excluded'])} excluded by name ({', '.join(plan['excluded'])}); "
        f"{len(calls)} calls in {cells} cells in {time.monotonic() - begun:.0f} s: "
        f"{counts.get('ok', 0)} ran, {counts.get('err', 0) + counts.get('panic', 0)} refused or failed "
        f"as their defaults do, {len(stops)} still running after {plan['interrupt_after_ms']} ms "
        f"were interrupted and stopped within {max(stops, default=0):.0f} ms"
        + (f" (the slowest: {calls[slowest]['code']})" if slowest is not None else ""))
    assert not problems, f"{len(problems)} of {len(calls)} calls misbehaved ({summary}):\n  " + \
        "\n  ".join(problems)
    print(f"  prelude inputs: {summary}; none ended the cell process or ran past {CALL_LIMIT_S:.0f} s, "
          f"`keep` was kept after every cell; {len(COMPILE_TIME)} inputs "
          f"({', '.join(c for c, _ in COMPILE_TIME)}) do not compile")


PANICS = (
    ("a failed assert!", "assert!(keep == 42, \"keep is {keep}\");", "keep is 41"),
    ("an index past the end", "let idx = 7;\nnumbers[idx]", "index out of bounds"),
    ("expect on an Err", "let n: u32 = \"four\".parse().expect(\"not a number\");", "not a number"),
    ("a panic in a scoped thread", "std::thread::scope(|s| { s.spawn(|| panic!(\"in a thread\")); });",
     "in a thread"),
)


def check_panics_keep_variables(kernel, crate_dir):
    """A panic in a cell's own code stops the cell with its message and
    keeps every variable made before it, in the same process; only what
    the panicking cell itself made or moved is gone."""
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        status, text = run_cell(kc, "let keep = 41;\nlet numbers = vec![1, 2, 3];\nstd::process::id()")
        assert status == "ok", text
        pid = text.strip()
        for what, code, says in PANICS:
            status, text = run_cell(kc, code)
            assert status == "error" and says in text and "variables kept" in text, \
                f"{what}: the cell replied {status}: {text[-400:]}"
            status, text = run_cell(kc, "keep + numbers.len() as i32")
            assert status == "ok" and text.strip() == "44", f"after {what}: {status}: {text[-400:]}"
        # A thread's panic that the cell catches itself is the thread's:
        # its message shows, and the cell goes on and succeeds.
        status, text = run_cell(
            kc,
            "let failed = std::thread::spawn(|| -> u32 { panic!(\"a worker gave up\") }).join().is_err();\n"
            "failed")
        assert status == "ok" and "a worker gave up" in text and text.strip().endswith("true"), \
            f"a cell that caught its thread's panic replied {status}: {text[-400:]}"
        status, text = run_cell(kc, "let moved = numbers;\npanic!(\"after the move\");")
        assert status == "error" and "after the move" in text, text[-400:]
        status, text = run_cell(kc, "numbers.len()")
        assert status == "error", f"`numbers`, moved by the panicking cell, is still there: {text}"
        status, text = run_cell(kc, "std::process::id()")
        assert text.strip() == pid, "the cell process was replaced: a panic ended it"
    print(f"  panics: {len(PANICS)} kinds (assert!, index, expect, a scoped thread) stopped their cell "
          "with the message; `keep` and `numbers` kept, in the same process; a variable the panicking "
          "cell moved is gone; a thread's panic the cell caught "
          "left the cell ok")


def check_failed_runs_are_not_published(kernel, crate_dir):
    """The runner leaves an executed copy only for a run that passed: a
    failed run's copy goes to `failed/`, where `./lab publish` never looks."""
    import subprocess
    runner = crate_dir / "kernel-ext" / "runner" / "run_notebooks.py"
    with tempfile.TemporaryDirectory(prefix="course-failed-run-") as tmp:
        folder = Path(tmp) / "notebooks"
        folder.mkdir()
        try:
            nb = folder / "broken.ipynb"
            nb.write_text(json.dumps({
                "cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {},
                           "outputs": [], "source": ["let x: u32 = \"not a number\";"]}],
                "metadata": {"kernelspec": {"name": kernel, "display_name": kernel, "language": "rust"}},
                "nbformat": 4, "nbformat_minor": 5}))
            out = Path(tmp) / "executed"
            done = subprocess.run([sys.executable, str(runner), "--kernel", kernel, "--out", str(out),
                                   "--log-dir", str(Path(tmp) / "logs"), str(nb)],
                                  capture_output=True, text=True, timeout=600)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        assert done.returncode != 0, f"the broken notebook passed:\n{done.stdout}"
        assert not (out / "broken.ipynb").exists(), "a failed run left a copy to publish"
        assert (out / "failed" / "broken.ipynb").exists(), "the failed run's copy is not in failed/"
    print("  failed runs: the broken notebook failed, and its copy went to failed/, not to the "
          "executed copies ./lab publish uses")


def check_dies_with_its_server(kernel, crate_dir):
    """A stand-in for a Jupyter server (a Python process that starts the
    kernel with jupyter_client, as the server does) is killed with SIGKILL:
    nobody shuts the kernel down."""
    if not Path("/proc").is_dir():
        print("  server-killed: SKIPPED (no /proc to list processes)")
        return
    marker = "900.246"
    server = f"""
import sys, time
from jupyter_client.manager import start_new_kernel
import subprocess
km, kc = start_new_kernel(kernel_name={kernel!r}, cwd={str(crate_dir / "notebooks")!r},
                          startup_timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
reply = kc.execute_interactive('let _c = std::process::Command::new("sleep").arg("{marker}").spawn()?;',
                               timeout=300)
print(km.provisioner.process.pid, flush=True)
time.sleep(600)
"""
    import subprocess
    proc = subprocess.Popen([sys.executable, "-c", server], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.isdigit(), f"the stand-in server did not start its kernel: {line!r}"
        kernel_pid = int(line)
        assert processes_named(marker), "the cell never started its process"
        killed_at = time.monotonic()
        proc.kill()
        proc.wait()
        deadline = killed_at + 10
        while Path(f"/proc/{kernel_pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        took = time.monotonic() - killed_at
        alive = Path(f"/proc/{kernel_pid}").exists() and \
            "zombie" not in Path(f"/proc/{kernel_pid}/status").read_text().lower()
        assert not alive, f"the kernel (pid {kernel_pid}) outlived its server by 10 s"
        assert gone(marker), f"a process a cell started is left: {processes_named(marker)}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in processes_named(marker):
            os.kill(pid, 9)
    print(f"  server killed: the kernel ended {took:.1f} s after its server, with its cell "
          f"process and the process a cell started")


FORGED = "<img src=x onerror=alert(1)>"


def check_output_cannot_be_forged(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        for key in ("", "0000 "):
            code = ('println!("COURSE-KERNEL-DISPLAY ' + key +
                    '{{\\"data\\":{{\\"text/html\\":\\"' + FORGED +
                    '\\"}},\\"display_id\\":null,\\"update\\":false}}");')
            found, reply = messages(kc, kc.execute(code))
            assert reply["status"] == "ok", reply
            rich = [m for m in found if m["msg_type"] in ("display_data", "update_display_data")]
            assert not rich, f"a printed line became a rich output: {rich}"
            text = "".join(m["content"].get("text", "") for m in found if m["msg_type"] == "stream")
            assert FORGED in text and "COURSE-KERNEL-DISPLAY" in text, f"not shown as text: {text!r}"
        # The crate's own outputs still arrive as rich outputs.
        found, reply = messages(kc, kc.execute('parallel_course::display::show_code("f.rs", "rust", "fn f() {}")'))
        assert reply["status"] == "ok", reply
        assert any(m["msg_type"] == "display_data" and "text/markdown" in m["content"]["data"]
                   for m in found), f"the crate's own rich output is missing: {found}"
    print("  forged output: printed display lines (no key, a guessed key) were shown as text; the "
          "crate's own outputs were still rich")


def kernel_argv(kernel):
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().get_kernel_spec(kernel)


def start_with_empty_key(kernel, crate_dir, **env):
    """Starts the kernel from its kernelspec (with `env` added) on a
    connection file whose key is empty, which it refuses at once, after
    reading its settings; returns the finished process."""
    import subprocess
    spec = kernel_argv(kernel)
    with tempfile.TemporaryDirectory() as tmp:
        conn = Path(tmp) / "kernel-empty-key.json"
        conn.write_text(json.dumps({
            "transport": "tcp", "ip": "127.0.0.1", "key": "", "signature_scheme": "hmac-sha256",
            "shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
        }))
        argv = [a.replace("{connection_file}", str(conn)) for a in spec.argv]
        return subprocess.run(argv, env=dict(os.environ, **spec.env, **env), capture_output=True,
                              text=True, timeout=60, cwd=crate_dir / "notebooks")


def check_empty_key_is_refused(kernel, crate_dir):
    done = start_with_empty_key(kernel, crate_dir)
    assert done.returncode != 0, f"the kernel started with an empty key: {done.stderr[-400:]}"
    assert "key is empty" in done.stderr, f"no reason given: {done.stderr[-400:]}"
    print(f"  empty key: the kernel refused to start (exit {done.returncode}): "
          f"{done.stderr.strip().splitlines()[-1][:110]}…")


def check_allocator_setting(kernel, crate_dir):
    seen = {}
    # An empty key makes the kernel stop right after reading its settings: the allocator has been
    # chosen (inside the first allocation) and any problem with it said by then.
    for value in ("", "mimalloc", "system", "glibc", "System"):
        done = start_with_empty_key(kernel, crate_dir, COURSE_KERNEL_ALLOCATOR=value)
        assert done.returncode == 1 and "key is empty" in done.stderr, \
            f"COURSE_KERNEL_ALLOCATOR={value!r}: exit {done.returncode}: {done.stderr[-300:]}"
        refused = "names no allocator" in done.stderr
        assert refused == (value in ("glibc", "System")), \
            f"COURSE_KERNEL_ALLOCATOR={value!r}: {done.stderr[-300:]}"
        seen[value] = next((l for l in done.stderr.splitlines() if "names no allocator" in l), "")
    print(f"  allocator: unset, mimalloc and system accepted; a wrong name is said and the kernel goes "
          f"on: {seen['glibc'].split('course-kernel: ', 1)[-1][:110]}")


def check_types_rust_analyzer_leaves_out(kernel, crate_dir):
    import platform
    if platform.machine() not in ("x86_64", "AMD64"):
        print("  intrinsics: x86-64 intrinsics only; nothing to check on", platform.machine())
        return
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        status, text = run_cell(kc, 'let avx = is_x86_feature_detected!("avx2");\navx')
        assert status == "ok" and text.strip() in ("true", "false"), f"{status}: {text}"
        status, text = run_cell(kc, "let zero = unsafe { std::arch::x86_64::_mm_setzero_pd() };")
        assert status == "error" and "explicit type" in text and "zero" in text, f"{status}: {text}"
        said = text.strip().splitlines()[0]
        status, text = run_cell(kc, "let zero: std::arch::x86_64::__m128d = "
                                    "unsafe { std::arch::x86_64::_mm_setzero_pd() };\n"
                                    "let lanes: [f64; 2] = unsafe { std::mem::transmute(zero) };\nlanes")
        assert status == "ok" and "[0.0, 0.0]" in text, f"{status}: {text}"
        status, text = run_cell(kc, "avx as u8 + 1")
        assert status == "ok", f"a variable was lost: {text}"
    print(f"  intrinsics: is_x86_feature_detected! is typed; a variable typed only by core::arch asks for "
          f"its type ({said[:70]}), and with it written out the cell runs")


def check_analysis_only_when_asked(kernel, crate_dir):
    """Cells without a `let` leave rust-analyzer alone (evcxr patch 5); it
    must still answer a completion, and type the first `let`, after them."""
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (_, kc):
        for code in ('println!("no variable here");', "6 * 7", "{ let inner = 2; inner * 3 }"):
            status, text = run_cell(kc, code)
            assert status == "ok", f"{code!r} gave {status}: {text}"
        code = "let made: Vec<u8> = Vec::wi"
        msg_id = kc.complete(code, len(code))
        reply = kc.get_shell_msg(timeout=120)
        assert reply["parent_header"]["msg_id"] == msg_id, reply
        matches = reply["content"].get("matches", [])
        assert any(m.startswith("with_capacity") for m in matches), \
            f"the completion of Vec::wi offered {matches[:10]}"
        status, text = run_cell(kc, "let numbers = vec![3u8, 4, 5];\nlet total: u32 = "
                                    "numbers.iter().map(|&n| n as u32).sum();\ntotal")
        assert status == "ok" and "12" in text, f"{status}: {text}"
        status, text = run_cell(kc, ":vars")
        assert status == "ok" and "numbers" in text and "Vec<u8>" in text, f":vars showed {text}"
        status, text = run_cell(kc, "numbers.len() as u32 + total")
        assert status == "ok" and "15" in text, f"a variable was lost: {text}"
    print("  lazy analysis: after cells without `let`, a completion offers Vec::with_capacity and the "
          "first `let` cell's variables are typed (numbers: Vec<u8>) and kept")


def zmtp_greeting():
    """A ZeroMQ 3.0 greeting with the NULL mechanism, as a client sends."""
    return (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL" + b"\x00" * 16
            + b"\x00" + b"\x00" * 31)


def check_oversized_frame(kernel, crate_dir):
    import socket
    with fresh_kernel(kernel, crate_dir / "notebooks") as (km, kc):
        info = json.loads(Path(km.connection_file).read_text())
        with socket.create_connection((info["ip"], info["shell_port"]), timeout=10) as peer:
            peer.sendall(zmtp_greeting())
            # A long frame (flag 0x02) of 2^40 bytes, before any handshake.
            peer.sendall(b"\x02" + (1 << 40).to_bytes(8, "big"))
            peer.settimeout(10)
            try:
                while peer.recv(4096):
                    pass
                dropped = True
            except (ConnectionResetError, socket.timeout):
                dropped = False
        time.sleep(1)
        assert km.is_alive(), "the kernel died of an oversized frame"
        status, text = run_cell(kc, "6 * 7")
        assert status == "ok" and "42" in text, f"the kernel no longer answers: {status}: {text}"
    print(f"  oversized frame: a peer declaring a 2^40-byte frame was "
          f"{'dropped' if dropped else 'left hanging'}; the kernel lived on and answered `6 * 7`")


def check_console(kernel, crate_dir):
    def is_complete(kc, code):
        msg_id = kc.is_complete(code)
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        return reply["content"]

    def history(kc, **request):
        msg_id = kc.history(**request)
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        return [h[2] for h in reply["content"]["history"]]

    marker = f"console_{os.getpid()}"
    # The history goes to a folder of this check's own, not the tester's.
    data_home = tempfile.mkdtemp(prefix="console-history-")
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = data_home
    try:
        check_console_in(kernel, crate_dir, marker, is_complete, history)
    finally:
        if saved is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = saved
        shutil.rmtree(data_home, ignore_errors=True)


def check_console_in(kernel, crate_dir, marker, is_complete, history):
    with fresh_kernel(kernel, crate_dir / "notebooks", query_build_dir=False) as (_, kc):
        unfinished = is_complete(kc, "fn f() {")
        assert unfinished["status"] == "incomplete", unfinished
        assert unfinished.get("indent") == "    ", unfinished
        assert is_complete(kc, "fn f() {\n    1\n}")["status"] == "complete"
        assert is_complete(kc, "let s = \"{\";")["status"] == "complete"
        status, text = run_cell(kc, f"let {marker} = 6 * 7;")
        assert status == "ok", text
        status, text = run_cell(kc, f"{marker}")
        assert status == "ok" and "42" in text, text
        now = history(kc, hist_access_type="tail", n=10)
        assert now[-2:] == [f"let {marker} = 6 * 7;", marker], now
    with fresh_kernel(kernel, crate_dir / "notebooks", query_build_dir=False) as (_, kc):
        earlier = history(kc, hist_access_type="tail", n=10)
        assert f"let {marker} = 6 * 7;" in earlier, f"the next kernel's up arrow lacks it: {earlier}"
        found = history(kc, hist_access_type="search", pattern=f"let {marker}*", n=5, unique=True)
        assert found == [f"let {marker} = 6 * 7;"], found
    print("  console: `fn f() {` waits for more with a 4-space indent; the up arrow finds this "
          "session's inputs and, in the next kernel, the last one's")


def spare_socket(crate_dir):
    """The spare's socket in this checkout's kernels folder."""
    spec = json.loads(Path(kernel_argv(KERNEL).resource_dir, "kernel.json").read_text())
    kernels = Path(spec["env"]["COURSE_KERNELS_DIR"].replace("${HOME}", str(Path.home())))
    found = sorted(kernels.glob("*/spare.sock"))
    return [p for p in found if p.parent.name.startswith(crate_dir.name)]


def check_spare(kernel, crate_dir):
    first_cell = PRELUDE + "\nlet info = build_info();\ninfo"
    saved = os.environ.get("COURSE_KERNEL_SPARES")
    os.environ["COURSE_KERNEL_SPARES"] = "1"
    try:
        with fresh_kernel(kernel, crate_dir / "notebooks", query_build_dir=False) as (_, kc):
            status, text = run_cell(kc, first_cell)
            assert status == "ok", text
            deadline = time.monotonic() + 180
            while not spare_socket(crate_dir) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert spare_socket(crate_dir), "no spare kernel was waiting within 180 s"
            started = time.monotonic()
            folder = crate_dir / "notebooks" / "books"
            with fresh_kernel(kernel, folder, query_build_dir=False) as (km2, kc2):
                status, text = run_cell(kc2, first_cell)
                took = time.monotonic() - started
                assert status == "ok" and "release-grade" in text, text
                # The cell process's parent is the kernel that serves: the
                # spare, not the process Jupyter started.
                status, text = run_cell(kc2, "std::os::unix::process::parent_id()")
                assert status == "ok", text
                assert int(text.strip()) != km2.provisioner.process.pid, \
                    f"the new kernel started cold ({took:.1f} s): no spare took its connection"
                status, text = run_cell(kc2, "std::env::current_dir().unwrap().display().to_string()")
                assert status == "ok" and text.strip().strip('"').endswith("books"), \
                    f"the spare did not move to the notebook's folder: {text}"
    finally:
        if saved is None:
            os.environ.pop("COURSE_KERNEL_SPARES", None)
        else:
            os.environ["COURSE_KERNEL_SPARES"] = saved
    print(f"  spare: the next kernel took the waiting spare; kernel start to the first cell's result "
          f"{took:.2f} s, in the notebook's folder")


def evcxr_cache_dir():
    """evcxr's build cache, where it finds it (`dirs::cache_dir()`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evcxr"


def check_torn_cache_entry_is_mended(kernel, crate_dir):
    cache = evcxr_cache_dir()
    entries = sorted(d for d in cache.iterdir()
                     if (d / "stderr").is_file() and (d / "hits").is_file()) if cache.is_dir() else []
    assert entries, f"no entry in evcxr's build cache {cache} to tear (the kernel was never warmed?)"
    entry = next((d for d in entries if "librayon" in (d / "stderr").read_text()), entries[0])
    hits = entry / "hits"
    before = hits.read_text()
    log = LOG_DIR / "kernel-behaviour.kernel.log"
    log_start = log.stat().st_size if log.exists() else 0
    # What a kernel killed between the counter's truncation and its write
    # leaves behind; evcxr then fails every compile of that crate.
    hits.write_text("")
    try:
        with fresh_kernel(kernel, crate_dir / "notebooks") as (_, kc):
            status, text = run_cell(kc, "6 * 7")
            assert status == "ok" and "42" in text, f"the kernel did not answer: {status}: {text}"
        after = hits.read_text()
        assert after.strip().isdigit(), f"the torn hit counter of {entry.name} is still {after!r}"
        said = log.read_bytes()[log_start:].decode(errors="replace") if log.exists() else ""
        assert "hit counters mended" in said, "the kernel's log does not say it mended the cache"
    finally:
        if not hits.read_text().strip().isdigit():
            hits.write_text(before or "0")
    line = next(l for l in said.splitlines() if "hit counters mended" in l)
    print(f"  torn cache: entry {entry.name} with an empty hit counter is {after!r} after a kernel started; "
          f"its log: {line.split('course-kernel: ', 1)[-1][:100]}")


CHECKS = {
    "edit": check_edit_reaches_kernel,
    "pool": check_one_pool,
    "interrupt": check_interrupt_keeps_variables,
    "loop": check_own_loop_and_rebuild,
    "processes": check_no_process_outlives_its_cell,
    "live": check_live_output,
    "magics": check_magics,
    "times": check_start_and_cell_times,
    "together": check_kernels_started_together,
    "versions": check_locked_versions,
    "prelude-inputs": check_prelude_inputs,
    "panics": check_panics_keep_variables,
    "failed-runs": check_failed_runs_are_not_published,
    "server-killed": check_dies_with_its_server,
    "forged-output": check_output_cannot_be_forged,
    "empty-key": check_empty_key_is_refused,
    "oversized-frame": check_oversized_frame,
    "console": check_console,
    "spare": check_spare,
    "torn-cache": check_torn_cache_entry_is_mended,
    "allocator": check_allocator_setting,
    "intrinsics": check_types_rust_analyzer_leaves_out,
    "lazy-analysis": check_analysis_only_when_asked,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("crate_dir", type=Path)
    ap.add_argument("--kernel", default=KERNEL)
    ap.add_argument("--only", default="", help="comma-separated checks: " + ", ".join(CHECKS))
    args = ap.parse_args()
    crate = args.crate_dir.resolve()
    chosen = [c for c in args.only.split(",") if c] or list(CHECKS)
    unknown = [c for c in chosen if c not in CHECKS]
    if unknown:
        ap.error(f"unknown checks {unknown}; known: {', '.join(CHECKS)}")
    failed, took = 0, {}
    for name in chosen:
        started = time.monotonic()
        try:
            CHECKS[name](args.kernel, crate)
        except Exception as e:  # report every check, then fail
            failed += 1
            print(f"  {name}: FAILED: {type(e).__name__}: {e}")
        took[name] = time.monotonic() - started
    longest = sorted(took.items(), key=lambda kv: -kv[1])
    print(f"{len(chosen) - failed} passed, {failed} failed, in {sum(took.values()):.0f} s; the longest: "
          + ", ".join(f"{n} {t:.0f} s" for n, t in longest[:8]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

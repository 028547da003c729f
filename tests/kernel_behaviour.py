#!/usr/bin/env python3
"""Checks of the course kernel that no notebook can make on itself.

1. An edit to the support crate reaches the next kernel. The kernel caches
   the compiled crate (keyed by the compiler's command line), so a stale
   build would be easy to serve; the crate's build script puts a hash of its
   sources on that command line. The check copies the crate to a scratch
   folder, loads it in a fresh kernel, edits one constant, and loads it in
   another fresh kernel, which must see the new value. It also reports how
   long the load took with a cold and a warm cache.

2. One kernel, one set of statics. The support crate is built as a
   dynamic library as well, so every cell links the same copy of it and of
   rayon: a pool configured in one cell is the pool of the next, and cells
   that use rayon do not start a pool each.

3. An interrupted cell leaves a working kernel. Interrupting evcxr ends the
   process that runs cells: variables are lost, while `:dep`s and `use`s
   are kept and replayed. The check interrupts a long cell, checks that the
   cell reports the message 00-setup-check tells learners about, and that
   the next cell still reaches the prelude.

Usage: kernel_behaviour.py [--kernel NAME] CRATE_DIR
"""

import argparse
import queue
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
    parts = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no reply within {timeout} s to: {code!r}")
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            parts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            parts.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            parts.append(content.get("evalue", "") + "\n".join(content.get("traceback", [])))
        elif kind == "status" and content["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
    return reply["content"]["status"], "".join(parts)


LOG_DIR = Path(".course/logs")


PRELUDE = ':dep parallel_course = { path = ".." }\nuse parallel_course::prelude::*;'


@contextmanager
def fresh_kernel(kernel, cwd, prelude=False):
    """A new kernel started in `cwd`, with the course prelude loaded if
    asked, shut down afterwards. Its own output (compiler progress) goes to
    a log."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "kernel-behaviour.kernel.log", "a") as log:
        km, kc = start_new_kernel(kernel_name=kernel, cwd=str(cwd), startup_timeout=300,
                                  stdout=log, stderr=log)
        build_dir = None
        try:
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
            # evcxr leaves its build folder (some 70 MB) behind.
            if build_dir:
                shutil.rmtree(build_dir, ignore_errors=True)


def copy_crate(src, dst):
    for name in ("Cargo.toml", "Cargo.lock", "build.rs"):
        shutil.copy2(src / name, dst / name)
    shutil.copytree(src / "src", dst / "src")
    # The copy is a crate of its own, not the course's workspace.
    manifest = (dst / "Cargo.toml").read_text()
    start = manifest.index("[workspace]")
    end = manifest.index("\n[", start + 1)
    (dst / "Cargo.toml").write_text(manifest[:start] + "[workspace]\n" + manifest[end:])


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


def check_interrupt(kernel, crate_dir):
    with fresh_kernel(kernel, crate_dir / "notebooks", prelude=True) as (km, kc):
        status, text = run_cell(kc, "let kept = 41;")
        assert status == "ok", text
        msg_id = kc.execute("std::thread::sleep(std::time::Duration::from_secs(600));")
        # Wait until the cell really runs (compiled and started), then interrupt.
        time.sleep(8)
        start = time.monotonic()
        km.interrupt_kernel()
        _, said = outcome(kc, msg_id, timeout=60)
        stopped = time.monotonic() - start
        # 00-setup-check quotes this message to learners.
        assert "Subprocess terminated" in said, f"the interrupted cell said:\n{said}"
        status, text = run_cell(kc, "logical_cores() >= 1")
        assert status == "ok" and "true" in text, f"after the interrupt the prelude is gone:\n{text}"
        status, lost = run_cell(kc, "kept + 1")
        print(f"  interrupt: the long cell stopped {stopped:.1f} s after the interrupt; the next cell "
              f"reached the prelude; variables {'were lost' if status != 'ok' else 'were kept'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("crate_dir", type=Path)
    ap.add_argument("--kernel", default=KERNEL)
    args = ap.parse_args()
    crate = args.crate_dir.resolve()
    failed = 0
    checks = (check_edit_reaches_kernel, check_one_pool, check_interrupt)
    for check in checks:
        try:
            check(args.kernel, crate)
        except Exception as e:  # report every check, then fail
            failed += 1
            print(f"  {check.__name__}: FAILED: {e}")
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

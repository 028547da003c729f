#!/usr/bin/env python3
"""The room, tried as a workshop would use it: learners log in through the
hub over HTTP, start their servers, open a course kernel and run the first
cells of 00-setup-check; then one learner tries to reach another.

Run by `./lab test` (section "Room") with the room's own Python, as root:
it starts a room of N test learners on a free port, and stops it and
removes the test accounts at the end, whatever happens. It reports each
learner's time to the first result and memory, then the isolation checks
one by one. Times are reported, never asserted.

Usage: room_test.py [--learners N] [--slurm] COURSE_DIR
"""

import argparse
import asyncio
import hashlib
import http.cookiejar
import json
import os
import signal
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

KERNEL = "parallel-rust"
PREFIX = "roomtest"


def free_port():
    """A port with the next two free too (the hub takes three)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 65000:
            continue
        ok = True
        for p in (port, port + 1, port + 2):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no three free ports in a row")


def lab(course, *args, check=True):
    done = subprocess.run([str(course / "lab"), *args], cwd=course, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"./lab {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def first_cells(course):
    """The first code cells of 00-setup-check, as a learner runs them."""
    nb = json.loads((course / "notebooks" / "00-setup-check.ipynb").read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return cells[:2]


class Learner:
    """One learner's browser: cookies, and the hub's and their server's XSRF."""

    def __init__(self, base, name, password):
        self.base, self.name, self.password = base, name, password
        self.jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name, path_prefix="/"):
        for c in self.jar:
            if c.name == name and c.path.startswith(path_prefix):
                return c.value
        return None

    def request(self, method, path, body=None, xsrf_path="/hub/"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        token = self.cookie("_xsrf", xsrf_path)
        if token:
            req.add_header("X-XSRFToken", token)
        try:
            with self.http.open(req, timeout=300) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def login(self):
        with self.http.open(self.base + "/hub/login", timeout=60) as r:
            page = r.read().decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)
        form = {"username": self.name, "password": self.password}
        if xsrf:
            form["_xsrf"] = xsrf.group(1)
        data = urllib.parse.urlencode(form).encode()
        with self.http.open(urllib.request.Request(self.base + "/hub/login?next=", data=data),
                            timeout=120) as r:
            r.read()
        if not self.cookie("jupyterhub-session-id"):
            raise RuntimeError(f"{self.name} could not log in")
        # A hub page after logging in: the hub's XSRF token is tied to the
        # session, so the one from the login page no longer counts.
        with self.http.open(self.base + "/hub/home", timeout=60) as r:
            r.read()

    def start_server(self):
        status, body = self.request("POST", f"/hub/api/users/{self.name}/server", {})
        if status not in (201, 202, 400):
            raise RuntimeError(f"{self.name}: the hub would not start the server ({status}): {body}")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status, body = self.request("GET", f"/hub/api/users/{self.name}")
            if status == 200 and (json.loads(body).get("servers", {}).get("", {}) or {}).get("ready"):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"{self.name}'s server was not ready within 300 s")
        # Through the hub's OAuth, as a browser opening JupyterLab.
        with self.http.open(self.base + f"/user/{self.name}/lab", timeout=300) as r:
            r.read()

    def server(self, method, path, body=None, user=None):
        user = user or self.name
        return self.request(method, f"/user/{user}{path}", body, xsrf_path=f"/user/{user}")

    def open_kernel(self):
        status, body = self.server("POST", "/api/kernels", {"name": KERNEL})
        if status != 201:
            raise RuntimeError(f"{self.name}: no kernel ({status}): {body}")
        return json.loads(body)["id"]

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def run_cells(self, kernel_id, cells, user=None, timeout=600):
        """Runs `cells` over the kernel's websocket; returns (seconds to
        the first cell's result, every output text, errors)."""
        user = user or self.name
        url = self.base.replace("http://", "ws://") + f"/user/{user}/api/kernels/{kernel_id}/channels"
        headers = {"Cookie": self.cookie_header(), "Origin": self.base}
        token = self.cookie("_xsrf", f"/user/{user}")
        if token:
            url += "?_xsrf=" + urllib.parse.quote(token)

        async def go():
            ws = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=60))
            started = time.monotonic()
            first, texts, errors = None, [], []
            for code in cells:
                msg_id = uuid.uuid4().hex
                await ws.write_message(json.dumps({
                    "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                               "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
                    "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                    "content": {"code": code, "silent": False, "store_history": True,
                                "user_expressions": {}, "allow_stdin": False},
                }))
                deadline = time.monotonic() + timeout
                # A cell is done when its reply (shell) has come and its
                # outputs have (IOPub says idle): the two channels share the
                # websocket but not an order.
                replied = idle = False
                while time.monotonic() < deadline and not (replied and idle):
                    # A kernel that never answers must not hang the test.
                    try:
                        raw = await asyncio.wait_for(ws.read_message(),
                                                     max(0.1, deadline - time.monotonic()))
                    except asyncio.TimeoutError:
                        break
                    if raw is None:
                        raise RuntimeError("the kernel's websocket closed")
                    msg = json.loads(raw)
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind, content = msg["msg_type"], msg["content"]
                    if kind == "stream":
                        texts.append(content.get("text", ""))
                    elif kind in ("execute_result", "display_data"):
                        texts.append(content["data"].get("text/plain", ""))
                    elif kind == "error":
                        errors.append(content.get("evalue", ""))
                    elif kind == "execute_reply":
                        replied = True
                        if first is None:
                            first = time.monotonic() - started
                    elif kind == "status" and content.get("execution_state") == "idle":
                        idle = True
                if not (replied and idle):
                    raise RuntimeError(f"no reply within {timeout} s")
            ws.close()
            return first, "".join(texts), errors

        return asyncio.run(go())


def as_user(user, *cmd):
    """Runs `cmd` as the Unix user `user`; returns (exit code, output)."""
    done = subprocess.run(["runuser", "-u", user, "--", *cmd], capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip()


def memory_mib(user):
    """The learner's resident memory (their processes' anonymous and
    mapped pages, from their memory cgroup; the page cache of files they
    read is left out), in MiB."""
    try:
        stat = Path(f"/sys/fs/cgroup/memory/parallel-course/{user}/memory.stat").read_text()
    except OSError:
        return None
    fields = dict(line.split() for line in stat.splitlines())
    return (int(fields.get("total_rss", 0)) + int(fields.get("total_mapped_file", 0))) / 2**20


def kernel_allocators(user):
    """The allocator each of the learner's course kernels was told to use
    (COURSE_KERNEL_ALLOCATOR in its environment; the cell processes, which
    always run on mimalloc, left out)."""
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid or not (entry / "cmdline").read_bytes().split(b"\0")[0] \
                    .endswith(b"course-kernel"):
                continue
            env = dict(item.split(b"=", 1) for item in (entry / "environ").read_bytes().split(b"\0")
                       if b"=" in item)
        except OSError:
            continue
        if b"EVCXR_IS_RUNTIME" not in env:
            found.append(env.get(b"COURSE_KERNEL_ALLOCATOR", b"").decode())
    return found


def home(user):
    import pwd
    return Path(pwd.getpwnam(user).pw_dir)


def isolation(base, course, a, b, kernel_a):
    """Learner B (`b`) tries to reach learner A (`a`)."""
    results = []

    def check(what, passed, detail=""):
        results.append((what, passed, detail))

    code, out = as_user(b.name, "ls", str(home(a.name) / "work"))
    check("B cannot list A's work/", code != 0, out.splitlines()[-1] if out else "")
    runtime = home(a.name) / ".local/share/jupyter/runtime"
    connection = sorted(runtime.glob("kernel-*.json"))
    check("A's kernel has a connection file", bool(connection), str(runtime))
    if connection:
        code, out = as_user(b.name, "cat", str(connection[0]))
        check("B cannot read A's connection file", code != 0, out.splitlines()[-1] if out else "")
    sockets = sorted(p for p in runtime.glob("kernel-*") if p.is_socket())
    check("A's kernel listens on Unix sockets", bool(sockets), ", ".join(p.name for p in sockets[:5]))
    if sockets:
        probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                 "try:\n    s.connect(sys.argv[1]); print('connected')\n"
                 "except OSError as e:\n    print(e); sys.exit(1)\n")
        # The system's Python, which every learner can run.
        code, out = as_user(b.name, "/usr/bin/python3", "-c", probe, str(sockets[0]))
        check("B cannot connect to A's kernel", code != 0 and "ermission denied" in out, out)
    listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
    learners_uids = {home(n.name).stat().st_uid for n in (a, b)}

    def owner(line):
        pid = re.search(r"pid=(\d+)", line)
        try:
            return Path(f"/proc/{pid.group(1)}").stat().st_uid if pid else None
        except OSError:
            return None

    kernel_tcp = [l for l in listening.splitlines()
                  if "course-kernel" in l and owner(l) in learners_uids]
    check("no learner's kernel listens on a TCP port", not kernel_tcp, "; ".join(kernel_tcp[:2]))
    status, body = b.server("GET", "/api/kernels", user=a.name)
    check("B's browser cannot list A's kernels", status != 200, f"HTTP {status}")
    try:
        _, text, _ = b.run_cells(kernel_a, ["1 + 1"], user=a.name, timeout=30)
        check("B's browser cannot open A's kernel", False, "B ran code in A's kernel")
    except Exception as e:  # noqa: BLE001: any refusal is a pass
        check("B's browser cannot open A's kernel", True, type(e).__name__)
    spec = course / ".course/room/venv/share/jupyter/kernels" / KERNEL / "kernel.json"
    before = hashlib.sha256(spec.read_bytes()).hexdigest()
    binary = course / ".course/bin/course-kernel"
    bin_before = hashlib.sha256(binary.read_bytes()).hexdigest()
    # With a toolchain on the PATH (the room's), so that what stops B is the
    # install's permissions, not a missing cargo.
    toolchain = course / ".course/room/toolchain/bin"
    code, out = as_user(b.name, "env", f"HOME={home(b.name)}",
                        f"PATH={toolchain}:/usr/local/bin:/usr/bin:/bin",
                        str(course / "lab"), "--setup-only")
    after = hashlib.sha256(spec.read_bytes()).hexdigest()
    bin_after = hashlib.sha256(binary.read_bytes()).hexdigest()
    check("B's ./lab --setup-only in the room's course changes nothing", code != 0 and before == after
          and bin_before == bin_after, (out.splitlines() or [""])[-1][:120])
    code, out = as_user(b.name, "sh", "-c", f"echo x >> {spec}")
    check("B cannot rewrite the learners' kernelspec", code != 0, out)
    return results


def memory_limit(a, b, kernel_a, kernel_b):
    """A fills memory past their limit (2 GiB); B's kernel is untouched."""
    results = []
    _, text, errors = a.run_cells(kernel_a, ["let big = vec![1u8; 3 << 30];\nbig.len()"], timeout=300)
    said = " ".join(errors) + text
    results.append(("A who fills memory gets a clear error", "out of memory" in said and "GiB" in said,
                    said[:150]))
    _, text, errors = b.run_cells(kernel_b, ["6 * 7"], timeout=120)
    results.append(("B's kernel lives on", "42" in text and not errors, text[:60]))
    _, text, errors = a.run_cells(kernel_a, ["6 * 7"], timeout=300)
    results.append(("A's kernel runs the next cell", "42" in text and not errors, text[:60]))
    return results


def main():
    # Stopped by SIGTERM (the test command's own stop), the room is still
    # stopped and its accounts removed, as at the end of a run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("course", type=Path)
    ap.add_argument("--learners", type=int, default=8)
    ap.add_argument("--slurm", action="store_true")
    args = ap.parse_args()
    course = args.course.resolve()
    names = [f"{PREFIX}{i}" for i in range(1, args.learners + 1)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The sheet sits outside the room's state folder, which ./lab room creates (on a fresh clone it does
    # not exist yet).
    sheet_file = course / ".course" / "room-test-learners.txt"
    sheet_file.parent.mkdir(parents=True, exist_ok=True)
    sheet_file.write_text("\n".join(names) + "\n")
    failures = []
    try:
        started = time.monotonic()
        options = ["room", "--learners", str(sheet_file), "--port", str(port),
                   "--instructor", f"{PREFIX}teacher", "--memory", "2G"]
        if args.slurm:
            options.append("--slurm")
        lab(course, *options)
        print(f"  room: started on port {port} in {time.monotonic() - started:.1f} s "
              f"({len(names)} learners{', servers as Slurm jobs' if args.slurm else ''})")
        passwords = dict(line.split()[:2] for line in
                         (course / ".course/room/state/passwords.txt").read_text().splitlines()
                         if line and not line.startswith("#"))
        learners = {n: Learner(base, n, passwords[n]) for n in names}
        cells = first_cells(course)
        results, errors, kernels = {}, [], {}
        barrier = threading.Barrier(len(names))

        def one(name):
            learner = learners[name]
            try:
                barrier.wait()
                t0 = time.monotonic()
                learner.login()
                learner.start_server()
                t_server = time.monotonic() - t0
                kernel = learner.open_kernel()
                kernels[name] = kernel
                first, text, errs = learner.run_cells(kernel, cells)
                if errs:
                    raise RuntimeError(f"the cells failed: {errs}")
                if "release-grade" not in text:
                    raise RuntimeError(f"unexpected output: {text[-300:]}")
                results[name] = (time.monotonic() - t0, t_server, first)
            except Exception as e:  # noqa: BLE001: each learner's failure is reported
                errors.append(f"{name}: {type(e).__name__}: {e}")

        threads = [threading.Thread(target=one, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name in names:
            if name in results:
                total, server, first = results[name]
                mem = memory_mib(name)
                print(f"  {name}: logged in and server ready in {server:.1f} s; first result "
                      f"{total:.1f} s after login; memory {mem:.0f} MiB" if mem else
                      f"  {name}: server {server:.1f} s; first result {total:.1f} s")
        allocators = {n: kernel_allocators(n) for n in results}
        wrong = {n: a for n, a in allocators.items() if not a or any(x != "system" for x in a)}
        if wrong:
            errors.append(f"learners' kernels not on the system allocator (the room's kernelspec "
                          f"sets COURSE_KERNEL_ALLOCATOR=system): {wrong}")
        elif allocators:
            print(f"  allocator: every learner's kernel runs on the system allocator, trimmed after "
                  f"each cell")
        for e in errors:
            print(f"  FAILED: {e}")
            failures.append(e)
        if results:
            totals = [r[0] for r in results.values()]
            mems = [m for m in (memory_mib(n) for n in results) if m]
            print(f"  load: {len(results)} of {len(names)} learners got their first result; slowest "
                  f"{max(totals):.1f} s, median {statistics.median(totals):.1f} s"
                  + (f"; memory per learner median {statistics.median(mems):.0f} MiB, at most "
                     f"{max(mems):.0f} MiB" if mems else ""))
        if args.slurm:
            conf = course / ".course/slurm/slurm.conf"
            queue = subprocess.run(["squeue", "-h", "-o", "%i %u %j %T %N"], capture_output=True,
                                   text=True, env=dict(os.environ, SLURM_CONF=str(conf))).stdout
            jobs = {line.split()[1]: line for line in queue.splitlines() if line.split()}
            print("  squeue (the learners' servers as jobs):\n    "
                  + "\n    ".join(queue.strip().splitlines()))
            for name in results:
                if name not in jobs or "RUNNING" not in jobs[name]:
                    failures.append(f"{name}'s server is not a running Slurm job")
        if not args.slurm and len(names) >= 2 and names[0] in kernels:
            checks = isolation(base, course, learners[names[0]], learners[names[1]],
                               kernels[names[0]])
            if names[1] in kernels:
                checks += memory_limit(learners[names[0]], learners[names[1]], kernels[names[0]],
                                       kernels[names[1]])
            for what, passed, detail in checks:
                print(f"  isolation: {what}: {'ok' if passed else 'FAILED'}"
                      + (f" ({detail})" if detail else ""))
                if not passed:
                    failures.append(what)
        status = lab(course, "room", "--status", check=False)
        print("  status:\n    " + status.stdout.strip().replace("\n", "\n    "))
        if status.returncode != 0:
            failures.append("./lab room --status")
    finally:
        stop = lab(course, "room", "--stop", "--remove-learners", check=False)
        print("  " + (stop.stdout.strip().splitlines() or ["(no output)"])[-1])
        left = subprocess.run(["ps", "-eo", "user:32,pid,cmd"], capture_output=True, text=True).stdout
        leftovers = [l for l in left.splitlines() if l.startswith(PREFIX)]
        if leftovers:
            failures.append(f"{len(leftovers)} learners' processes outlived the room")
            print("  FAILED: processes left:\n    " + "\n    ".join(leftovers[:10]))
        else:
            print("  stop: no learner's process is left")
        sheet_file.unlink(missing_ok=True)
    print(f"{'FAILED: ' + '; '.join(failures) if failures else 'room: all checks passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

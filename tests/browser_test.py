#!/usr/bin/env python3
"""Open the published site and JupyterLab in a real browser (headless Chromium).

The site: every page of both editions, opened from disk (file://), must load
without console errors or failed requests, show every figure (each <img> has
a natural width), draw every Mermaid diagram as SVG, and link only to pages
and files that exist. Solutions are folded away in the learner edition (one
toggle per run of cells tagged `solution` in the notebook, closed, its cells
invisible until opened) and shown in the instructor edition, whose episode
pages open with the lesson plan's notes. The index pages and an episode of each
edition are checked again from a static server on 127.0.0.1.

JupyterLab (when COURSE_LAB_URL is set, as `./lab test` does with the address
of the server it started, token included): open the --lab-notebook, run all
cells through the Run menu, and wait for every cell to finish with output and
no error.

Screenshots go to the --shots folder. The browser is the system's Chromium
(--chromium); Playwright never downloads one.

Usage: browser_test.py --site SITE --lab-notebook NB --notebooks NB... --shots DIR [--chromium PATH]
"""

import argparse
import functools
import json
import os
import re
import sys
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The first cell compiles (or loads from the cache) the support crate.
LAB_RUN_TIMEOUT_S = 600


def solution_runs(notebook):
    """How many runs of consecutive cells tagged `solution` a notebook has."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    flags = ["solution" in c.get("metadata", {}).get("tags", []) for c in cells]
    return sum(1 for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1]))


class Checker:
    def __init__(self):
        self.failures = []
        self.checked = 0

    def expect(self, ok, what):
        self.checked += 1
        if not ok:
            self.failures.append(what)
            print(f"    FAILED: {what}", flush=True)
        return ok


def watch(page, problems):
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))


def local_target(href):
    """The file a file:// link points at, without its fragment or query."""
    parsed = urlparse(href)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def check_page(page, path, edition, expected_runs, check, url=None):
    """Checks one page, opened from disk or, with `url`, from a server."""
    problems = []
    watch(page, problems)
    name = f"{edition}/{path.name}" if edition else path.name
    if url:
        name += " (served)"
    page.goto(url or path.as_uri(), wait_until="load")
    diagrams = page.locator(".jp-Mermaid").count()
    if diagrams:
        try:
            page.wait_for_selector("body[data-mermaid-done]", timeout=30_000)
        except Exception:
            check.expect(False, f"{name}: the Mermaid diagrams were not drawn within 30 s")
        drawn = page.locator(".jp-Mermaid:not(.jp-mod-warning) figure.course-mermaid svg").evaluate_all(
            "svgs => svgs.filter(s => s.getBoundingClientRect().width > 0).length")
        check.expect(drawn == diagrams, f"{name}: {drawn} of {diagrams} Mermaid diagrams drawn as SVG")
    images = page.locator("img").evaluate_all(
        "imgs => imgs.map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0}))")
    broken = [i["src"] for i in images if not i["ok"]]
    check.expect(not broken, f"{name}: {len(broken)} of {len(images)} images did not load: {broken[:3]}")
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    missing = sorted({str(t) for t in map(local_target, hrefs) if t is not None and not t.exists()})
    check.expect(not missing, f"{name}: links to missing files: {missing[:5]}")
    if path.stem[:2].isdigit():
        check_solutions(page, name, edition, expected_runs.get(path.stem, 0), check)
        notes = page.locator("aside.course-notes").count()
        if edition == "instructor":
            check.expect(notes == 1 and page.locator("aside.course-notes").is_visible(),
                         f"{name}: the lesson plan's notes are not shown at the top")
        else:
            check.expect(notes == 0, f"{name}: the learner edition shows instructor notes")
        check.expect(page.locator("footer.course-machine").count() == 1,
                     f"{name}: the page does not say which machine its timings came from")
    check.expect(not problems, f"{name}: {problems[:5]}")
    return len(images), diagrams


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check_served(browser, site, expected_runs, check):
    """The index pages and one episode of each edition from a static server
    on 127.0.0.1 (a server brings requests that file:// pages never make)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    context = browser.new_context()
    try:
        for relative in ("index.html", "learner/index.html", "learner/01-introduction.html",
                         "instructor/index.html", "instructor/05-delayed-evaluation.html"):
            path = site / relative
            edition = path.parent.name if path.parent != site else None
            page = context.new_page()
            check_page(page, path, edition, expected_runs, check, url=f"{base}/{relative}")
            page.close()
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    print("  site: 5 pages checked again from a static server", flush=True)


def check_solutions(page, name, edition, runs, check):
    toggles = page.locator("details.course-solution")
    shown = page.locator("div.course-solution-open")
    if edition == "learner":
        check.expect(toggles.count() == runs and shown.count() == 0,
                     f"{name}: {toggles.count()} solution toggles for {runs} runs of solution cells")
        for i in range(toggles.count()):
            toggle = toggles.nth(i)
            cells = toggle.locator(".jp-Cell")
            closed = toggle.evaluate("d => !d.open")
            hidden = all(not cells.nth(j).is_visible() for j in range(cells.count()))
            check.expect(closed and hidden and cells.count() > 0,
                         f"{name}: solution {i + 1} is visible before it is opened")
        if toggles.count():
            first = toggles.first
            first.locator("summary").click()
            check.expect(first.locator(".jp-Cell").first.is_visible(),
                         f"{name}: opening the first solution does not show it")
    else:
        check.expect(shown.count() == runs and toggles.count() == 0,
                     f"{name}: {shown.count()} shown solutions for {runs} runs of solution cells")
        for i in range(shown.count()):
            cells = shown.nth(i).locator(".jp-Cell")
            check.expect(cells.count() > 0 and all(cells.nth(j).is_visible() for j in range(cells.count())),
                         f"{name}: solution {i + 1} is not shown")


def check_site(browser, site, notebooks, shots, check):
    expected_runs = {p.stem: solution_runs(p) for p in notebooks}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page_count = images = diagrams = 0
    for edition in ("learner", "instructor"):
        pages = sorted((site / edition).glob("*.html"))
        stems = {p.stem for p in pages}
        lost = sorted(set(expected_runs) - stems)
        check.expect(not lost, f"{edition}: no page for {lost}")
        for path in pages:
            page = context.new_page()
            found = check_page(page, path, edition, expected_runs, check)
            images += found[0]
            diagrams += found[1]
            page_count += 1
            page.close()
    page = context.new_page()
    check_page(page, site / "index.html", None, expected_runs, check)
    page_count += 1
    page.close()
    print(f"  site: {page_count} pages, {images} images and {diagrams} Mermaid diagrams checked "
          "from disk", flush=True)
    check_served(browser, site, expected_runs, check)
    # What a reader sees: a folded solution, the instructor's notes, a diagram.
    views = (("learner", "01-introduction", "details.course-solution", "solution"),
             ("instructor", "05-delayed-evaluation", None, "notes"),
             ("instructor", "05-delayed-evaluation", "figure.course-mermaid", "diagram"))
    for edition, stem, scroll_to, what in views:
        page = context.new_page()
        page.goto((site / edition / f"{stem}.html").as_uri(), wait_until="load")
        if page.locator(".jp-Mermaid").count():
            page.wait_for_selector("body[data-mermaid-done]", timeout=30_000)
        if scroll_to and page.locator(scroll_to).count():
            page.locator(scroll_to).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        shot = shots / f"site-{edition}-{stem}-{what}.png"
        page.screenshot(path=str(shot), full_page=False)
        print(f"  screenshot {shot}")
        page.close()
    context.close()


def start_session(base, token, notebook, kernel):
    """Starts the notebook's kernel through Jupyter's REST API, as opening it
    does, so that JupyterLab finds the session instead of asking which kernel
    to start while its list of kernels is still loading."""
    body = json.dumps({"path": notebook, "type": "notebook", "name": notebook,
                       "kernel": {"name": kernel}}).encode()
    request = urllib.request.Request(f"{base}/api/sessions", data=body, method="POST", headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.load(reply)["kernel"]["name"]


def choose_kernel_if_asked(page, kernel_display):
    """Answers JupyterLab's "Select Kernel" dialog with the course kernel."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "Select Kernel" in dialog.first.inner_text():
        dialog.locator("select").select_option(label=kernel_display)
        dialog.locator("button", has_text="Select").click()
        return True
    return False


def run_all(page):
    """Run > Run All Cells, through the menu as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()


def check_lab(browser, url, notebook, shots, check):
    """Runs `notebook` in JupyterLab through its Run menu."""
    base, _, query = url.partition("/lab?")
    token = parse_qs(query).get("token", [""])[0]
    spec = json.loads(notebook.read_text(encoding="utf-8"))
    kernel = spec["metadata"]["kernelspec"]
    code_cells = sum(1 for c in spec["cells"] if c["cell_type"] == "code")
    started_kernel = start_session(base, token, notebook.name, kernel["name"])
    check.expect(started_kernel == kernel["name"],
                 f"JupyterLab started kernel {started_kernel}, not {kernel['name']}")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # `reset` opens a fresh workspace: only this notebook.
    page.goto(f"{base}/lab/tree/{notebook.name}?reset&{query}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=120_000)
    # Ready when the status bar shows the session's kernel idle: the
    # toolbar's indicator reads idle before the page has attached the
    # session, and running cells then would ask for a kernel.
    ready = f"{kernel['display_name']} | Idle"
    deadline = time.monotonic() + 180
    asked = False
    while time.monotonic() < deadline:
        asked = choose_kernel_if_asked(page, kernel["display_name"]) or asked
        if ready in " ".join(page.locator(".jp-StatusBar-Item").all_inner_texts()):
            break
        time.sleep(0.5)
    started = time.monotonic()
    run_all(page)
    prompts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt")
    total = code_cells
    done = False
    while time.monotonic() - started < LAB_RUN_TIMEOUT_S:
        if choose_kernel_if_asked(page, kernel["display_name"]):
            # Running cells without an attached kernel asks for one and
            # runs nothing: run them again with the kernel chosen.
            asked = True
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-StatusBar-Item')]"
                f".some(e => e.innerText.includes({json.dumps(ready)}))", timeout=180_000)
            run_all(page)
        # textContent, not innerText: cells scrolled out of view are not
        # rendered (content-visibility), and their innerText is empty.
        texts = prompts.all_text_contents()
        numbered = [t for t in texts if re.fullmatch(r"\[\d+\]:", t.strip())]
        if len(texts) == code_cells and len(numbered) == code_cells:
            done = True
            break
        time.sleep(1)
    took = time.monotonic() - started
    check.expect(done, f"JupyterLab: not every cell of {notebook.name} finished within "
                       f"{LAB_RUN_TIMEOUT_S} s")
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
    with_output = cells.evaluate_all(
        "cs => cs.filter(c => c.querySelector('.jp-OutputArea-output')).length")
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()
    check.expect(errors == 0, f"JupyterLab: {errors} cells wrote errors to stderr")
    text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea").all_text_contents()
    check.expect(any("release-grade" in t for t in text),
                 "JupyterLab: the first cell's output does not say the crate is release-grade")
    if asked:
        print("  JupyterLab asked which kernel to start; the course kernel was chosen", flush=True)
    check.expect(with_output >= total // 2,
                 f"JupyterLab: only {with_output} of {total} code cells show output")
    check.expect(not problems, f"JupyterLab: {problems[:5]}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.scroll_into_view_if_needed()
    shot = shots / f"lab-{notebook.stem}.png"
    page.screenshot(path=str(shot))
    cells.last.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"lab-{notebook.stem}-end.png"))
    print(f"  JupyterLab: {total} code cells run through Run > Run All Cells in {took:.1f} s, "
          f"{with_output} with output; screenshot {shot}", flush=True)
    context.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, required=True)
    ap.add_argument("--notebooks", type=Path, nargs="+", required=True,
                    help="the course notebooks, whose pages the site must have")
    ap.add_argument("--lab-notebook", type=Path, required=True,
                    help="the notebook run in JupyterLab (a file in its root folder)")
    ap.add_argument("--shots", type=Path, required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--lab-only", action="store_true", help="check only JupyterLab")
    args = ap.parse_args()
    args.shots.mkdir(parents=True, exist_ok=True)
    check = Checker()
    lab_url = os.environ.get("COURSE_LAB_URL")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            if not args.lab_only:
                check_site(browser, args.site.resolve(), args.notebooks, args.shots, check)
            if lab_url:
                try:
                    check_lab(browser, lab_url, args.lab_notebook, args.shots, check)
                except Exception as e:  # a timeout or a missing element: say which
                    check.expect(False, f"JupyterLab: {type(e).__name__}: {e}")
            else:
                print("  JupyterLab: not checked (COURSE_LAB_URL is not set)")
        finally:
            browser.close()
    print(f"browser: {check.checked - len(check.failures)} passed, {len(check.failures)} failed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())

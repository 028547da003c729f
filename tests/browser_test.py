#!/usr/bin/env python3
"""Open the published site and JupyterLab in a real browser (headless Chromium).

The site: every page of both editions, opened from disk (file://), must load
without console errors or failed requests, show every figure (each <img> has
a natural width), draw every Mermaid diagram as SVG, and link only to pages
and files that exist. Solutions are folded away in the learner edition (one
toggle per run of cells tagged `solution` in the notebook, closed, its cells
invisible until opened) and shown in the instructor edition, whose episode
pages show the lesson plan's notes under the title. The index pages and an episode of each
edition are checked again from a static server on 127.0.0.1.

Readable by everyone (WCAG 2.1 AA): axe-core (from npm, locked with its
integrity in tests/browser/package-lock.json, installed into --npm-dir) runs
over every page in light and in dark mode (prefers-color-scheme), and any
serious or critical violation fails. Beyond what axe sees: the page's
language is set, its headings go down one level at a time from one h1, every
picture has a text alternative of a few words, every Mermaid drawing has a
<title> and a <desc>, every "Show solution" of one episode is reached with
the Tab key, shows where the focus is, and opens with Enter, and the pages
do not scroll sideways on a 390 px wide phone or at 200 % zoom (screenshots).

JupyterLab (when COURSE_LAB_URL is set, as `./lab test` does with the address
of the server it started, token included): open the --lab-notebook, run all
cells through the Run menu, and wait for every cell to finish with output and
no error.

Screenshots go to the --shots folder. The browser is the system's Chromium
(--chromium); Playwright never downloads one.

Usage: browser_test.py --site SITE --lab-notebook NB --notebooks NB... --shots DIR
       [--chromium PATH] [--npm-lock FILE] [--npm-dir DIR] [--audit-only]
"""

import argparse
import base64
import collections
import functools
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
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

# What axe reports that fails the test.
FAILING_IMPACTS = ("serious", "critical")
# The episode whose solutions are opened from the keyboard and whose
# screenshots are kept, at 200 % zoom and on a phone.
KEYBOARD_EPISODE = "01-introduction"
# A phone's width in CSS pixels, and 200 % zoom of a 1280 × 900 window:
# the same layout as a 640 × 450 window at twice the pixel density.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3}
ZOOM_200 = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}


class NpmError(Exception):
    """An npm package that could not be installed; the message says why."""


def npm_package(lock_path, name, npm_dir):
    """The folder of npm package `name` as `lock_path` (an npm
    package-lock.json) pins it: installed into npm_dir/name from the
    registry address the lock gives, after checking the lock's integrity
    hash, once; reinstalled when the lock changes."""
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    entry = lock.get("packages", {}).get(f"node_modules/{name}")
    if not entry or not entry.get("resolved") or not entry.get("integrity"):
        raise NpmError(f"{lock_path} pins no {name} with an address and an integrity hash")
    folder = npm_dir / name
    stamp = folder / ".integrity"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == entry["integrity"]:
        return folder
    print(f"  installing {name} {entry['version']} from the npm registry into {folder}", flush=True)
    try:
        with urllib.request.urlopen(entry["resolved"], timeout=120) as reply:
            tarball = reply.read()
    except OSError as e:
        raise NpmError(f"could not download {entry['resolved']}: {e}. The browser test needs it "
                       "once; connect to the network, or put the package's files (its tarball's "
                       f"package/ folder) in {folder} with its integrity in {stamp}") from e
    algorithm, _, expected = entry["integrity"].partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise NpmError(f"{entry['resolved']} does not match the {algorithm} in {lock_path} "
                       f"({digest} instead of {expected}); not installed")
    partial = npm_dir / f".{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            target = (partial / member.name[len("package/"):]).resolve()
            if partial.resolve() not in target.parents:
                raise NpmError(f"{entry['resolved']} holds a file outside its folder: {member.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
    (partial / ".integrity").write_text(entry["integrity"], encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    partial.replace(folder)
    return folder


class Accessibility:
    """axe-core over pages, counted by edition, colour scheme, rule and
    impact; and the checks axe cannot make."""

    def __init__(self, axe_js):
        self.axe_js = axe_js
        # (edition, scheme) -> Counter of (rule, impact) -> nodes
        self.counts = collections.defaultdict(collections.Counter)
        self.pages = collections.Counter()

    def audit(self, page, name, edition, scheme, check):
        page.add_script_tag(content=self.axe_js)
        result = page.evaluate("""async () => {
            // No preload: axe would fetch the stylesheets again, which a page
            // opened from disk may not do.
            const r = await axe.run(document, {resultTypes: ["violations"], preload: false});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: (n.failureSummary || "").slice(0, 300)}))}));
        }""")
        key = (edition or "root", scheme)
        self.pages[key] += 1
        for v in result:
            self.counts[key][(v["id"], v["impact"])] += len(v["nodes"])
            if v["impact"] in FAILING_IMPACTS:
                first = v["nodes"][0] if v["nodes"] else {"target": "?", "summary": ""}
                check.expect(False, f"{name} ({scheme}): axe {v['impact']} {v['id']} "
                                    f"({v['help']}) on {len(v['nodes'])} elements, first "
                                    f"{first['target']}: {first['summary']}")
        return result

    def report(self, out):
        print("  axe-core: violations (elements) by edition, colour scheme, rule and impact:")
        summary = {}
        for (edition, scheme), counter in sorted(self.counts.items()) or []:
            rows = {f"{rule} ({impact})": n for (rule, impact), n in sorted(counter.items())}
            summary[f"{edition}/{scheme}"] = {"pages": self.pages[(edition, scheme)], "rules": rows}
        for key, pages in sorted(self.pages.items()):
            label = f"{key[0]}/{key[1]}"
            rows = summary.get(label, {}).get("rules", {})
            summary.setdefault(label, {"pages": pages, "rules": rows})
            text = ", ".join(f"{r}: {n}" for r, n in rows.items()) or "none"
            print(f"    {label} ({pages} pages): {text}")
        out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def check_readable(page, name, check):
    """What axe does not check: the language, the headings' order, the
    pictures' and diagrams' text alternatives."""
    lang = page.evaluate("() => document.documentElement.lang")
    check.expect(bool(lang), f"{name}: the page's language (<html lang>) is not set")
    levels = page.locator("h1, h2, h3, h4, h5, h6").evaluate_all(
        "hs => hs.map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])")
    check.expect(sum(1 for lv, _ in levels if lv == 1) == 1,
                 f"{name}: {sum(1 for lv, _ in levels if lv == 1)} level-1 headings, not 1")
    check.expect(bool(levels) and levels[0][0] == 1,
                 f"{name}: the first heading is not the page's h1: {levels[:1]}")
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b[0] > a[0] + 1]
    check.expect(not skips, f"{name}: headings skip a level: {skips[:3]}")
    alts = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('alt') || '')")
    short = [a for a in alts if len(a.split()) < 3]
    check.expect(not short, f"{name}: {len(short)} of {len(alts)} pictures have no text "
                            f"alternative of a few words: {short[:3]}")
    drawings = page.locator("figure.course-mermaid svg").evaluate_all("""svgs => svgs.map(s => ({
        title: (s.querySelector(':scope > title') || {}).textContent || '',
        desc: (s.querySelector(':scope > desc') || {}).textContent || '',
        labelled: s.hasAttribute('aria-labelledby') && s.hasAttribute('aria-describedby')}))""")
    bare = [d for d in drawings if not (d["title"].strip() and d["desc"].strip() and d["labelled"])]
    check.expect(not bare, f"{name}: {len(bare)} of {len(drawings)} Mermaid drawings have no "
                           "<title> and <desc> (write accTitle and accDescr in the diagram)")


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


def open_page(page, target, name, check):
    """Opens a page and waits for its script (scroll boxes, diagrams)."""
    page.goto(target, wait_until="load")
    try:
        page.wait_for_selector("body[data-course-ready]", state="attached", timeout=30_000)
    except Exception:
        check.expect(False, f"{name}: the page's script (course.js) did not finish within 30 s")


def check_page(page, path, edition, expected_runs, check, url=None, a11y=None):
    """Checks one page, opened from disk or, with `url`, from a server;
    with `a11y`, also whether everyone can read it."""
    problems = []
    watch(page, problems)
    name = f"{edition}/{path.name}" if edition else path.name
    if url:
        name += " (served)"
    open_page(page, url or path.as_uri(), name, check)
    diagrams = page.locator(".jp-Mermaid").count()
    if diagrams:
        check.expect(page.locator("body[data-mermaid-done]").count() == 1,
                     f"{name}: the Mermaid diagrams were not drawn")
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
    if a11y:
        check_readable(page, name, check)
        a11y.audit(page, name, edition, "light", check)
    if path.stem[:2].isdigit():
        check_solutions(page, name, edition, expected_runs.get(path.stem, 0), check)
        notes = page.locator("section.course-notes").count()
        if edition == "instructor":
            check.expect(notes == 1 and page.locator("section.course-notes").is_visible(),
                         f"{name}: the lesson plan's notes are not shown under the episode's title")
        else:
            check.expect(notes == 0, f"{name}: the learner edition shows instructor notes")
        check.expect(page.locator("footer .course-machine").count() == 1,
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


def site_pages(site):
    """Every page of both editions, then the page that chooses between them."""
    pages = [(edition, p) for edition in ("learner", "instructor")
             for p in sorted((site / edition).glob("*.html"))]
    return pages + [(None, site / "index.html")]


def check_dark(browser, site, a11y, check):
    """Every page again in dark mode, as a reader whose system asks for dark
    colours sees it: axe's checks, contrast among them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    for edition, path in site_pages(site):
        name = f"{edition}/{path.name}" if edition else path.name
        page = context.new_page()
        open_page(page, path.as_uri(), name, check)
        a11y.audit(page, name, edition, "dark", check)
        page.close()
    page = context.new_page()
    page.goto((site / "learner" / f"{KEYBOARD_EPISODE}.html").as_uri(), wait_until="load")
    page.wait_for_selector("body[data-course-ready]", state="attached", timeout=30_000)
    page.screenshot(path=str(a11y.shots / f"site-learner-{KEYBOARD_EPISODE}-dark.png"))
    context.close()


def focus_ring(page):
    """How the focused element shows its focus: its outline, or None."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const s = getComputedStyle(e);
        const width = parseFloat(s.outlineWidth) || 0;
        return {tag: e.tagName, text: (e.textContent || "").trim().slice(0, 40),
                outline: s.outlineStyle !== "none" && width >= 2 ? `${s.outlineStyle} ${width}px` : null,
                summary: e.tagName === "SUMMARY",
                open: e.tagName === "SUMMARY" ? e.parentElement.open : null};
    }""")


def check_keyboard(browser, site, expected_runs, check):
    """Tabs through one episode of the learner edition from the top: every
    stop shows where the focus is, every "Show solution" is reached, and
    Enter opens it and shows its cells."""
    path = site / "learner" / f"{KEYBOARD_EPISODE}.html"
    name = f"learner/{path.name} (keyboard)"
    runs = expected_runs.get(KEYBOARD_EPISODE, 0)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    open_page(page, path.as_uri(), name, check)
    stops = page.locator("a[href], summary, [tabindex='0'], button, input").count()
    opened = 0
    unseen = []
    for _ in range(stops + 5):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if ring is None:
            break
        if ring["outline"] is None:
            unseen.append(f"{ring['tag']} {ring['text']!r}")
        if ring["summary"] and not ring["open"]:
            page.keyboard.press("Enter")
            details = page.locator("details.course-solution").nth(opened)
            check.expect(details.evaluate("d => d.open") and
                         details.locator(".jp-Cell").first.is_visible(),
                         f"{name}: Enter on solution {opened + 1} does not open it")
            opened += 1
    check.expect(not unseen, f"{name}: {len(unseen)} keyboard stops show no focus: {unseen[:3]}")
    check.expect(opened == runs, f"{name}: the Tab key reached {opened} of {runs} solutions")
    print(f"  keyboard: {name}: {opened} of {runs} solutions reached with Tab and opened with "
          f"Enter; every stop showed its focus", flush=True)
    context.close()


def check_reflow(browser, site, shots, check):
    """Pages on a phone (390 px wide) and at 200 % zoom: nothing scrolls the
    page sideways (boxes of code and wide tables scroll inside themselves).
    Screenshots of one episode in both, at its top and at its first figure."""
    checked = 0
    for label, device in (("390px", PHONE), ("zoom200", ZOOM_200)):
        context = browser.new_context(**device)
        for edition, path in site_pages(site):
            name = f"{edition}/{path.name}" if edition else path.name
            page = context.new_page()
            open_page(page, path.as_uri(), f"{name} ({label})", check)
            wide = page.evaluate("""() => {
                const width = document.documentElement.clientWidth;
                const page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
                const out = [...document.querySelectorAll("main *, header *, footer *")]
                    .filter(e => e.getBoundingClientRect().right > width + 1
                                 && !e.closest("[data-course-scroller], .course-scroll, pre, .jp-OutputArea-output"))
                    .slice(0, 3).map(e => e.tagName + "." + e.className);
                return {width, page, out};
            }""")
            check.expect(wide["page"] <= wide["width"] + 1,
                         f"{name} ({label}): the page is {wide['page']} px wide on a {wide['width']} px "
                         f"screen and scrolls sideways; wider than the screen: {wide['out']}")
            checked += 1
            if edition == "learner" and path.stem == KEYBOARD_EPISODE:
                for where in ("top", "figure"):
                    if where == "figure":
                        target = page.locator("figure.course-mermaid, .jp-OutputArea-output img").first
                        if not target.count():
                            continue
                        target.scroll_into_view_if_needed()
                    shot = shots / f"site-learner-{KEYBOARD_EPISODE}-{label}-{where}.png"
                    page.screenshot(path=str(shot))
                    print(f"  screenshot {shot}")
            page.close()
        context.close()
    print(f"  reflow: {checked} page views at 390 px and at 200 % zoom, none scrolls sideways",
          flush=True)


def check_site(browser, site, notebooks, shots, check, a11y):
    expected_runs = {p.stem: solution_runs(p) for p in notebooks}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page_count = images = diagrams = 0
    for edition in ("learner", "instructor"):
        stems = {p.stem for p in (site / edition).glob("*.html")}
        lost = sorted(set(expected_runs) - stems)
        check.expect(not lost, f"{edition}: no page for {lost}")
    for edition, path in site_pages(site):
        page = context.new_page()
        found = check_page(page, path, edition, expected_runs, check, a11y=a11y)
        images += found[0]
        diagrams += found[1]
        page_count += 1
        page.close()
    print(f"  site: {page_count} pages, {images} images and {diagrams} Mermaid diagrams checked "
          "from disk", flush=True)
    check_dark(browser, site, a11y, check)
    a11y.report(shots / "axe.json")
    check_keyboard(browser, site, expected_runs, check)
    check_reflow(browser, site, shots, check)
    check_served(browser, site, expected_runs, check)
    # What a reader sees: a folded solution, the instructor's notes, a diagram.
    views = (("learner", "01-introduction", "details.course-solution", "solution"),
             ("instructor", "05-delayed-evaluation", None, "notes"),
             ("instructor", "05-delayed-evaluation", "figure.course-mermaid", "diagram"))
    for edition, stem, scroll_to, what in views:
        page = context.new_page()
        page.goto((site / edition / f"{stem}.html").as_uri(), wait_until="load")
        page.wait_for_selector("body[data-course-ready]", state="attached", timeout=30_000)
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


def audit_only(browser, site, a11y, check):
    """axe over every page, light and dark, for counting (nothing fails)."""
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        for edition, path in site_pages(site):
            name = f"{edition}/{path.name}" if edition else path.name
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(1500)
            a11y.audit(page, name, edition, scheme, Checker())
            page.close()
        context.close()
    a11y.report(a11y.shots / "axe.json")


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
    here = Path(__file__).resolve().parent
    ap.add_argument("--npm-lock", type=Path, default=here / "browser" / "package-lock.json",
                    help="the npm lock that pins axe-core")
    ap.add_argument("--npm-dir", type=Path, default=here.parent / ".course" / "npm",
                    help="where axe-core is installed")
    ap.add_argument("--audit-only", action="store_true",
                    help="only run axe over every page (light and dark) and print the counts")
    args = ap.parse_args()
    args.shots.mkdir(parents=True, exist_ok=True)
    check = Checker()
    try:
        axe = npm_package(args.npm_lock, "axe-core", args.npm_dir) / "axe.min.js"
        a11y = Accessibility(axe.read_text(encoding="utf-8"))
        a11y.shots = args.shots
    except (NpmError, OSError) as e:
        print(f"FAILED: axe-core, the accessibility engine, is missing: {e}")
        return 1
    lab_url = os.environ.get("COURSE_LAB_URL")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            if args.audit_only:
                audit_only(browser, args.site.resolve(), a11y, check)
                return 0
            if not args.lab_only:
                check_site(browser, args.site.resolve(), args.notebooks, args.shots, check, a11y)
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

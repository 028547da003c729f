#!/usr/bin/env python3
"""Publish the course as a static site from executed notebooks.

Two editions from the same executed copies, each a folder that works opened
from disk (file://) or from any static server, with no network:

  SITE/learner/      solutions behind a "Show solution" toggle
  SITE/instructor/   solutions shown, the lesson plan's notes on each episode
  SITE/index.html    chooses between them

Each edition has an index of the episodes (times, questions, objectives), one
page per notebook with every output, the lesson plan, a set-up page from the
README, and a copy of the crates' documentation (notebooks/api/), which the
notebooks link to. Pages are rendered by nbconvert with the template in
site/course/ beside this file. Mermaid diagrams are drawn in the browser by a
single-file build of Mermaid copied into each edition: it comes from the npm
registry once, checked against a pinned SHA-512, and is cached.

The pages are made to be read by everyone (WCAG 2.1 AA): the page's language
is set, landmarks are named, headings stay in order, links are underlined,
solutions open from the keyboard, and colours have at least 4.5:1 contrast in
light and in dark mode (prefers-color-scheme): JupyterLab's light and dark
themes, and accessible-pygments' high-contrast syntax styles
(SYNTAX_STYLES). tests/browser_test.py checks every page with axe-core.

Why these choices. nbconvert is already locked in the venv, renders every
output as JupyterLab shows it (pygments highlights the code at publish time)
and runs without a network; Jupyter Book 2 and mystmd fetch their web theme
when they build, which a machine without network cannot. Mermaid is drawn in
the reader's browser by a bundled single-file build rather than turned into
SVG at publish time with a headless browser, so that publishing needs no
browser; nbconvert's own lab template would import Mermaid as an ES module
from a CDN, which needs a network, and which browsers refuse for pages opened
from file://.

Usage: publish.py --executed DIR --out SITE --root REPO --cache DIR NOTEBOOK...

The launcher (`./lab publish`) runs it with the course's notebooks, in order.
"""

import argparse
import base64
import copy
import hashlib
import io
import re
import shutil
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from pygments.formatters import HtmlFormatter
from pygments.util import ClassNotFound

SITE_TITLE = "Parallel Programming in Rust"

# Mermaid's single-file (IIFE) build: the npm package's tarball, pinned by
# the SHA-512 the registry publishes for it, and the file taken from it.
MERMAID_VERSION = "11.12.1"
MERMAID_TARBALL = f"https://registry.npmjs.org/mermaid/-/mermaid-{MERMAID_VERSION}.tgz"
MERMAID_INTEGRITY = ("sha512-UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoMjs2nloq+wFqxiwcxl"
                     "hHUvs7DPGgMjs2aeQxz5h9g==")
MERMAID_MEMBER = "package/dist/mermaid.min.js"
MERMAID_SHA256 = "198b19442f86f0b46a17e56d3abf744c3a28a3427e66fa8dada3b589a77babcc"

# The course's nbconvert template and the pages' assets, beside this file.
TEMPLATE_DIR = Path(__file__).resolve().parent / "site"

# The syntax colours of code, light and dark: accessible-pygments' styles
# (kernel-ext/requirements.txt), made for 7:1 contrast on their background.
SYNTAX_STYLES = {"light": "a11y-high-contrast-light", "dark": "a11y-high-contrast-dark"}
DARK = "@media (prefers-color-scheme: dark)"

EDITIONS = {
    "learner": {
        "label": "Learner edition",
        "about": "Solutions are folded away: open one with **Show solution** after trying the exercise.",
    },
    "instructor": {
        "label": "Instructor edition",
        "about": "Solutions are shown, and each episode opens with the lesson plan's notes for it.",
    },
}


class PublishError(Exception):
    """A problem the person publishing can fix; the message says how."""


# ---------------------------------------------------------------------------
# Reading the notebooks


def list_items(text, heading):
    """The markdown list items under a `**Heading**` or `## Heading` line,
    up to the first line that is neither an item nor its continuation."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*(\*\*{heading}\*\*|#+\s*{heading})\s*$", re.IGNORECASE)
    start = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
    if start is None:
        return []
    items = []
    for line in lines[start + 1:]:
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip() and not items:
            continue
        else:
            break
    return items


def episode(path, nb):
    """What the index says of one notebook, from its first markdown cell
    (title, times, questions, objectives) and its key points."""
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    if not markdown:
        raise PublishError(f"{path.name} has no markdown cell to take its title and objectives from")
    first = markdown[0].source
    title = next((line.lstrip("#").strip() for line in first.splitlines() if line.startswith("# ")),
                 path.stem)
    times = re.search(r"Teaching:\s*(\d+)\s*min\W+Exercises:\s*(\d+)\s*min", first)
    key_points = next((list_items(c.source, "Key points") for c in reversed(markdown)
                       if list_items(c.source, "Key points")), [])
    return {
        "stem": path.stem,
        "number": episode_number(path.stem),
        "title": title,
        "teaching": int(times.group(1)) if times else None,
        # The first cell owns whether an episode is one of the extras.
        "extra": EXTRA in first,
        "exercises": int(times.group(2)) if times else None,
        "questions": list_items(first, "Questions"),
        "objectives": list_items(first, "Objectives"),
        "key_points": key_points,
        "machine": nb.metadata.get("course", {}).get("executed"),
    }


# What marks an extra episode in its notebook's first cell (the course's
# conventions test checks that README and the lesson plan agree).
EXTRA = "**Extra**"


def episode_number(text):
    """The episode number at the start of a file name or a heading, as the
    lesson plan writes it: "00-setup-check" gives "0", "00a-rust-for-this-course"
    "0a" (an episode slotted in after 0 without renumbering the others), and
    "13-dynamic-programming" "13"; None without one."""
    match = re.match(r"(\d+)([a-z]?)(?![a-z0-9])", text)
    return f"{int(match.group(1))}{match.group(2)}" if match else None


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", [])


def mark_notes_place(nb):
    """Marks the first markdown cell (the title, times, questions and
    objectives): the instructor edition puts the lesson plan's notes after
    it, below the page's one level-1 heading."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is not None:
        first.metadata.setdefault("course", {})["notes_after"] = True


def mark_solutions(nb):
    """Marks the first and last cell of each run of cells tagged `solution`,
    for the template to fold the run into one toggle. Returns the count."""
    runs = 0
    cells = nb.cells
    for i, cell in enumerate(cells):
        if not is_solution(cell):
            continue
        mark = cell.metadata.setdefault("course", {})
        if i == 0 or not is_solution(cells[i - 1]):
            mark["solution_start"] = True
            runs += 1
        if i + 1 == len(cells) or not is_solution(cells[i + 1]):
            mark["solution_end"] = True
    return runs


NOTEBOOK_LINK = re.compile(r"\]\(([^)\s]+?)\.ipynb(#[^)\s]*)?\)")


def link_pages(nb):
    """Links between notebooks point at their pages."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})",
                                            cell.source)


def describe_machine(stamp):
    if not stamp:
        return None
    cores = stamp.get("logical_cores")
    physical = stamp.get("physical_cores")
    core_text = (f"{physical} physical and {cores} logical cores" if physical
                 else f"{cores} logical cores")
    return (f"Outputs and timings from a run on {stamp.get('date', 'an unrecorded date')}: "
            f"{stamp.get('cpu', 'an unrecorded CPU')}, {core_text}, {stamp.get('system', '')}"
            .rstrip(", ") + ".")


# ---------------------------------------------------------------------------
# The lesson plan and the README


def sections(markdown_text):
    """`## ` sections of a markdown document: (heading, body) pairs."""
    found = []
    for block in re.split(r"^(?=## )", markdown_text, flags=re.MULTILINE):
        if block.startswith("## "):
            heading, _, body = block.partition("\n")
            found.append((heading[3:].strip(), body.strip()))
    return found


def notes_for(plan_sections, number):
    """The lesson plan's notes on episode `number` (for 0, what to do before
    the workshop), as HTML, or a line saying there are none."""
    for heading, body in plan_sections:
        named = heading.startswith("Episode ") and episode_number(heading[len("Episode "):])
        if (named and named == number) or (
                number == "0" and heading.lower().startswith("before the workshop")):
            return markdown2html_mistune(f"**{heading}**\n\n{body}")
    return "<p>The lesson plan has no notes for this episode.</p>"


def setup_markdown(readme):
    """The README's set-up section and its table of what `./lab` installs."""
    wanted = [(h, b) for h, b in sections(readme)
              if h.lower().startswith("set-up") or h.lower().startswith("what `./lab` installs")]
    if not wanted:
        raise PublishError("README.md has no `## Set-up` section to make the set-up page from")
    return "# Set-up\n\n" + "\n\n".join(f"## {h}\n\n{b}" for h, b in wanted)


# ---------------------------------------------------------------------------
# Mermaid


def mermaid_js(cache_dir):
    """Mermaid's single-file build, from the cache or from the npm registry,
    checked against the pinned hashes either way."""
    cached = cache_dir / f"mermaid-{MERMAID_VERSION}.min.js"
    if cached.is_file() and hashlib.sha256(cached.read_bytes()).hexdigest() == MERMAID_SHA256:
        return cached
    print(f"  fetching Mermaid {MERMAID_VERSION} from the npm registry (once; cached in {cache_dir})",
          flush=True)
    try:
        with urllib.request.urlopen(MERMAID_TARBALL, timeout=120) as reply:
            tarball = reply.read()
    except OSError as e:
        raise PublishError(
            f"could not download Mermaid {MERMAID_VERSION} ({MERMAID_TARBALL}): {e}. Publishing "
            "needs it once to draw the diagrams; connect to the network and run ./lab publish "
            f"again, or put the package's dist/mermaid.min.js at {cached}") from e
    algorithm, _, expected = MERMAID_INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise PublishError(f"the Mermaid package downloaded from {MERMAID_TARBALL} does not match "
                           f"its pinned {algorithm} ({digest} instead of {expected}); not used")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(MERMAID_MEMBER)
        if member is None:
            raise PublishError(f"the Mermaid package has no {MERMAID_MEMBER}")
        script = member.read()
    if hashlib.sha256(script).hexdigest() != MERMAID_SHA256:
        raise PublishError(f"{MERMAID_MEMBER} in the Mermaid package does not match its pinned SHA-256")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    partial.write_bytes(script)
    partial.replace(cached)
    return cached


# ---------------------------------------------------------------------------
# Rendering


def jupyterlab_css(template_paths):
    """JupyterLab's styles and its light theme as nbconvert's lab template
    ships them (it would inline them in every page), and its dark theme for
    readers whose system asks for dark colours."""
    for folder in map(Path, template_paths):
        static = folder / "static"
        if folder.name == "lab" and (static / "index.css").is_file():
            index, light, dark = ((static / name).read_text(encoding="utf-8")
                                  for name in ("index.css", "theme-light.css", "theme-dark.css"))
            return "\n".join([index, light, f"{DARK} {{\n{dark}\n}}"])
    raise PublishError("nbconvert's lab template (static/index.css) was not found: "
                       "run ./lab --setup-only to reinstall the Python packages")


def syntax_css():
    """The code's colours: the light syntax style, and the dark one for
    readers whose system asks for dark colours."""
    try:
        light, dark = (HtmlFormatter(style=SYNTAX_STYLES[k]).get_style_defs(".highlight")
                       for k in ("light", "dark"))
    except ClassNotFound as e:
        raise PublishError(f"the syntax style is missing ({e}): accessible-pygments is not in "
                           "the venv; run ./lab --setup-only to install the Python packages") from e
    return (f"/* {SYNTAX_STYLES['light']}, and {SYNTAX_STYLES['dark']} in dark mode "
            "(accessible-pygments). */\n" + light + f"\n{DARK} {{\n{dark}\n}}\n")


def markdown_notebook(*texts):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t in texts]
    return nb


def minutes(n):
    return "—" if n is None else f"{n} min"


def index_markdown(episodes, edition):
    info = EDITIONS[edition]
    teaching = sum(e["teaching"] or 0 for e in episodes)
    exercises = sum(e["exercises"] or 0 for e in episodes)
    minutes_of = lambda chosen: sum((e["teaching"] or 0) + (e["exercises"] or 0) for e in chosen)
    core = [e for e in episodes if not e["extra"]]
    extras = [e for e in episodes if e["extra"]]
    head = [
        f"# {SITE_TITLE}",
        f"*{info['label']}.* {info['about']} "
        f"The other edition: [{EDITIONS[other(edition)]['label'].lower()}](../{other(edition)}/index.html).",
        "Every notebook of the course, executed by the course's Rust kernel, with its outputs, tables, "
        "figures and diagrams. To run the cells yourself, follow the [set-up](setup.html).",
        f"**{len(episodes)} episodes**: teaching {minutes(teaching)}, exercises {minutes(exercises)} "
        f"in all. · [Lesson plan](lesson-plan.html) · [Set-up](setup.html) · "
        "[API documentation of the support crate](api/parallel_course/index.html)",
        f"**The core**, {len(core)} episodes, is {minutes(minutes_of(core))} of teaching and exercises; "
        f"the {len(extras)} **extras** ({minutes(minutes_of(extras))}) go further, each on top of the core.",
    ]
    table = ["| episode | part | teaching | exercises |", "|---|---|---|---|"] + [
        f"| [{e['title']}]({e['stem']}.html) | {'Extra' if e['extra'] else 'core'} "
        f"| {minutes(e['teaching'])} | {minutes(e['exercises'])} |"
        for e in episodes]
    cells = ["\n\n".join(head + ["\n".join(table)])]
    for e in episodes:
        parts = [f"## [{e['title']}]({e['stem']}.html)",
                 f"*Teaching: {minutes(e['teaching'])} · Exercises: {minutes(e['exercises'])}*"
                 + (" · **Extra**" if e["extra"] else "")]
        if e["questions"]:
            parts.append("**Questions**\n\n" + "\n".join(f"- {q}" for q in e["questions"]))
        if e["objectives"]:
            parts.append("**Objectives**\n\n" + "\n".join(f"- {o}" for o in e["objectives"]))
        cells.append("\n\n".join(parts))
    return cells


def other(edition):
    return "instructor" if edition == "learner" else "learner"


def machine_summary(episodes):
    described = {describe_machine(e["machine"]) for e in episodes}
    if described == {None}:
        return ("The outputs carry no record of the machine they came from: they were executed "
                "before the runner stamped it.")
    dated = sorted({e["machine"]["date"] for e in episodes if e["machine"]})
    stamp = next(e["machine"] for e in episodes if e["machine"])
    cores = stamp.get("logical_cores")
    physical = stamp.get("physical_cores")
    core_text = f"{physical} physical and {cores} logical cores" if physical else f"{cores} logical cores"
    span = dated[0] if dated[0] == dated[-1] else f"{dated[0]} to {dated[-1]}"
    return (f"Outputs and timings come from runs on {stamp.get('cpu')}, {core_text} "
            f"({stamp.get('system')}), {span}. Each page names its own run.")


class Site:
    def __init__(self, root, out, template_dir):
        self.root = root
        self.out = out
        self.exporter = HTMLExporter(template_name="course",
                                     extra_template_basedirs=[str(template_dir)],
                                     theme="light")
        self.pages = []

    def render(self, nb, path, title, course):
        resources = {"metadata": {"name": title}, "course": course}
        body, _ = self.exporter.from_notebook_node(nb, resources=resources)
        body = readable_inks(corner_cells(scrolling_tables(body)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        self.pages.append(path)


TABLE_OPEN = re.compile(r"<table\b")


def scrolling_tables(html):
    """Puts each table in a box that scrolls sideways when the table is
    wider than the screen, so that the page itself never does."""
    return TABLE_OPEN.sub('<div class="course-scroll"><table', html).replace(
        "</table>", "</table></div>")


EMPTY_HEADER = re.compile(r"<th>\s*</th>")


def corner_cells(html):
    """A table whose first column names its rows leaves the header row's
    first cell empty. Empty, it heads nothing, so it becomes a data cell: a
    screen reader then announces no nameless column header."""
    return EMPTY_HEADER.sub("<td></td>", html)


INK = re.compile(r'<span style="color: rgb\((\d+),\s*(\d+),\s*(\d+)\)">')
# The backgrounds that text outputs sit on that give coloured text the
# least contrast: stderr's pink in light mode, its dark red in dark mode.
LIGHT_GROUND, DARK_GROUND = (255, 221, 221), (81, 31, 27)


def luminance(rgb):
    """WCAG 2.1's relative luminance of an sRGB colour."""
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = map(linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_for(rgb, ground, towards):
    """`rgb` moved towards black or white (`towards`) in small steps until it
    has 4.6:1 contrast on `ground`: the same hue, readable."""
    colour = rgb
    for step in range(21):
        colour = tuple(round(c + (towards - c) * step / 20) for c in rgb)
        if contrast(colour, ground) >= 4.6:
            break
    return "rgb({}, {}, {})".format(*colour)


def readable_inks(html):
    """Compiler messages colour some text with 256-colour escapes, which
    nbconvert writes as inline colours (grey 148 for the frame of an error,
    2.4:1 on the error's pink). Each becomes the nearest colour of the same
    hue with 4.6:1 on the error background, one for light and one for dark
    mode (course.css picks)."""
    def replace(match):
        rgb = tuple(int(g) for g in match.groups())
        return (f'<span class="course-ink" style="--ink: {ink_for(rgb, LIGHT_GROUND, 0)}; '
                f'--ink-dark: {ink_for(rgb, DARK_GROUND, 255)}">')
    return INK.sub(replace, html)


def course_resources(edition, assets="assets", index="index.html", mermaid=False, **extra):
    course = {
        "edition": edition,
        "edition_label": EDITIONS[edition]["label"] if edition else "",
        "site_title": SITE_TITLE,
        "assets": assets,
        "index": index,
        "mermaid": mermaid,
        "prev": None,
        "next": None,
        "other_edition": None,
        "notes_html": None,
        "machine": None,
    }
    course.update(extra)
    return course


def publish(root, notebooks, executed_dir, out, cache_dir):
    started = time.monotonic()
    if not notebooks:
        raise PublishError("no notebooks to publish")
    missing = [p.name for p in notebooks if not (executed_dir / p.name).is_file()]
    if missing:
        raise PublishError(f"no executed copy of {', '.join(missing)} in {executed_dir}: "
                           "run ./lab publish, which executes what is missing")
    api = notebooks[0].resolve().parent / "api"
    if not (api / "parallel_course" / "index.html").is_file():
        raise PublishError(f"{api} has no documentation: run ./lab --setup-only, which builds it")
    plan_text = (root / "lesson-plan.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    plan_sections = sections(plan_text)
    mermaid = mermaid_js(cache_dir)
    template_dir = TEMPLATE_DIR

    executed = []
    for path in notebooks:
        nb = nbformat.read(executed_dir / path.name, as_version=4)
        link_pages(nb)
        mark_solutions(nb)
        mark_notes_place(nb)
        executed.append((path, nb, episode(path, nb)))
    episodes = [e for _, _, e in executed]
    lab_css = jupyterlab_css(HTMLExporter(template_name="lab").template_paths)
    code_css = syntax_css()

    if out.exists():
        shutil.rmtree(out)
    site = Site(root, out, template_dir)
    for edition in EDITIONS:
        folder = out / edition
        assets = folder / "assets"
        assets.mkdir(parents=True)
        shutil.copy(mermaid, assets / "mermaid.min.js")
        for name in ("course.js", "course.css"):
            shutil.copy(template_dir / "assets" / name, assets / name)
        (assets / "jupyterlab.css").write_text(lab_css, encoding="utf-8")
        (assets / "pygments.css").write_text(code_css, encoding="utf-8")
        shutil.copytree(api, folder / "api")

        for i, (path, nb, ep) in enumerate(executed):
            neighbours = {
                "prev": ({"href": f"{episodes[i - 1]['stem']}.html", "title": episodes[i - 1]["title"]}
                         if i > 0 else None),
                "next": ({"href": f"{episodes[i + 1]['stem']}.html", "title": episodes[i + 1]["title"]}
                         if i + 1 < len(episodes) else None),
            }
            notes = notes_for(plan_sections, ep["number"]) if edition == "instructor" else None
            course = course_resources(
                edition, mermaid=True, notes_html=notes, machine=describe_machine(ep["machine"]),
                other_edition={"href": f"../{other(edition)}/{ep['stem']}.html",
                               "label": f"{EDITIONS[other(edition)]['label']} of this page"},
                **neighbours)
            site.render(copy.deepcopy(nb), folder / f"{ep['stem']}.html", ep["title"], course)

        index_cells = index_markdown(episodes, edition) + [f"*{machine_summary(episodes)}*"]
        site.render(markdown_notebook(*index_cells), folder / "index.html", SITE_TITLE,
                    course_resources(edition, mermaid=False, next={
                        "href": f"{episodes[0]['stem']}.html", "title": episodes[0]["title"]}))
        site.render(markdown_notebook(plan_text), folder / "lesson-plan.html",
                    f"Lesson plan · {SITE_TITLE}", course_resources(edition))
        site.render(markdown_notebook(setup_markdown(readme)), folder / "setup.html",
                    f"Set-up · {SITE_TITLE}", course_resources(edition))

    chooser = (f"# {SITE_TITLE}\n\n"
               "The course's notebooks, executed, with every output. Two editions:\n\n"
               + "\n".join(f"- [{info['label']}]({name}/index.html): {info['about']}"
                           for name, info in EDITIONS.items()))
    site.render(markdown_notebook(chooser), out / "index.html", SITE_TITLE,
                course_resources(None, assets="learner/assets", index="index.html"))

    took = time.monotonic() - started
    report(site, out, episodes, took)


def size(n):
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def folder_size(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def report(site, out, episodes, took):
    for edition in EDITIONS:
        folder = out / edition
        pages = sorted(p for p in site.pages if p.parent == folder)
        largest = max(pages, key=lambda p: p.stat().st_size)
        print(f"  {edition}: {len(pages)} pages, {size(sum(p.stat().st_size for p in pages))} of HTML "
              f"(largest {largest.name}, {size(largest.stat().st_size)}); "
              f"{size(folder_size(folder))} with api/ and assets/", flush=True)
    print(f"  {len(episodes)} episodes published in {took:.1f} s: open {out / 'index.html'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--executed", type=Path, required=True, help="the executed notebooks")
    ap.add_argument("--out", type=Path, required=True, help="the site's folder (replaced)")
    ap.add_argument("--root", type=Path, required=True,
                    help="the course repository (lesson plan, README, notebooks/api/)")
    ap.add_argument("--cache", type=Path, required=True, help="where the Mermaid build is kept")
    ap.add_argument("notebooks", type=Path, nargs="+", help="the course notebooks, in order")
    args = ap.parse_args()
    try:
        publish(args.root.resolve(), args.notebooks, args.executed.resolve(), args.out.resolve(),
                args.cache)
    except PublishError as e:
        print(f"publish: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

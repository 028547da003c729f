"""Sentences in a notebook's prose that its own outputs contradict.

A learner reads the prose beside the outputs of their own run. So a
sentence that states a reading of the run (a time, a ratio, a percentage,
a number of busy cores, a decimal, or a number next to a comparison word
such as "slower", "close" or "flat") must either be printed by the code
cells beside it, or be worded as what to look for, with its condition
("on an idle machine …", "if the second row …"). This check finds the
first kind that no output supports: each number must agree, within a
factor of `TOLERANCE`, with a number of the same kind printed by the code
cells just before or just after the markdown cell. A vague amount ("a
nanosecond or two", "a few tenths of a second", "a fraction of a second")
must cover a printed time.

Not checked, because they are not readings of this run:
- sentences that quote another source (the Python lesson, a published
  course, the machine the course was written on) or speak of what happens
  under a condition or elsewhere ("if", "when", "expect", "on an idle
  machine", "look for");
- numbers that set up the code rather than measure it: in code (`N`),
  before a noun of the input ("10⁸ numbers", "2 threads", "64×64 tiles"),
  after "every", "each", "at least", "sleep" and the like, episode and
  step numbers, powers of ten;
- tables and code blocks in the markdown.

Used by run_notebooks.py on every executed notebook; run this file with
the paths of executed notebooks to see what it finds and how many
sentences it checked.
"""

import re
import sys

TOLERANCE = 1.5
UNITS = {
    "ns": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9,
    "µs": 1e-6, "us": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
    "ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
    "s": 1.0, "second": 1.0, "seconds": 1.0,
}
WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "twenty": 20, "hundred": 100, "thousand": 1000}
# A number as prose writes it: 1.5, 12, 65 536 (thin or plain space between
# groups of three), 1,024, or a word.
DIGITS = r"\d{1,3}(?:[ \u202f\u00a0,]\d{3})+(?!\d)|\d+(?:\.\d+)?"
NUMBER = rf"(?<![\w.\-−])({DIGITS})"
TIME = re.compile(NUMBER + r"\s?(ns|µs|us|ms|s|(?:nano|micro|milli)?seconds?)\b")
RATIO = re.compile(NUMBER + r"\s?×(?!\s?\d)")
PERCENT = re.compile(NUMBER + r"\s?%")
TIMES_WORD = re.compile(
    r"\b(two|three|four|five|six|eight|ten|\d+(?:\.\d+)?) times (?:faster|slower|as fast|quicker|longer)")
TWICE = re.compile(r"\btwice as (?:fast|slow|long)")
DECIMAL = re.compile(r"(?<![\w.\-−/])(\d+\.\d+)(?![\d.]*\s?(?:ns|µs|us|ms|s|×|%|e[-−]?\d|[×x⁰¹²³⁴⁵⁶⁷⁸⁹]))")
INTEGER = re.compile(rf"(?<![\w.\-−/·×^])({DIGITS})(?![\w.,]*\d)(?!\s?(?:ns|µs|us|ms|s|×|%)\b)")
# Vague amounts of time and the range of seconds each stands for.
VAGUE = [
    (re.compile(r"(?i)\ba (?:nanosecond|ns) or two\b"), 1e-9, 2e-9),
    (re.compile(r"(?i)\b(?:a few|some) nanoseconds\b"), 2e-9, 9e-9),
    (re.compile(r"(?i)\btens of nanoseconds\b"), 1e-8, 1e-7),
    (re.compile(r"(?i)\b(?:a few|some) microseconds\b"), 2e-6, 9e-6),
    (re.compile(r"(?i)\btens of microseconds\b"), 1e-5, 1e-4),
    (re.compile(r"(?i)\bhundreds of microseconds\b"), 1e-4, 1e-3),
    (re.compile(r"(?i)\b(?:a|one) millisecond or two\b"), 1e-3, 2e-3),
    (re.compile(r"(?i)\b(?:a few|some) milliseconds\b"), 2e-3, 9e-3),
    (re.compile(r"(?i)\btens of milliseconds\b"), 1e-2, 1e-1),
    (re.compile(r"(?i)\b(?:a few|some) tenths of a second\b"), 0.2, 0.5),
    (re.compile(r"(?i)\ba fraction of a second\b"), 0.01, 0.9),
    (re.compile(r"(?i)\b(?:a|one) second or two\b"), 1.0, 2.0),
    (re.compile(r"(?i)\b(?:a few|some) seconds\b"), 2.0, 9.0),
]
# Words that make a number next to them a comparison of readings ("one
# thread is slower", "the two rows are close", "4096 tasks stay flat").
COMPARE = re.compile(
    r"\b(?:slower|faster|quicker|flat|close|closer|as fast|as slow|noise|beats? (?:the|it|them|its)|"
    r"(?:gains?|adds?|costs?|loses?|helps?) (?:nothing|little|much|most|least)|(?:gains?|loses?) \w+ than|"
    r"wins?|ahead|behind|halves the|halving|twice as|longer|shorter|cheaper|dearer|costlier|higher|lower|"
    r"rises?|falls?|drops?|stays? (?:flat|close|near|level|below|above|under)|barely|hardly|"
    r"outruns?|overtakes?|catch(?:es)? up)\b",
    re.IGNORECASE,
)
SMALL = re.compile(r"(?i)(?<![\w.\-−/·×^])(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|twice|half)(?![\w.,]*\d)\b")
# A sentence with one of these quotes another source, or speaks of what
# happens under a condition or elsewhere: what to look for, not a reading.
NOT_A_READING = re.compile(
    r"lesson|published|measured (?:at|on)|written on|developed on|ASPP|HPC2N|UPPMAX|Numba|NumPy|Dask|"
    r"pybind11|asyncio|OpenBLAS|seed \d|workshop|Guide\b|PCI-SIG|episode \d+\w? (?:measure[sd]?|show(?:s|ed)?|found|prints?)|"
    r"\bif\b|\bwhen(?:ever)?\b(?! to\b)|\bunless\b|\bexpect|\bshould\b|\bwould\b|\bidle\b|\bquiet\b|"
    r"\bbusy machine|\btypical|on a laptop|on other machines|on a (?:larger|bigger|server|cluster)|"
    r"on (?:a )?\d+-core|on many cores|on more cores|look for|\?",
    re.IGNORECASE,
)
# Words right before a number that make it a setting of the code ("every
# 10 ms", "sleep 100 ms", "at most 16") or a contrast ("not 1.2 s"), or a
# reference ("episode 4").
SETTING_BEFORE = re.compile(
    r"(?:every|each|after|sleeps?|sleeping|pauses?|waits?|wakes?|at least|at most|up to|under|over|not|"
    r"about every|episodes?|chapters?|steps?|cells?|days?|rows?|columns?|lines?|version|"
    r"sizes?|of size|n =|N =|k =|P =|T =|max_iter|seed|level|-j|-n|-r|top|first|last|parts=|"
    r"pool of|pools? of)\s*$",
    re.IGNORECASE,
)
SETTING_AFTER = re.compile(
    r"^\s*(?:per|each|between|of (?:CPU|work|sleep|them|the|these|those|its|his|her)|"
    r"(?:x|×|by)\s?\d|-(?:bit|byte|core|thread|point|digit)|"
    r"(?:points?|numbers?|pixels?|rows?|columns?|threads?|workers?|ranks?|tasks?|jobs?|cores?|"
    r"physical|logical|chunks?|pieces?|loops?|runs?|repeats?|steps?|bytes?|bits?|lanes?|digits?|"
    r"seeds?|estimates?|elements?|items?|cells?|nodes?|products?|integrals?|matrices|matrix|"
    r"books?|words?|letters?|squares?|calls?|additions?|sines?|puzzles?|keys?|amounts?|coins?|"
    r"tiles?|blocks?|blocks?|parts?|files?|samples?|readings?|values?|entries|times|minutes?|"
    r"min\b|hours?|days?|KiB|MiB|GiB|kB|KB|MB|GB|TB|B\b|f64|f32|u64|u32|i32|bytes|registers?|"
    r"instructions?|operations?|flops?|GFLOP|cycles?|lines?|processes|process|teams?|confidence|"
    r"pennies|p\b|pence|coins|in \d|of \d|out of|weeks?|months?|years?|people|learners?|"
    r"cooks?|friends?|steps?|promises?|machines?|CPUs?|GHz|MHz|million|billion|thousand))",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z(*`\"“])|\n(?=\s*(?:[-*]|\d+\.)\s)|\n\n")


def prose(text):
    """A markdown cell's text without code blocks, inline code, tables,
    headings, HTML tags and link targets."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", "CODE", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [l for l in text.splitlines() if not l.lstrip().startswith(("|", "#", "$$"))]
    return "\n".join(lines).replace("**", "").replace("*", "")


def number(text):
    """The value of a number as prose or an output writes it."""
    return float(re.sub(r"[ \u202f\u00a0,]", "", text))


def is_setting(flat, m):
    return SETTING_BEFORE.search(flat[: m.start()]) or SETTING_AFTER.match(flat[m.end():])


def near_comparison(flat, m, words=6):
    before = flat[: m.start()].split()[-words:]
    after = flat[m.end():].split()[:words]
    return COMPARE.search(" ".join(before + after))


def sentence_claims(flat):
    """The readings one sentence states: (kind, value or (low, high), the
    sentence) for each number it gives as a reading of a run. Kinds: "s"
    (seconds), "×" (a ratio), "%", "n" (a plain number), "vague" (an amount
    of time in words) and "compared" (a comparison next to a number)."""
    mine = []
    taken = []
    for m in TIME.finditer(flat):
        if not is_setting(flat, m):
            mine.append(("s", number(m.group(1)) * UNITS[m.group(2)], flat))
        taken.append(m.span(1))
    for m in RATIO.finditer(flat):
        mine.append(("×", number(m.group(1)), flat))
        taken.append(m.span(1))
    for m in PERCENT.finditer(flat):
        if not is_setting(flat, m):
            mine.append(("%", number(m.group(1)), flat))
        taken.append(m.span(1))
    for m in TIMES_WORD.finditer(flat):
        word = m.group(1)
        mine.append(("×", float(WORDS.get(word, 0) or word), flat))
    if TWICE.search(flat):
        mine.append(("×", 2.0, flat))
    for pattern, low, high in VAGUE:
        if pattern.search(flat):
            mine.append(("vague", (low, high), flat))
    inside = lambda m: any(a <= m.start(1) < b for a, b in taken)
    for m in DECIMAL.finditer(flat):
        if not inside(m) and not is_setting(flat, m):
            mine.append(("n", number(m.group(1)), flat))
    for m in INTEGER.finditer(flat):
        if inside(m) or is_setting(flat, m) or number(m.group(1)) < 100:
            continue
        if near_comparison(flat, m):
            mine.append(("n", number(m.group(1)), flat))
    # A comparison next to a small number ("on two cores the rows are
    # close") compares readings without giving them: unless the sentence
    # gives a reading that is checked, it must print them or say its
    # condition.
    if not mine and any(near_comparison(flat, m) for m in SMALL.finditer(flat)):
        mine.append(("compared", None, flat))
    return mine


def sentences(text):
    """A markdown cell's prose, one sentence (or list item) at a time."""
    for sentence in SENTENCE_END.split(prose(text)):
        flat = re.sub(r"^(?:[-*]|\d+\.)\s+", "", " ".join(sentence.split()))
        if flat:
            yield flat


def claims(text):
    """(sentences checked, claims): the claims (see `sentence_claims`) of
    the sentences that state readings as facts of this run. A sentence that
    quotes another source or states its condition is not checked."""
    found, checked = [], 0
    for flat in sentences(text):
        if NOT_A_READING.search(flat):
            continue
        mine = sentence_claims(flat)
        if mine:
            checked += 1
            found += mine
    return checked, found


def tally(text):
    """(sentences with a reading in them, of which worded with a condition
    or a source): what the check looked at, checked or let pass."""
    with_readings = conditional = 0
    for flat in sentences(text):
        if sentence_claims(flat):
            with_readings += 1
            conditional += bool(NOT_A_READING.search(flat))
    return with_readings, conditional


def readings(text):
    """(kind, value) for each number printed in an output."""
    values = [("s", number(n) * UNITS[u]) for n, u in TIME.findall(text)]
    values += [("×", number(n)) for n in RATIO.findall(text)]
    values += [("%", number(n)) for n in PERCENT.findall(text)]
    values += [("n", number(n)) for n in re.findall(DIGITS, text)]
    values += [("n", float(n)) for n in re.findall(r"\d+(?:\.\d+)?e[-+]?\d+", text)]
    return values


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
        plain = out.get("data", {}).get("text/plain", "")
        parts.append("".join(plain) if isinstance(plain, list) else plain)
    return "\n".join(parts)


def neighbours(cells, i):
    """The outputs of the code cells right before and right after cell i."""
    texts = []
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(cells) and cells[j]["cell_type"] == "code":
            texts.append(output_text(cells[j]))
            j += step
    return "\n".join(texts)


def agrees(kind, value, printed):
    if kind in ("compared", "vague"):
        return False
    if isinstance(value, tuple):
        low, high = value
        return any(k == kind and low / TOLERANCE <= v <= high * TOLERANCE for k, v in printed)
    if kind == "n" and value == 0:
        return any(k == "n" and v == 0 for k, v in printed)
    return any(k == kind and v > 0 and 1 / TOLERANCE <= value / v <= TOLERANCE for k, v in printed)


def shown(kind, value):
    if kind == "compared":
        return "a comparison next to a number, with no reading"
    if kind == "vague":
        return f"a vague amount of time ({value[0]:g}–{value[1]:g} s), with no reading"
    return {"s": f"{value:g} s", "×": f"{value:g}×", "%": f"{value:g} %"}.get(kind, f"{value:g}")


def check(nb):
    """(problems, sentences checked against outputs, sentences with a
    reading worded with a condition or a source): a problem is a stated
    reading that no neighbouring output supports."""
    cells = nb["cells"]
    problems, checked, worded = [], 0, 0
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"), None)
    for i, cell in enumerate(cells):
        # The first cell is the title, the times, the questions and objectives.
        if cell["cell_type"] != "markdown" or i == first:
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        count, stated = claims(text)
        checked += count
        worded += tally(text)[1]
        if not stated:
            continue
        printed = readings(neighbours(cells, i))
        for kind, value, sentence in stated:
            if not agrees(kind, value, printed):
                said = (f"cell {i} makes {shown(kind, value)}" if kind in ("compared", "vague") else
                        f"cell {i} says {shown(kind, value)}, which no output next to it shows "
                        f"(within a factor {TOLERANCE})")
                problems.append(
                    f"{said}: \"{sentence[:200]}\". Print it from the cell, word it as what to look "
                    "for with its condition, or attribute it to its source"
                )
    return problems, checked, worded


def contradicted(nb):
    """Problems only (see `check`)."""
    return check(nb)[0]


if __name__ == "__main__":
    import json

    status, total, total_worded = 0, 0, 0
    for path in sys.argv[1:]:
        problems, checked, worded = check(json.load(open(path, encoding="utf-8")))
        total += checked
        total_worded += worded
        for problem in problems:
            print(f"{path}: {problem}")
            status = 1
    print(f"{len(sys.argv) - 1} notebooks: {total} sentences with readings checked against their outputs, "
          f"{total_worded} more worded with their condition or source")
    sys.exit(status)

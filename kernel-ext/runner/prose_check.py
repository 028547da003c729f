"""Numbers in a notebook's prose that its own outputs contradict.

A sentence that states a time ("takes about 0.6 s") or a ratio ("1.9×",
"three times faster") as a fact about the run beside it must agree with
what the code cells next to it printed: within a factor of `TOLERANCE` of
a number of the same kind in the outputs of the code cells just before or
just after the markdown cell. Sentences that quote another source (the
Python lesson, a published course), speak of what happens elsewhere ("on
an idle machine", "if", "expect"), describe a setting of the code ("every
10 ms", "sleep 100 ms") or a contrast ("not 1.2 s") are not checked: they
are not readings of this run.

Used by run_notebooks.py on every executed notebook; run this file with
the path of an executed notebook to see what it finds.
"""

import re
import sys

TOLERANCE = 1.5
UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10}
NUMBER = r"(\d+(?:\.\d+)?)"
TIME = re.compile(NUMBER + r"\s?(ns|µs|us|ms|s)\b")
RATIO = re.compile(NUMBER + r"\s?×(?!\s?\d)")
TIMES_WORD = re.compile(r"\b(two|three|four|five|six|eight|ten|\d+(?:\.\d+)?) times (?:faster|slower|as fast)")
TWICE = re.compile(r"\btwice as (?:fast|slow)")
# A sentence with one of these quotes a source, asks, or speaks of what
# may happen: its numbers are not readings of this run.
NOT_A_READING = re.compile(
    r"lesson|course|published|measured (?:at|on)|written on|ASPP|HPC2N|UPPMAX|Numba|NumPy|seed"
    r"|expect|idle|rarely|never|cannot|\?|\bif |would|could|might",
    re.IGNORECASE,
)
# Words right before or after a number that make it a setting of the code
# ("every 10 ms", "sleep 100 ms", "20 ms per minute") or a contrast ("not
# 1.2 s"), not a reading.
SETTING_BEFORE = re.compile(
    r"(?:every|each|sleeps?|pauses?|waits?|wakes?|at least|at most|up to|under|over|not|about every)\s*$",
    re.IGNORECASE,
)
SETTING_AFTER = re.compile(r"^\s*(?:per|each|between|of (?:CPU|work|sleep))\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!:;])\s+(?=[A-Z(*`])")


def claims(text):
    """(kind, value, the sentence) for each number the prose states as a
    reading of this run; kind is "s" (seconds) or "×" (a ratio)."""
    found = []
    for sentence in SENTENCE_END.split(text):
        flat = " ".join(sentence.split())
        if NOT_A_READING.search(flat):
            continue
        for m in TIME.finditer(flat):
            if not SETTING_BEFORE.search(flat[: m.start()]) and not SETTING_AFTER.match(flat[m.end() :]):
                found.append(("s", float(m.group(1)) * UNITS[m.group(2)], flat))
        for m in RATIO.finditer(flat):
            found.append(("×", float(m.group(1)), flat))
        for m in TIMES_WORD.finditer(flat):
            word = m.group(1)
            found.append(("×", float(WORDS.get(word, 0) or word), flat))
        if TWICE.search(flat):
            found.append(("×", 2.0, flat))
    return found


def readings(text):
    """(kind, value) for each time and ratio printed in an output."""
    values = [("s", float(n) * UNITS[u]) for n, u in TIME.findall(text)]
    values += [("×", float(n)) for n in RATIO.findall(text)]
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
    return any(k == kind and v > 0 and 1 / TOLERANCE <= value / v <= TOLERANCE for k, v in printed)


def contradicted(nb):
    """Problems: a stated reading that no neighbouring output supports."""
    cells = nb["cells"]
    problems = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        stated = claims(text)
        if not stated:
            continue
        printed = readings(neighbours(cells, i))
        for kind, value, sentence in stated:
            if not agrees(kind, value, printed):
                shown = f"{value:g} s" if kind == "s" else f"{value:g}×"
                problems.append(
                    f"cell {i + 1} says {shown}, which no output next to it shows "
                    f"(within a factor {TOLERANCE}): \"{sentence[:160]}\". Word it from what the cell "
                    "prints, or attribute it to its source"
                )
    return problems


if __name__ == "__main__":
    import json

    status = 0
    for path in sys.argv[1:]:
        for problem in contradicted(json.load(open(path, encoding="utf-8"))):
            print(f"{path}: {problem}")
            status = 1
    sys.exit(status)

//! The committed notebooks follow the course's conventions: no outputs,
//! the support crate loaded by a relative path in the
//! first cell, questions and objectives first, key points last, and
//! exercises with solutions tagged `solution`. The course's shape: a core
//! no longer than the Python lesson, and every other episode marked
//! **Extra** wherever the course lists it.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The kernel's own check notebooks (`tests/kernel/`).
fn kernel_check_notebooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kernel");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .collect();
    found.sort();
    found
}

/// The course notebooks, as `notebooks/course.txt` lists them (one file
/// name a line; `#` starts a comment). Other notebooks in the folder are
/// not the course's and are not checked.
fn course_notebooks() -> Vec<PathBuf> {
    let found = course_notebooks_in(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        found.len() >= 2,
        "expected the course notebooks in notebooks/course.txt"
    );
    found
}

/// The notebooks `root/notebooks/course.txt` lists.
fn course_notebooks_in(root: &Path) -> Vec<PathBuf> {
    let dir = root.join("notebooks");
    let list = std::fs::read_to_string(dir.join("course.txt"))
        .expect("notebooks/course.txt lists the course notebooks");
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|name| dir.join(name))
        .collect()
}

fn all_notebooks() -> Vec<PathBuf> {
    let mut all = course_notebooks();
    all.extend(kernel_check_notebooks());
    all
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display()))
}

fn source(cell: &Value) -> String {
    match &cell["source"] {
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn cells<'a>(nb: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |c| c["cell_type"] == kind)
}

fn has_tag(cell: &Value, tag: &str) -> bool {
    cell["metadata"]["tags"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x == tag))
}

#[test]
fn committed_notebooks_carry_no_outputs() {
    for path in all_notebooks() {
        let nb = load(&path);
        for (i, cell) in cells(&nb, "code").enumerate() {
            let outputs = cell["outputs"].as_array().map_or(0, Vec::len);
            assert!(
                outputs == 0 && cell["execution_count"].is_null(),
                "{}: code cell {} carries outputs or an execution count; clear them before committing",
                path.display(),
                i + 1
            );
        }
    }
}

#[test]
fn first_code_cell_loads_the_crate_by_relative_path_and_checks_the_build() {
    for path in course_notebooks() {
        let nb = load(&path);
        let first = cells(&nb, "code").next().map(source).unwrap_or_default();
        assert!(
            first.contains(":dep parallel_course = { path = \"..\" }"),
            "{}: first code cell must load the support crate with a relative path",
            path.display()
        );
        assert!(
            first.contains("use parallel_course::prelude::*;"),
            "{}",
            path.display()
        );
        assert!(
            first.contains("build_info().check()?"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn notebooks_open_with_questions_objectives_and_times_and_end_with_key_points() {
    for path in course_notebooks() {
        let nb = load(&path);
        let md: Vec<String> = cells(&nb, "markdown").map(source).collect();
        let first = md.first().cloned().unwrap_or_default();
        for needle in [
            "**Questions**",
            "**Objectives**",
            "*Teaching:",
            "Exercises:",
        ] {
            assert!(
                first.contains(needle),
                "{}: first cell lacks {needle}",
                path.display()
            );
        }
        let last = nb["cells"]
            .as_array()
            .and_then(|c| c.last())
            .map(source)
            .unwrap_or_default();
        assert!(
            last.contains("## Key points"),
            "{}: must end with key points",
            path.display()
        );
        let h1 = md
            .iter()
            .filter(|m| m.lines().any(|l| l.starts_with("# ")))
            .count();
        assert_eq!(h1, 1, "{}: exactly one title heading", path.display());
    }
}

#[test]
fn every_exercise_has_a_solution_tagged_solution() {
    for path in course_notebooks() {
        let nb = load(&path);
        let challenges = cells(&nb, "markdown")
            .filter(|c| source(c).contains("### Challenge"))
            .count();
        let solutions = nb["cells"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| has_tag(c, "solution"))
            .count();
        let name = path.file_name().unwrap().to_string_lossy();
        if !name.starts_with("00-") {
            assert!(challenges >= 1, "{name}: no challenge");
        }
        assert!(
            solutions >= challenges,
            "{name}: {challenges} challenges but {solutions} solution cells"
        );
    }
}

#[test]
fn cells_that_must_fail_name_the_error_they_must_fail_with() {
    for path in all_notebooks() {
        let nb = load(&path);
        for (i, cell) in cells(&nb, "code").enumerate() {
            if !has_tag(cell, "raises-exception") {
                continue;
            }
            let named = cell["metadata"]["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str())
                .any(|t| {
                    t.len() > "expect-error:".len() && t.starts_with("expect-error:")
                });
            assert!(
                named,
                "{}: code cell {} is tagged raises-exception; add a tag `expect-error:E0499` \
                 (the compiler's error code, or words of the message) so the test runner can \
                 check it fails for the reason the lesson gives",
                path.display(),
                i + 1
            );
        }
    }
}

/// A cell's code without `//` comments and string literals, so that only
/// the names the code itself uses remain.
fn code_only(src: &str) -> String {
    let mut out = String::new();
    for line in src.lines() {
        let mut in_string = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' => in_string = !in_string,
                '\\' if in_string => {
                    chars.next();
                }
                '/' if !in_string && chars.peek() == Some(&'/') => break,
                _ if in_string => {}
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

/// Each code cell as (whether it is a solution, its code without comments
/// and strings).
fn code_cells(nb: &Value) -> Vec<(bool, String)> {
    cells(nb, "code")
        .map(|c| (has_tag(c, "solution"), code_only(&source(c))))
        .collect()
}

/// Each identifier of `code` with whether a `.` comes right before it (a
/// method or field, not a variable).
fn identifiers(code: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let mut word = String::new();
    let mut after_dot = false;
    let mut previous = ' ';
    for c in code.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            if word.is_empty() {
                after_dot = previous == '.';
            }
            word.push(c);
        } else if !word.is_empty() {
            if !word.starts_with(|c: char| c.is_ascii_digit()) {
                found.push((std::mem::take(&mut word), after_dot));
            }
            word.clear();
        }
        previous = c;
    }
    found
}

/// The names a cell keeps at its top level (lines that are not indented):
/// `fn`, `let`, `const`, `static`, `struct`, `enum`, `type`; with `loops`,
/// also a top-level `for NAME in` (which binds it for the loop only).
fn top_level_names(code: &str, loops: bool) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines().filter(|l| !l.starts_with(char::is_whitespace)) {
        // `let (a, mut b) = …` and `let x: T = …` bind every name of the pattern.
        if let Some(rest) = line.strip_prefix("let ") {
            let pattern = rest.split('=').next().unwrap_or_default().trim_start();
            let pattern = if pattern.starts_with('(') {
                pattern
            } else {
                pattern.split(':').next().unwrap_or_default()
            };
            names.extend(
                identifiers(pattern)
                    .into_iter()
                    .map(|(w, _)| w)
                    .filter(|w| !matches!(w.as_str(), "mut" | "ref" | "_")),
            );
            continue;
        }
        let words: Vec<String> = identifiers(line).into_iter().map(|(w, _)| w).collect();
        for pair in words.windows(2) {
            let keyword = pair[0].as_str();
            let name = if keyword == "let" && pair[1] == "mut" {
                continue;
            } else {
                &pair[1]
            };
            let binds = match keyword {
                "fn" | "let" | "mut" | "const" | "static" | "struct" | "enum"
                | "type" => true,
                "for" => loops,
                _ => false,
            };
            if binds && name != "_" && (keyword != "mut" || line.contains("let mut")) {
                names.push(name.clone());
            }
        }
    }
    names
}

#[test]
fn solutions_never_replace_a_learners_name_or_feed_later_cells() {
    for path in course_notebooks() {
        let nb = load(&path);
        let code = code_cells(&nb);
        for (i, (_, src)) in code.iter().enumerate().filter(|(_, (s, _))| *s) {
            // What the learner has defined by the time the solution runs.
            let learners: Vec<String> = code[..i]
                .iter()
                .filter(|(solution, _)| !solution)
                .flat_map(|(_, src)| top_level_names(src, false))
                .collect();
            for name in top_level_names(src, false) {
                assert!(
                    !learners.contains(&name),
                    "{}: the solution in code cell {} defines `{name}`, a name the learner's cells \
                     defined before it, so running it replaces the learner's version; give the solution's \
                     a name of its own (e.g. `{name}_solution`)",
                    path.display(),
                    i + 1
                );
                for (j, (_, later)) in
                    code.iter().enumerate().skip(i + 1).filter(|(_, (s, _))| !s)
                {
                    let uses =
                        identifiers(later).iter().any(|(w, dot)| *w == name && !dot);
                    assert!(
                        !uses || top_level_names(later, true).contains(&name),
                        "{}: code cell {} uses `{name}`, which only the solution in code cell {} \
                         defines; a learner who skips the solution would get \"cannot find value\"; \
                         define it in a cell of its own before the challenge",
                        path.display(),
                        j + 1,
                        i + 1
                    );
                }
            }
        }
    }
}

/// The learner's cell of a challenge holds a placeholder until the learner
/// has finished (a function returning 0, say). A later cell that calls it
/// would time or show the placeholder for everyone who has not, and in the
/// published pages; later cells use the crate's reference version instead.
#[test]
fn later_cells_never_call_the_placeholder_a_challenge_starts_from() {
    for path in course_notebooks() {
        let nb = load(&path);
        let code = code_cells(&nb);
        for i in 1..code.len() {
            // The learner's cell: the code cell right before a solution.
            let ((learner_is_solution, learner), (is_solution, _)) =
                (&code[i - 1], &code[i]);
            if *learner_is_solution || !is_solution {
                continue;
            }
            for name in top_level_names(learner, false) {
                for (j, (_, later)) in
                    code.iter().enumerate().skip(i + 1).filter(|(_, (s, _))| !s)
                {
                    let calls =
                        identifiers(later).iter().any(|(w, dot)| *w == name && !dot);
                    assert!(
                        !calls || top_level_names(later, true).contains(&name),
                        "{}: code cell {} uses `{name}` from the learner's cell {} of a challenge, \
                         which holds a placeholder until the learner finishes; use the crate's \
                         reference version there",
                        path.display(),
                        j + 1,
                        i
                    );
                }
            }
        }
    }
}

#[test]
fn code_cells_are_at_most_15_lines() {
    for path in course_notebooks() {
        let nb = load(&path);
        for (i, cell) in cells(&nb, "code").enumerate() {
            let lines = source(cell).lines().count();
            assert!(
                lines <= 15,
                "{}: code cell {} has {lines} lines; keep cells to 15 lines or fewer so they \
                 can be read and typed live (split it, or move a helper into a function cell)",
                path.display(),
                i + 1
            );
        }
    }
}

/// The crate's own items in the prelude (not the crates it re-exports),
/// each with its source and documentation path.
fn prelude_items() -> Vec<parallel_course::source::Source> {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
            .expect("reading src/lib.rs");
    let prelude = &lib[lib.find("pub mod prelude").expect("a prelude module")..];
    let mut names = Vec::new();
    for statement in prelude.split(';') {
        let Some(used) = statement.trim().strip_prefix("pub use crate::") else {
            continue;
        };
        let list = match (used.find('{'), used.rfind('}')) {
            (Some(a), Some(b)) => &used[a + 1..b],
            _ => used.rsplit("::").next().unwrap_or(used),
        };
        names.extend(
            list.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty() && !["rayon", "rand", "plotters"].contains(n))
                .map(String::from),
        );
    }
    assert!(names.len() > 50, "too few prelude names found: {names:?}");
    names
        .iter()
        .filter_map(|n| parallel_course::source::source(n).ok())
        .filter(|s| s.doc_path.is_some())
        .collect()
}

/// Whether `code` uses the item: `name!` for a macro, `name(` or `name`
/// passed as a value for a function, the bare word for anything else.
fn uses(code: &str, item: &parallel_course::source::Source) -> bool {
    let doc = item.doc_path.as_deref().unwrap_or("");
    let name = item.name.as_str();
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        let word_start =
            !before.is_some_and(|c| c.is_alphanumeric() || "_.:".contains(c));
        let word_end = !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let fits = if doc.contains("/macro.") {
            after == Some('!')
        } else if doc.contains("/fn.") {
            // Called, or passed as an argument: `f(`, `(f)`, `(f, `, `, f)`.
            let passed = code[..at].trim_end().ends_with(['(', ','])
                && after.is_some_and(|c| ",)".contains(c));
            after == Some('(') || passed
        } else {
            word_end
        };
        word_start && fits
    })
}

#[test]
fn every_crate_item_a_notebook_uses_links_to_its_documentation() {
    let items = prelude_items();
    for path in course_notebooks() {
        let nb = load(&path);
        let code: String = cells(&nb, "code")
            .map(source)
            .collect::<Vec<_>>()
            .join("\n");
        let text: String = cells(&nb, "markdown")
            .map(source)
            .collect::<Vec<_>>()
            .join("\n");
        let missing: Vec<String> = items
            .iter()
            .filter(|item| uses(&code, item))
            .filter_map(|item| {
                let doc = item.doc_path.as_deref()?;
                (!text.contains(&format!("]({doc})")))
                    .then(|| format!("{} → {doc}", item.name))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{}: uses crate items without a link to their documentation: {missing:#?}",
            path.display()
        );
    }
}

#[test]
fn documentation_links_point_at_pages_the_set_up_builds() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/api");
    if !api.join("parallel_course/index.html").exists() {
        eprintln!(
            "notebooks/api/ is not built (./lab builds it with cargo doc): link targets not checked"
        );
        return;
    }
    for path in course_notebooks() {
        let nb = load(&path);
        for cell in cells(&nb, "markdown") {
            let text = source(cell);
            for (at, _) in text.match_indices("](api/") {
                let target = &text[at + 2..];
                let target = &target[..target.find(')').unwrap_or(target.len())];
                let file = target.split('#').next().unwrap_or(target);
                assert!(
                    api.parent().unwrap().join(file).exists(),
                    "{}: the link {target} points at no documentation page",
                    path.display()
                );
            }
        }
    }
}

/// The notebook's own time budget, from its first cell's
/// `*Teaching: T min · Exercises: E min*` line.
fn time_budget(nb: &Value) -> Option<(u32, u32)> {
    let first = source(cells(nb, "markdown").next()?);
    let line = first.lines().find(|l| l.contains("Teaching:"))?;
    let minutes: Vec<u32> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    match minutes[..] {
        [teaching, exercises] => Some((teaching, exercises)),
        _ => None,
    }
}

/// The rows of a Markdown table whose first cell holding a backticked
/// name matches a notebook, as (stem, the row's cells).
fn table_rows(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<String> = l.split('|').map(|c| c.trim().to_string()).collect();
            let stem = cells.iter().find_map(|c| {
                let name = c.strip_prefix('`')?.split('`').next()?;
                let digits = name.split('-').next()?;
                (digits.len() >= 2 && digits.starts_with(|d: char| d.is_ascii_digit()))
                    .then(|| name.to_string())
            })?;
            Some((stem, cells))
        })
        .collect()
}

#[test]
fn readme_and_lesson_plan_list_the_course_notebooks_in_order_with_their_times() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stems: Vec<String> = course_notebooks()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let listed: Vec<String> = table_rows(&readme).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        listed, stems,
        "README.md's table of notebooks must list notebooks/course.txt, in its order"
    );
    let plan = std::fs::read_to_string(root.join("lesson-plan.md")).unwrap();
    let rows = table_rows(&plan);
    let planned: Vec<&String> = rows.iter().map(|(s, _)| s).collect();
    assert_eq!(
        planned,
        stems.iter().collect::<Vec<_>>(),
        "lesson-plan.md's table must list notebooks/course.txt, in its order"
    );
    for ((stem, row), path) in rows.iter().zip(course_notebooks()) {
        let budget = time_budget(&load(&path)).unwrap_or_else(|| {
            panic!("{stem}: no `*Teaching: T min · Exercises: E min*` line")
        });
        let numbers: Vec<u32> = row.iter().filter_map(|c| c.parse().ok()).collect();
        assert!(
            numbers.ends_with(&[budget.0, budget.1]),
            "lesson-plan.md gives {stem} {numbers:?} minutes, but the notebook says {} teaching and \
             {} exercises; the notebook's first cell owns the times",
            budget.0,
            budget.1
        );
    }
}

/// The longest the core may be, in minutes of teaching and exercises: the
/// Python lesson's whole schedule (its seed's `07:45 Finish`, 465 min) with
/// a little room for episode 0's set-up check.
const CORE_MINUTES: u32 = 480;

/// What marks an episode as extra, in its first cell.
const EXTRA: &str = "**Extra**";

fn is_extra(nb: &Value) -> bool {
    cells(nb, "markdown")
        .next()
        .is_some_and(|first| source(first).contains(EXTRA))
}

/// The episode number of a notebook, as the lesson plan writes it: `0a`
/// for `00a-rust-for-this-course`, `4b` for `04b-…`, `12` for `12-…`.
fn episode_number(stem: &str) -> String {
    let head = stem.split('-').next().unwrap_or(stem);
    let digits: String = head.chars().take_while(char::is_ascii_digit).collect();
    let letter: String = head.chars().skip_while(char::is_ascii_digit).collect();
    format!("{}{letter}", digits.parse::<u32>().unwrap_or(0))
}

/// Everything that is wrong with the course's shape under `root`: a core
/// longer than [`CORE_MINUTES`], an episode that is extra in one place
/// (its first cell, README's table, the lesson plan's table, its heading in
/// the lesson plan) and not in another, and a schedule whose minutes are
/// not the notebooks' own.
fn shape_problems(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let plan = std::fs::read_to_string(root.join("lesson-plan.md")).unwrap_or_default();
    let readme_rows = table_rows(&readme);
    let plan_rows = table_rows(&plan);
    let mut core = Vec::new();
    let mut minutes = std::collections::HashMap::new();
    for path in course_notebooks_in(root) {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let nb = load(&path);
        let Some((teaching, exercises)) = time_budget(&nb) else {
            problems.push(format!(
                "{stem}: no `*Teaching: T min · Exercises: E min*` line"
            ));
            continue;
        };
        let extra = is_extra(&nb);
        let number = episode_number(&stem);
        minutes.insert(number.clone(), teaching + exercises);
        if !extra {
            core.push(format!("{stem} {}", teaching + exercises));
        }
        let says = |row: Option<&(String, Vec<String>)>| {
            row.map(|(_, cells)| cells.join(" ").to_lowercase().contains("extra"))
        };
        let heading = plan
            .lines()
            .find(|l| {
                l.starts_with(&format!("## Episode {number} "))
                    || l.starts_with(&format!("## Episode {number}:"))
            })
            .map(|l| l.to_lowercase().contains("(extra)"));
        for (place, marked) in [
            (
                "README.md's table",
                says(readme_rows.iter().find(|(s, _)| *s == stem)),
            ),
            (
                "lesson-plan.md's table",
                says(plan_rows.iter().find(|(s, _)| *s == stem)),
            ),
            ("lesson-plan.md's heading `## Episode …`", heading),
        ] {
            match marked {
                Some(marked) if marked != extra => problems.push(format!(
                    "{stem}: {place} {} it extra, but its first cell {} {EXTRA}; the first cell owns \
                     the fact, and every list of the course must say the same",
                    if marked { "calls" } else { "does not call" },
                    if extra { "says" } else { "does not say" }
                )),
                None if place.contains("heading") && number != "0" => problems.push(
                    format!("{stem}: lesson-plan.md has no heading `## Episode {number}: …`"),
                ),
                _ => {}
            }
        }
    }
    let total: u32 = core
        .iter()
        .filter_map(|c| c.rsplit(' ').next()?.parse::<u32>().ok())
        .sum();
    if total > CORE_MINUTES {
        problems.push(format!(
            "the core (every notebook not marked {EXTRA} in its first cell) is {total} min of teaching \
             and exercises, more than the {CORE_MINUTES} min of the Python lesson: {}; mark an episode \
             {EXTRA}, make a section optional, or cut",
            core.join(", ")
        ));
    }
    // The schedule: `N name (M)` must give episode N's own minutes.
    for line in plan.lines().filter(|l| l.starts_with("| Day ")) {
        let episodes = line.split('|').nth(2).unwrap_or_default();
        for item in episodes.split(", ") {
            let item = item.trim();
            let number: String = item
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let Some(stated) = item
                .rsplit_once('(')
                .and_then(|(_, m)| m.trim_end_matches(')').parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(own) = minutes.get(&number)
                && *own != stated
            {
                problems.push(format!(
                    "lesson-plan.md's schedule gives episode {number} {stated} min, but its \
                     notebook says {own} (teaching + exercises)"
                ));
            }
        }
    }
    problems
}

#[test]
fn the_core_fits_the_python_lessons_length_and_every_extra_is_marked_everywhere() {
    let problems = shape_problems(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A course of two notebooks in a folder of its own, with README's and
/// the lesson plan's tables, for the shape check to refuse.
struct Sketch(PathBuf);

impl Sketch {
    fn new(
        name: &str,
        notebooks: &[(&str, u32, u32, bool)],
        plan_marks_extra: bool,
    ) -> Sketch {
        let root = std::env::temp_dir()
            .join(format!("course-shape-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("notebooks")).unwrap();
        let (mut list, mut readme, mut plan, mut headings) = (
            String::new(),
            String::from("| notebook | episode |\n|---|---|\n"),
            String::from("| # | notebook | t | e |\n|---|---|---|---|\n"),
            String::new(),
        );
        for (stem, teaching, exercises, extra) in notebooks {
            let marker = if *extra {
                format!("{EXTRA}: for some rooms.\n\n")
            } else {
                String::new()
            };
            let first = format!(
                "# A title\n\n*Teaching: {teaching} min · Exercises: {exercises} min*\n\n{marker}"
            );
            let nb = serde_json::json!({"cells": [{"cell_type": "markdown", "metadata": {}, "source": first}]});
            std::fs::write(root.join(format!("notebooks/{stem}.ipynb")), nb.to_string())
                .unwrap();
            list.push_str(&format!("{stem}.ipynb\n"));
            let said = if *extra || plan_marks_extra {
                " (extra)"
            } else {
                ""
            };
            readme.push_str(&format!("| `{stem}` |{said} words |\n"));
            plan.push_str(&format!(
                "| {} | `{stem}`{said} | {teaching} | {exercises} |\n",
                episode_number(stem)
            ));
            headings.push_str(&format!(
                "\n## Episode {}{said}: A title ({teaching} + {exercises})\n",
                episode_number(stem)
            ));
        }
        std::fs::write(root.join("notebooks/course.txt"), list).unwrap();
        std::fs::write(root.join("README.md"), readme).unwrap();
        std::fs::write(root.join("lesson-plan.md"), plan + &headings).unwrap();
        Sketch(root)
    }
}

impl Drop for Sketch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_core_longer_than_480_minutes_is_refused() {
    let fits = Sketch::new(
        "fits",
        &[("01-a", 200, 80, false), ("02-b", 150, 50, false)],
        false,
    );
    assert_eq!(shape_problems(&fits.0), Vec::<String>::new());
    let long = Sketch::new(
        "long",
        &[("01-a", 200, 80, false), ("02-b", 150, 51, false)],
        false,
    );
    let problems = shape_problems(&long.0);
    assert!(
        problems.len() == 1 && problems[0].contains("481 min"),
        "{problems:?}"
    );
    let with_extra = Sketch::new(
        "extra",
        &[("01-a", 200, 80, false), ("02-b", 150, 51, true)],
        false,
    );
    assert_eq!(shape_problems(&with_extra.0), Vec::<String>::new());
}

#[test]
fn an_extra_not_marked_in_its_first_cell_is_refused() {
    // README and the lesson plan call both extra; the notebooks do not.
    let unmarked = Sketch::new(
        "unmarked",
        &[("01-a", 20, 10, false), ("12-b", 30, 10, false)],
        true,
    );
    let problems = shape_problems(&unmarked.0);
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(
        problems
            .iter()
            .all(|p| p.contains("does not say **Extra**")),
        "{problems:#?}"
    );
}

/// The Markdown the published site renders, as (where, text) pairs: each
/// markdown cell of the course notebooks, the lesson plan, and the README
/// (whose set-up sections make the set-up page).
fn published_markdown() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for path in course_notebooks() {
        let nb = load(&path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, cell) in cells(&nb, "markdown").enumerate() {
            found.push((format!("{name}, markdown cell {}", i + 1), source(cell)));
        }
    }
    for name in ["lesson-plan.md", "README.md"] {
        let text = std::fs::read_to_string(root.join(name))
            .unwrap_or_else(|e| panic!("reading {name}: {e}"));
        found.push((name.to_string(), text));
    }
    found
}

/// The fenced code blocks of a Markdown text: (the info string, the
/// lines inside).
fn fenced_blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                open = Some((line.trim_start()[3..].trim().to_string(), Vec::new()))
            }
            (Some(_), true) => blocks.extend(open.take()),
            (Some((_, lines)), false) => lines.push(line.to_string()),
            (None, false) => {}
        }
    }
    blocks
}

/// The Markdown's lines outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut inside = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                inside = !inside;
                return false;
            }
            !inside
        })
        .collect()
}

#[test]
fn every_mermaid_diagram_has_a_title_and_a_description_for_screen_readers() {
    let mut diagrams = 0;
    for (place, text) in published_markdown() {
        for (info, lines) in fenced_blocks(&text) {
            if info != "mermaid" {
                continue;
            }
            diagrams += 1;
            for key in ["accTitle:", "accDescr:"] {
                let given = lines.iter().find_map(|l| l.trim().strip_prefix(key));
                assert!(
                    given.is_some_and(|v| v.split_whitespace().count() >= 3),
                    "{place}: a Mermaid diagram has no `{key}` line of a few words. Each diagram \
                     needs `accTitle: what it is` and `accDescr: what it shows, in words` (one \
                     line each, inside the diagram): they are its text alternative for readers \
                     who cannot see it"
                );
            }
        }
    }
    assert!(diagrams > 0, "expected the pea-soup diagram of episode 1");
}

#[test]
fn headings_go_down_one_level_at_a_time_from_one_title() {
    for (place, text) in published_markdown() {
        let levels: Vec<(usize, &str)> = prose_lines(&text)
            .into_iter()
            .filter_map(|line| {
                let hashes = line.chars().take_while(|&c| c == '#').count();
                (hashes > 0 && line[hashes..].starts_with(' ')).then_some((hashes, line))
            })
            .collect();
        for pair in levels.windows(2) {
            let ((above, _), (level, line)) = (pair[0], pair[1]);
            assert!(
                level <= above + 1,
                "{place}: `{line}` is a level-{level} heading after a level-{above} one; a \
                 heading may go down one level at a time (screen readers list the headings as \
                 an outline)"
            );
        }
    }
    for path in course_notebooks() {
        let nb = load(&path);
        let titles: usize = cells(&nb, "markdown")
            .map(|c| {
                prose_lines(&source(c))
                    .iter()
                    .filter(|l| l.starts_with("# "))
                    .count()
            })
            .sum();
        assert_eq!(
            titles,
            1,
            "{}: a notebook has one `# ` title (its page's only level-1 heading)",
            path.display()
        );
    }
}

#[test]
fn every_image_in_the_markdown_has_a_text_alternative() {
    for (place, text) in published_markdown() {
        for line in prose_lines(&text) {
            for (i, _) in line.match_indices("![") {
                let alt = line[i + 2..].split(']').next().unwrap_or_default();
                assert!(
                    !alt.trim().is_empty(),
                    "{place}: the image in `{line}` has no text alternative: write what it shows \
                     between the brackets, `![what it shows](file)`"
                );
            }
            if let Some(i) = line.find("<img") {
                let tag = line[i..].split('>').next().unwrap_or_default();
                assert!(
                    tag.contains("alt=\"") && !tag.contains("alt=\"\""),
                    "{place}: `{tag}>` has no alt text saying what the image shows"
                );
            }
        }
    }
}

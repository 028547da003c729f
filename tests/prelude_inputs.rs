//! Bad inputs to every helper of the prelude, generated from the crate's
//! own source.
//!
//! Every public function and method that `parallel_course::prelude` makes
//! reachable is read from `src/` with `syn` (the prelude's `pub use` lines,
//! followed to each item's definition; for a type, the public methods of
//! its inherent `impl` blocks). Each one that takes a size, a count, a
//! duration, a seed or a float (an integer, `f64`, `Duration` or
//! `Complex64`, alone or in a slice, array, range or list) is called:
//!
//! * once with ordinary arguments (its *defaults*, below),
//! * once per such parameter and value: 0, 1, huge (2⁴⁰ and the type's
//!   maximum; infinity for floats) and, where the type allows, negative
//!   and NaN, the other arguments at their defaults,
//! * and, with two or more such parameters, once with all of them huge
//!   (`sum_chunked(1 << 40, 1 << 40)`) and once with all at their
//!   maximum.
//!
//! A macro of the prelude counts as parameterised (its input is any
//! tokens), so it must be excluded by name with the reason; a few calls
//! the rule cannot make (struct literals that skip a constructor's checks,
//! say) are listed in [`EXTRAS`].
//!
//! `tests/kernel_behaviour.py` (its check `prelude-inputs`) runs these
//! calls in a real course kernel, batched into a few cells, and checks
//! that none aborts the cell's process, runs past 10 s (a call still
//! running after a second is interrupted, as the learner's ■ would, and
//! must stop within the kernel's 3 s grace), or loses a variable made
//! before, and that every refusal says what was wrong (it names the
//! parameter) and what is allowed.
//!
//! Here `cargo test` checks that the generated list is complete: an item
//! with such a parameter that the generator cannot call (a new argument
//! type, say) and that [`EXCLUDED`] does not name fails the test, as does
//! an entry of [`EXCLUDED`] or [`TEMPLATES`] that names no such item.
//!
//! `PRELUDE_INPUTS_PLAN=FILE cargo test --test prelude_inputs` also writes
//! the calls, the harness cell that runs them and the number of calls per
//! cell to FILE as JSON: what the kernel check reads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quote::ToTokens;

// ------------------------------------------------------------ the tables

/// Items deliberately not called, each with the reason.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "timeit",
        "a macro: its numbers (-n, -r) become Timer::loops and Timer::repeats, which are \
         covered; a literal 0 does not even compile (kernel_behaviour.py checks that)",
    ),
    (
        "time",
        "a macro without numeric flags: it runs its code once, like time_once",
    ),
    (
        "step_row",
        "its rows are borrowed from a Flood (Flood::row, north and south, which are called); \
         rows of another length than `out` panic, as its documentation says",
    ),
];

/// How to call an item the generic rule cannot: the code, with `{param}`
/// for each parameter.
const TEMPLATES: &[(&str, &str)] = &[
    // The element type is the caller's to choose: u64, as the course does.
    (
        "vec_with_huge_pages",
        "vec_with_huge_pages::<u64>({capacity}).capacity()",
    ),
    // The exchange is the learner's closure; the crate's own is the one
    // the episode starts from.
    (
        "flood_ranks",
        "flood_ranks({start}, {steps}, {ranks}, exchange_halos).map(|r| r.halo_share())",
    ),
];

/// An ordinary value for a parameter, by its name (first) or its type:
/// cheap and valid, so that a call fails only for the value under test.
const DEFAULTS_BY_NAME: &[(&str, &str, &str)] = &[
    // (name, type, value)
    ("n", "u64", "1000"),
    ("n", "usize", "64"),
    ("seed", "u64", "42"),
    ("index", "u64", "1"),
    ("max_iter", "u32", "64"),
    ("width", "usize", "16"),
    ("height", "usize", "16"),
    ("col", "usize", "1"),
    ("row", "usize", "1"),
    ("rank", "usize", "0"),
    // A halo row for the receiver's block of 16 cells a side.
    ("row", "&[f64]", "&[0.0; 16]"),
    // A buffer as large as the receiver's grid of 16 × 16.
    ("next", "&mut[f64]", "&mut vec![0.0; 256]"),
    ("size", "usize", "4"),
    ("tile", "usize", "4"),
    ("max_side", "usize", "8"),
    ("part", "usize", "0"),
    ("steps", "u64", "100"),
    ("x0", "f64", "0.1"),
    ("r", "f64", "2.0"),
    ("duration", "f64", "1.0"),
    ("loops", "u64", "10"),
    ("repeats", "usize", "1"),
    ("readings", "usize", "1"),
    ("minutes", "u64", "10"),
    ("capacity", "usize", "1000"),
    ("chunk_len", "usize", "100"),
    ("id", "u32", "1"),
    ("width", "u32", "300"),
    ("height", "u32", "200"),
    ("max", "f64", "10.0"),
    ("center", "Complex64", "Complex64::new(-0.5, 0.0)"),
    ("extent", "Complex64", "Complex64::new(3.0, 3.0)"),
];

/// An ordinary value by type, for parameters whose name is not above.
const DEFAULTS_BY_TYPE: &[(&str, &str)] = &[
    ("u8", "2"),
    ("u16", "2"),
    ("u32", "2"),
    ("u64", "2"),
    ("u128", "2"),
    ("usize", "2"),
    ("i8", "2"),
    ("i16", "2"),
    ("i32", "2"),
    ("i64", "2"),
    ("i128", "2"),
    ("isize", "2"),
    ("f32", "0.5"),
    ("f64", "0.5"),
    ("Duration", "Duration::from_millis(20)"),
    ("Complex64", "Complex64::new(-0.5, 0.5)"),
    ("Range<usize>", "0..4"),
    ("&[u64]", "&[1, 2, 3]"),
    ("&[u32]", "&[0]"),
    ("&[f64]", "&[0.25, 0.5]"),
    ("[Complex64;LANES]", "[Complex64::new(-0.5, 0.5); LANES]"),
    ("[f64;LANES]", "[0.5; LANES]"),
    ("impl IntoIterator<Item=usize>", "vec![1, 2]"),
    (
        "impl IntoIterator<Item=(f64,f64)>",
        "vec![(1.0, 1.0), (2.0, 4.0)]",
    ),
    (
        "impl IntoIterator<Item=(L,f64)>",
        "vec![(\"a\", 1.0), (\"b\", 2.0)]",
    ),
    // Arguments that are not numbers.
    ("&str", "\"soup\""),
    ("impl Into<String>", "\"j\""),
    ("impl Into<OsString>", "\"x\""),
    ("impl Into<PathBuf>", "\"/nonexistent/program\""),
    ("impl AsRef<Path>", "\"/nonexistent/folder\""),
    ("&BoundingBox", "&BoundingBox::overview(16, 16)"),
    ("&Tile", "&Tile { rows: 0..1, cols: 0..1 }"),
    ("&[TaskId]", "&[]"),
    ("&WordCounts", "&count_words(\"a b a\")"),
    ("&Flood", "&Flood::dam_break(16, 1).unwrap()"),
    ("&mut[f64]", "&mut vec![0.0; 4]"),
    ("&mut R", "&mut chunk_rng(1, 0)"),
    ("I", "Vec::<String>::new()"),
    ("F", "|| 1"),
];

/// For a method: an ordinary value of its type to call it on, and, for a
/// builder method (one that returns the builder), what to call after it
/// so that the value is used (`run`, `draw`).
const RECEIVERS: &[(&str, &str, &str)] = &[
    ("Timer", "Timer::new().repeats(1)", ".run(|| 1)"),
    (
        "CpuMonitor",
        "CpuMonitor::new().min_readings(1)",
        ".run(|| 1)",
    ),
    ("MemorySampler", "MemorySampler::new()", ".run(|| 1)"),
    (
        "ScalingStudy",
        "ScalingStudy::new().threads([1]).repeats(1)",
        ".run(|| 1)",
    ),
    (
        "BarChart",
        "BarChart::new(\"t\", \"v\").bars([(\"a\", 1.0)])",
        ".draw()",
    ),
    (
        "LineChart",
        "LineChart::new(\"t\", \"x\", \"y\").line(\"a\", [(1.0, 1.0), (2.0, 2.0)])",
        ".draw()",
    ),
    ("TaskGraph", "pea_soup()", ""),
    // A launcher that starts nothing: the run is quick and needs no MPI.
    (
        "Mpirun",
        "Mpirun::new(\"/bin/true\").launcher(\"/bin/true\")",
        ".run()",
    ),
    ("SlurmJob", "SlurmJob::new(\"j\", \"./p\")", ".script()"),
    // The harness writes a one-rule Snakefile there.
    (
        "Snakemake",
        "snakemake(std::env::temp_dir().join(\"course-prelude-inputs\"))",
        ".run()",
    ),
    ("BoundingBox", "BoundingBox::overview(16, 16)", ""),
    ("Flood", "Flood::dam_break(16, 1).unwrap()", ""),
    ("Block", "Block::dam_break(16, 1, 0, 2).unwrap()", ""),
    // One end of a link between two ranks; its other end is gone, so a
    // send reports the lost neighbour.
    (
        "Link",
        "parallel_course::workloads::flood::links(2).remove(0).1.unwrap()",
        "",
    ),
    (
        "Bandwidth",
        "Bandwidth { copy: 1.0e10, triad: 1.0e10, threads: 1 }",
        "",
    ),
    (
        "FractalImage",
        "FractalImage::new(&BoundingBox::overview(16, 16), 64).unwrap()",
        "",
    ),
];

/// Calls the generic rule cannot make, each with words its refusal must
/// contain (none: it may also run): struct literals that skip a
/// constructor's checks, the largest sizes, and inputs that are not
/// numbers.
const EXTRAS: &[(&str, &str, &str)] = &[
    (
        "a BoundingBox literal of 2^40 pixels a side, drawn",
        "mandelbrot_serial(&BoundingBox { width: 1 << 40, height: 1 << 40, \
         ..BoundingBox::overview(16, 16) }, 64)",
        "`width`",
    ),
    (
        "a BoundingBox literal of 2^40 pixels a side, as an image",
        "FractalImage::new(&BoundingBox { width: 1 << 40, ..BoundingBox::overview(16, 16) }, 64)",
        "`width`",
    ),
    (
        "a BoundingBox literal of 2^40 pixels a side, cut into tiles",
        "BoundingBox { height: 1 << 40, ..BoundingBox::overview(16, 16) }.tiles(1)",
        "`height`",
    ),
    (
        "the largest image cut into one-pixel tiles",
        "BoundingBox::overview(16384, 16384).tiles(1).map(|t| t.len())",
        "",
    ),
    (
        "the largest image in one-pixel tiles",
        "mandelbrot_tiles_par(&BoundingBox::overview(16384, 16384), 64, 1)",
        "",
    ),
    (
        "a BoundingBox literal with a NaN extent",
        "mandelbrot_lanes(&BoundingBox { extent: Complex64::new(f64::NAN, 1.0), \
         ..BoundingBox::overview(16, 16) }, 64)",
        "`extent`",
    ),
    (
        "a BoundingBox literal with usize::MAX columns, its pixels",
        "BoundingBox { width: usize::MAX, ..BoundingBox::overview(16, 16) }.pixels()",
        "",
    ),
    (
        "a Slurm module with a line break",
        "SlurmJob::new(\"j\", \"./p\").module(\"OpenMPI\\nrm -rf ~\").script()",
        "`module`",
    ),
    (
        "a chart of no words",
        "top_words_chart(&WordCounts::new(), 10, \"nothing\")",
        "",
    ),
];

// ------------------------------------------------------------ the tests

#[test]
fn every_parameterised_prelude_item_is_called_or_excluded_by_name() {
    let plan = plan();
    assert!(
        plan.unknown.is_empty(),
        "these prelude items take a size, count, duration, seed or float, but the \
         generator cannot call them; add their argument types to DEFAULTS_BY_TYPE or \
         RECEIVERS, a template to TEMPLATES, or exclude them by name in EXCLUDED with \
         the reason:\n{}",
        plan.unknown.join("\n")
    );
    let names: BTreeSet<&str> = plan.parameterised.iter().map(String::as_str).collect();
    for (name, _) in EXCLUDED.iter().chain(TEMPLATES) {
        assert!(
            names.contains(name),
            "`{name}` is listed in EXCLUDED or TEMPLATES but is no parameterised item of the \
             prelude: remove it"
        );
    }
    if let Some(file) = std::env::var_os("PRELUDE_INPUTS_PLAN") {
        std::fs::write(&file, plan.to_json()).expect("writing the plan");
    }
}

#[test]
fn the_item_list_finds_functions_builder_methods_and_re_exports() {
    let items = prelude_items();
    let find = |name: &str| items.iter().find(|i| i.name == name);
    let pi = find("pi_par").expect("pi_par, re-exported from workloads::pi");
    assert_eq!(pi.file, "src/workloads/pi.rs");
    assert_eq!(pi.params[0].name, "n");
    let repeats = find("Timer::repeats").expect("a builder method");
    assert_eq!(repeats.receiver.as_deref(), Some("mut self"));
    assert!(
        find("mandelbrot").is_some(),
        "re-exported twice (fractal, kernel)"
    );
    assert!(find("BoundingBox::new").is_some(), "a constructor");
    assert!(
        find("Timer::run")
            .unwrap()
            .generics
            .iter()
            .any(|(t, _)| t == "F"),
        "generic parameters are read"
    );
    let plan = plan();
    assert!(
        plan.parameterised.len() >= 90,
        "only {} parameterised items found",
        plan.parameterised.len()
    );
    let calls: Vec<&Call> = plan.calls.iter().collect();
    let sum = |label: &str| {
        calls
            .iter()
            .find(|c| c.item == "sum_chunked" && c.label == label)
            .map(|c| c.code.clone())
    };
    assert_eq!(
        sum("every number huge").as_deref(),
        Some("sum_chunked(1 << 40, 1 << 40)")
    );
    assert_eq!(sum("n = 0").as_deref(), Some("sum_chunked(0, 100)"));
    let timer = calls
        .iter()
        .find(|c| c.item == "Timer::repeats" && c.label == "repeats = 0")
        .unwrap();
    assert_eq!(timer.code, "Timer::new().repeats(1).repeats(0).run(|| 1)");
}

// ------------------------------------------------------------ the plan

/// One call the kernel check makes.
#[derive(Debug, Clone)]
struct Call {
    /// The item called (`sum_chunked`), or the extra's description.
    item: String,
    /// What is varied (`n = 0`, `defaults`, `every number huge`).
    label: String,
    /// The backticked names a refusal may name: the parameters varied and
    /// the method.
    names: Vec<String>,
    /// The Rust expression.
    code: String,
    /// For an extra, a word its refusal must contain.
    expect: Option<String>,
}

/// The calls and what the generator made of the prelude.
struct Plan {
    calls: Vec<Call>,
    /// Every item with a numeric parameter, called or excluded.
    parameterised: Vec<String>,
    /// Items with a numeric parameter that could not be called.
    unknown: Vec<String>,
    /// Items without numeric parameters.
    others: usize,
}

/// Calls per cell: large enough for few cells, small enough that one
/// cell compiles in seconds.
const PER_CELL: usize = 90;

/// How a numeric parameter appears in its type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Scalar,
    Slice,
    Array,
    Range,
    List,
    Pairs,
    Labelled,
}

/// A numeric type with its shape, from a parameter's type as written.
fn numeric(ty: &str) -> Option<(String, Shape)> {
    let scalar = |t: &str| {
        let t = t.trim_start_matches("std::time::");
        (matches!(
            t,
            "u8" | "u16"
                | "u32"
                | "u64"
                | "u128"
                | "usize"
                | "i8"
                | "i16"
                | "i32"
                | "i64"
                | "i128"
                | "isize"
                | "f32"
                | "f64"
                | "Duration"
                | "Complex64"
        ))
        .then(|| t.to_string())
    };
    if let Some(t) = scalar(ty) {
        return Some((t, Shape::Scalar));
    }
    let inner = |prefix: &str, suffix: &str| {
        ty.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .and_then(scalar)
    };
    if let Some(t) = inner("&[", "]") {
        return Some((t, Shape::Slice));
    }
    if let Some(t) = ty
        .strip_prefix('[')
        .and_then(|r| r.split_once(';'))
        .and_then(|(t, _)| scalar(t))
    {
        return Some((t, Shape::Array));
    }
    if let Some(t) = inner("Range<", ">").or_else(|| inner("std::ops::Range<", ">")) {
        return Some((t, Shape::Range));
    }
    if let Some(t) = inner("impl IntoIterator<Item=", ">") {
        return Some((t, Shape::List));
    }
    if let Some(t) = ty
        .strip_prefix("impl IntoIterator<Item=(")
        .and_then(|r| r.strip_suffix(")>"))
    {
        let (a, b) = t.split_once(',')?;
        if scalar(a).is_some() && scalar(b).as_deref() == scalar(a).as_deref() {
            return Some((scalar(a)?, Shape::Pairs));
        }
        if let Some(b) = scalar(b) {
            return Some((b, Shape::Labelled));
        }
    }
    None
}

/// Whether a type as written mentions a numeric type anywhere (so that a
/// shape [`numeric`] does not know is reported, not skipped).
fn mentions_numbers(ty: &str) -> bool {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| numeric(w).is_some())
}

/// The values a parameter of numeric type `ty` is called with: (label,
/// code of one element).
fn values(ty: &str) -> Vec<(&'static str, String)> {
    let int = |huge40: bool| {
        let mut v = vec![("0", "0".to_string()), ("1", "1".to_string())];
        if huge40 {
            v.push(("2^40", "1 << 40".to_string()));
        }
        v.push(("MAX", format!("{ty}::MAX")));
        v
    };
    match ty {
        "u8" | "u16" | "u32" => int(false),
        "u64" | "u128" | "usize" => int(true),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            let mut v = int(ty != "i8" && ty != "i16" && ty != "i32");
            v.push(("-1", "-1".to_string()));
            v.push(("MIN", format!("{ty}::MIN")));
            v
        }
        "f32" | "f64" => vec![
            ("0", "0.0".into()),
            ("1", "1.0".into()),
            ("infinity", format!("{ty}::INFINITY")),
            ("-1", "-1.0".into()),
            ("NaN", format!("{ty}::NAN")),
        ],
        "Duration" => vec![
            ("0", "Duration::ZERO".into()),
            ("1 ns", "Duration::from_nanos(1)".into()),
            ("MAX", "Duration::MAX".into()),
        ],
        "Complex64" => vec![
            ("0", "Complex64::new(0.0, 0.0)".into()),
            ("1", "Complex64::new(1.0, 1.0)".into()),
            (
                "infinity",
                "Complex64::new(f64::INFINITY, f64::INFINITY)".into(),
            ),
            ("-1", "Complex64::new(-1.0, -1.0)".into()),
            ("NaN", "Complex64::new(f64::NAN, f64::NAN)".into()),
        ],
        other => panic!("no values for {other}"),
    }
}

/// A parameter's value of `ty` (as written) made from one element.
fn shaped(shape: Shape, array_len: &str, element: &str) -> String {
    match shape {
        Shape::Scalar => element.to_string(),
        Shape::Slice => format!("&[{element}]"),
        Shape::Array => format!("[{element}; {array_len}]"),
        Shape::Range => format!("0..{element}"),
        Shape::List => format!("vec![{element}]"),
        Shape::Pairs => format!("vec![(1.0, 1.0), ({element}, {element})]"),
        Shape::Labelled => format!("vec![(\"a\", {element})]"),
    }
}

/// The extra values a shape has besides its elements': an empty list, a
/// range that runs backwards.
fn shape_values(shape: Shape, ty: &str) -> Vec<(String, String)> {
    let empty = |list: String| vec![("empty".to_string(), list)];
    match shape {
        Shape::Slice => empty(format!("&[] as &[{ty}]")),
        Shape::List => empty(format!("Vec::<{ty}>::new()")),
        Shape::Pairs => empty(format!("Vec::<({ty}, {ty})>::new()")),
        Shape::Labelled => empty(format!("Vec::<(&str, {ty})>::new()")),
        Shape::Range => vec![("backwards".into(), "5..2".into())],
        Shape::Scalar | Shape::Array => Vec::new(),
    }
}

/// The "huge" element of a numeric type: 2⁴⁰ where it fits, else the
/// maximum (infinity for floats).
fn huge(ty: &str, largest: bool) -> String {
    let all = values(ty);
    let pick = if largest {
        all.iter().find(|(l, _)| matches!(*l, "MAX" | "infinity"))
    } else {
        all.iter()
            .find(|(l, _)| *l == "2^40")
            .or_else(|| all.iter().find(|(l, _)| matches!(*l, "MAX" | "infinity")))
    };
    pick.map(|(_, v)| v.clone()).unwrap()
}

fn default_for(param: &Param, generics: &[(String, String)]) -> Option<String> {
    if let Some((_, _, v)) = DEFAULTS_BY_NAME
        .iter()
        .find(|(n, t, _)| *n == param.name && *t == param.ty)
    {
        return Some(v.to_string());
    }
    if let Some((_, v)) = DEFAULTS_BY_TYPE.iter().find(|(t, _)| *t == param.ty) {
        // A closure must fit its bound: only `Fn…() -> T` ones are known.
        if param.ty == "F" {
            let bounds: Vec<&String> = generics
                .iter()
                .filter(|(t, _)| t == "F")
                .map(|(_, b)| b)
                .collect();
            let simple = bounds.iter().any(|b| {
                ["FnMut()->T", "Fn()->T", "FnOnce()->T"]
                    .iter()
                    .any(|f| b.starts_with(f))
            });
            return simple.then(|| v.to_string());
        }
        return Some(v.to_string());
    }
    None
}

/// The calls for one item, or why it cannot be called.
fn calls_for(item: &Item) -> Result<Vec<Call>, String> {
    let numeric_params: Vec<(usize, String, Shape)> = item
        .params
        .iter()
        .enumerate()
        .filter_map(|(i, p)| numeric(&p.ty).map(|(t, s)| (i, t, s)))
        .collect();
    // A composite type with numbers inside (a slice of floats, say) is
    // called with its ordinary value when DEFAULTS_BY_TYPE names one.
    if let Some(p) = item.params.iter().find(|p| {
        numeric(&p.ty).is_none()
            && mentions_numbers(&p.ty)
            && !DEFAULTS_BY_TYPE.iter().any(|(t, _)| *t == p.ty)
    }) {
        return Err(format!(
            "{} ({}): its parameter `{}: {}` has a shape the generator does not know",
            item.name, item.file, p.name, p.ty
        ));
    }
    let template = TEMPLATES
        .iter()
        .find(|(n, _)| *n == item.name)
        .map(|(_, t)| t.to_string());
    // A parameter that the item's template does not use needs no value.
    let unused = |p: &Param| {
        template
            .as_ref()
            .is_some_and(|t| !t.contains(&format!("{{{}}}", p.name)))
    };
    let defaults: Vec<String> = item
        .params
        .iter()
        .map(|p| {
            if unused(p) {
                return Ok(String::new());
            }
            default_for(p, &item.generics).ok_or_else(|| {
                format!(
                    "{} ({}): no ordinary value for `{}: {}`",
                    item.name, item.file, p.name, p.ty
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let method = item.name.rsplit("::").next().unwrap_or(&item.name);
    let call = |args: &[String]| -> Result<String, String> {
        if let Some(t) = &template {
            let mut code = t.clone();
            for (p, a) in item.params.iter().zip(args) {
                code = code.replace(&format!("{{{}}}", p.name), a);
            }
            return Ok(code);
        }
        let args = args.join(", ");
        match (&item.owner, &item.receiver) {
            (None, _) => Ok(format!("{}({args})", item.name)),
            (Some(owner), None) => Ok(format!("{owner}::{method}({args})")),
            (Some(owner), Some(receiver)) => {
                let (_, value, finish) = RECEIVERS
                    .iter()
                    .find(|(t, _, _)| t == owner)
                    .ok_or_else(|| {
                        format!(
                            "{} ({}): no value of `{owner}` to call it on (RECEIVERS)",
                            item.name, item.file
                        )
                    })?;
                let builder = item.output == "Self" || item.output == *owner;
                let finish = if builder { *finish } else { "" };
                Ok(if receiver.contains("&mut") {
                    format!("{{ let mut v = {value}; v.{method}({args}){finish} }}")
                } else {
                    format!("{value}.{method}({args}){finish}")
                })
            }
        }
    };
    let mut calls = vec![Call {
        item: item.name.clone(),
        label: "defaults".into(),
        names: Vec::new(),
        code: call(&defaults)?,
        expect: None,
    }];
    let names = |params: &[usize]| {
        let mut n: Vec<String> = params
            .iter()
            .map(|&i| format!("`{}`", item.params[i].name))
            .collect();
        n.push(format!("`{method}`"));
        n
    };
    for (i, ty, shape) in &numeric_params {
        let param = &item.params[*i];
        let array_len = param
            .ty
            .split_once(';')
            .map(|(_, n)| n.trim_end_matches(']').to_string())
            .unwrap_or_default();
        let mut cases: Vec<(String, String)> = values(ty)
            .into_iter()
            .map(|(l, v)| (l.to_string(), shaped(*shape, &array_len, &v)))
            .collect();
        cases.extend(shape_values(*shape, ty));
        for (label, value) in cases {
            let mut args = defaults.clone();
            args[*i] = value;
            calls.push(Call {
                item: item.name.clone(),
                label: format!("{} = {label}", param.name),
                names: names(&[*i]),
                code: call(&args)?,
                expect: None,
            });
        }
    }
    if numeric_params.len() >= 2 {
        let all: Vec<usize> = numeric_params.iter().map(|(i, _, _)| *i).collect();
        for (label, largest) in [
            ("every number huge", false),
            ("every number at its maximum", true),
        ] {
            let mut args = defaults.clone();
            for (i, ty, shape) in &numeric_params {
                let array_len = item.params[*i]
                    .ty
                    .split_once(';')
                    .map(|(_, n)| n.trim_end_matches(']').to_string())
                    .unwrap_or_default();
                args[*i] = shaped(*shape, &array_len, &huge(ty, largest));
            }
            let code = call(&args)?;
            if calls.iter().all(|c| c.code != code) {
                calls.push(Call {
                    item: item.name.clone(),
                    label: label.into(),
                    names: names(&all),
                    code,
                    expect: None,
                });
            }
        }
    }
    Ok(calls)
}

fn plan() -> Plan {
    let mut plan = Plan {
        calls: Vec::new(),
        parameterised: Vec::new(),
        unknown: Vec::new(),
        others: 0,
    };
    let mut seen = BTreeSet::new();
    for item in prelude_items() {
        // An item re-exported twice (`mandelbrot`) is called once.
        if !seen.insert(item.name.clone()) {
            continue;
        }
        let has_numbers =
            item.is_macro || item.params.iter().any(|p| mentions_numbers(&p.ty));
        if !has_numbers {
            plan.others += 1;
            continue;
        }
        plan.parameterised.push(item.name.clone());
        if EXCLUDED.iter().any(|(n, _)| *n == item.name) {
            continue;
        }
        if item.is_macro {
            plan.unknown.push(format!(
                "the macro `{}!`: its input cannot be generated",
                item.name
            ));
            continue;
        }
        match calls_for(&item) {
            Ok(calls) => plan.calls.extend(calls),
            Err(why) => plan.unknown.push(why),
        }
    }
    for (what, code, expect) in EXTRAS {
        plan.calls.push(Call {
            item: what.to_string(),
            label: "extra".into(),
            names: Vec::new(),
            code: code.to_string(),
            expect: Some(expect.to_string()),
        });
    }
    plan
}

/// The code a cell runs before the batches: `__probe` runs one call,
/// prints a line when it starts and one with its outcome, and interrupts
/// the call (as the kernel does, with `SIGINT`) if it is still running
/// after [`INTERRUPT_AFTER_MS`].
const HARNESS: &str = r#"
std::fs::create_dir_all(std::env::temp_dir().join("course-prelude-inputs")).unwrap();
std::fs::write(
    std::env::temp_dir().join("course-prelude-inputs/Snakefile"),
    "rule all:\n    shell: \"true\"\n",
)
.unwrap();

/// Sends `signal` to this process with kill(1), as the kernel does.
fn __signal(signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status();
}

fn __show<T: std::fmt::Debug>(value: &T) -> String {
    struct Bounded(String);
    impl std::fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let mut room = 300usize.saturating_sub(self.0.len());
            if s.len() <= room {
                self.0.push_str(s);
                return Ok(());
            }
            while !s.is_char_boundary(room) {
                room -= 1;
            }
            self.0.push_str(&s[..room]);
            Err(std::fmt::Error)
        }
    }
    let mut out = Bounded(String::new());
    let _ = std::fmt::write(&mut out, format_args!("{value:?}"));
    out.0
}

fn __probe(id: usize, call: impl FnOnce() -> String) {
    use std::io::Write as _;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};
    println!("PRELUDE-INPUT-START\t{id}");
    let _ = std::io::stdout().flush();
    let (done, wait) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        match wait.recv_timeout(Duration::from_millis(INTERRUPT_AFTER_MS)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                __signal("-INT"); // what the kernel sends for the ■ button
                let asked = Instant::now();
                while !parallel_course::interrupt::interrupted()
                    && asked.elapsed() < Duration::from_secs(2)
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Some(asked)
            }
            _ => None,
        }
    });
    let start = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    let ended = Instant::now();
    drop(done);
    let asked = watchdog.join().unwrap_or(None);
    if asked.is_some() {
        // What the kernel sends once a cell has ended: the request is over.
        __signal("-USR2");
        while parallel_course::interrupt::interrupted() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let stop_ms = asked.map_or(-1.0, |a| ended.saturating_duration_since(a).as_secs_f64() * 1e3);
    let (outcome, message) = match result {
        Ok(text) if text.starts_with("Err(") => ("err", text),
        Ok(text) => ("ok", text),
        Err(payload) if payload.is::<parallel_course::interrupt::Interrupted>() => {
            ("interrupted", String::new())
        }
        Err(payload) => (
            "panic",
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(a panic without a message)".into()),
        ),
    };
    let message = message.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t");
    println!(
        "PRELUDE-INPUT-END\t{id}\t{outcome}\t{:.1}\t{stop_ms:.1}\t{message}",
        (ended - start).as_secs_f64() * 1e3
    );
    let _ = std::io::stdout().flush();
}
"#;

/// When `__probe` interrupts a call that is still running: a refusal
/// takes microseconds, so what runs this long is work, and only its stop
/// is of interest (at 1000 ms, 83 such calls cost the check 83 s of
/// waiting).
const INTERRUPT_AFTER_MS: u64 = 400;

impl Plan {
    fn to_json(&self) -> String {
        let calls: Vec<serde_json::Value> = self
            .calls
            .iter()
            .map(|c| {
                serde_json::json!({
                    "item": c.item,
                    "label": c.label,
                    "names": c.names,
                    "code": c.code,
                    "expect": c.expect,
                })
            })
            .collect();
        let excluded: BTreeMap<&str, &str> = EXCLUDED.iter().copied().collect();
        serde_json::json!({
            "harness": HARNESS.replace("INTERRUPT_AFTER_MS", &INTERRUPT_AFTER_MS.to_string()),
            "interrupt_after_ms": INTERRUPT_AFTER_MS,
            "per_cell": PER_CELL,
            "calls": calls,
            "parameterised": self.parameterised,
            "excluded": excluded,
            "others": self.others,
        })
        .to_string()
    }
}

// ------------------------------------------------------------ the item list

/// The crate's folder.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A function or method of the crate that the prelude makes reachable.
#[derive(Debug, Clone)]
struct Item {
    /// `pi_par`, or `Timer::repeats` for a method.
    name: String,
    /// The type of a method's `impl` block.
    owner: Option<String>,
    /// `self`, `&self`, `mut self` or `&mut self`, for a method that takes
    /// one.
    receiver: Option<String>,
    /// The parameters after the receiver.
    params: Vec<Param>,
    /// Each type parameter with its bounds (`F`, `FnMut()->T`).
    generics: Vec<(String, String)>,
    /// The return type (`()` when none).
    output: String,
    /// Where it is defined (`src/workloads/pi.rs`).
    file: String,
    /// A macro: its input is any tokens, so it counts as parameterised.
    is_macro: bool,
}

/// One parameter: its name and type, as written.
#[derive(Debug, Clone)]
struct Param {
    name: String,
    ty: String,
}

/// Tokens as text, with a space kept only between two words
/// (`impl FnMut() -> T` becomes `impl FnMut()->T`).
fn text(tokens: &impl ToTokens) -> String {
    let raw = tokens.to_token_stream().to_string();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '\'';
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = out.chars().last().is_some_and(word);
            let after = chars.get(i + 1).copied().is_some_and(word);
            if before && after {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse(file: &Path) -> syn::File {
    let source = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    syn::parse_file(&source).unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()))
}

/// The file of module `crate::a::b`: `src/a/b.rs` or `src/a/b/mod.rs`.
fn module_file(module: &[String]) -> PathBuf {
    if module.is_empty() {
        return root().join("src/lib.rs");
    }
    let base = root().join("src").join(module.join("/"));
    let flat = base.with_extension("rs");
    if flat.exists() {
        flat
    } else {
        base.join("mod.rs")
    }
}

fn relative(file: &Path) -> String {
    file.strip_prefix(root())
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && text(&a.meta)
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "test")
    })
}

fn public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Every path a `use` tree names, with the name it is visible under:
/// `a::{b, c as d}` gives `(a::b, b)` and `(a::c, d)`; a glob gives `*`.
fn use_paths(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((path, n.ident.to_string()));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push((path, r.rename.to_string()));
        }
        syn::UseTree::Glob(_) => {
            let mut path = prefix.clone();
            path.push("*".into());
            out.push((path, "*".into()));
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

/// The items of a file and of its inline modules, tests left out.
fn all_items(items: &[syn::Item]) -> Vec<&syn::Item> {
    let mut out = Vec::new();
    for item in items {
        if let syn::Item::Mod(m) = item {
            if is_test_only(&m.attrs) {
                continue;
            }
            if let Some((_, inner)) = &m.content {
                out.extend(all_items(inner));
            }
        }
        out.push(item);
    }
    out
}

/// Every `.rs` file under `src/`, parsed, in a stable order (once per
/// test thread: syn's trees cannot be shared between threads).
fn source_files() -> &'static [(PathBuf, syn::File)] {
    thread_local! {
        static FILES: &'static [(PathBuf, syn::File)] = Box::leak(read_sources().into_boxed_slice());
    }
    FILES.with(|files| *files)
}

fn read_sources() -> Vec<(PathBuf, syn::File)> {
    let mut files = Vec::new();
    let mut todo = vec![root().join("src")];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let parsed = parse(&f);
            (f, parsed)
        })
        .collect()
}

fn item_of_fn(
    name: String,
    owner: Option<String>,
    sig: &syn::Signature,
    outer: &syn::Generics,
    file: &Path,
) -> Item {
    let mut receiver = None;
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => receiver = Some(text(r)),
            syn::FnArg::Typed(t) => params.push(Param {
                name: text(&t.pat).trim_start_matches("mut ").to_string(),
                ty: text(&t.ty),
            }),
        }
    }
    let mut generics = Vec::new();
    for g in [outer, &sig.generics] {
        for p in &g.params {
            if let syn::GenericParam::Type(t) = p
                && !t.bounds.is_empty()
            {
                generics.push((t.ident.to_string(), text(&t.bounds)));
            } else if let syn::GenericParam::Type(t) = p {
                generics.push((t.ident.to_string(), String::new()));
            }
        }
        if let Some(w) = &g.where_clause {
            for pred in &w.predicates {
                if let syn::WherePredicate::Type(t) = pred {
                    generics.push((text(&t.bounded_ty), text(&t.bounds)));
                }
            }
        }
    }
    Item {
        name,
        owner,
        receiver,
        params,
        generics,
        output: match &sig.output {
            syn::ReturnType::Default => "()".into(),
            syn::ReturnType::Type(_, t) => text(t),
        },
        file: relative(file),
        is_macro: false,
    }
}

/// The public methods of every inherent `impl` block of type `name`, in
/// any file of the crate.
fn methods_of(name: &str) -> Vec<Item> {
    let mut found = Vec::new();
    for (file, parsed) in source_files() {
        for item in all_items(&parsed.items) {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            if block.trait_.is_some() || is_test_only(&block.attrs) {
                continue;
            }
            let syn::Type::Path(ty) = &*block.self_ty else {
                continue;
            };
            if ty
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .as_deref()
                != Some(name)
            {
                continue;
            }
            for member in &block.items {
                if let syn::ImplItem::Fn(f) = member
                    && public(&f.vis)
                {
                    found.push(item_of_fn(
                        format!("{name}::{}", f.sig.ident),
                        Some(name.to_string()),
                        &f.sig,
                        &block.generics,
                        file,
                    ));
                }
            }
        }
    }
    found
}

/// What a name of the prelude turned out to be.
enum Found {
    /// Functions and methods, to call.
    Items(Vec<Item>),
    /// A macro of the crate: it may take anything.
    Macro,
    /// A constant, trait or type alias of the crate.
    Other,
    /// Something another crate defines (`Complex64`, `Rng`).
    External,
}

/// Follows `crate::module::name` to its definition.
fn resolve(module: &[String], name: &str) -> Found {
    let file = module_file(module);
    if !file.exists() {
        return Found::External;
    }
    let parsed = &source_files()
        .iter()
        .find(|(f, _)| *f == file)
        .unwrap_or_else(|| panic!("{} is not under src/", file.display()))
        .1;
    // The module's own items (not those of inline modules such as the
    // prelude itself).
    for item in &parsed.items {
        match item {
            syn::Item::Fn(f) if f.sig.ident == name => {
                return Found::Items(vec![item_of_fn(
                    name.to_string(),
                    None,
                    &f.sig,
                    &syn::Generics::default(),
                    &file,
                )]);
            }
            syn::Item::Struct(s) if s.ident == name => {
                return Found::Items(methods_of(name));
            }
            syn::Item::Enum(e) if e.ident == name => {
                return Found::Items(methods_of(name));
            }
            syn::Item::Const(c) if c.ident == name => return Found::Other,
            syn::Item::Static(s) if s.ident == name => return Found::Other,
            syn::Item::Trait(t) if t.ident == name => return Found::Other,
            syn::Item::Type(t) if t.ident == name => return Found::Other,
            syn::Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == name) => {
                return Found::Macro;
            }
            _ => {}
        }
    }
    // A re-export: follow it.
    let children: Vec<String> = parsed
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in &parsed.items {
        let syn::Item::Use(u) = item else { continue };
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for (path, visible) in paths {
            if visible != name {
                continue;
            }
            let (target, leaf) = path.split_at(path.len() - 1);
            let mut absolute: Vec<String> = module.to_vec();
            let rest = match target.first().map(String::as_str) {
                Some("crate") => {
                    absolute.clear();
                    &target[1..]
                }
                Some("self") => &target[1..],
                Some("super") => {
                    absolute.pop();
                    &target[1..]
                }
                Some(first) if children.iter().any(|c| c == first) => target,
                // Another crate (`num_complex::Complex64`), or a crate
                // re-exported whole (`pub use rayon;`).
                _ => return Found::External,
            };
            absolute.extend(rest.iter().cloned());
            return resolve(&absolute, &leaf[0]);
        }
    }
    // An exported macro lives at the crate's root, whatever its file.
    if module.is_empty() {
        let is_macro = source_files().iter().any(|(_, parsed)| {
            all_items(&parsed.items).iter().any(|item| {
                matches!(item, syn::Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == name))
            })
        });
        if is_macro {
            return Found::Macro;
        }
    }
    panic!("`{name}` is not defined in {}", relative(&file))
}

/// Every function and method the prelude makes reachable, and the names
/// of its macros (as items without parameters, so that [`EXCLUDED`] can
/// name them).
fn prelude_items() -> Vec<Item> {
    let lib = &source_files()
        .iter()
        .find(|(f, _)| *f == module_file(&[]))
        .unwrap()
        .1;
    let prelude = lib
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "prelude" => m.content.as_ref(),
            _ => None,
        })
        .expect("src/lib.rs has `pub mod prelude { … }`");
    let mut items = Vec::new();
    for item in &prelude.1 {
        let syn::Item::Use(u) = item else { continue };
        if !public(&u.vis) {
            continue;
        }
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for (path, visible) in paths {
            if path[0] != "crate" {
                continue; // another crate's (`rayon::prelude::*`)
            }
            assert!(
                visible != "*",
                "the prelude re-exports `{}`: list the names instead",
                path.join("::")
            );
            let module: Vec<String> = path[1..path.len() - 1].to_vec();
            match resolve(&module, path.last().unwrap()) {
                Found::Items(found) => items.extend(found),
                Found::Macro => items.push(Item {
                    name: visible,
                    is_macro: true,
                    owner: None,
                    receiver: None,
                    params: Vec::new(),
                    generics: Vec::new(),
                    output: String::new(),
                    file: String::new(),
                }),
                Found::Other | Found::External => {}
            }
        }
    }
    items
}

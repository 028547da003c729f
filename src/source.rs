//! The crate's own source code, shown in the notebook: what a reference
//! version really does is one cell away.
//!
//! [`source`] finds an item of this crate by name (a function, type,
//! constant or macro, public or private) and returns its code with its doc
//! comment, the file and lines it comes from, and, for a public item, the
//! path of its documentation page under the notebooks' `api/` folder (built
//! by the set-up with `cargo doc`).
//!
//! ```
//! use parallel_course::source::source;
//!
//! let code = source("pi_par")?;
//! assert_eq!(code.file, "src/workloads/pi.rs");
//! assert!(code.code.contains("into_par_iter"));
//! assert_eq!(code.doc_path.as_deref(), Some("api/parallel_course/workloads/pi/fn.pi_par.html"));
//! # Ok::<(), parallel_course::Error>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An item's source: the answer of [`source`].
///
/// Its `Display` is a header line and the code; in the notebook it shows as
/// highlighted Rust with a link to the item's documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The name asked for, as found (`pi_par`, `TaskGraph::schedule`).
    pub name: String,
    /// The file, relative to the crate's folder (`src/workloads/pi.rs`).
    pub file: String,
    /// First line of the item (its doc comment included), counted from 1.
    pub first_line: usize,
    /// Last line of the item.
    pub last_line: usize,
    /// The code, doc comment and attributes included, indentation kept.
    pub code: String,
    /// The item's documentation page relative to `notebooks/`, for a public
    /// top-level item (`api/parallel_course/workloads/pi/fn.pi_par.html`).
    pub doc_path: Option<String>,
}

/// Finds the item called `name` in this crate's source and returns its
/// code.
///
/// `name` is an item's name (`pi_par`, `TimingTable`, `timeit`), or, when
/// several items share it, the name qualified by its module's file name or
/// by the type it is a method of (`pi::count_chunk`, `TaskGraph::schedule`).
/// Tests are not searched.
///
/// ```
/// use parallel_course::source::source;
///
/// // A private helper has no documentation page, but its code is there.
/// let helper = source("count_chunk")?;
/// assert!(helper.doc_path.is_none());
/// // A method, qualified by its type.
/// let schedule = source("TaskGraph::schedule")?;
/// assert!(schedule.code.contains("fn schedule"));
/// // An ambiguous or unknown name says what to do.
/// assert!(source("new").unwrap_err().to_string().contains("::new"));
/// assert!(source("no_such_thing").is_err());
/// # Ok::<(), parallel_course::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if no item or several items have that name
/// (the message lists the candidates), [`Error::Io`] if the crate's source
/// folder cannot be read.
pub fn source(name: &str) -> Result<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (qualifier, item) = match name.rsplit_once("::") {
        Some((q, i)) => (Some(q.rsplit("::").next().unwrap_or(q)), i),
        None => (None, name),
    };
    if item.is_empty() || !item.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::invalid(
            "name",
            format!("{name:?}"),
            "an item's name such as \"pi_par\", or \"Type::method\", or \"module::item\"",
        ));
    }
    let mut found = Vec::new();
    for file in rust_files(&root.join("src"))? {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        for hit in find_items(&text, item) {
            let module = module_of(&relative);
            let module = documented_module(root, &module);
            let matches = match qualifier {
                None => true,
                Some(q) => {
                    hit.owner.as_deref() == Some(q)
                        || module.rsplit('/').next() == Some(q)
                }
            };
            if matches {
                found.push((relative.clone(), module, hit));
            }
        }
    }
    // Prefer top-level items over methods of the same name.
    if qualifier.is_none() && found.iter().any(|(_, _, h)| h.owner.is_none()) {
        found.retain(|(_, _, h)| h.owner.is_none());
    }
    match found.len() {
        1 => {
            let (file, module, hit) = found.remove(0);
            let doc_path = hit.doc_page.map(|page| {
                let dir = match hit.kind {
                    Kind::Macro => String::new(),
                    _ if module.is_empty() => String::new(),
                    _ => format!("{module}/"),
                };
                format!("api/parallel_course/{dir}{page}")
            });
            let name = match &hit.owner {
                Some(owner) => format!("{owner}::{item}"),
                None => item.to_string(),
            };
            Ok(Source {
                name,
                file,
                first_line: hit.first_line,
                last_line: hit.last_line,
                code: hit.code,
                doc_path,
            })
        }
        0 => Err(Error::invalid(
            "name",
            format!("{name:?}"),
            "the name of a function, type, constant or macro of the course's crate (see its documentation)",
        )),
        _ => {
            let candidates: Vec<String> = found
                .iter()
                .map(|(file, module, h)| {
                    let q = h.owner.clone().unwrap_or_else(|| {
                        module.rsplit('/').next().unwrap_or("").to_string()
                    });
                    format!("\"{q}::{item}\" ({file}:{})", h.first_line)
                })
                .collect();
            Err(Error::Ambiguous {
                name: name.to_string(),
                candidates,
            })
        }
    }
}

impl Source {
    /// The code as a Markdown fenced block, with a header naming the file
    /// and lines and linking the documentation page.
    pub fn to_markdown(&self) -> String {
        let docs = match &self.doc_path {
            Some(path) => format!(" · [documentation]({path})"),
            None => " · private, no documentation page".to_string(),
        };
        format!(
            "**`{}`** in `{}`, lines {}–{}{docs}\n\n```rust\n{}\n```",
            self.name, self.file, self.first_line, self.last_line, self.code
        )
    }

    /// Shows the code in the notebook, highlighted.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[
            ("text/plain", &self.to_string()),
            ("text/markdown", &self.to_markdown()),
        ]);
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} in {}, lines {}–{}:",
            self.name, self.file, self.first_line, self.last_line
        )?;
        f.write_str(&self.code)
    }
}

/// Every `.rs` file under `dir`, sorted, so answers do not depend on the
/// order the file system lists them in.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("reading the folder {}", dir.display()), e))?;
        for entry in entries {
            let path = entry
                .map_err(|e| {
                    Error::io(format!("reading the folder {}", dir.display()), e)
                })?
                .path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The module path of a source file: `src/workloads/pi.rs` →
/// `workloads/pi`, `src/timing/mod.rs` → `timing`, `src/lib.rs` → ``.
fn module_of(file: &str) -> String {
    let path = file.strip_prefix("src/").unwrap_or(file);
    let path = path.strip_suffix(".rs").unwrap_or(path);
    let path = path.strip_suffix("/mod").unwrap_or(path);
    match path {
        "lib" | "main" => String::new(),
        p if p.starts_with("bin/") => String::new(),
        p => p.to_string(),
    }
}

/// The module whose documentation page lists the items of `module`: the
/// module itself when every step of its path is a `pub mod`, else the last
/// public parent (a private module's items are documented where they are
/// re-exported, as `timing/table.rs`'s `TimingTable` is under `timing`).
fn documented_module(root: &Path, module: &str) -> String {
    let mut public = String::new();
    for part in module.split('/').filter(|p| !p.is_empty()) {
        let parent = if public.is_empty() {
            root.join("src/lib.rs")
        } else {
            let file = root.join(format!("src/{public}.rs"));
            if file.exists() {
                file
            } else {
                root.join(format!("src/{public}/mod.rs"))
            }
        };
        let declared = std::fs::read_to_string(parent).is_ok_and(|text| {
            text.lines().any(|l| l.trim() == format!("pub mod {part};"))
        });
        if !declared {
            break;
        }
        if !public.is_empty() {
            public.push('/');
        }
        public.push_str(part);
    }
    public
}

/// What an item is, for its documentation page's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fn,
    Struct,
    Enum,
    Trait,
    Type,
    Const,
    Static,
    Macro,
}

impl Kind {
    fn page_prefix(self) -> &'static str {
        match self {
            Kind::Fn => "fn",
            Kind::Struct => "struct",
            Kind::Enum => "enum",
            Kind::Trait => "trait",
            Kind::Type => "type",
            Kind::Const => "constant",
            Kind::Static => "static",
            Kind::Macro => "macro",
        }
    }
}

/// One item found in a file.
#[derive(Debug)]
struct Hit {
    kind: Kind,
    /// The type whose `impl` block holds the item, for methods.
    owner: Option<String>,
    first_line: usize,
    last_line: usize,
    code: String,
    /// `fn.pi_par.html` for a public top-level item.
    doc_page: Option<String>,
}

/// The items called `name` in one file's text, tests left out.
fn find_items(text: &str, name: &str) -> Vec<Hit> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.starts_with("#[cfg(test)]"))
        .unwrap_or(lines.len());
    let mut hits = Vec::new();
    let mut owner: Option<String> = None;
    for (i, line) in lines[..end].iter().enumerate() {
        if !line.starts_with(' ') && !line.starts_with('\t') && !line.is_empty() {
            owner = impl_type(line);
            if line.starts_with('}') {
                owner = None;
            }
        }
        let Some((kind, public)) = declares(line, name) else {
            continue;
        };
        let top_level = !line.starts_with(' ') && !line.starts_with('\t');
        let mut first = i;
        while first > 0 {
            let above = lines[first - 1].trim_start();
            if above.starts_with("///")
                || above.starts_with("#[")
                || above.starts_with("#![")
            {
                first -= 1;
            } else {
                break;
            }
        }
        let last = item_end(&lines[..end], i);
        let exported = kind == Kind::Macro
            && lines[first..i]
                .iter()
                .any(|l| l.contains("#[macro_export]"));
        let doc_page = ((top_level && public) || exported)
            .then(|| format!("{}.{name}.html", kind.page_prefix()));
        hits.push(Hit {
            kind,
            owner: if top_level { None } else { owner.clone() },
            first_line: first + 1,
            last_line: last + 1,
            code: lines[first..=last].join("\n"),
            doc_page,
        });
    }
    hits
}

/// The type an `impl` line is for: `impl<T> Display for CpuProfile<T> {`
/// → `CpuProfile`.
fn impl_type(line: &str) -> Option<String> {
    let rest = line.strip_prefix("impl")?;
    if !rest.starts_with(['<', ' ']) {
        return None;
    }
    let head = rest.split('{').next().unwrap_or(rest);
    let head = head.split(" where ").next().unwrap_or(head);
    let target = head.rsplit(" for ").next().unwrap_or(head).trim();
    // Skip the impl's own generic parameters: `<T> Foo<T>` → `Foo<T>`.
    let target = if target.starts_with('<') && !head.contains(" for ") {
        let mut depth = 0;
        let mut cut = 0;
        for (j, c) in target.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        cut = j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        target[cut..].trim()
    } else {
        target
    };
    let base = target.split('<').next().unwrap_or(target);
    let base = base.rsplit("::").next().unwrap_or(base).trim();
    (!base.is_empty()).then(|| base.to_string())
}

/// Whether `line` declares an item called `name`, and of what kind and
/// visibility.
fn declares(line: &str, name: &str) -> Option<(Kind, bool)> {
    let mut rest = line.trim_start();
    let mut public = false;
    if let Some(r) = rest.strip_prefix("pub ") {
        public = true;
        rest = r;
    } else if rest.starts_with("pub(") {
        rest = rest.split_once(") ")?.1;
    }
    if let Some(r) = rest.strip_prefix("macro_rules! ") {
        return (word_at(r, name)).then_some((Kind::Macro, false));
    }
    for qualifier in ["const ", "unsafe ", "async ", "extern \"C\" "] {
        if let Some(r) = rest.strip_prefix(qualifier)
            && r.starts_with("fn ")
        {
            rest = r;
        }
    }
    let kinds = [
        ("fn ", Kind::Fn),
        ("struct ", Kind::Struct),
        ("enum ", Kind::Enum),
        ("trait ", Kind::Trait),
        ("type ", Kind::Type),
        ("const ", Kind::Const),
        ("static ", Kind::Static),
    ];
    kinds.iter().find_map(|(keyword, kind)| {
        let r = rest.strip_prefix(keyword)?;
        word_at(r, name).then_some((*kind, public))
    })
}

/// Whether `text` starts with the identifier `name` (and not a longer one).
fn word_at(text: &str, name: &str) -> bool {
    text.strip_prefix(name).is_some_and(|after| {
        !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

/// The last line of the item that starts at `start`: where its braces close,
/// or the line ending its declaration with `;`. Strings, characters and
/// comments are skipped when counting braces.
fn item_end(lines: &[&str], start: usize) -> usize {
    let mut depth = 0i32;
    let mut opened = false;
    let mut in_block_comment = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let chars: Vec<char> = line.chars().collect();
        let mut j = 0;
        let mut in_string = false;
        while j < chars.len() {
            let c = chars[j];
            let next = chars.get(j + 1).copied();
            if in_block_comment {
                if c == '*' && next == Some('/') {
                    in_block_comment = false;
                    j += 1;
                }
            } else if in_string {
                if c == '\\' {
                    j += 1;
                } else if c == '"' {
                    in_string = false;
                }
            } else {
                match c {
                    '/' if next == Some('/') => break,
                    '/' if next == Some('*') => {
                        in_block_comment = true;
                        j += 1;
                    }
                    '"' => in_string = true,
                    '\'' => {
                        // A character literal ('x', '\n', '{'), not a lifetime.
                        if chars.get(j + 2) == Some(&'\'') {
                            j += 2;
                        } else if next == Some('\\') {
                            while j + 1 < chars.len() && chars[j + 1] != '\'' {
                                j += 1;
                            }
                            j += 1;
                        }
                    }
                    '{' | '(' | '[' => {
                        depth += 1;
                        opened |= c == '{';
                    }
                    '}' | ')' | ']' => {
                        depth -= 1;
                        if depth <= 0 && opened && c == '}' {
                            return i;
                        }
                    }
                    ';' if depth <= 0 => return i,
                    _ => {}
                }
            }
            j += 1;
        }
    }
    lines.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_comes_with_its_doc_comment_and_ends_at_its_closing_brace() {
        let text = "use x;\n\n/// Adds.\n/// Twice.\n#[inline]\npub fn add(a: u8) -> u8 {\n    let s = \"}\";\n    let c = '}';\n    // }\n    a + 1\n}\n\nfn other() {}\n";
        let hits = find_items(text, "add");
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!((hit.first_line, hit.last_line), (3, 11));
        assert!(hit.code.starts_with("/// Adds."));
        assert!(hit.code.ends_with("    a + 1\n}"));
        assert_eq!(hit.doc_page.as_deref(), Some("fn.add.html"));
    }

    #[test]
    fn a_longer_name_with_the_same_start_is_not_a_match() {
        assert!(find_items("fn add_word() {}\n", "add").is_empty());
        assert_eq!(find_items("fn add() {}\n", "add").len(), 1);
    }

    #[test]
    fn constants_and_private_items_end_at_the_semicolon_and_have_no_page() {
        let text = "pub const CHUNK: u64 = 1 << 16;\nconst SECRET: [u8; 2] = [1, 2];\n";
        let chunk = &find_items(text, "CHUNK")[0];
        assert_eq!((chunk.first_line, chunk.last_line), (1, 1));
        assert_eq!(chunk.doc_page.as_deref(), Some("constant.CHUNK.html"));
        let secret = &find_items(text, "SECRET")[0];
        assert_eq!(secret.last_line, 2);
        assert!(secret.doc_page.is_none());
    }

    #[test]
    fn methods_know_their_type_and_tests_are_not_searched() {
        let text = "impl<T> std::fmt::Display for Wrapper<T> {\n    fn fmt(&self) {}\n}\nimpl<T: Copy> Holder<T> {\n    pub fn get(&self) {}\n}\n#[cfg(test)]\nmod tests {\n    fn get() {}\n}\n";
        let fmt = &find_items(text, "fmt")[0];
        assert_eq!(fmt.owner.as_deref(), Some("Wrapper"));
        let get = find_items(text, "get");
        assert_eq!(get.len(), 1);
        assert_eq!(get[0].owner.as_deref(), Some("Holder"));
        assert!(get[0].doc_page.is_none());
    }

    #[test]
    fn modules_follow_the_file_layout() {
        assert_eq!(module_of("src/workloads/pi.rs"), "workloads/pi");
        assert_eq!(module_of("src/timing/mod.rs"), "timing");
        assert_eq!(module_of("src/lib.rs"), "");
    }

    #[test]
    fn items_of_private_modules_link_to_the_module_that_re_exports_them() {
        let code = source("TimingTable").unwrap();
        assert_eq!(code.file, "src/timing/table.rs");
        assert_eq!(
            code.doc_path.as_deref(),
            Some("api/parallel_course/timing/struct.TimingTable.html")
        );
    }

    #[test]
    fn exported_macros_link_to_the_crate_root() {
        let code = source("timeit").unwrap();
        assert_eq!(
            code.doc_path.as_deref(),
            Some("api/parallel_course/macro.timeit.html")
        );
        assert!(code.code.contains("macro_rules! timeit"));
    }

    #[test]
    fn a_bad_name_is_rejected_with_what_is_allowed() {
        let err = source("pi par").unwrap_err().to_string();
        assert!(err.contains("Type::method"), "{err}");
    }
}

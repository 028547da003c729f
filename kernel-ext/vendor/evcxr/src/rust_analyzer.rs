// Copyright 2020 The Evcxr Authors.
//
// Licensed under the Apache License, Version 2.0 <LICENSE or
// https://www.apache.org/licenses/LICENSE-2.0> or the MIT license <LICENSE
// or https://opensource.org/licenses/MIT>, at your option. This file may not be
// copied, modified, or distributed except according to those terms.

use anyhow::Context;
use anyhow::Result;
use anyhow::anyhow;
use anyhow::bail;
use once_cell::sync::Lazy;
use ra_ap_base_db::SourceRoot;
use ra_ap_hir as ra_hir;
use ra_ap_ide as ra_ide;
use ra_ap_ide::CompletionFieldsToResolve;
use ra_ap_ide::FileRange;
use ra_ap_ide::RaFixtureConfig;
use ra_ap_ide::SubstTyLen;
use ra_ap_ide_db::FxHashMap;
use ra_ap_ide_db::SnippetCap;
use ra_ap_ide_db::imports::insert_use::ImportGranularity;
use ra_ap_ide_db::imports::insert_use::InsertUseConfig;
use ra_ap_paths::{AbsPath, AbsPathBuf};
use ra_ap_project_model::CargoConfig;
use ra_ap_project_model::ProjectManifest;
use ra_ap_project_model::ProjectWorkspace;
use ra_ap_project_model::RustLibSource;
use ra_ap_syntax::TextRange;
use ra_ap_syntax::ast::AstNode;
use ra_ap_syntax::ast::{self};
use ra_ap_vfs as ra_vfs;
use ra_ap_vfs::FileId;
use ra_ap_vfs::loader::LoadingProgress;
use ra_ap_vfs_notify as vfs_notify;
use ra_ide::CallableSnippets;
use ra_ide::Edition;
use ra_ide::HoverConfig;
use ra_ide::HoverResult;
use ra_ide::RangeInfo;
use std::collections::HashMap;
use std::convert::TryFrom;
use std::path::Path;

pub(crate) const EDITION: Edition = Edition::Edition2024;

pub(crate) struct RustAnalyzer {
    with_sysroot: bool,
    /// Course patch (kernel-ext/vendor/PATCHES.md): the standard library
    /// as its crates alone (see `library_view`), once made.
    library_view: Option<AbsPathBuf>,
    root_directory: AbsPathBuf,
    analysis_host: ra_ide::AnalysisHost,
    vfs: ra_vfs::Vfs,
    loader: vfs_notify::NotifyHandle,
    message_receiver: crossbeam_channel::Receiver<ra_vfs::loader::Message>,
    last_cargo_toml: Option<Vec<u8>>,
    source_file: AbsPathBuf,
    source_file_id: FileId,
    current_source: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TypeName {
    Named(String),
    Closure,
    Unknown,
}

#[derive(Debug)]
pub(crate) struct VariableInfo {
    /// The variable's type as Rust code, or None if we couldn't determine it.
    pub(crate) type_name: TypeName,
    /// Whether the variable is declared as mutable.
    pub(crate) is_mutable: bool,
}

impl RustAnalyzer {
    pub(crate) fn new(root_directory: &Path) -> Result<RustAnalyzer> {
        use ra_vfs::loader::Handle;
        let (message_sender, message_receiver) = crossbeam_channel::unbounded();
        let mut vfs = ra_vfs::Vfs::default();
        let root_directory = AbsPathBuf::try_from(
            root_directory
                .to_str()
                .context("Root directory is not UTF-8")?,
        )
        .map_err(|path| anyhow!("Evcxr tmpdir is not absolute: '{:?}'", path))?;
        let source_file = root_directory.join("src/lib.rs");
        // We need to write the file to the filesystem even though we subsequently set the file
        // contents via the vfs and change.change_file. This is because the loader checks for the
        // files existence when determining the crate structure.
        let src_dir = root_directory.join("src");
        std::fs::create_dir_all(&src_dir)
            .with_context(|| format!("Failed to create directory `{src_dir:?}`"))?;
        // Pre-allocate an ID for our main source file.
        let vfs_source_file: ra_vfs::VfsPath = source_file.clone().into();
        vfs.set_file_contents(vfs_source_file.clone(), Some(vec![]));
        let (source_file_id, _) = vfs.file_id(&vfs_source_file).unwrap();
        Ok(RustAnalyzer {
            with_sysroot: true,
            library_view: None,
            root_directory,
            analysis_host: Default::default(),
            vfs,
            loader: vfs_notify::NotifyHandle::spawn(message_sender),
            message_receiver,
            last_cargo_toml: None,
            source_file,
            source_file_id,
            current_source: String::new(),
        })
    }

    pub(crate) fn set_source(&mut self, source: String) -> Result<()> {
        self.current_source = source;
        let mut change = ra_hir::ChangeWithProcMacros::default();

        std::fs::write(self.source_file.as_path(), &*self.current_source)
            .with_context(|| format!("Failed to write {:?}", self.source_file))?;
        self.vfs.set_file_contents(
            self.source_file.clone().into(),
            Some(self.current_source.bytes().collect()),
        );
        change.change_file(self.source_file_id, Some(self.current_source.clone()));

        // Check to see if we haven't yet loaded Cargo.toml, or if it's changed since we read it.
        let cargo_toml = Some(std::fs::read(self.cargo_toml_filename()).with_context(|| {
            format!(
                "Failed to read Cargo.toml from `{:?}`",
                self.cargo_toml_filename()
            )
        })?);
        if cargo_toml != self.last_cargo_toml {
            self.load_cargo_toml(&mut change)?;
            self.last_cargo_toml = cargo_toml;
        }

        self.analysis_host.apply_change(change);
        Ok(())
    }

    /// Returns top-level variable names and their types in the specified function.
    pub(crate) fn top_level_variables(&self, function_name: &str) -> HashMap<String, VariableInfo> {
        use ra_ap_syntax::ast::HasModuleItem;
        use ra_ap_syntax::ast::HasName;
        let mut result = HashMap::new();
        let db = self.analysis_host.raw_database();
        let sema = ra_ide::Semantics::new(db);

        let source_file = sema.parse(ra_ap_base_db::EditionedFileId::new(
            db,
            self.source_file_id,
            EDITION,
        ));

        ra_ap_hir::attach_db(db, || {
            for item in source_file.items() {
                if let ast::Item::Fn(function) = item
                    && function
                        .name()
                        .map(|n| n.text() == function_name)
                        .unwrap_or(false)
                {
                    let Some(body) = function.body() else {
                        continue;
                    };
                    let module = sema
                        .scope(function.syntax())
                        .map(|scope| scope.module())
                        .unwrap();
                    for statement in body.statements() {
                        if let ast::Stmt::LetStmt(let_stmt) = statement
                            && let Some(pat) = let_stmt.pat()
                            && !add_variable_for_pattern(
                                &pat,
                                &sema,
                                let_stmt.ty(),
                                module,
                                &mut result,
                            )
                        {
                            // We didn't add a variable for `pat`, possibly because it's a
                            // more complex pattern that needs destructuring. Try for each
                            // sub pattern. This time, we ignore the explicit type, because
                            // it applies to the whole pattern, not to its parts. Note, this
                            // will attempt `pat` again, but that's OK, since it failed
                            // above, so will fail again.
                            for d in pat.syntax().descendants() {
                                if let Some(sub_pat) = ast::Pat::cast(d) {
                                    add_variable_for_pattern(
                                        &sub_pat,
                                        &sema,
                                        None,
                                        module,
                                        &mut result,
                                    );
                                }
                            }
                        }
                    }
                }
            }
        });

        result
    }

    fn load_cargo_toml(&mut self, change: &mut ra_hir::ChangeWithProcMacros) -> Result<()> {
        let manifest = ProjectManifest::from_manifest_file(self.cargo_toml_filename())?;
        let sysroot = if self.with_sysroot {
            Some(RustLibSource::Discover)
        } else {
            None
        };
        // Course patch: rust-analyzer reads the standard library through
        // a view of its crates alone, which it cannot load with Cargo, so
        // it puts them together itself, without their dependencies.
        if self.with_sysroot && self.library_view.is_none() {
            self.library_view = ra_ap_project_model::Sysroot::discover(
                &self.root_directory,
                &FxHashMap::default(),
            )
            .rust_lib_src_root()
            .and_then(|library| library_view(library, &dirs::cache_dir()?));
        }
        let config = CargoConfig {
            sysroot,
            sysroot_src: self.library_view.clone().filter(|_| self.with_sysroot),
            ..CargoConfig::default()
        };
        let workspace = ProjectWorkspace::load(manifest, &config, &|_| {})?;
        let library = workspace.sysroot.rust_lib_src_root().map(AbsPath::to_path_buf);
        let load = workspace
            .to_roots()
            .iter()
            .map(|root| {
                // Course patch (kernel-ext/vendor/PATCHES.md): the loader
                // reads every `.rs` file below a local package's folder
                // but `.git` and `target`, so a path dependency whose
                // folder holds hidden tool folders (`.course`, `.venv`)
                // cost the kernel their sources' text too.
                let mut exclude = root.exclude.clone();
                if root.is_local {
                    for dir in &root.include {
                        exclude.extend(hidden_folders(dir));
                    }
                }
                // Course patch: the standard library's sources without
                // the architecture intrinsics and the library's own tests
                // (see `library_folders_left_out`).
                if let Some(library) = &library {
                    for dir in root.include.iter().filter(|dir| *dir == library) {
                        exclude.extend(library_folders_left_out(dir));
                    }
                }
                ra_vfs::loader::Entry::Directories(ra_vfs::loader::Directories {
                    extensions: vec!["rs".to_owned()],
                    include: root.include.clone(),
                    exclude,
                })
            })
            .collect();
        // Note, set_config is what triggers loading and calling the callback that we registered when we created self.loader.
        use ra_vfs::loader::Handle;
        self.loader.set_config(ra_vfs::loader::Config {
            version: 1,
            load,
            watch: vec![],
        });

        for message in &self.message_receiver {
            match message {
                ra_vfs::loader::Message::Progress {
                    n_total: _, n_done, ..
                } => {
                    if n_done == LoadingProgress::Finished {
                        break;
                    }
                }
                ra_vfs::loader::Message::Loaded { files }
                | ra_vfs::loader::Message::Changed { files } => {
                    for (path, contents) in files {
                        let vfs_path: ra_vfs::VfsPath = path.to_path_buf().into();
                        self.vfs
                            .set_file_contents(vfs_path.clone(), contents.clone());
                    }
                }
            }
        }

        for (file_id, changed_file) in self.vfs.take_changes() {
            let mut new_contents = None;
            if let ra_vfs::Change::Create(v, _hash) | ra_vfs::Change::Modify(v, _hash) =
                changed_file.change
                && let Ok(text) = std::str::from_utf8(&v)
            {
                new_contents = Some(text.to_owned());
            }
            change.change_file(file_id, new_contents);
        }
        change.set_roots(
            ra_vfs::file_set::FileSetConfig::default()
                .partition(&self.vfs)
                .into_iter()
                .map(SourceRoot::new_local)
                .collect(),
        );
        let (crate_graph, _) = workspace.to_crate_graph(
            &mut |path| {
                self.vfs
                    .file_id(&path.to_path_buf().into())
                    .map(|(id, _)| id)
            },
            &FxHashMap::default(),
        );

        change.set_crate_graph(crate_graph);
        Ok(())
    }

    /// Course patch: starts a new revision of rust-analyzer's database, so
    /// that it drops what it keeps only while recently used (syntax trees,
    /// macro expansions, function bodies).
    pub(crate) fn release_memory(&mut self) {
        self.analysis_host.trigger_garbage_collection();
    }

    fn cargo_toml_filename(&self) -> AbsPathBuf {
        self.root_directory.join("Cargo.toml")
    }

    pub(crate) fn completions(&self, position: usize) -> Result<Completions> {
        let mut completions = Vec::new();
        let mut range = None;
        let config = ra_ide::CompletionConfig {
            enable_postfix_completions: true,
            snippet_cap: SnippetCap::new(true),
            enable_imports_on_the_fly: false,
            enable_self_on_the_fly: true,
            enable_private_editable: true,
            prefer_no_std: false,
            full_function_signatures: true,
            snippets: vec![],
            insert_use: InsertUseConfig {
                prefix_kind: ra_hir::PrefixKind::ByCrate,
                group: false,
                granularity: ImportGranularity::Item,
                enforce_granularity: false,
                skip_glob_imports: false,
            },
            callable: Some(CallableSnippets::FillArguments),
            limit: None,
            prefer_prelude: false,
            enable_term_search: true,
            term_search_fuel: 400,
            prefer_absolute: false,
            add_semicolon_to_unit: true,
            fields_to_resolve: CompletionFieldsToResolve::empty(),
            exclude_flyimport: vec![],
            exclude_traits: &[],
            enable_auto_iter: true,
            enable_auto_await: true,
            ra_fixture: RaFixtureConfig::default(),
            add_colons_to_module: true,
        };
        if let Ok(Some(completion_items)) = self.analysis_host.analysis().completions(
            &config,
            ra_ide::FilePosition {
                file_id: self.source_file_id,
                offset: (position as u32).into(),
            },
            None,
        ) {
            for item in completion_items {
                use regex::Regex;
                static ARG_PLACEHOLDER: Lazy<Regex> =
                    Lazy::new(|| Regex::new("\\$\\{[0-9]+:([^}]*)\\}").unwrap());
                let mut indels = item.text_edit.iter();
                if let Some(indel) = indels.next() {
                    let text_to_delete = &self.current_source[indel.delete];
                    // Rust analyzer returns all available methods/fields etc. It's up to us to
                    // decide how what we filter and what we keep.
                    if !item.lookup().starts_with(text_to_delete) {
                        continue;
                    }
                    completions.push(Completion {
                        code: ARG_PLACEHOLDER
                            .replace_all(&indel.insert, "$1")
                            .replace("$0", ""),
                        kind: jupyter_kind(item.kind),
                        label: item.label.primary.to_string(),
                    });
                    if let Some(previous_range) = range.as_ref() {
                        if *previous_range != indel.delete {
                            bail!(
                                "Different completions wanted to replace different parts of the text"
                            );
                        }
                    } else {
                        range = Some(indel.delete)
                    }
                }
                if indels.next().is_some() {
                    bail!("Completion unexpectedly provided more than one insertion/deletion");
                }
            }
        }
        Ok(Completions {
            completions,
            start_offset: range.map(|range| range.start().into()).unwrap_or(position),
            end_offset: range.map(|range| range.end().into()).unwrap_or(position),
        })
    }

    pub(crate) fn hover(
        &self,
        text_range: TextRange,
        is_mark_down: bool,
    ) -> Result<Option<RangeInfo<HoverResult>>> {
        use ra_ide::HoverDocFormat as hdf;
        let hover_config: HoverConfig = HoverConfig {
            links_in_hover: true,
            memory_layout: None,
            documentation: true,
            keywords: true,
            format: if is_mark_down {
                hdf::Markdown
            } else {
                hdf::PlainText
            },
            max_trait_assoc_items_count: None,
            max_fields_count: Some(5),
            max_enum_variants_count: Some(5),
            max_subst_ty_len: SubstTyLen::Unlimited,
            show_drop_glue: false,
            ra_fixture: RaFixtureConfig::default(),
        };
        let file_range = FileRange {
            file_id: self.source_file_id,
            range: text_range,
        };
        match self
            .analysis_host
            .analysis()
            .hover(&hover_config, file_range)
        {
            Ok(range_info) => Ok(range_info),
            _ => bail!("hover fail"),
        }
    }
}

/// Course patch (kernel-ext/vendor/PATCHES.md): whether the body of the
/// function `function_name` in `source` has a `let` of its own (not one
/// nested in a block), found from the syntax alone. Only such a `let` makes
/// a variable that evcxr must type; for a cell without one, asking
/// rust-analyzer anyway would load the workspace and resolve every name of
/// the standard library, which is most of a kernel's start.
pub(crate) fn declares_variables(source: &str, function_name: &str) -> bool {
    use ra_ap_syntax::ast::HasModuleItem;
    use ra_ap_syntax::ast::HasName;
    ast::SourceFile::parse(source, EDITION)
        .tree()
        .items()
        .any(|item| match item {
            ast::Item::Fn(function) => {
                function.name().is_some_and(|n| n.text() == function_name)
                    && function.body().is_some_and(|body| {
                        body.statements()
                            .any(|statement| matches!(statement, ast::Stmt::LetStmt(_)))
                    })
            }
            _ => false,
        })
}

/// The folders directly in `dir` whose names start with a dot: tool state
/// (a version control's, a virtual environment, a course's own), never a
/// package's sources.
fn hidden_folders(dir: &AbsPath) -> Vec<AbsPathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| entry.file_name().to_str().is_some_and(|n| n.starts_with('.')))
        .filter_map(|entry| AbsPathBuf::try_from(entry.path().to_str()?).ok())
        .collect()
}

/// The folders of the standard library's sources (`library/` of the
/// `rust-src` component) that rust-analyzer is not given.
///
/// `stdarch` holds `core::arch`: the intrinsics of every architecture,
/// 16 MiB of text, of which the x86 ones alone cost a kernel some 90 MiB
/// of analysis and a second of its start. A variable whose type only
/// `core::arch` names (`__m256d`, say) then needs that type written out;
/// rustc, which compiles the cell, still sees everything.
/// `coretests` and `alloctests` are the library's own tests, in no
/// crate's module tree: their text only.
///
/// Only the library itself (with its `Cargo.toml`) has them: the view of
/// its crates (`library_view`) has neither `core::arch` nor the tests.
fn library_folders_left_out(library: &AbsPath) -> Vec<AbsPathBuf> {
    if !std::fs::metadata(library.join("Cargo.toml")).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    ["stdarch", "coretests", "alloctests"]
        .into_iter()
        .map(|name| library.join(name))
        .filter(|dir| std::fs::metadata(dir).is_ok_and(|m| m.is_dir()))
        .collect()
}

/// The crates of the standard library that rust-analyzer is given, by
/// their folders in the library (`rust-src`'s `library/`) and where
/// rust-analyzer looks for each when it puts the library together itself.
const LIBRARY_CRATES: [(&str, &str); 11] = [
    ("alloc", "alloc"),
    ("backtrace", "backtrace"),
    ("core", "core"),
    ("panic_abort", "panic_abort"),
    ("panic_unwind", "panic_unwind"),
    ("proc_macro", "proc_macro"),
    ("profiler_builtins", "profiler_builtins"),
    ("std", "std"),
    ("std_detect", "stdarch/crates/std_detect"),
    ("test", "test"),
    ("unwind", "unwind"),
];

/// Course patch: a view of the standard library's crates alone, made
/// (once per library) in `cache` as a folder of links into `library`,
/// without the library's `Cargo.toml`. Given the library itself,
/// rust-analyzer loads it with Cargo as a workspace, with every crate the
/// library depends on (`libc`, `hashbrown`, `compiler_builtins`, the test
/// crates' `rand`, …), whose names it then resolves for every kernel:
/// some 60 MiB of a kernel's analysis and half a second of its start. In
/// the view it finds no `Cargo.toml` and puts the crates together
/// itself, the way it did before the library had one. What that leaves
/// out is inside the library (the field types of `HashMap`'s inner map,
/// say); the types cells see are the library's own. `None` (and the
/// library as before) when the view cannot be made.
fn library_view(library: &AbsPath, cache: &Path) -> Option<AbsPathBuf> {
    #[cfg(unix)]
    {
        use std::hash::{Hash, Hasher};
        if !std::fs::metadata(library.join("core/src/lib.rs")).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        library.as_str().hash(&mut hasher);
        LIBRARY_CRATES.hash(&mut hasher);
        let parent = cache.join("evcxr-library");
        let view = parent.join(format!("{:016x}", hasher.finish()));
        let whole = |view: &Path| {
            LIBRARY_CRATES.iter().all(|(folder, at)| {
                !Path::new(library.join(folder).as_str()).is_dir() || view.join(at).is_dir()
            })
        };
        if !whole(&view) {
            // Made under a temporary name and renamed: kernels starting
            // together never see half a view.
            std::fs::create_dir_all(&parent).ok()?;
            let partial = parent.join(format!(".partial-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&partial);
            for (folder, at) in LIBRARY_CRATES {
                let target = library.join(folder);
                let target = Path::new(target.as_str());
                if !target.is_dir() {
                    continue;
                }
                let link = partial.join(at);
                std::fs::create_dir_all(link.parent()?).ok()?;
                std::os::unix::fs::symlink(target, &link).ok()?;
            }
            let _ = std::fs::remove_dir_all(&view);
            if std::fs::rename(&partial, &view).is_err() {
                let _ = std::fs::remove_dir_all(&partial);
            }
            if !whole(&view) {
                return None;
            }
        }
        AbsPathBuf::try_from(view.to_str()?).ok()
    }
    #[cfg(not(unix))]
    {
        let _ = (library, cache);
        None
    }
}

/// If `pat` represents a variable that is being defined, then record it in `result` and return
/// true.
fn add_variable_for_pattern(
    pat: &ast::Pat,
    sema: &ra_hir::Semantics<ra_ide::RootDatabase>,
    explicit_type: Option<ast::Type>,
    module: ra_hir::Module,
    result: &mut HashMap<String, VariableInfo>,
) -> bool {
    use ra_ap_syntax::ast::HasName;
    if let ast::Pat::IdentPat(ident_pat) = pat
        && let Some(name) = ident_pat.name()
    {
        let type_name = get_type_name(
            explicit_type,
            sema.type_of_pat(pat).map(|info| info.original()),
            sema,
            module,
        );
        result.insert(
            name.text().to_string(),
            VariableInfo {
                type_name,
                is_mutable: ident_pat.mut_token().is_some(),
            },
        );
        return true;
    }
    false
}

fn get_type_name(
    explicit_type: Option<ast::Type>,
    inferred_type: Option<ra_hir::Type>,
    sema: &ra_hir::Semantics<ra_ide::RootDatabase>,
    module: ra_hir::Module,
) -> TypeName {
    use ra_hir::HirDisplay;
    if let Some(explicit_type) = explicit_type {
        let type_name = explicit_type.syntax().text().to_string();
        if is_type_valid(&type_name) {
            return TypeName::Named(type_name);
        }
    }
    if let Some(ty) = inferred_type {
        if ty.is_closure() {
            return TypeName::Closure;
        }
        if let Ok(type_name) = ty.display_source_code(sema.db, module.into(), true)
            && is_type_valid(&type_name)
        {
            return TypeName::Named(type_name);
        }
    }
    TypeName::Unknown
}

/// Completions found in a particular context.
#[derive(Default)]
pub struct Completions {
    pub completions: Vec<Completion>,
    pub start_offset: usize,
    pub end_offset: usize,
}

/// A code completion. We use our own type rather than exposing rust-analyzer's CompletionItem,
/// since rust-analyzer is an internal implementation detail, so we don't want to expose it in a
/// public API.
#[derive(Debug, Eq, PartialEq)]
pub struct Completion {
    pub code: String,
    pub kind: &'static str,
    pub label: String,
}

fn jupyter_kind(kind: ra_ide::CompletionItemKind) -> &'static str {
    use ra_ap_ide_db::SymbolKind;
    use ra_ide::CompletionItemKind as K;
    match kind {
        K::SymbolKind(SymbolKind::Function | SymbolKind::Method) => "function",
        K::SymbolKind(
            SymbolKind::Struct
            | SymbolKind::Enum
            | SymbolKind::Union
            | SymbolKind::Trait
            | SymbolKind::TypeAlias
            | SymbolKind::TypeParam
            | SymbolKind::SelfType,
        ) => "class",
        K::SymbolKind(SymbolKind::Module | SymbolKind::CrateRoot | SymbolKind::ToolModule) => {
            "module"
        }
        K::SymbolKind(
            SymbolKind::Const
            | SymbolKind::Static
            | SymbolKind::ConstParam
            | SymbolKind::Variant
            | SymbolKind::Field
            | SymbolKind::Local
            | SymbolKind::SelfParam
            | SymbolKind::ValueParam
            | SymbolKind::Label,
        )
        | K::Binding
        | K::InferredType => "instance",
        K::SymbolKind(
            SymbolKind::Macro
            | SymbolKind::ProcMacro
            | SymbolKind::Derive
            | SymbolKind::DeriveHelper
            | SymbolKind::Attribute
            | SymbolKind::BuiltinAttr,
        ) => "function",
        K::Keyword => "keyword",
        K::Snippet | K::BuiltinType | K::UnresolvedReference | K::Expression => "instance",
        _ => "instance",
    }
}

/// Returns whether this appears to be a valid type. Rust analyzer, when asked to emit code for some
/// types, produces invalid code. In particular, fixed sized arrays come out without a size. e.g.
/// instead of `[i32, 5]`, we get `[i32, _]`.
pub(crate) fn is_type_valid(type_name: &str) -> bool {
    use ra_ap_syntax::SyntaxKind;
    let wrapped_source = format!("const _: {type_name} = foo();");
    let parsed = ast::SourceFile::parse(&wrapped_source, EDITION);
    if !parsed.errors().is_empty() {
        return false;
    }
    for node in parsed.syntax_node().descendants() {
        if node.kind() == SyntaxKind::ERROR || node.kind() == SyntaxKind::INFER_TYPE {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod test {
    use super::{
        AbsPathBuf, Path, declares_variables, hidden_folders, library_folders_left_out,
        library_view,
    };

    #[test]
    fn the_library_is_read_without_intrinsics_or_tests() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["core", "std", "std_detect", "stdarch", "coretests", "alloctests"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        let library = AbsPathBuf::try_from(dir.path().to_str().unwrap()).unwrap();
        let mut left_out: Vec<String> = library_folders_left_out(&library)
            .iter()
            .map(|p| p.file_name().unwrap().to_string())
            .collect();
        left_out.sort();
        assert_eq!(left_out, ["alloctests", "coretests", "stdarch"]);
        // The view of its crates (no `Cargo.toml`) keeps its `stdarch`,
        // which holds only `std_detect`.
        std::fs::remove_file(dir.path().join("Cargo.toml")).unwrap();
        assert!(library_folders_left_out(&library).is_empty());
        // A library without them (an older or newer layout): nothing to leave out.
        let other = tempfile::tempdir().unwrap();
        let other = AbsPathBuf::try_from(other.path().to_str().unwrap()).unwrap();
        assert!(library_folders_left_out(&other).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_library_is_viewed_as_its_crates_alone() {
        let library = tempfile::tempdir().unwrap();
        for name in ["core/src", "std/src", "alloc/src", "std_detect/src", "stdarch", "hashbrown"] {
            std::fs::create_dir_all(library.path().join(name)).unwrap();
        }
        std::fs::write(library.path().join("core/src/lib.rs"), "").unwrap();
        std::fs::write(library.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        let lib = AbsPathBuf::try_from(library.path().to_str().unwrap()).unwrap();
        let cache = tempfile::tempdir().unwrap();
        let view = library_view(&lib, cache.path()).unwrap();
        let view = Path::new(view.as_str());
        // The crates, where rust-analyzer looks for them, and nothing else.
        assert!(view.join("core/src/lib.rs").is_file());
        assert!(view.join("stdarch/crates/std_detect/src").is_dir());
        assert!(!view.join("Cargo.toml").exists());
        assert!(!view.join("hashbrown").exists());
        assert!(!view.join("stdarch/crates/core_arch").exists());
        let mut names: Vec<String> = std::fs::read_dir(view)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["alloc", "core", "std", "stdarch"]);
        // The same library again: the same view, made once.
        assert_eq!(
            library_view(&lib, cache.path()).unwrap().as_str(),
            view.to_str().unwrap()
        );
        // Nothing half-made is left beside it.
        let beside: Vec<_> = std::fs::read_dir(view.parent().unwrap()).unwrap().collect();
        assert_eq!(beside.len(), 1);
        // No library there: no view.
        let empty = tempfile::tempdir().unwrap();
        let empty = AbsPathBuf::try_from(empty.path().to_str().unwrap()).unwrap();
        assert!(library_view(&empty, cache.path()).is_none());
    }

    #[test]
    fn only_a_let_of_the_function_itself_declares_variables() {
        let wrapped = |body: &str| format!("fn other() {{ let a = 1; }}\nfn wrapper() {{ {body} }}");
        assert!(declares_variables(&wrapped("let x = 42;"), "wrapper"));
        assert!(declares_variables(&wrapped("println!(); let (a, b) = (1, 2);"), "wrapper"));
        assert!(!declares_variables(&wrapped("42"), "wrapper"));
        assert!(!declares_variables(&wrapped("{ let inner = 1; } inner_fn();"), "wrapper"));
        assert!(!declares_variables(&wrapped("let x = 42;"), "absent"));
        // A `let` in another function is not the wrapper's.
        assert!(!declares_variables(&wrapped(""), "wrapper"));
        assert!(declares_variables(&wrapped(""), "other"));
    }

    #[test]
    fn hidden_folders_are_found_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [".course", ".venv", "src", "notebooks"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join(".hidden-file.rs"), "").unwrap();
        let root = AbsPathBuf::try_from(dir.path().to_str().unwrap()).unwrap();
        let mut found: Vec<String> = hidden_folders(&root)
            .iter()
            .map(|p| p.file_name().unwrap().to_string())
            .collect();
        found.sort();
        assert_eq!(found, [".course", ".venv"]);
    }

    use super::RustAnalyzer;
    use super::TypeName;
    use super::is_type_valid;
    use anyhow::Result;

    impl TypeName {
        fn named(name: &str) -> TypeName {
            TypeName::Named(name.to_owned())
        }
    }

    #[test]
    fn get_variable_types() -> Result<()> {
        let tmpdir = tempfile::tempdir()?;
        let mut ra = RustAnalyzer::new(tmpdir.path())?;
        ra.with_sysroot = false;
        std::fs::write(
            ra.cargo_toml_filename().to_path_buf(),
            r#"
            [package]
            name = "foo"
            version = "0.1.0"
            edition = "2024"

            [lib]
            "#,
        )?;

        ra.set_source(
            r#"
            struct Foo<const I: usize> {}
            struct Point {x: u8, y: u8}
            fn foo() {
                let v1 = true;
                let mut v1 = 42i32;
                let v2 = &[false];
                let v3: Foo<10> = Foo::<10> {};
                {
                    let v2 = false;
                    let v100 = true;
                }
                let (v4, ..) = (42u64, 43, 44);
                let p1 = Point {x: 1, y: 2};
                let Point {x, y: y2} = p1;
            }
            fn foo2() {
                let v9 = true;
            }"#
            .to_owned(),
        )?;
        let var_types = ra.top_level_variables("foo");
        assert_eq!(var_types["v1"].type_name, TypeName::named("i32"));
        assert!(var_types["v1"].is_mutable);
        assert_eq!(var_types["v2"].type_name, TypeName::named("&[bool; 1]"));
        assert!(!var_types["v2"].is_mutable);
        assert_eq!(var_types["v3"].type_name, TypeName::named("Foo<10>"));
        assert!(!var_types.contains_key("v100"));
        assert_eq!(var_types["v4"].type_name, TypeName::named("u64"));
        assert_eq!(var_types["x"].type_name, TypeName::named("u8"));
        assert_eq!(var_types["y2"].type_name, TypeName::named("u8"));

        ra.set_source(
            r#"
            fn foo() {
                let v1 = 1u16;
            }"#
            .to_owned(),
        )?;
        let var_types = ra.top_level_variables("foo");
        assert_eq!(var_types["v1"].type_name, TypeName::named("u16"));
        assert!(!var_types.contains_key("v2"));

        Ok(())
    }

    #[test]
    fn test_is_type_valid() {
        assert!(is_type_valid("Vec<String>"));
        assert!(is_type_valid("&[i32]"));
        assert!(!is_type_valid("[i32, _]"));
        assert!(!is_type_valid("Vec<_>"));
        assert!(is_type_valid("Foo<42>"));
    }
}

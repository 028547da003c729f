//! How this crate was compiled, so timings can be trusted.
//!
//! In the course kernel, notebook cells and this crate are compiled with
//! release-grade settings: full optimisation, no debug assertions, no
//! overflow checks. [`build_info`] reports what was actually used;
//! notebooks show it in their first cell.

use std::cell::Cell;
use std::sync::{Arc, OnceLock};

/// The compile settings of this crate.
///
/// ```
/// let info = parallel_course::build_info();
/// println!("{info}"); // e.g. "opt-level 3, debug assertions off, overflow checks off (release-grade); …"
/// assert_eq!(info.debug_assertions, cfg!(debug_assertions));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildInfo {
    /// Cargo's `opt-level` ("0" to "3", "s" or "z").
    pub opt_level: &'static str,
    /// Whether `debug_assert!` and friends are compiled in.
    pub debug_assertions: bool,
    /// Whether integer overflow panics (true) or wraps (false).
    pub overflow_checks: bool,
    /// The widest vector instructions the compiler was allowed to use
    /// everywhere: `"x86-64 baseline (SSE2)"` unless the build asked for
    /// more (`-C target-cpu=native`, `-C target-feature=+avx2`). The lane
    /// kernels of [`workloads::lanes`](crate::workloads::lanes) do not
    /// depend on it: they pick the widest the processor has when they run.
    pub instructions: &'static str,
}

impl BuildInfo {
    /// True for full optimisation with debug assertions and overflow
    /// checks off: the settings of `cargo build --release`.
    pub fn is_release_grade(&self) -> bool {
        self.opt_level == "3" && !self.debug_assertions && !self.overflow_checks
    }

    /// Returns the settings if they are release-grade, or an error telling
    /// how to get there. A notebook's first cell calls this, so a notebook
    /// opened in another kernel says so at once instead of showing slow
    /// timings.
    ///
    /// ```
    /// let info = parallel_course::build_info();
    /// assert_eq!(info.check().is_ok(), info.is_release_grade());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Setup`](crate::Error::Setup) when the settings are not
    /// release-grade.
    pub fn check(self) -> crate::Result<BuildInfo> {
        if self.is_release_grade() {
            Ok(self)
        } else {
            Err(crate::Error::Setup(format!(
                "this code is compiled with {self}. Choose the kernel \"Rust (Parallel \
                 Programming)\" (Kernel > Change Kernel), which ./lab installs; it compiles \
                 with opt-level 3 and without debug assertions or overflow checks."
            )))
        }
    }

    /// Shows the settings in the notebook.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[("text/plain", &self.to_string())]);
    }
}

impl std::fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on = |b: bool| if b { "on" } else { "off" };
        write!(
            f,
            "opt-level {}, debug assertions {}, overflow checks {} ({}); instructions: {}, \
             lane kernels: {} (chosen at run time)",
            self.opt_level,
            on(self.debug_assertions),
            on(self.overflow_checks),
            if self.is_release_grade() {
                "release-grade"
            } else {
                "NOT release-grade: timings will be slower than a release build"
            },
            self.instructions,
            crate::workloads::lanes::simd().name(),
        )
    }
}

/// Reports how this crate was compiled.
pub fn build_info() -> BuildInfo {
    BuildInfo {
        opt_level: env!("PARALLEL_COURSE_OPT_LEVEL"),
        debug_assertions: cfg!(debug_assertions),
        overflow_checks: overflow_checks_enabled(),
        instructions: compiled_instructions(),
    }
}

/// The widest vector instructions this crate was compiled to use
/// everywhere (not only in functions that ask for more).
fn compiled_instructions() -> &'static str {
    if cfg!(target_feature = "avx512f") {
        "AVX-512 everywhere (a build for this processor)"
    } else if cfg!(target_feature = "avx2") {
        "AVX2 everywhere (a build for this processor)"
    } else if cfg!(target_arch = "x86_64") {
        "x86-64 baseline (SSE2)"
    } else {
        std::env::consts::ARCH
    }
}

/// Whether `+` on integers panics on overflow in this crate.
///
/// Neither Cargo nor rustc tells a build script or the code whether
/// overflow checks are on (`cfg(overflow_checks)` is unstable, and Cargo
/// sets no `CARGO_CFG_OVERFLOW_CHECKS`), and the kernel switches them off
/// through an environment variable that a manifest or `RUSTFLAGS` could
/// override. So the crate finds out once by overflowing a `u8`.
///
/// The panic hook is swapped only for the probe's own panic: any other
/// thread that panics meanwhile still reaches the hook that was installed
/// before, and that hook is put back afterwards.
fn overflow_checks_enabled() -> bool {
    static CHECKED: OnceLock<bool> = OnceLock::new();
    *CHECKED.get_or_init(|| {
        catch_unwind_quietly(|| std::hint::black_box(u8::MAX) + std::hint::black_box(1u8))
            .is_err()
    })
}

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// `catch_unwind`, with the panic hook silenced for panics on this thread
/// only: panics of other threads meanwhile reach the hook that was there
/// before, which is put back afterwards.
fn catch_unwind_quietly<R>(
    f: impl FnOnce() -> R + std::panic::UnwindSafe,
) -> std::thread::Result<R> {
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    let previous: Arc<Hook> = Arc::new(std::panic::take_hook());
    let forward = Arc::clone(&previous);
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.with(Cell::get) {
            forward(info);
        }
    }));
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(f);
    QUIET.with(|q| q.set(false));
    drop(std::panic::take_hook());
    match Arc::try_unwrap(previous) {
        Ok(hook) => std::panic::set_hook(hook),
        Err(shared) => std::panic::set_hook(Box::new(move |info| shared(info))),
    }
    result
}

#[cfg(test)]
mod tests {
    /// Tests that swap the process's panic hook take turns.
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    #[test]
    fn overflow_check_detection_matches_the_profile() {
        let _turn = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        // Tests build with the dev profile unless --release is given; both
        // keep overflow checks tied to debug assertions by default.
        assert_eq!(super::build_info().overflow_checks, cfg!(debug_assertions));
    }

    #[test]
    fn the_quiet_probe_silences_only_its_own_thread_and_restores_the_hook() {
        use std::sync::Mutex;
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let _turn = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        let original = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .unwrap_or("?");
            SEEN.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(msg.to_string());
        }));
        let probed = super::catch_unwind_quietly(|| {
            let other = std::thread::spawn(|| panic!("another thread"));
            assert!(other.join().is_err());
            panic!("the probe");
        });
        let after = std::panic::catch_unwind(|| panic!("after the probe"));
        std::panic::set_hook(original);
        assert!(probed.is_err() && after.is_err());
        let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(seen.iter().any(|m| m == "another thread"), "{seen:?}");
        assert!(seen.iter().any(|m| m == "after the probe"), "{seen:?}");
        assert!(!seen.iter().any(|m| m == "the probe"), "{seen:?}");
    }
}

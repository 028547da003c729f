//! How this crate was compiled, so timings can be trusted.
//!
//! In the course kernel, notebook cells and this crate are compiled with
//! release-grade settings: full optimisation, no debug assertions, no
//! overflow checks. [`build_info`] reports what was actually used;
//! notebooks show it in their first cell.

use std::sync::OnceLock;

/// The compile settings of this crate.
///
/// ```
/// let info = parallel_course::build_info();
/// println!("{info}"); // e.g. "opt-level 3, debug assertions off, overflow checks off (release-grade)"
/// assert_eq!(info.debug_assertions, cfg!(debug_assertions));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildInfo {
    /// Cargo's `opt-level` ("0" to "3", "s" or "z").
    pub opt_level: &'static str,
    /// Cargo's profile name as seen by the build script ("debug" for the
    /// dev profile, which the kernel uses, or "release").
    pub profile: &'static str,
    /// Whether `debug_assert!` and friends are compiled in.
    pub debug_assertions: bool,
    /// Whether integer overflow panics (true) or wraps (false).
    pub overflow_checks: bool,
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
            "opt-level {}, debug assertions {}, overflow checks {} ({})",
            self.opt_level,
            on(self.debug_assertions),
            on(self.overflow_checks),
            if self.is_release_grade() {
                "release-grade"
            } else {
                "NOT release-grade: timings will be slower than a release build"
            }
        )
    }
}

/// Reports how this crate was compiled.
pub fn build_info() -> BuildInfo {
    BuildInfo {
        opt_level: env!("PARALLEL_COURSE_OPT_LEVEL"),
        profile: env!("PARALLEL_COURSE_PROFILE"),
        debug_assertions: cfg!(debug_assertions),
        overflow_checks: overflow_checks_enabled(),
    }
}

/// Whether `+` on integers panics on overflow in this crate. Found out
/// once by trying it, with the panic message silenced.
fn overflow_checks_enabled() -> bool {
    static CHECKED: OnceLock<bool> = OnceLock::new();
    *CHECKED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let trapped = std::panic::catch_unwind(|| {
            std::hint::black_box(u8::MAX) + std::hint::black_box(1u8)
        })
        .is_err();
        std::panic::set_hook(previous);
        trapped
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn overflow_check_detection_matches_the_profile() {
        // Tests build with the dev profile unless --release is given; both
        // keep overflow checks tied to debug assertions by default.
        assert_eq!(super::build_info().overflow_checks, cfg!(debug_assertions));
    }
}

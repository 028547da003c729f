//! Which memory allocator the kernel runs on, chosen by the kernelspec.
//!
//! A kernel holds rust-analyzer's database (evcxr asks it for the type of
//! every new variable): some 250 MiB of long-lived data, built among as much
//! again of short-lived data. What is freed in between is what each
//! allocator keeps or gives back:
//!
//! - **mimalloc** (the default) is the faster: on this course's 2-core test
//!   machine a kernel started about 0.8 s sooner and a trivial cell took
//!   the same time or up to 0.03 s less. It gives back only whole pages of
//!   64 KiB with nothing live in them, so the analysis leaves the kernel
//!   at about 420 MiB.
//! - **the system allocator** (glibc's on Linux) can give back every free
//!   4 KiB page inside its heap. After each cell the kernel lets
//!   rust-analyzer drop what it keeps only while recently used and trims
//!   the heap (about 30 ms, after the cell's reply): about 320 MiB.
//!
//! A laptop has memory to spare and a learner waiting: mimalloc. A room
//! server holds one kernel per learner: the room's kernelspec asks for the
//! system allocator.
//!
//! ```
//! use course_kernel_core::allocator::Allocator;
//!
//! assert_eq!(Allocator::from_setting(None), Ok(Allocator::Mimalloc));
//! assert_eq!(Allocator::from_setting(Some(b"system")), Ok(Allocator::System));
//! assert!(!Allocator::Mimalloc.trims_after_cells());
//! assert!(Allocator::from_setting(Some(b"jemalloc")).is_err());
//! ```

/// The environment variable, set by the kernelspec, that chooses the
/// allocator: `mimalloc` (the default when unset or empty) or `system`.
pub const ALLOCATOR_ENV: &str = "COURSE_KERNEL_ALLOCATOR";

/// A kernel's memory allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// mimalloc: the faster start and cells.
    Mimalloc,
    /// The system's allocator, trimmed after each cell: the smaller kernel.
    System,
}

/// The value the allocator's environment variable held, when it names no
/// allocator (borrowed: refusing it allocates nothing, since the kernel
/// reads the variable inside its first allocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAllocator<'a>(pub &'a [u8]);

impl std::fmt::Display for UnknownAllocator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{ALLOCATOR_ENV}={:?} names no allocator; allowed are \"mimalloc\" (the default) and \
             \"system\"; the kernel uses mimalloc",
            String::from_utf8_lossy(self.0)
        )
    }
}

impl std::error::Error for UnknownAllocator<'_> {}

impl Allocator {
    /// The allocator the variable's value (its bytes, as `getenv` gives
    /// them before anything is allocated) asks for. Unset or empty means
    /// the default; any other value is refused, and the kernel then uses
    /// the default and says so on its log. Nothing is allocated, on
    /// either path.
    ///
    /// ```
    /// use course_kernel_core::allocator::Allocator;
    ///
    /// assert_eq!(Allocator::from_setting(Some(b"")), Ok(Allocator::Mimalloc));
    /// assert_eq!(Allocator::from_setting(Some(b"mimalloc")), Ok(Allocator::Mimalloc));
    /// let refused = Allocator::from_setting(Some(b"System ")).unwrap_err();
    /// assert!(refused.to_string().contains("allowed are \"mimalloc\""));
    /// ```
    pub fn from_setting(value: Option<&[u8]>) -> Result<Allocator, UnknownAllocator<'_>> {
        match value {
            None | Some(b"") | Some(b"mimalloc") => Ok(Allocator::Mimalloc),
            Some(b"system") => Ok(Allocator::System),
            Some(other) => Err(UnknownAllocator(other)),
        }
    }

    /// Whether the kernel, after each cell, lets rust-analyzer drop what it
    /// keeps only while recently used and trims the heap: worth its 30 ms
    /// only where the allocator gives those pages back.
    ///
    /// ```
    /// use course_kernel_core::allocator::Allocator;
    ///
    /// assert!(Allocator::System.trims_after_cells());
    /// ```
    pub fn trims_after_cells(self) -> bool {
        self == Allocator::System
    }

    /// The allocator's name, as the variable spells it.
    ///
    /// ```
    /// use course_kernel_core::allocator::Allocator;
    ///
    /// assert_eq!(Allocator::System.name(), "system");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Allocator::Mimalloc => "mimalloc",
            Allocator::System => "system",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_empty_mean_mimalloc() {
        assert_eq!(Allocator::from_setting(None), Ok(Allocator::Mimalloc));
        assert_eq!(Allocator::from_setting(Some(b"")), Ok(Allocator::Mimalloc));
    }

    #[test]
    fn only_the_system_allocator_trims() {
        assert!(Allocator::System.trims_after_cells());
        assert!(!Allocator::Mimalloc.trims_after_cells());
    }

    #[test]
    fn a_misspelt_name_is_refused_with_what_is_allowed() {
        for wrong in [&b"System"[..], b"glibc", b" system", b"\xff"] {
            let refused = Allocator::from_setting(Some(wrong)).unwrap_err();
            let message = refused.to_string();
            assert!(message.contains(ALLOCATOR_ENV), "{message}");
            assert!(message.contains("\"system\""), "{message}");
            assert!(message.contains("uses mimalloc"), "{message}");
        }
    }

    #[test]
    fn names_read_back() {
        for a in [Allocator::Mimalloc, Allocator::System] {
            assert_eq!(Allocator::from_setting(Some(a.name().as_bytes())), Ok(a));
        }
    }
}

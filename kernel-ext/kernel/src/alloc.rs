//! The kernel's global allocator: mimalloc, or the system's when the
//! kernelspec asks for it (see `course_kernel_core::allocator`).
//!
//! The choice is read once, by the first allocation (before `main` runs,
//! on the only thread there is), with `getenv`, which allocates nothing,
//! and never changes after: every block is freed by the allocator that
//! gave it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use course_kernel_core::allocator::Allocator;

/// Not read yet, mimalloc, system.
const UNREAD: u8 = 0;
const MIMALLOC: u8 = 1;
const SYSTEM: u8 = 2;

static CHOSEN: AtomicU8 = AtomicU8::new(UNREAD);

/// The allocator this process runs on.
pub fn chosen() -> Allocator {
    match CHOSEN.load(Ordering::Relaxed) {
        MIMALLOC => Allocator::Mimalloc,
        SYSTEM => Allocator::System,
        _ => {
            let allocator = read_setting();
            let code = match allocator {
                Allocator::Mimalloc => MIMALLOC,
                Allocator::System => SYSTEM,
            };
            // Two threads reading at once read the same environment.
            CHOSEN.store(code, Ordering::Relaxed);
            allocator
        }
    }
}

/// The variable's value, read without allocating; a value that names no
/// allocator gives the default (`main` says so on the log). The cell
/// process (this program again, started by evcxr) always runs on
/// mimalloc: the learner's code allocates as it does everywhere else.
fn read_setting() -> Allocator {
    #[cfg(unix)]
    {
        // SAFETY: a NUL-terminated literal; only whether it is set is read.
        if !unsafe { libc::getenv(c"EVCXR_IS_RUNTIME".as_ptr()) }.is_null() {
            return Allocator::Mimalloc;
        }
        // SAFETY: the name is a NUL-terminated literal; the value is read
        // at once, before any thread could change the environment.
        let value = unsafe { libc::getenv(c"COURSE_KERNEL_ALLOCATOR".as_ptr()) };
        let bytes = (!value.is_null())
            // SAFETY: getenv returned a NUL-terminated string.
            .then(|| unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes());
        Allocator::from_setting(bytes).unwrap_or(Allocator::Mimalloc)
    }
    #[cfg(not(unix))]
    {
        Allocator::Mimalloc
    }
}

/// The setting's problem, if its value names no allocator: for the log.
pub fn setting_problem() -> Option<String> {
    let value = std::env::var_os(course_kernel_core::allocator::ALLOCATOR_ENV)?;
    Allocator::from_setting(Some(value.as_encoded_bytes()))
        .err()
        .map(|e| e.to_string())
}

/// Gives the system the free pages inside the heap, where the allocator
/// can (glibc's `malloc_trim`; it walks the heap, some 20–30 ms after a
/// cell's analysis). Elsewhere nothing is done.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if chosen() == Allocator::System {
        // SAFETY: malloc_trim only returns pages that hold no live allocation.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// mimalloc or the system's allocator, as chosen.
pub struct CourseAllocator;

// SAFETY: each call goes to one allocator, the same for the whole life of
// the process, which upholds GlobalAlloc's contract itself.
unsafe impl GlobalAlloc for CourseAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match chosen() {
            // SAFETY: forwarded with the caller's guarantees.
            Allocator::Mimalloc => unsafe { mimalloc::MiMalloc.alloc(layout) },
            Allocator::System => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match chosen() {
            // SAFETY: forwarded with the caller's guarantees.
            Allocator::Mimalloc => unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) },
            Allocator::System => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match chosen() {
            // SAFETY: `ptr` came from the same allocator (the choice never changes).
            Allocator::Mimalloc => unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) },
            Allocator::System => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match chosen() {
            // SAFETY: `ptr` came from the same allocator (the choice never changes).
            Allocator::Mimalloc => unsafe {
                mimalloc::MiMalloc.realloc(ptr, layout, new_size)
            },
            Allocator::System => unsafe { System.realloc(ptr, layout, new_size) },
        }
    }
}

//! Thin wrappers over operating-system calls the toolkit needs.

/// `getrusage(RUSAGE_SELF)`: resource use of this whole process.
#[cfg(unix)]
pub(crate) fn rusage_self() -> Option<libc::rusage> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` points to writable memory of the right type;
    // getrusage fills it in and we only read it when it returns 0.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: a return value of 0 means the struct was filled in.
    (rc == 0).then(|| unsafe { usage.assume_init() })
}

/// Asks Linux to back `len` bytes from `ptr` with transparent huge pages
/// (2 MiB instead of 4 KiB), as NumPy does for large arrays: one page fault
/// then maps 512 times more memory. Only whole pages inside the range are
/// advised. Returns whether the advice was taken; elsewhere a no-op.
pub(crate) fn advise_huge_pages(ptr: *const u8, len: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + len) / PAGE * PAGE;
        if end <= start {
            return false;
        }
        // SAFETY: [start, end) lies inside an allocation the caller owns
        // (rounded inwards to whole pages); MADV_HUGEPAGE only changes how
        // the kernel backs those pages, never their contents.
        let rc = unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE)
        };
        rc == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ptr, len);
        false
    }
}

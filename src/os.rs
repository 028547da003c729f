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

//! The course kernel's runtime: what runs inside the process that runs
//! notebook cells, loaded there by the support crate.
//!
//! The course kernel (`kernel-ext/kernel`) runs cells through evcxr, which
//! compiles each cell and runs it in a child process of the kernel. This
//! crate is the kernel's side inside that process:
//!
//! | module | what |
//! |---|---|
//! | [`interrupt`] | an interrupt request from the kernel, which long work checks and stops at |
//! | [`display`] | outputs sent to the notebook while a cell runs, in order, and updated in place |
//! | [`children`] | child processes that die with the cell that started them |
//! | [`format`] | times and counts printed as IPython prints them |
//!
//! Everything here is inert outside the course kernel: [`in_course_kernel`]
//! says whether it is active, and a program that is not a kernel's cell
//! process behaves exactly as it would without this crate.
//!
//! ```
//! // In a test or a plain program, nothing is interrupted and outputs
//! // are not sent to a kernel.
//! assert!(!course_kernel_runtime::in_course_kernel());
//! assert!(!course_kernel_runtime::interrupt::requested());
//! ```

pub mod children;
pub mod display;
pub mod format;
pub mod interrupt;
pub mod paths;

/// The environment variable the course kernel sets for the processes it
/// starts. Its value is the version of the line protocol in [`display`].
pub const KERNEL_ENV: &str = "COURSE_KERNEL";

/// The environment variable evcxr sets in the process that runs cells.
const EVCXR_RUNTIME_ENV: &str = "EVCXR_IS_RUNTIME";

/// Whether this process runs notebook cells for the course kernel: the
/// kernel started it (it set [`KERNEL_ENV`]) and evcxr runs cells in it.
pub fn in_course_kernel() -> bool {
    std::env::var_os(KERNEL_ENV).is_some()
        && std::env::var_os(EVCXR_RUNTIME_ENV).is_some()
}

//! `course-kernel`: the course's Jupyter kernel.
//!
//! It runs cells with evcxr, the engine behind evcxr_jupyter, and adds what
//! a classroom needs:
//!
//! * an interrupt asks the cell to stop (work in the support crate stops
//!   within a moment and every earlier variable is kept); only a cell that
//!   does not stop is ended, with its process and every process it started,
//!   and the kernel says what was lost and how to make it again (`%rebuild`);
//! * outputs appear while a cell runs, in order, and can be updated in place;
//! * IPython's `%time`, `%%time`, `%timeit` and `%%timeit`;
//! * the support crate is loaded while the learner reads the first
//!   paragraph, and kernels started together never write evcxr's build
//!   cache at once.
//!
//! One program, three roles, chosen by the environment evcxr gives it: the
//! kernel itself (`course-kernel --control_file FILE`, started by Jupyter),
//! the process that runs cells, and the wrapper evcxr puts around `rustc`
//! ([`roles`]).
//!
//! | module | what |
//! |---|---|
//! | [`roles`] | the cell process and the `rustc` wrapper |
//! | [`alloc`] | the global allocator: mimalloc, or the system's for a room |
//! | [`connection`] | the connection file and Jupyter's sockets |
//! | [`server`] | the shell, control, stdin, IOPub and heartbeat channels |
//! | [`engine`] | the thread that owns evcxr: cells, magics, `%rebuild`, completions |
//! | [`outputs`] | the cell's output, passed on as it comes |
//! | [`interrupt`] | asking a cell to stop, and stopping it |
//! | [`parent`] | the kernel ends with the server that started it |
//! | [`preload`] | the support crate, loaded before the first cell asks |
//! | [`errors`] | evcxr's errors as Jupyter shows them |
//! | [`slots`] | warm build folders, one kernel at a time |
//! | [`spare`] | a warm spare kernel, handed to the next notebook |

mod alloc;
mod connection;
mod engine;
mod errors;
mod interrupt;
mod outputs;
mod parent;
mod preload;
mod roles;
mod server;
mod shared;
mod slots;
mod spare;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: alloc::CourseAllocator = alloc::CourseAllocator;

const USAGE: &str = "\
Usage: course-kernel --control_file CONNECTION_FILE

The course's Jupyter kernel. Jupyter starts it from its kernelspec (which
./lab installs as \"parallel-rust\"); there is no need to start it by hand.";

/// Takes a kernel slot (before any thread starts, so that evcxr can be
/// told where to build), or a folder of its own when every slot is taken,
/// then serves Jupyter.
fn run(connection_file: Option<&str>) -> anyhow::Result<()> {
    if let Some(problem) = alloc::setting_problem() {
        eprintln!("course-kernel: {problem}");
    }
    let base = std::env::var_os(course_kernel_core::KERNELS_DIR_ENV).map(|kernels| {
        slots::ensure_build_config(std::path::Path::new(&kernels));
        slots::base_for(
            std::path::Path::new(&kernels),
            std::env::var_os(course_kernel_core::COURSE_ROOT_ENV).as_deref(),
        )
    });
    if let (Some(file), Some(base)) = (connection_file, &base)
        && spare::enabled()
        && let Some(stream) = spare::hand_over(base, file)
    {
        // A warm spare serves this notebook; this process stays the one
        // Jupyter knows, until the spare ends.
        spare::wait_for(stream);
        return Ok(());
    }
    // Only a kernel that compiles needs the cache sound (a spare mended it
    // when it started): 4 ms over ~300 entries, 25 ms from a cold disk.
    roles::mend_build_cache();
    let slot = base.as_deref().and_then(slots::take);
    let dir = match (&slot, &base) {
        (Some(slot), _) => Some(slot.dir.clone()),
        (None, Some(base)) => slots::own_folder(base),
        (None, None) => None,
    };
    if let Some(dir) = &dir {
        // SAFETY: no other thread exists yet, so nothing reads the
        // environment while it changes.
        unsafe { std::env::set_var("EVCXR_TMPDIR", dir) };
    }
    // The display key: the cell process inherits it; a line printed
    // without it is shown as text (see course_kernel_core::display).
    let key = course_kernel_core::display::new_key().map_err(anyhow::Error::msg)?;
    // SAFETY: as above, no other thread exists yet.
    unsafe { std::env::set_var(course_kernel_runtime::display::KEY_ENV, &key) };
    outputs::set_display_key(key);
    let result = match (connection_file, &base) {
        (Some(file), base) => {
            if let Some(base) = base {
                spare::start_next(base);
            }
            server::run(file)
        }
        (None, Some(base)) => spare::run(base),
        (None, None) => Err(anyhow::anyhow!(
            "a spare kernel needs the kernels' folder ({} is not set)",
            course_kernel_core::KERNELS_DIR_ENV
        )),
    };
    drop(slot);
    result
}

fn main() -> ExitCode {
    roles::take_role();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file] if flag == "--control_file" || flag == "-f" => match run(Some(file))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("course-kernel: {e:#}");
                ExitCode::from(1)
            }
        },
        [flag] if flag == "--spare" => match run(None) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("course-kernel: spare: {e:#}");
                ExitCode::from(1)
            }
        },
        [flag] if flag == "--version" => {
            println!("course-kernel {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

//! Compiles `fortran/integral.f90` with gfortran, `-O2 -fopenmp`, into a
//! static library, and links the Fortran runtime and libgomp (OpenMP).
//! Without gfortran the crate still builds: its functions then return an
//! error that says how to install it (`cfg(course_no_fortran)`).
//!
//! The probe's answer decides the build, so Cargo must run this script
//! again whenever the answer may have changed. A file's date cannot say
//! so: a package manager installs gfortran with the package's own date,
//! older than the last build. So, while gfortran is missing, the script
//! names a file that never exists, which makes Cargo run it at every
//! build until gfortran is found; once found, it names the compiler's own
//! file, whose removal makes Cargo run it again.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=fortran");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rustc-check-cfg=cfg(course_no_fortran)");
    let found = Command::new("gfortran")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!(
            "cargo:warning=gfortran was not found: episode 9's Fortran cells will say how to install it"
        );
        println!("cargo:rustc-cfg=course_no_fortran");
        let out = std::env::var_os("OUT_DIR")
            .map(PathBuf::from)
            .unwrap_or_default();
        println!(
            "cargo:rerun-if-changed={}",
            out.join("probe-again-until-gfortran-is-found").display()
        );
        return;
    }
    if let Some(compiler) = on_path("gfortran") {
        println!("cargo:rerun-if-changed={}", compiler.display());
    }
    cc::Build::new()
        .compiler("gfortran")
        .file("fortran/integral.f90")
        .opt_level(2)
        .flag("-fopenmp")
        .compile("course_fortran");
    println!("cargo:rustc-link-lib=gfortran");
    println!("cargo:rustc-link-lib=gomp");
}

/// The first `name` in the folders of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| Path::new(p).is_file())
}

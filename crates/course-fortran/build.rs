//! Compiles `fortran/integral.f90` with gfortran, `-O2 -fopenmp`, into a
//! static library, and links the Fortran runtime and libgomp (OpenMP).
//! Without gfortran the crate still builds: its functions then return an
//! error that says how to install it (`cfg(course_no_fortran)`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=fortran");
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
        // A path that does not exist makes Cargo run this script again at
        // the next build, which finds gfortran once it is installed.
        println!("cargo:rerun-if-changed=/usr/bin/gfortran");
        return;
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

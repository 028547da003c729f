//! Records the optimisation level the crate is compiled with, so notebooks
//! can show (and tests can check) that timings come from optimised code.

fn main() {
    let opt = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "unknown".into());
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=PARALLEL_COURSE_OPT_LEVEL={opt}");
    println!("cargo:rustc-env=PARALLEL_COURSE_PROFILE={profile}");
    println!("cargo:rerun-if-changed=build.rs");
}

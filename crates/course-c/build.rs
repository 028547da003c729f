//! Compiles the C files in `c/` into one static library with `-O2`, the
//! optimisation level C projects usually ship with (whatever the Rust
//! profile asks for), so the comparison with Rust is C as C is built.

fn main() {
    println!("cargo:rerun-if-changed=c");
    cc::Build::new()
        .file("c/integral.c")
        .file("c/arrays.c")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true)
        .compile("course_c");
    // sin() lives in the C maths library.
    println!("cargo:rustc-link-lib=m");
}

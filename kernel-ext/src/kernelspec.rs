//! The course kernelspec: evcxr_jupyter under its own name, with
//! release-grade compile settings and evcxr's build cache.
//!
//! It gets a name of its own because evcxr rewrites the `rust` kernelspec
//! every time it starts, which would drop our settings.

use std::path::Path;

use serde_json::json;

/// The kernel name notebooks refer to in their metadata.
pub const NAME: &str = "parallel-rust";

/// The name JupyterLab shows in its launcher.
pub const DISPLAY_NAME: &str = "Rust (Parallel Programming)";

/// Environment that makes cells and the support crate compile like
/// `cargo build --release`. evcxr builds with Cargo's dev profile; these
/// override it (Cargo gives environment variables precedence over the
/// generated Cargo.toml).
pub const RELEASE_GRADE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_DEV_OPT_LEVEL", "3"),
    ("CARGO_PROFILE_DEV_DEBUG_ASSERTIONS", "false"),
    ("CARGO_PROFILE_DEV_OVERFLOW_CHECKS", "false"),
];

/// The `kernel.json` text.
pub fn kernel_json(evcxr: &Path, config_dir: &Path, path_var: &str) -> String {
    let mut env = serde_json::Map::new();
    for (k, v) in RELEASE_GRADE {
        env.insert(k.into(), v.into());
    }
    env.insert(
        "EVCXR_CONFIG_DIR".into(),
        config_dir.to_string_lossy().into(),
    );
    env.insert("PATH".into(), path_var.into());
    let spec = json!({
        "argv": [evcxr.to_string_lossy(), "--control_file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rust",
        "interrupt_mode": "message",
        "env": env,
        "metadata": { "debugger": false }
    });
    let mut text = serde_json::to_string_pretty(&spec).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_has_its_own_name_and_release_grade_env() {
        let text = kernel_json(
            Path::new("/x/evcxr_jupyter"),
            Path::new("/r/kernel-ext/evcxr"),
            "/bin",
        );
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["argv"][0], "/x/evcxr_jupyter");
        assert_eq!(spec["argv"][2], "{connection_file}");
        assert_eq!(spec["language"], "rust");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_OPT_LEVEL"], "3");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_DEBUG_ASSERTIONS"], "false");
        assert_eq!(spec["env"]["CARGO_PROFILE_DEV_OVERFLOW_CHECKS"], "false");
        assert_eq!(spec["env"]["EVCXR_CONFIG_DIR"], "/r/kernel-ext/evcxr");
        assert_ne!(NAME, "rust");
    }
}

//! The live display lines the cell's process writes
//! ([`course_kernel_runtime::display`]), read back into what the kernel
//! sends: `display_data`, or `update_display_data` for an output shown
//! under a display id.
//!
//! ```
//! use course_kernel_core::display::{Display, read_line};
//! use course_kernel_runtime::display::{Output, encode};
//!
//! let line = encode(&Output::new(&[("text/plain", "half done")]).id("p-1"));
//! let shown = read_line(&line).expect("a display line")?;
//! assert_eq!(shown.display_id.as_deref(), Some("p-1"));
//! assert_eq!(shown.data["text/plain"], "half done");
//! assert!(read_line("an ordinary line of output").is_none());
//! # Ok::<(), String>(())
//! ```

use course_kernel_runtime::display::PREFIX;
use serde_json::{Map, Value, json};

/// One output to show, from a display line.
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    /// MIME type to content.
    pub data: Map<String, Value>,
    /// The display id it is shown or updated under.
    pub display_id: Option<String>,
    /// Whether it replaces the output shown under its display id.
    pub update: bool,
}

impl Display {
    /// The Jupyter message type that shows it.
    pub fn msg_type(&self) -> &'static str {
        if self.update && self.display_id.is_some() {
            "update_display_data"
        } else {
            "display_data"
        }
    }

    /// The message content: `data`, `metadata` and, with a display id,
    /// `transient.display_id`.
    pub fn content(&self) -> Value {
        let mut content = json!({ "data": self.data, "metadata": {} });
        if let Some(id) = &self.display_id {
            content["transient"] = json!({ "display_id": id });
        }
        content
    }
}

/// The output a line of the cell's standard output asks to show: `None`
/// for an ordinary line, `Some(Err(..))` for a display line that cannot be
/// read (which the kernel reports instead of dropping).
pub fn read_line(line: &str) -> Option<Result<Display, String>> {
    let json = line.strip_prefix(PREFIX)?;
    Some(parse(json))
}

fn parse(json: &str) -> Result<Display, String> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| format!("a display line is not JSON: {e}"))?;
    let data = value["data"]
        .as_object()
        .cloned()
        .ok_or("a display line has no data")?;
    Ok(Display {
        data,
        display_id: value["display_id"].as_str().map(str::to_string),
        update: value["update"].as_bool().unwrap_or(false),
    })
}

/// Whether a cell's result is only the unit value `()`, which the kernel
/// does not show: a cell that ends in a `for` loop or a call returning
/// nothing shows nothing, as a Python cell that evaluates to `None` does.
///
/// ```
/// use std::collections::HashMap;
/// use course_kernel_core::display::is_unit_result;
/// let unit = HashMap::from([("text/plain".to_string(), "()".to_string())]);
/// let number = HashMap::from([("text/plain".to_string(), "42".to_string())]);
/// assert!(is_unit_result(&unit));
/// assert!(!is_unit_result(&number));
/// ```
pub fn is_unit_result(bundle: &std::collections::HashMap<String, String>) -> bool {
    bundle.len() == 1
        && bundle
            .get("text/plain")
            .is_some_and(|text| text.trim() == "()")
}

#[cfg(test)]
mod tests {
    use super::*;
    use course_kernel_runtime::display::{Output, encode};

    #[test]
    fn every_character_survives_the_round_trip() {
        let text = "EVCXR_BEGIN_CONTENT \"q\" \\ \n\t\u{1} µs _x_";
        let line = encode(&Output::new(&[("text/html", text)]));
        let shown = read_line(&line).unwrap().unwrap();
        assert_eq!(shown.data["text/html"], text);
        assert_eq!(shown.msg_type(), "display_data");
        assert!(shown.content().get("transient").is_none());
    }

    #[test]
    fn an_update_names_its_display() {
        let line = encode(&Output {
            data: &[("text/plain", "x")],
            display_id: Some("cpu-7"),
            update: true,
        });
        let shown = read_line(&line).unwrap().unwrap();
        assert_eq!(shown.msg_type(), "update_display_data");
        assert_eq!(shown.content()["transient"]["display_id"], "cpu-7");
    }

    #[test]
    fn a_broken_line_is_an_error_not_silence() {
        let line = format!("{PREFIX}{{not json");
        assert!(read_line(&line).unwrap().is_err());
    }
}

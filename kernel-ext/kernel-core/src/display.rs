//! The live display lines the cell's process writes
//! ([`course_kernel_runtime::display`]), read back into what the kernel
//! sends: `display_data`, or `update_display_data` for an output shown
//! under a display id.
//!
//! A display line counts only when it carries the kernel's display key
//! ([`new_key`]), which only the kernel and its cell process know: a line
//! with the prefix and another key (or none) is ordinary text.
//!
//! ```
//! use course_kernel_core::display::{Display, read_line};
//! use course_kernel_runtime::display::{Output, encode_with_key};
//!
//! let key = "0123abcd";
//! let line = encode_with_key(&Output::new(&[("text/plain", "half done")]).id("p-1"), key);
//! let shown = read_line(&line, key).expect("a display line")?;
//! assert_eq!(shown.display_id.as_deref(), Some("p-1"));
//! assert_eq!(shown.data["text/plain"], "half done");
//! assert!(read_line("an ordinary line of output", key).is_none());
//! // Printed by anyone without the key: shown as text.
//! let forged = encode_with_key(&Output::new(&[("text/html", "<img src=x>")]), "guess");
//! assert!(read_line(&forged, key).is_none());
//! # Ok::<(), String>(())
//! ```

use course_kernel_runtime::display::PREFIX;
use serde_json::{Map, Value, json};

/// A fresh display key: 256 random bits as hex.
///
/// # Errors
///
/// When the operating system's random source cannot be read.
pub fn new_key() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("no random bytes for the display key: {e}"))?;
    Ok(hex::encode(bytes))
}

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
/// for an ordinary line (and for a line with the prefix but not the key
/// `key`, which is shown as the text it is), `Some(Err(..))` for a display
/// line with the key that cannot be read (which the kernel reports instead
/// of dropping). An empty `key` matches nothing.
pub fn read_line(line: &str, key: &str) -> Option<Result<Display, String>> {
    let rest = line.strip_prefix(PREFIX)?;
    let (given, json) = rest.split_once(' ')?;
    if key.is_empty() || !same(given.as_bytes(), key.as_bytes()) {
        return None;
    }
    Some(parse(json))
}

/// Whether `a` and `b` are equal, in a time that does not depend on where
/// they first differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    use course_kernel_runtime::display::{Output, encode_with_key};

    const KEY: &str = "5ecret";

    fn encode(output: &Output<'_>) -> String {
        encode_with_key(output, KEY)
    }

    #[test]
    fn every_character_survives_the_round_trip() {
        let text = "EVCXR_BEGIN_CONTENT \"q\" \\ \n\t\u{1} µs _x_";
        let line = encode(&Output::new(&[("text/html", text)]));
        let shown = read_line(&line, KEY).unwrap().unwrap();
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
        let shown = read_line(&line, KEY).unwrap().unwrap();
        assert_eq!(shown.msg_type(), "update_display_data");
        assert_eq!(shown.content()["transient"]["display_id"], "cpu-7");
    }

    #[test]
    fn a_broken_line_is_an_error_not_silence() {
        let line = format!("{PREFIX}{KEY} {{not json");
        assert!(read_line(&line, KEY).unwrap().is_err());
    }

    #[test]
    fn a_line_without_the_key_is_text() {
        let html = Output::new(&[("text/html", "<img src=x onerror=alert(1)>")]);
        for forged in [
            encode_with_key(&html, "5ecreT"),
            encode_with_key(&html, "5ecre"),
            encode_with_key(&html, ""),
            format!("{PREFIX}{{\"data\":{{\"text/html\":\"<b>x</b>\"}}}}"),
        ] {
            assert!(read_line(&forged, KEY).is_none(), "{forged}");
        }
        // A kernel without a key shows no display line at all.
        assert!(read_line(&encode(&html), "").is_none());
    }

    #[test]
    fn keys_are_fresh_hex() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

//! Cursor positions: Jupyter counts Unicode code points, Rust strings are
//! indexed in bytes.
//!
//! ```
//! use course_kernel_core::text::{byte_offset, char_offset};
//!
//! let code = "let µ = 1;";
//! assert_eq!(byte_offset(code, 4), 4); // µ starts after "let "
//! assert_eq!(byte_offset(code, 5), 6); // and takes two bytes
//! assert_eq!(char_offset(code, 6), 5);
//! assert_eq!(byte_offset(code, 100), code.len());
//! ```

/// The byte offset of code point number `chars` (the end if beyond it).
pub fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The number of code points before byte offset `bytes`.
pub fn char_offset(text: &str, bytes: usize) -> usize {
    text.char_indices().take_while(|(i, _)| *i < bytes).count()
}

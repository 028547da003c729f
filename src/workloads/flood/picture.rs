//! The flood drawn: ground in greens and browns by height, water in blues
//! by depth; several moments side by side.

use crate::display::{emit, escape_html};
use crate::error::Result;
use crate::workloads::fractal::encode_png;

use super::Flood;

/// Water shallower than this is drawn as dry ground (metres).
const WET: f64 = 0.002;

/// Water this deep or deeper gets the darkest blue (metres).
const DEEP: f64 = 0.35;

/// A picture of the flood at one moment, at most `side` pixels a side.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodPicture {
    caption: String,
    description: String,
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

/// The largest side of a picture shown in the notebook.
const SIDE: usize = 320;

impl FloodPicture {
    /// Draws `flood`, shrunk (every k-th cell) to at most 320 pixels a side.
    pub fn of(flood: &Flood, caption: &str) -> FloodPicture {
        let k = flood.rows.max(flood.cols).div_ceil(SIDE).max(1);
        let (width, height) = (flood.cols.div_ceil(k), flood.rows.div_ceil(k));
        let (low, high) = flood
            .ground
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &z| {
                (l.min(z), h.max(z))
            });
        let span = (high - low).max(1e-9);
        let wet = flood.water.iter().filter(|&&h| h > WET).count();
        let deepest = flood.water.iter().fold(0.0f64, |d, &h| d.max(h));
        let description = format!(
            "{caption}: the flood on a grid of {} by {} cells, {:.0} % of them under water, \
             deepest {deepest:.2} m; water in blues (darker is deeper), dry ground from \
             green (low) to brown (high)",
            flood.rows,
            flood.cols,
            100.0 * wet as f64 / (flood.rows * flood.cols).max(1) as f64,
        );
        let mut rgb = Vec::with_capacity(width * height * 3);
        for i in (0..flood.rows).step_by(k) {
            for j in (0..flood.cols).step_by(k) {
                let at = i * flood.cols + j;
                let (h, z) = (flood.water[at], flood.ground[at]);
                let c = if h > WET {
                    colorous::BLUES.eval_continuous(0.35 + 0.65 * (h / DEEP).min(1.0))
                } else {
                    colorous::YELLOW_GREEN.eval_continuous(0.85 - 0.75 * (z - low) / span)
                };
                rgb.extend_from_slice(&[c.r, c.g, c.b]);
            }
        }
        FloodPicture {
            caption: caption.to_string(),
            description,
            width,
            height,
            rgb,
        }
    }

    /// What the picture shows, in words: its caption, the grid's size, the
    /// share of cells under water and the deepest water. It is the
    /// picture's text alternative (the `alt` of its image).
    ///
    /// ```
    /// use parallel_course::workloads::flood::{Flood, FloodPicture};
    /// let start = Flood::dam_break(64, 1)?;
    /// let words = FloodPicture::of(&start, "step 0").description().to_string();
    /// assert!(words.starts_with("step 0: the flood on a grid of 64 by 64 cells"));
    /// assert!(words.contains("% of them under water"));
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The colour of pixel `(x, y)`, from the top left; `None` outside.
    pub fn pixel(&self, x: usize, y: usize) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (y * self.width + x) * 3;
        Some([self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]])
    }

    /// The picture as PNG bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`](crate::Error::Plot) if the encoder fails.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        encode_png(self.width, self.height, &self.rgb)
    }

    /// The picture as an HTML `<figure>` with the PNG inlined.
    ///
    /// # Errors
    ///
    /// As [`to_png`](Self::to_png).
    pub fn to_html(&self) -> Result<String> {
        use base64::Engine as _;
        Ok(format!(
            r#"<figure style="display:inline-block;margin:4px"><img alt="{alt}" src="data:image/png;base64,{}"/><figcaption>{c}</figcaption></figure>"#,
            base64::engine::general_purpose::STANDARD.encode(self.to_png()?),
            alt = escape_html(&self.description),
            c = escape_html(&self.caption),
        ))
    }

    /// Shows the picture in the notebook.
    pub fn evcxr_display(&self) {
        match self.to_html() {
            Ok(html) => emit(&[("text/plain", &self.description), ("text/html", &html)]),
            Err(e) => emit(&[(
                "text/plain",
                &format!("{} (not drawn: {e})", self.description),
            )]),
        }
    }
}

/// Pictures of several moments of a flood, shown side by side.
///
/// ```
/// use parallel_course::workloads::flood::{Flood, FloodFilm, flood_serial};
/// let start = Flood::dam_break(64, 1)?;
/// let mut film = FloodFilm::new();
/// film.frame("step 0", &start);
/// film.frame("step 50", &flood_serial(&start, 50)?);
/// assert_eq!(film.len(), 2);
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FloodFilm {
    frames: Vec<FloodPicture>,
}

impl FloodFilm {
    /// A film with no frames yet.
    pub fn new() -> FloodFilm {
        FloodFilm::default()
    }

    /// Adds a picture of `flood` with a caption.
    pub fn frame(&mut self, caption: &str, flood: &Flood) -> &mut Self {
        self.frames.push(FloodPicture::of(flood, caption));
        self
    }

    /// How many frames the film has.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether the film has no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frames side by side, as HTML.
    ///
    /// # Errors
    ///
    /// As [`FloodPicture::to_png`].
    pub fn to_html(&self) -> Result<String> {
        let figures = self
            .frames
            .iter()
            .map(FloodPicture::to_html)
            .collect::<Result<Vec<_>>>()?;
        Ok(format!("<div>{}</div>", figures.concat()))
    }

    /// Shows the frames in the notebook.
    pub fn evcxr_display(&self) {
        let text: Vec<&str> = self.frames.iter().map(|f| f.description()).collect();
        let text = format!("{} frames:\n{}", self.frames.len(), text.join("\n"));
        match self.to_html() {
            Ok(html) => emit(&[("text/plain", &text), ("text/html", &html)]),
            Err(e) => emit(&[("text/plain", &format!("{text} (not drawn: {e})"))]),
        }
    }
}

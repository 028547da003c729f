//! Plots drawn with plotters into SVG, shown inline in JupyterLab and
//! savable to a file.
//!
//! The toolkit's results have `plot()` methods returning a [`Figure`]. For
//! plots of your own, [`LineChart`] draws labelled lines in one call, and
//! the full [`plotters`] crate is re-exported for anything else (draw on an
//! `SVGBackend` and wrap the string with
//! [`Figure::from_svg`]).

use std::path::Path;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::error::{Error, Result};

/// A finished plot: an SVG document.
///
/// As the last expression of a cell it shows inline. It is sent as an HTML
/// `<img>` holding the SVG as a data URL, which JupyterLab draws even in a
/// notebook it does not trust (a downloaded one, say); a bare
/// `image/svg+xml` output would show only as text there. Use
/// [`save`](Figure::save) to keep it as a file.
///
/// ```
/// use parallel_course::plot::LineChart;
///
/// let fig = LineChart::new("Squares", "x", "x²")
///     .line("x²", (0..10).map(|x| (x as f64, (x * x) as f64)))
///     .draw()?;
/// assert!(fig.svg().starts_with("<svg"));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Figure {
    svg: String,
    title: String,
    description: String,
}

impl Figure {
    /// Wraps an SVG document drawn elsewhere (for example with plotters'
    /// `SVGBackend::with_string`). The title is its text alternative; give
    /// a fuller one with [`described`](Figure::described).
    pub fn from_svg(svg: impl Into<String>, title: impl Into<String>) -> Figure {
        let title = title.into();
        Figure::described(svg, title.clone(), title)
    }

    /// Wraps an SVG document with a title and a description of what it
    /// shows, in words: the text alternative that a screen reader reads
    /// instead of the picture. Both go into the SVG as `<title>` and
    /// `<desc>` (with `role="img"`), unless it has a `<title>` already, and
    /// the description is the `alt` text of [`to_html`](Figure::to_html).
    ///
    /// ```
    /// use parallel_course::plot::Figure;
    ///
    /// let fig = Figure::described(
    ///     r#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>"#,
    ///     "A dot",
    ///     "One black dot, 5 pixels across.",
    /// );
    /// assert!(fig.svg().contains("<title>A dot</title><desc>One black dot"));
    /// assert!(fig.to_html().starts_with(r#"<img alt="One black dot, 5 pixels across.""#));
    /// ```
    pub fn described(
        svg: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Figure {
        let (title, description) = (title.into(), description.into());
        Figure {
            svg: label_svg(svg.into(), &title, &description),
            title,
            description,
        }
    }

    /// The SVG text.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// The title given when the figure was drawn.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// What the figure shows, in words: its text alternative. For the
    /// charts of this module, the title, both axes with their ranges, and
    /// each line or bar with its values.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Writes the SVG to `path` (conventionally ending in `.svg`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.svg)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// The figure as an HTML `<img>` element with the SVG inlined as a
    /// base64 data URL; its `alt` text is the [`description`](Figure::description).
    ///
    /// ```
    /// let fig = parallel_course::plot::Figure::from_svg("<svg/>", "empty");
    /// assert!(fig.to_html().starts_with(r#"<img alt="empty" src="data:image/svg+xml;base64,"#));
    /// ```
    pub fn to_html(&self) -> String {
        use base64::Engine as _;
        format!(
            r#"<img alt="{}" src="data:image/svg+xml;base64,{}"/>"#,
            crate::display::escape_html(&self.description),
            base64::engine::general_purpose::STANDARD.encode(&self.svg)
        )
    }

    /// Shows the figure in the notebook.
    pub fn evcxr_display(&self) {
        crate::display::emit(&[
            ("text/plain", &format!("[figure: {}]", self.title)),
            ("text/html", &self.to_html()),
        ]);
    }
}

impl std::fmt::Debug for Figure {
    /// Short on purpose: the SVG text is long and unreadable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Figure")
            .field("title", &self.title)
            .field("description", &self.description)
            .field("svg_bytes", &self.svg.len())
            .finish()
    }
}

/// Gives an SVG document a `<title>` and a `<desc>` as its first children
/// and `role="img"` with an `aria-label` on its root, so that the picture
/// has a text alternative wherever it is shown or saved. A document that
/// has a `<title>` already, or no `<svg` root, is left as it is.
fn label_svg(svg: String, title: &str, description: &str) -> String {
    if svg.contains("<title") {
        return svg;
    }
    let Some(start) = svg.find("<svg") else {
        return svg;
    };
    let Some(end) = svg[start..].find('>').map(|i| start + i) else {
        return svg;
    };
    let self_closing = svg[..end].ends_with('/');
    let open_end = if self_closing { end - 1 } else { end };
    let (title, description) = (escape_xml(title), escape_xml(description));
    let children = format!("<title>{title}</title><desc>{description}</desc>");
    let mut out = String::with_capacity(svg.len() + children.len() + title.len() + 40);
    out.push_str(&svg[..open_end]);
    out.push_str(&format!(r#" role="img" aria-label="{title}">"#));
    out.push_str(&children);
    if self_closing {
        out.push_str("</svg>");
    }
    out.push_str(&svg[end + 1..]);
    out
}

/// Text for an XML element or attribute.
fn escape_xml(text: &str) -> String {
    crate::display::escape_html(text).replace('\'', "&apos;")
}

/// A number on an axis, as the charts' tick labels write it.
fn number(v: f64) -> String {
    crate::format::significant(v, 3)
}

/// A chart's text alternative: its kind and title, its axes with their
/// ranges, then one sentence per series.
fn chart_description(
    kind: &str,
    title: &str,
    axes: &[String],
    series: &[String],
) -> String {
    let mut text = format!("{kind} \u{201c}{title}\u{201d}: {}.", axes.join("; "));
    for s in series {
        text.push(' ');
        text.push_str(s);
    }
    text
}

/// The colours lines take in order (a colour-blind-safe palette).
pub const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

#[derive(Debug, Clone)]
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    dashed: bool,
    markers: bool,
}

/// A line chart in one call: a title, axis labels, and any number of
/// labelled lines.
///
/// ```
/// use parallel_course::plot::LineChart;
///
/// let fig = LineChart::new("Speed-up", "threads", "speed-up")
///     .size(480, 320)
///     .line_with_markers("measured", [(1.0, 1.0), (2.0, 1.9)])
///     .dashed("ideal", [(1.0, 1.0), (2.0, 2.0)])
///     .draw()?;
/// assert!(fig.svg().contains("measured"));
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    size: (u32, u32),
    lines: Vec<Line>,
    y_from_zero: bool,
    y_max: Option<f64>,
    log_x: bool,
    log_y: bool,
    legend: SeriesLabelPosition,
}

impl LineChart {
    /// An empty chart with a title and axis labels, 640×400 pixels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            size: (640, 400),
            lines: Vec::new(),
            y_from_zero: true,
            y_max: None,
            log_x: false,
            log_y: false,
            legend: SeriesLabelPosition::UpperLeft,
        }
    }

    /// Moves the legend (default: upper left), e.g.
    /// `SeriesLabelPosition::LowerRight`.
    pub fn legend_at(mut self, position: SeriesLabelPosition) -> Self {
        self.legend = position;
        self
    }

    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(100), height.max(100));
        self
    }

    /// Lets the y axis start at the smallest value instead of at zero.
    pub fn y_from_data(mut self) -> Self {
        self.y_from_zero = false;
        self
    }

    /// Fixes the top of the y axis (for example 100 for percentages).
    pub fn y_max(mut self, max: f64) -> Self {
        self.y_max = Some(max);
        self
    }

    /// Draws the x axis on a logarithmic scale, for values that span
    /// several powers of ten (task counts from 1 to 100 000, say).
    /// Every x value must then be above zero.
    ///
    /// ```
    /// use parallel_course::plot::LineChart;
    ///
    /// let counts = [1.0, 10.0, 100.0, 1000.0];
    /// let fig = LineChart::new("Cost per task", "tasks", "seconds per task")
    ///     .log_x()
    ///     .log_y()
    ///     .line_with_markers("spawn", counts.map(|n| (n, 1e-5 + 1e-3 / n)))
    ///     .draw()?;
    /// assert!(fig.svg().contains("spawn"));
    ///
    /// let zero = LineChart::new("t", "x", "y").log_x().line("a", [(0.0, 1.0), (1.0, 2.0)]);
    /// assert!(zero.draw().is_err(), "zero has no place on a logarithmic axis");
    /// # Ok::<(), parallel_course::Error>(())
    /// ```
    pub fn log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// Draws the y axis on a logarithmic scale (see [`log_x`](Self::log_x)).
    /// Every y value must then be above zero; the axis spans the data
    /// instead of starting at zero.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    fn push(
        mut self,
        label: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
        dashed: bool,
        markers: bool,
    ) -> Self {
        self.lines.push(Line {
            label: label.into(),
            points: points
                .into_iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect(),
            dashed,
            markers,
        });
        self
    }

    /// Adds a solid line.
    pub fn line(
        self,
        label: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> Self {
        self.push(label, points, false, false)
    }

    /// Adds a solid line with a dot at each point.
    pub fn line_with_markers(
        self,
        label: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> Self {
        self.push(label, points, false, true)
    }

    /// Adds a dashed line (for reference curves such as the ideal).
    pub fn dashed(
        self,
        label: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> Self {
        self.push(label, points, true, false)
    }

    /// Draws the chart.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if there is nothing to draw or plotters fails;
    /// [`Error::InvalidArgument`] for a `y_max` that is not finite, or
    /// values so large that the axes would reach infinity.
    pub fn draw(&self) -> Result<Figure> {
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        if all().next().is_none() {
            return Err(Error::Plot(format!(
                "the chart \"{}\" has no finite points to draw",
                self.title
            )));
        }
        for (log, axis, value) in [(self.log_x, "x", 0), (self.log_y, "y", 1)] {
            let at_or_below_zero = all().any(|&(x, y)| [x, y][value] <= 0.0);
            if log && at_or_below_zero {
                return Err(Error::Plot(format!(
                    "the chart \"{}\" has a logarithmic {axis} axis but a {axis} value at or \
                     below zero; plot only values above zero, or drop log_{axis}()",
                    self.title
                )));
            }
        }
        let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for &(x, y) in all() {
            (x0, x1) = (x0.min(x), x1.max(x));
            (y0, y1) = (y0.min(y), y1.max(y));
        }
        if self.y_from_zero && !self.log_y {
            y0 = y0.min(0.0);
        }
        if let Some(top) = self.y_max {
            if !top.is_finite() {
                return Err(Error::invalid("y_max", top, "a finite number"));
            }
            y1 = y1.max(top);
        }
        if x1 <= x0 {
            x1 = if self.log_x { x0 * 10.0 } else { x0 + 1.0 };
        }
        if y1 <= y0 {
            y1 = if self.log_y { y0 * 10.0 } else { y0 + 1.0 };
        }
        let description = self.describe((x0, x1), (y0, y1));
        if self.log_x {
            (x0, x1) = whole_decades(x0, x1);
        }
        let (y0, y1) = if self.log_y {
            // 5 % of the axis' height, in powers of ten, then out to whole
            // powers of ten so that the axis has labels.
            let pad = (y1 / y0).powf(0.05);
            whole_decades(y0 / pad, y1 * pad)
        } else {
            let pad = (y1 - y0) * 0.05;
            let bottom = if self.y_from_zero && y0 >= 0.0 {
                y0
            } else {
                y0 - pad
            };
            (bottom, y1 + pad)
        };

        // Values near f64's limits overflow the axes' padding; plotters
        // would search for ticks on an infinite axis for ever.
        if ![x0, x1, y0, y1].iter().all(|v| v.is_finite()) {
            return Err(Error::invalid(
                "points",
                format!(
                    "x from {x0} to {x1}, y from {y0} to {y1} with the axes' margins"
                ),
                "values whose axes (with 5 % margins) stay within f64's range, below about 1e307",
            ));
        }
        let mut svg = String::new();
        let (xs, ys) = (x0..x1, y0..y1);
        match (self.log_x, self.log_y) {
            (false, false) => self.render(&mut svg, xs, ys),
            (true, false) => self.render(&mut svg, xs.log_scale(), ys),
            (false, true) => self.render(&mut svg, xs, ys.log_scale()),
            (true, true) => self.render(&mut svg, xs.log_scale(), ys.log_scale()),
        }
        .map_err(|e| Error::Plot(e.to_string()))?;
        Ok(Figure::described(svg, self.title.clone(), description))
    }

    /// The chart in words: the axes with their ranges (as drawn, before
    /// the margin), then each line's style, points, ends and highest value.
    fn describe(&self, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> String {
        let axis = |name: &str, label: &str, from: f64, to: f64, log: bool| {
            let scale = if log { ", logarithmic" } else { "" };
            format!(
                "{name} axis {label}, {} to {}{scale}",
                number(from),
                number(to)
            )
        };
        let axes = [
            axis("x", &self.x_label, x0, x1, self.log_x),
            axis("y", &self.y_label, y0, y1, self.log_y),
        ];
        let series: Vec<String> = self
            .lines
            .iter()
            .filter_map(|line| {
                let (first, last) = (line.points.first()?, line.points.last()?);
                let top = line.points.iter().fold(first, |a, b| if b.1 > a.1 { b } else { a });
                let style = if line.dashed { "dashed line" } else { "line" };
                let name = if line.label.is_empty() { "unnamed" } else { &line.label };
                let at = |(x, y): &(f64, f64)| format!("{} at x = {}", number(*y), number(*x));
                Some(format!(
                    "{style} \u{201c}{name}\u{201d}, {} points: from {} to {}, highest {}.",
                    line.points.len(),
                    at(first),
                    at(last),
                    at(top)
                ))
            })
            .collect();
        chart_description("Line chart", &self.title, &axes, &series)
    }

    fn render<X, Y>(
        &self,
        svg: &mut String,
        xs: X,
        ys: Y,
    ) -> std::result::Result<(), Box<dyn std::error::Error>>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let root = SVGBackend::with_string(svg, self.size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(xs, ys)?;
        let label = |v: &f64| crate::format::significant(*v, 3);
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&label)
            .y_label_formatter(&label)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for (i, line) in self.lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let style = colour.stroke_width(2);
            let anno = if line.dashed {
                chart.draw_series(DashedLineSeries::new(
                    line.points.iter().copied(),
                    8,
                    5,
                    style,
                ))?
            } else {
                chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?
            };
            anno.label(line.label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
            if line.markers {
                chart.draw_series(
                    line.points
                        .iter()
                        .map(|&p| Circle::new(p, 4, colour.filled())),
                )?;
            }
        }
        if self.lines.len() > 1 || !self.lines[0].label.is_empty() {
            chart
                .configure_series_labels()
                .position(self.legend.clone())
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
        root.present()?;
        Ok(())
    }
}

/// A horizontal bar chart in one call: one labelled bar per value, the
/// first at the top (for rankings such as the most frequent words).
///
/// ```
/// use parallel_course::plot::BarChart;
///
/// let fig = BarChart::new("Fruit eaten", "pieces")
///     .bars([("apples", 12.0), ("pears", 7.0), ("plums", 3.0)])
///     .draw()?;
/// assert!(fig.svg().contains("pears"));
/// assert_eq!(fig.svg().matches(">\napples\n<").count(), 1, "each label once");
/// # Ok::<(), parallel_course::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BarChart {
    title: String,
    value_label: String,
    size: Option<(u32, u32)>,
    bars: Vec<(String, f64)>,
}

impl BarChart {
    /// An empty chart with a title and a label for the values' axis.
    pub fn new(title: impl Into<String>, value_label: impl Into<String>) -> Self {
        BarChart {
            title: title.into(),
            value_label: value_label.into(),
            size: None,
            bars: Vec::new(),
        }
    }

    /// Adds bars, drawn top to bottom in the order given.
    pub fn bars<L: Into<String>>(
        mut self,
        bars: impl IntoIterator<Item = (L, f64)>,
    ) -> Self {
        self.bars
            .extend(bars.into_iter().map(|(l, v)| (l.into(), v)));
        self
    }

    /// Sets the size in pixels (default: 640 wide, 22 pixels a bar).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width.max(100), height.max(100)));
        self
    }

    /// Draws the chart.
    ///
    /// # Errors
    ///
    /// [`Error::Plot`] if plotters fails; [`Error::InvalidArgument`] if
    /// there are no bars or a value is negative or not finite.
    pub fn draw(&self) -> Result<Figure> {
        if self.bars.is_empty() {
            return Err(Error::invalid("bars", "none", "one bar or more"));
        }
        if let Some((label, v)) = self
            .bars
            .iter()
            .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
        {
            return Err(Error::invalid(
                "bars",
                format!("bar \"{label}\" = {v}"),
                "finite values of 0 or more",
            ));
        }
        let mut svg = String::new();
        self.render(&mut svg)
            .map_err(|e| Error::Plot(e.to_string()))?;
        let bars: Vec<String> = self
            .bars
            .iter()
            .map(|(label, v)| format!("{label} {}", number(*v)))
            .collect();
        let description = chart_description(
            "Bar chart",
            &self.title,
            &[format!("one bar per label, length {}", self.value_label)],
            &[format!("From the top: {}.", bars.join(", "))],
        );
        Ok(Figure::described(svg, self.title.clone(), description))
    }

    fn render(
        &self,
        svg: &mut String,
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let n = self.bars.len();
        let size = self.size.unwrap_or((640, (22 * n as u32 + 90).max(160)));
        let max = self.bars.iter().map(|b| b.1).fold(0.0, f64::max);
        let max = if max > 0.0 { max * 1.05 } else { 1.0 };
        let longest = self
            .bars
            .iter()
            .map(|b| b.0.chars().count())
            .max()
            .unwrap_or(1);
        let root = SVGBackend::with_string(svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size((longest as u32 * 8 + 16).min(240))
            .build_cartesian_2d(0.0..max, (0..n as i32).into_segmented())?;
        let bars = &self.bars;
        let label = move |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
                .ok()
                .filter(|&i| i < n)
                .and_then(|i| bars.get(n - 1 - i))
                .map(|b| b.0.clone())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        let value = |v: &f64| crate::format::significant(*v, 3);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_desc(&self.value_label)
            .x_label_formatter(&value)
            .y_labels(n)
            .y_label_formatter(&label)
            .draw()?;
        let colour = COLOURS[0];
        chart.draw_series(self.bars.iter().enumerate().map(|(i, (_, v))| {
            let slot = (n - 1 - i) as i32;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(slot)),
                    (*v, SegmentValue::Exact(slot + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        root.present()?;
        Ok(())
    }
}

/// The range from the power of ten at or below `low` to the one at or
/// above `high`: a logarithmic axis labels powers of ten only, so data
/// within one decade (0.2 s to 0.5 s, say) would otherwise get no labels.
fn whole_decades(low: f64, high: f64) -> (f64, f64) {
    let power =
        |exponent: f64| format!("1e{exponent}").parse::<f64>().unwrap_or(f64::NAN);
    let (first, mut last) = (low.log10().floor(), high.log10().ceil());
    if last <= first {
        last = first + 1.0;
    }
    // A hair beyond each power of ten, so that both ends get their label.
    let (bottom, top) = (power(first) * (1.0 - 1e-9), power(last) * (1.0 + 1e-9));
    // Near f64's limits a power of ten rounds to 0 or infinity: keep the
    // data's own range then, and let the caller's finiteness check decide.
    if bottom > 0.0 && top.is_finite() {
        (bottom, top)
    } else {
        (low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_axis_within_one_decade_still_has_labels() {
        // From 0.2 s to 0.5 s: no power of ten inside the data.
        let fig = LineChart::new("times", "tasks", "seconds")
            .log_x()
            .log_y()
            .line("t", [(1.0, 0.5), (4.0, 0.2), (4096.0, 0.3)])
            .draw()
            .expect("positive values draw on log axes");
        for tick in ["0.1", "1"] {
            assert!(
                fig.svg().contains(&format!(">\n{tick}\n<")),
                "tick {tick} missing on the log y axis"
            );
        }
        let close = |(a, b): (f64, f64), (c, d): (f64, f64)| {
            (a / c - 1.0).abs() < 1e-8 && (b / d - 1.0).abs() < 1e-8
        };
        assert!(close(whole_decades(0.2, 0.5), (0.1, 1.0)));
        assert!(close(whole_decades(1.0, 4096.0), (1.0, 10_000.0)));
        assert!(close(whole_decades(10.0, 10.0), (10.0, 100.0)));
    }

    #[test]
    fn an_infinite_y_max_is_refused_instead_of_drawing_for_ever() {
        let chart = LineChart::new("t", "x", "y").line("a", [(1.0, 1.0), (2.0, 2.0)]);
        for top in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            let err = chart.clone().y_max(top).draw().unwrap_err().to_string();
            assert_eq!(
                err,
                format!("invalid `y_max`: {top}; allowed: a finite number")
            );
        }
        assert!(chart.y_max(100.0).draw().is_ok());
    }

    #[test]
    fn values_whose_axes_would_reach_infinity_are_refused() {
        let huge =
            LineChart::new("t", "x", "y").line("a", [(0.0, -f64::MAX), (1.0, f64::MAX)]);
        let err = huge.draw().unwrap_err().to_string();
        assert!(
            err.starts_with("invalid `points`: x from 0 to 1, y from -inf to inf"),
            "{err}"
        );
        assert!(err.contains("allowed: values whose axes"), "{err}");
    }

    #[test]
    fn a_bar_that_is_negative_or_not_finite_is_refused_naming_it() {
        for v in [-1.0, f64::NAN, f64::INFINITY] {
            let err = BarChart::new("t", "v")
                .bars([("a", v)])
                .draw()
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!(
                    "invalid `bars`: bar \"a\" = {v}; allowed: finite values of 0 or more"
                )
            );
        }
    }

    #[test]
    fn a_log_axis_labels_powers_of_ten_across_the_data() {
        let fig = LineChart::new("per task", "tasks", "seconds")
            .log_x()
            .log_y()
            .line("cost", [(1.0, 1e-3), (10.0, 1e-4), (10_000.0, 1e-6)])
            .draw()
            .expect("positive values draw on log axes");
        for tick in ["1", "10", "100", "1000", "10000"] {
            assert!(
                fig.svg().contains(&format!(">\n{tick}\n<")),
                "tick {tick} missing on the log x axis"
            );
        }
    }

    #[test]
    fn a_line_chart_says_in_words_what_it_shows() {
        let fig = LineChart::new("Speed-up", "threads", "speed-up")
            .line_with_markers("measured", [(1.0, 1.0), (2.0, 1.9), (4.0, 3.1)])
            .dashed("ideal", [(1.0, 1.0), (4.0, 4.0)])
            .draw()
            .expect("a chart with points draws");
        let text = fig.description();
        for part in [
            "Line chart \u{201c}Speed-up\u{201d}",
            "x axis threads, 1 to 4",
            "y axis speed-up, 0 to 4",
            "line \u{201c}measured\u{201d}, 3 points: from 1 at x = 1 to 3.1 at x = 4",
            "dashed line \u{201c}ideal\u{201d}, 2 points",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text:?}");
        }
        let svg = fig.svg();
        let root = &svg[svg.find("<svg").expect("an svg root")..];
        let root = &root[..root.find('>').expect("the root's end")];
        assert!(
            root.contains(r#"role="img""#) && root.contains(r#"aria-label="Speed-up""#)
        );
        assert!(svg.contains("<title>Speed-up</title><desc>Line chart"));
        assert!(
            fig.to_html()
                .contains("alt=\"Line chart \u{201c}Speed-up\u{201d}: x axis threads")
        );
    }

    #[test]
    fn a_bar_chart_names_every_bar_and_its_value_in_its_text_alternative() {
        let fig = BarChart::new("Words", "occurrences")
            .bars([("whale", 1200.0), ("sea", 455.6)])
            .draw()
            .expect("bars draw");
        assert!(
            fig.description()
                .ends_with("From the top: whale 1200, sea 456."),
            "{}",
            fig.description()
        );
        assert!(fig.description().contains("length occurrences"));
    }

    #[test]
    fn a_figure_with_a_title_of_its_own_is_not_labelled_twice_and_markup_is_escaped() {
        let own = r#"<svg xmlns="http://www.w3.org/2000/svg"><title>Mine</title></svg>"#;
        assert_eq!(Figure::from_svg(own, "other").svg(), own);
        let fig = Figure::described("<svg/>", "a < b", "\"quoted\" & 'single'");
        assert_eq!(
            fig.svg(),
            r#"<svg role="img" aria-label="a &lt; b"><title>a &lt; b</title><desc>&quot;quoted&quot; &amp; &apos;single&apos;</desc></svg>"#
        );
        assert!(
            fig.to_html()
                .starts_with(r#"<img alt="&quot;quoted&quot; &amp; 'single'""#)
        );
    }

    #[test]
    fn a_value_at_or_below_zero_on_a_log_axis_is_refused_with_the_axis_named() {
        let err = LineChart::new("t", "x", "y")
            .log_y()
            .line("a", [(1.0, 0.0), (2.0, 1.0)])
            .draw()
            .expect_err("zero on a log y axis");
        assert!(err.to_string().contains("logarithmic y axis"), "{err}");
        let linear = LineChart::new("t", "x", "y").line("a", [(1.0, 0.0), (2.0, 1.0)]);
        assert!(linear.draw().is_ok(), "zero is fine on a linear axis");
    }
}

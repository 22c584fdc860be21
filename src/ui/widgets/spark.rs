//! A sparkline of a metric series, one or more rows high, with a trigger's threshold drawn as a
//! dim line at its height and the samples above it in the failure style, so a breach shows both
//! as shape (the bar crosses the line) and as colour.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// How a sparkline is drawn.
pub struct SparkStyle {
    /// Samples at or under the threshold (or all of them without one).
    pub normal: Style,
    /// Samples over the threshold.
    pub breach: Style,
    /// The threshold line and the no-data marks.
    pub muted: Style,
}

/// Samples per cell, spread over the whole width (the series' time span); when there are more
/// samples than cells each cell keeps the highest of its samples, so a short breach is never
/// averaged away.
fn cells(values: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    if values.is_empty() {
        return vec![None; width];
    }
    if values.len() <= width {
        return (0..width)
            .map(|i| values[i * values.len() / width])
            .collect();
    }
    (0..width)
        .map(|i| {
            let from = i * values.len() / width;
            let to = ((i + 1) * values.len() / width).max(from + 1);
            values[from..to]
                .iter()
                .flatten()
                .copied()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        })
        .collect()
}

/// The value at the top of a sparkline `height` rows high showing values up to `max`: with a
/// threshold, chosen so the threshold falls exactly on a row boundary below the top row, where
/// the line is drawn and a breaching bar visibly crosses it.
pub fn scale(max: f64, threshold: Option<f64>, height: usize) -> f64 {
    let top = threshold.map_or(max, |t| max.max(t * 1.25));
    let top = if top > 0.0 { top } else { 1.0 };
    match threshold {
        Some(t) if t > 0.0 && height >= 2 => {
            let rows = ((t / top * height as f64).round() as usize).clamp(1, height - 1);
            t * height as f64 / rows as f64
        }
        _ => top,
    }
}

/// The highest value of `values`, for [`scale`].
pub fn peak(values: &[Option<f64>]) -> f64 {
    values.iter().flatten().copied().fold(0.0_f64, f64::max)
}

/// `height` lines of `width` cells, top line first, values from 0 to `top` (see [`scale`]).
/// `threshold` draws its line and puts the samples over it in the breach style.
pub fn spark<'a>(
    values: &[Option<f64>],
    width: usize,
    height: usize,
    threshold: Option<f64>,
    top: f64,
    style: &SparkStyle,
) -> Vec<Line<'a>> {
    if width == 0 || height == 0 {
        return Vec::new();
    }
    let cells = cells(values, width);
    let eighths = (height * 8) as f64;
    let level = |v: f64| ((v / top * eighths).round() as usize).min(height * 8);
    // The row holding the threshold line, counted from the bottom: the one just over it.
    let line_row = threshold.map(|t| (level(t) / 8).min(height - 1));
    let mut lines = Vec::with_capacity(height);
    for row in (0..height).rev() {
        let mut runs: Vec<(String, Style)> = Vec::new();
        for cell in &cells {
            let (ch, st) = match cell {
                None if row == 0 => ('·', style.muted),
                None => (' ', style.muted),
                Some(v) => {
                    // A zero still shows as the lowest bar: measured, unlike no data.
                    let l = level(*v).max(1);
                    let ch = BARS[l.saturating_sub(row * 8).min(8)];
                    let over = threshold.is_some_and(|t| *v > t);
                    match (ch, line_row) {
                        (' ', Some(r)) if r == row => ('┈', style.muted),
                        _ if over => (ch, style.breach),
                        _ => (ch, style.normal),
                    }
                }
            };
            match runs.last_mut() {
                Some((text, s)) if *s == st => text.push(ch),
                _ => runs.push((ch.to_string(), st)),
            }
        }
        lines.push(Line::from(
            runs.into_iter()
                .map(|(t, s)| Span::styled(t, s))
                .collect::<Vec<_>>(),
        ));
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn style() -> SparkStyle {
        SparkStyle {
            normal: Style::default().fg(Color::Green),
            breach: Style::default().fg(Color::Red),
            muted: Style::default().fg(Color::DarkGray),
        }
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn samples_spread_over_the_width_and_missing_ones_are_dots() {
        let l = spark(&[Some(1.0), None, Some(2.0)], 6, 1, None, 2.0, &style());
        assert_eq!(text(&l), ["▄▄··██"]);
    }

    #[test]
    fn the_threshold_is_a_line_the_breaching_bars_cross() {
        let v = [Some(0.0), Some(0.5), Some(2.0), Some(0.5)];
        let top = scale(peak(&v), Some(1.0), 2);
        assert_eq!(top, 2.0);
        let l = spark(&v, 4, 2, Some(1.0), top, &style());
        assert_eq!(text(&l), ["┈┈█┈", "▁▄█▄"]);
        let breach = l[1].spans.iter().find(|s| s.content == "█").unwrap();
        assert_eq!(breach.style.fg, Some(Color::Red));
    }

    #[test]
    fn more_samples_than_cells_keep_each_cells_peak() {
        let v = [Some(0.1), Some(4.0), Some(0.1), Some(0.1)];
        let l = spark(&v, 2, 1, None, scale(peak(&v), None, 1), &style());
        assert_eq!(text(&l), ["█▁"]);
    }

    #[test]
    fn the_scale_puts_a_small_threshold_on_a_row_boundary() {
        // A breach far over the threshold would squash it into the bottom row's bars.
        let top = scale(0.032, Some(0.01), 2);
        assert_eq!(top, 0.02);
        let v = [Some(0.004), Some(0.032)];
        let l = spark(&v, 2, 2, Some(0.01), top, &style());
        assert_eq!(text(&l), ["┈█", "▃█"]);
    }
}

//! How commands print: `-o table` (columns that fit 80 characters, `--no-headers`), `-o json`
//! (one document with stable snake_case field names) and `-o yaml` (the same document).

use std::io::Write;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::exit::{Exit, Failure};
use crate::cli::{OutputArgs, OutputFormat};

/// The width every table fits in.
pub const WIDTH: usize = 80;

/// Columns between two cells.
const GAP: &str = "  ";

/// A table: its header and its rows (one cell per header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column titles.
    pub headers: Vec<&'static str>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// Columns never cut (ids a user copies into the next command).
    pub whole: Vec<usize>,
}

impl Table {
    /// A table with these column titles and no rows.
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
            whole: Vec::new(),
        }
    }

    /// Keeps column `column` whole: other columns give way instead.
    pub fn keep_whole(mut self, column: usize) -> Self {
        self.whole.push(column);
        self
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The table as text lines that fit `WIDTH`: the widest column (not kept whole) gives way
    /// first, its cells cut with `…`.
    pub fn render(&self, headers: bool) -> String {
        let mut lines: Vec<Vec<String>> = Vec::new();
        if headers {
            lines.push(self.headers.iter().map(|h| (*h).to_string()).collect());
        }
        lines.extend(self.rows.iter().cloned());
        let columns = self.headers.len();
        let mut widths: Vec<usize> = (0..columns)
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l.get(c).map_or(0, |s| s.width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let total = |w: &[usize]| w.iter().sum::<usize>() + GAP.len() * w.len().saturating_sub(1);
        while total(&widths) > WIDTH {
            let Some((widest, _)) = widths
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.whole.contains(i))
                .max_by_key(|(i, w)| (**w, *i))
            else {
                break;
            };
            if widths[widest] <= 1 {
                break;
            }
            widths[widest] -= 1;
        }
        let mut out = String::new();
        for line in &lines {
            let cells: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(c, w)| pad(&cut(line.get(c).map_or("", String::as_str), *w), *w))
                .collect();
            out.push_str(cells.join(GAP).trim_end());
            out.push('\n');
        }
        out
    }
}

/// `text` cut to `width` columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// Prints `document` as JSON or YAML, or `table`, as `out` asks.
pub fn print<T: Serialize>(out: &OutputArgs, document: &T, table: &Table) -> Result<(), Failure> {
    let text = render(out, document, table)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(Exit::Error, format!("cannot write to stdout: {e}")))
}

/// The text `print` writes.
pub fn render<T: Serialize>(
    out: &OutputArgs,
    document: &T,
    table: &Table,
) -> Result<String, Failure> {
    let cannot = |e: &dyn std::fmt::Display| {
        Failure::new(Exit::Error, format!("cannot write the output: {e}"))
    };
    match out.output {
        OutputFormat::Table => Ok(table.render(!out.no_headers)),
        OutputFormat::Json => serde_json::to_string_pretty(document)
            .map(|s| s + "\n")
            .map_err(|e| cannot(&e)),
        OutputFormat::Yaml => serde_saphyr::to_string(document).map_err(|e| cannot(&e)),
    }
}

/// Unix ms as RFC 3339 UTC, as JSON documents carry times.
pub fn timestamp(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new(&["NAME", "MESSAGE"]);
        t.push(vec!["orders-api".into(), "x".repeat(120)]);
        t.push(vec!["web".into(), "short".into()]);
        t
    }

    #[test]
    fn a_wide_table_fits_80_columns_and_cuts_the_widest_with_an_ellipsis() {
        let text = table().render(true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.width() <= WIDTH), "{text}");
        assert!(lines[1].ends_with('…'), "{text}");
        assert!(lines[0].starts_with("NAME        MESSAGE"), "{text}");
        assert_eq!(lines[2], "web         short");
    }

    #[test]
    fn a_column_kept_whole_is_never_cut() {
        let mut t = Table::new(&["ID", "WHAT"]).keep_whole(0);
        t.push(vec!["i".repeat(60), "w".repeat(60)]);
        let text = t.render(true);
        assert!(text.contains(&"i".repeat(60)), "{text}");
        assert!(text.lines().all(|l| l.width() <= WIDTH), "{text}");
    }

    #[test]
    fn no_headers_drops_the_header_line() {
        let text = table().render(false);
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("orders-api"));
    }

    #[test]
    fn json_and_yaml_carry_the_same_document() {
        let doc = serde_json::json!({"releases": [{"name": "web", "ready": 2}]});
        let args = |output| OutputArgs {
            output,
            no_headers: false,
        };
        let json = render(&args(OutputFormat::Json), &doc, &table()).unwrap();
        let yaml = render(&args(OutputFormat::Yaml), &doc, &table()).unwrap();
        let from_json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let from_yaml: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(from_json, doc);
        assert_eq!(from_yaml, doc);
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(timestamp(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }
}

//! Text helpers: width-aware truncation and log text with its SGR colours.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use regex::Regex;
use unicode_width::UnicodeWidthChar;

use quarterdeck_core::logs::{LogColor, StyledText};

/// `s` cut to `width` columns, ending in `…` when something was cut.
pub fn fit(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` cut or padded to exactly `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    let cut = fit(s, width);
    let used: usize = cut.chars().map(|c| c.width().unwrap_or(0)).sum();
    format!("{cut}{}", " ".repeat(width.saturating_sub(used)))
}

/// `s` broken into lines of at most `width` columns, at spaces where it can, mid-word where a
/// word alone is wider; nothing is dropped.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ') {
        let w = cols(word);
        if used > 0 && used + 1 + w <= width {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    out.push(line);
    out
}

/// The width of `s` in terminal columns.
pub fn cols(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

fn color(c: LogColor) -> Color {
    match c {
        LogColor::Indexed(i) => Color::Indexed(i),
        LogColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn span_style(s: &quarterdeck_core::logs::SpanStyle) -> Style {
    let mut style = Style::default();
    if let Some(fg) = s.fg {
        style = style.fg(color(fg));
    }
    if let Some(bg) = s.bg {
        style = style.bg(color(bg));
    }
    let mut m = Modifier::empty();
    if s.bold {
        m |= Modifier::BOLD;
    }
    if s.italic {
        m |= Modifier::ITALIC;
    }
    if s.underline {
        m |= Modifier::UNDERLINED;
    }
    if s.dim {
        m |= Modifier::DIM;
    }
    style.add_modifier(m)
}

/// Spans for a sanitised log line: its own SGR styles over `base`, filter matches in
/// `highlight`, starting `skip` bytes in (horizontal scroll; moved to a char boundary).
pub fn log_spans<'a>(
    text: &'a StyledText,
    base: Style,
    highlight: Option<(&Regex, Style)>,
    skip: usize,
) -> Vec<Span<'a>> {
    let s = text.text.as_str();
    // Boundaries where the style may change: span edges and match edges.
    let mut cuts = vec![0, s.len()];
    for sp in &text.spans {
        cuts.push(sp.start.min(s.len()));
        cuts.push(sp.end.min(s.len()));
    }
    let matches: Vec<(usize, usize)> = highlight
        .map(|(re, _)| re.find_iter(s).map(|m| (m.start(), m.end())).collect())
        .unwrap_or_default();
    for (a, b) in &matches {
        cuts.push(*a);
        cuts.push(*b);
    }
    let mut start = skip.min(s.len());
    while !s.is_char_boundary(start) {
        start += 1;
    }
    cuts.push(start);
    cuts.retain(|c| *c >= start && s.is_char_boundary(*c));
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a == b {
            continue;
        }
        let mut style = base;
        if let Some(sp) = text.spans.iter().find(|sp| sp.start <= a && a < sp.end) {
            style = style.patch(span_style(sp));
        }
        if let Some((_, hl)) = highlight
            && matches.iter().any(|(ms, me)| *ms <= a && a < *me)
        {
            style = style.patch(hl);
        }
        out.push(Span::styled(&s[a..b], style));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis_by_columns() {
        assert_eq!(fit("orders-api", 20), "orders-api");
        assert_eq!(fit("customer-intelligence", 10), "customer-…");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(pad("ab", 4), "ab  ");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_every_character() {
        assert_eq!(
            wrap("then the canary goes to 50%", 12),
            vec!["then the", "canary goes", "to 50%"]
        );
        assert_eq!(
            wrap("ghcr.io/acme/orders-api", 10),
            vec!["ghcr.io/ac", "me/orders-", "api"]
        );
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("a 漢字", 3), vec!["a", "漢", "字"]);
    }

    #[test]
    fn log_spans_keep_sgr_colour_and_highlight_matches() {
        let t = quarterdeck_core::logs::sanitize("\x1b[31mERROR\x1b[0m upstream timeout");
        let re = Regex::new("time").unwrap();
        let hl = Style::default().bg(Color::Yellow);
        let spans = log_spans(&t, Style::default(), Some((&re, hl)), 0);
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["ERROR", " upstream ", "time", "out"]);
        assert_eq!(spans[0].style.fg, Some(Color::Indexed(1)));
        assert_eq!(spans[2].style.bg, Some(Color::Yellow));
        let skipped = log_spans(&t, Style::default(), None, 6);
        assert_eq!(skipped[0].content, "upstream timeout");
    }
}

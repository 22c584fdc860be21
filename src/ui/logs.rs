//! The Logs pane: the selected release's pods interleaved, a colour per pod and a role tag,
//! follow or an anchored position, regex filter with highlight, wrap and timestamps toggles,
//! one pod's own stream or its previous container, and the dropped-lines counter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::widgets::pane::block;
use super::widgets::rows;
use super::widgets::text::{fit, log_spans};
use super::{focused, role_token};
use crate::config::{Theme, Token};
use quarterdeck_core::concerns::logs::LogView;
use quarterdeck_core::concerns::logs::MAX_PODS;
use quarterdeck_core::logs::{LogLine, LogPattern, StyledText, colour_slot};
use quarterdeck_core::{Model, Pane, StreamState};

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    if quarterdeck_core::concerns::logs_split::shown(model) {
        return super::logs_split::draw(model, theme, frame, area);
    }
    let view = &model.logs;
    let mut extra = Vec::new();
    let what = match (&view.only_pod, view.previous) {
        (Some(p), true) => format!("{} (previous) ", p.name),
        (Some(p), false) => format!("{} ", p.name),
        (None, _) => {
            let n = view.sources.iter().filter(|s| s.active).count();
            let mut pods: Vec<&str> = view
                .sources
                .iter()
                .filter(|s| s.active)
                .map(|s| s.pod.name.as_str())
                .collect();
            pods.sort_unstable();
            pods.dedup();
            let total = model.pods.rows.len();
            let capped = if pods.len() < total {
                format!(
                    "· streaming {} of {total} pods (cap {MAX_PODS}) ",
                    pods.len()
                )
            } else {
                String::new()
            };
            format!("{n} stream{} {capped}", if n == 1 { "" } else { "s" })
        }
    };
    extra.push(Span::styled(what, theme.style(Token::Muted)));
    extra.push(if view.following() {
        Span::styled("following ", theme.style(Token::Healthy))
    } else {
        Span::styled("‖ paused ", theme.style(Token::Paused))
    });
    let below = view.newer_below();
    if !view.following() && below > 0 {
        extra.push(Span::styled(
            format!("↓ {below} newer "),
            theme.style(Token::Info),
        ));
    }
    let above = view.buffer.evicted_above();
    if !view.following() && above > 0 {
        extra.push(Span::styled(
            format!("↑ {above} evicted "),
            theme.style(Token::Warning),
        ));
    }
    if let Some(f) = &view.filter {
        extra.push(Span::styled(
            format!("/{} ", f.pattern),
            theme.style(Token::Info),
        ));
    }
    extra.extend(stern_title(view, theme));
    if view.wrap {
        extra.push(Span::styled("wrap ", theme.style(Token::Muted)));
    }
    let dropped = view.buffer.dropped();
    if dropped > 0 {
        extra.push(Span::styled(
            format!("dropped {dropped} "),
            theme.style(Token::Warning),
        ));
    }
    let b = block(theme, "Logs", extra, focused(model, Pane::Logs));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut notes: Vec<Line> = view
        .sources
        .iter()
        .filter(|s| s.active)
        .filter_map(|s| match &s.state {
            StreamState::Retrying(m) => Some(Line::styled(
                fit(
                    &format!("⚠ {}: reconnecting ({m})", s.label()),
                    usize::from(inner.width),
                ),
                theme.style(Token::Stale),
            )),
            StreamState::Failed(m) => Some(Line::styled(
                fit(&format!("✖ {}: {m}", s.label()), usize::from(inner.width)),
                theme.style(Token::Warning),
            )),
            StreamState::Ended if s.previous => Some(Line::styled(
                format!("— end of {}'s previous log —", s.label()),
                theme.style(Token::Muted),
            )),
            _ => None,
        })
        .take(3)
        .collect();
    let height = usize::from(inner.height).saturating_sub(notes.len());
    let mut rows = visible_rows(model, theme, usize::from(inner.width), height);
    if rows.is_empty() && notes.is_empty() {
        let text = if model.releases.selected.is_none() {
            "No release selected."
        } else if (view.filter.is_some() || view.exclude.is_some() || view.container.is_some())
            && !view.buffer.is_empty()
        {
            "No line matches the filter."
        } else {
            "Waiting for log lines…"
        };
        rows.push(Line::styled(text, theme.style(Token::Muted)));
    }
    notes.extend(rows);
    rows::draw(frame, inner, &notes);
}

/// The prefix of a line: timestamp, role tag, pod label.
fn prefix<'a>(model: &'a Model, theme: &Theme, line: &LogLine) -> Vec<Span<'a>> {
    let view = &model.logs;
    let mut spans = Vec::new();
    if view.timestamps {
        let ts = line
            .time_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map_or_else(|| " ".repeat(12), |t| t.format("%H:%M:%S%.3f").to_string());
        spans.push(Span::styled(
            format!("{ts} "),
            theme.style(Token::LogTimestamp),
        ));
    }
    if let Some(src) = view.sources.get(line.source) {
        spans.push(Span::styled(
            format!("{:<7} ", src.role.word()),
            theme.style(role_token(src.role)),
        ));
        if view.only_pod.is_none() {
            spans.push(Span::styled(
                format!("{} ", short_pod(&src.label())),
                theme.source_style(colour_slot(&src.pod.name)),
            ));
        }
    }
    spans
}

/// The distinguishing tail of a pod name (`feature-store-84d9f6c7b-q8r7s` → `84d9f6c7b-q8r7s`):
/// every pod of a release shares the prefix.
pub(super) fn short_pod(label: &str) -> &str {
    let mut dashes = label.rmatch_indices('-');
    match (dashes.next(), dashes.next()) {
        (Some(_), Some((i, _))) => &label[i + 1..],
        _ => label,
    }
}

/// Builds only the rows that fit, walking back from the bottom line in view.
fn visible_rows<'a>(model: &'a Model, theme: &Theme, width: usize, height: usize) -> Vec<Line<'a>> {
    let view = &model.logs;
    let Some(bottom) = view.bottom_index() else {
        return Vec::new();
    };
    let highlight = view
        .highlight
        .as_ref()
        .or(view.filter.as_ref())
        .map(|f| (&f.regex, theme.style(Token::LogHighlight)));
    let base = theme.style(Token::Text);
    let mut out: Vec<Line> = Vec::new();
    let mut i = bottom + 1;
    while out.len() < height && i > 0 {
        i -= 1;
        let Some(line) = view.buffer.get(i) else {
            break;
        };
        if !view.shows(line) {
            continue;
        }
        let mut spans = prefix(model, theme, line);
        let prefix_w: usize = spans.iter().map(|s| s.content.width()).sum();
        if view.wrap {
            let body = body_spans(view, line, base, highlight, 0);
            let mut rows = wrap(spans, prefix_w, body, width);
            while let Some(r) = rows.pop() {
                if out.len() >= height {
                    break;
                }
                out.push(r);
            }
        } else {
            spans.extend(body_spans(view, line, base, highlight, view.hscroll));
            out.push(Line::from(spans));
        }
    }
    out.reverse();
    out
}

/// The title's part for the stern-like filters: `!exclude`, `hl:highlight`, the container,
/// raw JSON, and in a paused view which match is at the bottom.
fn stern_title(view: &LogView, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for which in [LogPattern::Exclude, LogPattern::Highlight] {
        if let Some(f) = view.pattern(which) {
            out.push(Span::styled(
                format!("{}{} ", which.symbol(), f.pattern),
                theme.style(Token::Info),
            ));
        }
    }
    if let Some(c) = &view.container {
        out.push(Span::styled(
            format!("container {c} "),
            theme.style(Token::Info),
        ));
    }
    if view.raw {
        out.push(Span::styled("raw ", theme.style(Token::Muted)));
    }
    match view.match_position() {
        Some((0, total)) => out.push(Span::styled(
            format!("{total} matches "),
            theme.style(Token::Info),
        )),
        Some((at, total)) => out.push(Span::styled(
            format!("match {at}/{total} "),
            theme.style(Token::Info),
        )),
        None => {}
    }
    out
}

/// A line's text as shown (JSON reformatted unless raw), styled, from column `skip`.
fn body_spans<'a>(
    view: &LogView,
    line: &'a LogLine,
    base: Style,
    highlight: Option<(&regex::Regex, Style)>,
    skip: usize,
) -> Vec<Span<'a>> {
    match view.display_text(line) {
        std::borrow::Cow::Borrowed(text) => log_spans(text, base, highlight, skip),
        std::borrow::Cow::Owned(text) => owned_spans(&text, base, highlight, skip),
    }
}

fn owned_spans(
    text: &StyledText,
    base: Style,
    highlight: Option<(&regex::Regex, Style)>,
    skip: usize,
) -> Vec<Span<'static>> {
    log_spans(text, base, highlight, skip)
        .into_iter()
        .map(|s| Span::styled(s.content.into_owned(), s.style))
        .collect()
}

/// Splits a prefixed line into rows of `width` columns; continuation rows are indented by
/// the prefix width.
fn wrap<'a>(
    prefix: Vec<Span<'a>>,
    prefix_w: usize,
    body: Vec<Span<'a>>,
    width: usize,
) -> Vec<Line<'a>> {
    let avail = width.saturating_sub(prefix_w).max(10);
    let mut rows: Vec<Vec<Span<'a>>> = vec![prefix];
    let mut used = 0;
    for span in body {
        let style: Style = span.style;
        let mut rest: &str = &span.content;
        let owned = rest.to_string();
        rest = owned.as_str();
        while !rest.is_empty() {
            if used == avail {
                rows.push(vec![Span::raw(" ".repeat(prefix_w))]);
                used = 0;
            }
            let mut take = 0;
            let mut cols = 0;
            for (idx, c) in rest.char_indices() {
                let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if used + cols + w > avail {
                    break;
                }
                cols += w;
                take = idx + c.len_utf8();
            }
            if take == 0 {
                // A character wider than the space left: move to the next row.
                used = avail;
                continue;
            }
            if let Some(row) = rows.last_mut() {
                row.push(Span::styled(rest[..take].to_string(), style));
            }
            used += cols;
            rest = &rest[take..];
        }
    }
    rows.into_iter().map(Line::from).collect()
}

//! The status bar (context, namespaces, connection state per source, staleness, read-only
//! and protected markers, key hints), the expired-credentials banner and the rollback guard's
//! line above the status bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::labels;
use super::{key_of, readonly};
use crate::config::{Theme, Token};
use quarterdeck_core::Connection;
use quarterdeck_core::Model;
use quarterdeck_core::action::Action;
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::time::{age, elapsed};

/// Draws the status bar: whole segments in order of importance (context first, key hints
/// last), so a narrow terminal drops a segment rather than cutting one mid-word.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let bar = theme.style(Token::StatusBar);
    let width = usize::from(area.width);
    let mut spans = vec![
        Span::styled(" ⎈ ", bar),
        Span::styled(
            model.target.context.clone(),
            bar.patch(theme.style(Token::Title)),
        ),
    ];
    // Right after the context they qualify, so that even 80 columns show them.
    if readonly(model) {
        spans.push(Span::styled(" READ-ONLY ", theme.style(Token::ReadOnly)));
    }
    if model.control.policies.protected(&model.target.context) {
        // Confirmations here ask for the release name: say so before anyone presses a key.
        spans.push(Span::styled(" PROTECTED ", theme.style(Token::Banner)));
    }
    let mut segments: Vec<Vec<Span>> = vec![vec![Span::styled(
        format!(" │ {}", model.target.scope.label()),
        bar,
    )]];
    // The sources in the longest form that fits: each by name, then only those not live,
    // then one count per state.
    let room = width.saturating_sub(width_of(&spans) + width_of(&segments[0]) + 2);
    let sources = [Detail::Full, Detail::NotLive, Detail::Counts]
        .into_iter()
        .map(|detail| connection_spans(model, theme, detail))
        .find(|s| width_of(s) <= room)
        .unwrap_or_else(|| connection_spans(model, theme, Detail::Counts));
    segments.push(sources);
    if let Some(t) = model.last_update_ms {
        segments.push(vec![Span::styled(
            format!(" │ updated {} ago", age(model.now_ms, t)),
            bar.patch(theme.style(Token::Muted)),
        )]);
    }
    // Said once, in the bar, where it stays quiet: not a notice that comes back.
    if !model.releases.rows.is_empty()
        && let Some(reason) = model.ci.off_reason()
    {
        segments.push(vec![Span::styled(
            format!(" │ {reason}"),
            bar.patch(theme.style(Token::Muted)),
        )]);
    }
    for (provider, limits) in &model.ci.limits {
        let paused = limits
            .paused_until_ms
            .filter(|u| *u > model.ci.now_or(model.now_ms));
        let (text, token) = match paused {
            Some(until) => (
                format!(
                    " │ {} paused until {}: rate limit",
                    provider.label(),
                    clock_hhmm(until)
                ),
                Token::Warning,
            ),
            None => (
                format!(
                    " │ {} {}",
                    provider.label(),
                    limits.label(model.ci.now_or(model.now_ms))
                ),
                Token::Muted,
            ),
        };
        segments.push(vec![Span::styled(text, bar.patch(theme.style(token)))]);
    }
    let hints = Span::styled(
        " ? help  : command  / filter  q quit ",
        bar.patch(theme.style(Token::KeyHint)),
    );
    segments.push(vec![hints.clone()]);
    // Room for the closing " │": a segment either fits whole or gives way.
    let mut room = width.saturating_sub(width_of(&spans) + 2);
    let mut kept = Vec::new();
    for segment in segments {
        let w = width_of(&segment);
        if w <= room {
            room -= w;
            kept.push(segment);
        }
    }
    let with_hints = kept.last().is_some_and(|s| s.first() == Some(&hints));
    let hint_segment = if with_hints { kept.pop() } else { None };
    spans.extend(kept.into_iter().flatten());
    spans.push(Span::styled(" │", bar));
    let used = width_of(&spans) + hint_segment.as_ref().map_or(0, |h| width_of(h));
    spans.push(Span::styled(" ".repeat(width.saturating_sub(used)), bar));
    spans.extend(hint_segment.into_iter().flatten());
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}

fn width_of(spans: &[Span]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// How much the status bar says about each watched source.
#[derive(Clone, Copy, PartialEq)]
enum Detail {
    /// Every source by name.
    Full,
    /// The live ones folded into one count.
    NotLive,
    /// One count per state.
    Counts,
}

/// The watched sources with their states at `detail`.
fn connection_spans<'a>(model: &Model, theme: &Theme, detail: Detail) -> Vec<Span<'a>> {
    let bar = theme.style(Token::StatusBar);
    let mut spans = vec![Span::styled(" │", bar)];
    // (state word, token, how many) of the sources not listed by name.
    let mut counts: Vec<(&str, Token, usize)> = Vec::new();
    let mut stale_since = i64::MAX;
    let mut count =
        |word: &'static str, token: Token| match counts.iter_mut().find(|(w, _, _)| *w == word) {
            Some(c) => c.2 += 1,
            None => counts.push((word, token, 1)),
        };
    for kind in Kind::ALL {
        let state = model.connection(kind);
        let since = model.connections.get(&kind).map_or(0, |(_, t)| *t);
        let (text, token, word) = match state {
            Connection::Connecting => {
                (format!(" {} …", kind.short()), Token::Muted, "connecting …")
            }
            Connection::Live => (format!(" {} ●", kind.short()), Token::Healthy, "live ●"),
            Connection::Lost(_) => {
                stale_since = stale_since.min(since);
                (
                    format!(" {} ⚠ stale {}", kind.short(), elapsed(model.now_ms, since)),
                    Token::Stale,
                    "⚠ stale",
                )
            }
            Connection::Forbidden(_) => (
                format!(" {} ✖ forbidden", kind.short()),
                Token::Error,
                "✖ forbidden",
            ),
            Connection::Unauthorized(_) => {
                (format!(" {} ✖ 401", kind.short()), Token::Error, "✖ 401")
            }
        };
        let live = matches!(state, Connection::Live);
        if detail == Detail::Full || (detail == Detail::NotLive && !live) {
            spans.push(Span::styled(text, bar.patch(theme.style(token))));
        } else {
            count(word, token);
        }
    }
    for (word, token, n) in counts {
        let text = match word {
            "live ●" if n == Kind::ALL.len() => " all live ●".to_string(),
            "⚠ stale" => format!(" {n} {word} {}", elapsed(model.now_ms, stale_since)),
            _ => format!(" {n} {word}"),
        };
        spans.push(Span::styled(text, bar.patch(theme.style(token))));
    }
    spans
}

/// `HH:MM` (UTC) of an instant, for when a rate-limit pause ends.
fn clock_hhmm(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "?".to_string(), |t| t.format("%H:%M UTC").to_string())
}

/// Draws the banner shown while the API refuses our credentials.
pub fn banner(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(message) = model.unauthorized() else {
        return;
    };
    let text = format!(
        " ✖ Credentials for context {} were rejected (401: {message}). Log in again (e.g. refresh your cloud login) — Quarterdeck keeps retrying. ",
        model.target.context
    );
    frame.render_widget(
        Paragraph::new(Line::styled(text, theme.style(Token::Banner)))
            .style(theme.style(Token::Banner)),
        area,
    );
}

/// Draws the rollback guard's line: the most pressing trigger ("feature-store canary: error
/// ratio 3.2% > 1% for 1m10s of 2m"), and with a proposal the key that opens it.
pub fn guard_banner(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut alarms: Vec<_> = model
        .analysis
        .releases
        .iter()
        .filter_map(|(id, ra)| ra.countdown().map(|c| (id, ra, c)))
        .collect();
    alarms.sort_by_key(|(id, _, c)| (!c.fired, c.remaining_ms, (*id).clone()));
    let proposal = model.analysis.proposal.as_ref();
    let (mark, release, what, fired) = match (proposal, alarms.first()) {
        (Some(p), _) => ("✗", &p.release, p.trigger.clone(), true),
        (None, Some((id, _, c))) => (if c.fired { "✗" } else { "⚠" }, *id, c.text(), c.fired),
        (None, None) => return,
    };
    // The key and the count of other alarms are what the user acts on: they always show; the
    // description gives way first on a narrow terminal.
    let mut tail = String::new();
    if proposal.is_some()
        && !readonly(model)
        && let Some(key) = key_of(model, Action::GuardRollback)
    {
        tail.push_str(&format!(" — {key} roll back"));
    }
    let others = alarms.iter().filter(|a| a.0 != release).count();
    if others > 0 {
        tail.push_str(&format!(" (+{others} more)"));
    }
    let name = &release.key.name;
    let room = usize::from(area.width).saturating_sub(tail.chars().count() + 1);
    let full = format!(" {mark} {name} canary: {what}");
    let text = if full.chars().count() <= room {
        full
    } else {
        let short = what.split(" for ").next().unwrap_or(&what);
        labels::fit_words(&format!(" {mark} {name}: {short}"), room)
    };
    let text = format!("{text}{tail}");
    let style = theme.style(if fired { Token::Banner } else { Token::Warning });
    frame.render_widget(
        Paragraph::new(Line::styled(format!("{text} "), style)).style(style),
        area,
    );
}

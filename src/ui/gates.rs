//! The Gates inbox: every decision waiting on a human across all releases — CI gates and Argo
//! Rollouts pauses — what, where, since when (ticking), who may approve, whether you may (a
//! gate you may not approve is greyed), what approving will do, and any action in flight.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::labels::{fit_words, text_with_images};
use super::widgets::pane::block;
use super::widgets::text::{cols, wrap};
use super::{focused, readonly};
use crate::config::{Theme, Token};
use quarterdeck_core::control::{InboxItem, PauseGate, Subject, gate_cursor, inbox};
use quarterdeck_core::gate::{Gate, GateKind};
use quarterdeck_core::time::elapsed;
use quarterdeck_core::{Model, Pane};

fn kind_word(gate: &Gate) -> &'static str {
    match gate.id.kind {
        GateKind::GithubPendingDeployment { .. } => "approval",
        GateKind::GitlabManualJob { .. } => "manual job",
        GateKind::GitlabBlockedDeployment { .. } => "blocked deployment",
    }
}

fn you_may(gate: &Gate) -> &'static str {
    match gate.you_may_approve {
        Some(true) => "you may approve",
        Some(false) => "you may not approve",
        None => "whether you may approve is not known",
    }
}

/// [`you_may`] in fewer words, for narrow panes.
fn you_may_short(gate: &Gate) -> &'static str {
    match gate.you_may_approve {
        Some(true) => "you may",
        Some(false) => "not you",
        None => "you: not known",
    }
}

/// The rows of one gate: four, or more when what approving will do wraps.
pub(super) fn gate_lines<'a>(
    gate: &Gate,
    releases: &[&str],
    now: i64,
    width: usize,
    theme: &Theme,
    selected: bool,
) -> Vec<Line<'a>> {
    let since = gate.waiting_since_ms.map_or("waiting".to_string(), |s| {
        format!("waiting {}", elapsed(now, s))
    });
    let release = if releases.is_empty() {
        gate.release.clone().unwrap_or_else(|| "?".into())
    } else {
        releases.join(", ")
    };
    let head = format!(
        "{} {since}  {} · {} › {}",
        if selected { "▸‖" } else { " ‖" },
        kind_word(gate),
        gate.id.project,
        gate.where_,
    );
    // The release in parentheses is the first to go when the row is narrow: the project and
    // environment already say where the gate is.
    let with_release = format!("{head}  ({release})");
    let head = if cols(&with_release) <= width {
        with_release
    } else {
        head
    };
    let mut who = if gate.who_may_approve.is_empty() {
        "anyone allowed to run the job".to_string()
    } else {
        gate.who_may_approve.join(", ")
    };
    if let Some((given, required)) = gate.approvals {
        who.push_str(&format!(" · {given} of {required} approvals"));
    }
    // Whether you may approve is the row's point: narrow, it reads short, and the list of
    // who may gives up its last names instead.
    let mut you = you_may(gate);
    if cols(&format!("   may approve: {who} · {you}")) > width {
        you = you_may_short(gate);
    }
    let who = fit_words(
        &who,
        width.saturating_sub(cols(&format!("   may approve:  · {you}"))),
    );
    let you_token = match gate.you_may_approve {
        Some(true) => Token::Healthy,
        Some(false) => Token::Warning,
        None => Token::Muted,
    };
    let may = gate.you_may_approve != Some(false);
    // What approving will do is the point of the gate, so it is never cut mid-word. Narrow,
    // the words "approving will" give way to an arrow (so the next gate still shows at
    // 80×24); what does not fit even so wraps for the selected gate, the one acted on, and
    // gives up its last words for the others.
    let full = format!("approving will {}", gate.approving_will);
    let short = format!("→ {}", gate.approving_will);
    let will = if cols(&full) + 3 <= width {
        vec![full]
    } else if cols(&short) + 3 <= width {
        vec![short]
    } else if selected {
        wrap(&full, width.saturating_sub(5).max(20))
    } else {
        vec![fit_words(&short, width.saturating_sub(3))]
    };
    let will = will.into_iter().enumerate().map(|(i, l)| {
        let indent = if i == 0 { "   " } else { "     " };
        Line::styled(
            fit_words(&format!("{indent}{l}"), width),
            theme.style(Token::Muted),
        )
    });
    let mut lines = vec![
        Line::styled(fit_words(&head, width), head_style(theme, may, selected)),
        Line::styled(
            fit_words(
                &format!(
                    "   {} @{}",
                    gate.what,
                    gate.sha.get(..7).unwrap_or(&gate.sha)
                ),
                width,
            ),
            theme.style(Token::Text),
        ),
        Line::from(vec![
            Span::styled(
                format!("   may approve: {who} · "),
                theme.style(Token::Muted),
            ),
            Span::styled(you.to_string(), theme.style(you_token)),
        ]),
    ];
    lines.extend(will);
    lines
}

/// The three rows of an Argo Rollouts pause: its approval is a promote.
fn pause_lines<'a>(
    pause: &PauseGate,
    now: i64,
    width: usize,
    theme: &Theme,
    selected: bool,
) -> Vec<Line<'a>> {
    let since = pause.since_ms.map_or("waiting".to_string(), |s| {
        format!("waiting {}", elapsed(now, s))
    });
    let head = format!(
        "{} {since}  rollout pause · {} › {}",
        if selected { "▸‖" } else { " ‖" },
        pause.release.key.namespace,
        pause.release.key.name,
    );
    vec![
        Line::styled(fit_words(&head, width), head_style(theme, true, selected)),
        Line::styled(
            format!(
                "   {}",
                text_with_images(&pause.what, width.saturating_sub(3))
            ),
            theme.style(Token::Text),
        ),
        Line::styled(
            format!(
                "   {}",
                text_with_images(
                    &format!("approve = promote: {}", pause.approving_will),
                    width.saturating_sub(3)
                )
            ),
            theme.style(Token::Muted),
        ),
    ]
}

/// The gate's colour, greyed when you may not approve it, highlighted under the cursor.
fn head_style(theme: &Theme, may_approve: bool, selected: bool) -> Style {
    let base = if may_approve {
        theme.style(Token::GatePending)
    } else {
        theme.style(Token::Muted)
    };
    if selected {
        base.patch(theme.style(Token::Selection))
    } else {
        base
    }
}

/// The action in flight on the item, or another operator's Lease on it.
fn control_line<'a>(
    model: &Model,
    subject: &Subject,
    width: usize,
    theme: &Theme,
) -> Option<Line<'a>> {
    if let Some(f) = model.control.in_flight.get(subject) {
        return Some(Line::styled(
            fit_words(&format!("   ⟳ {}…", f.op.doing()), width),
            theme.style(Token::Progressing),
        ));
    }
    model.control.held_by_other(subject, model.now_ms).map(|l| {
        Line::styled(
            fit_words(
                &format!("   ⚑ {} is about to {}", l.holder, l.action),
                width,
            ),
            theme.style(Token::Warning),
        )
    })
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let items = inbox(model);
    let hint = if readonly(model) {
        "read-only"
    } else {
        "a: actions"
    };
    let rows = usize::from(area.height.saturating_sub(2));
    let w = usize::from(area.width.saturating_sub(2));
    let cursor = gate_cursor(model, &items);
    let now = model.ci.now_or(model.now_ms);
    let blocks: Vec<Vec<Line>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let selected = i == cursor && focused(model, Pane::Gates);
            let (mut lines, subject) = match item {
                InboxItem::Ci(gate) => {
                    let releases = model.ci.gate_releases(&gate.id);
                    (
                        gate_lines(gate, &releases, now, w, theme, selected),
                        Subject::Gate(gate.id.clone()),
                    )
                }
                InboxItem::Pause(p) => (
                    pause_lines(p, model.now_ms, w, theme, selected),
                    Subject::Workload(p.release.clone()),
                ),
            };
            if let Some(line) = control_line(model, &subject, w, theme) {
                lines.insert(1, line);
            }
            lines.push(Line::raw(""));
            lines
        })
        .collect();
    let lens: Vec<usize> = blocks.iter().map(Vec::len).collect();
    let whole = window(&lens, cursor, rows);
    // Rows left under the whole items (one goes to the "more" line) show the head of the
    // next one: an item counts as shown when its head line is.
    let used: usize = lens[whole.clone()].iter().sum();
    let spare = rows.saturating_sub(used + 1);
    let partial = whole.end < items.len() && spare > 0;
    let shown = whole.start..whole.end + usize::from(partial);
    let mut count = format!("{} waiting", items.len());
    if shown.len() < items.len() {
        count.push_str(&format!(" · {} shown", shown.len()));
    }
    let extra = vec![Span::styled(
        format!("{count} · {hint} · enter: pipeline "),
        theme.style(Token::Muted),
    )];
    let b = block(theme, "Gates", extra, focused(model, Pane::Gates));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if items.is_empty() {
        let text = if model.ci.watching.is_empty() && model.cluster.rollouts.is_empty() {
            "No release is linked to CI, so no gates can be listed (see :pipeline)."
        } else {
            "Nothing waits on a human: no pending approvals, manual jobs, blocked deployments or rollout pauses."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Token::Muted))),
            inner,
        );
        return;
    }
    let (above, below) = (shown.start, items.len() - shown.end);
    let mut lines: Vec<Line> = blocks
        .into_iter()
        .skip(shown.start)
        .take(shown.len())
        .flatten()
        .take(if partial { used + spare } else { usize::MAX })
        .collect();
    if above + below > 0 {
        // The last row says what the window hides, so a gate is never out of sight unannounced.
        lines.truncate(rows.saturating_sub(1));
        let mut more = Vec::new();
        if above > 0 {
            more.push(format!("↑ {above} more above (k)"));
        }
        if below > 0 {
            more.push(format!("↓ {below} more below (j)"));
        }
        lines.push(Line::styled(
            fit_words(&more.join(" · "), w),
            theme.style(Token::KeyHint),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The items shown in `rows` rows: from the cursor back, then forward, as many as fit whole;
/// the cursor's item always shows. When not all fit, the last item's trailing blank row gives
/// way to the "more" line.
fn window(lens: &[usize], cursor: usize, budget: usize) -> std::ops::Range<usize> {
    if lens.is_empty() {
        return 0..0;
    }
    let mut first = cursor;
    let mut end = cursor + 1;
    let mut used = lens[cursor];
    while first > 0 && used + lens[first - 1] <= budget {
        first -= 1;
        used += lens[first];
    }
    while end < lens.len() && used + lens[end] <= budget {
        used += lens[end];
        end += 1;
    }
    first..end
}

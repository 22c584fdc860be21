//! The Gates inbox: every CI decision waiting on a human across all releases — what, where,
//! since when (ticking), who may approve, whether you may, and what approving will do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::focused;
use super::widgets::pane::block;
use super::widgets::text::fit;
use crate::config::{Theme, Token};
use quarterdeck_core::gate::{Gate, GateKind};
use quarterdeck_core::time::elapsed;
use quarterdeck_core::{Model, Pane};

/// Rows each gate takes.
const ROWS: usize = 4;

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

/// The four rows of one gate.
fn gate_lines<'a>(
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
        "{} {since}  {} · {} › {}  ({release})",
        if selected { "▸‖" } else { " ‖" },
        kind_word(gate),
        gate.id.project,
        gate.where_,
    );
    let mut who = if gate.who_may_approve.is_empty() {
        "anyone allowed to run the job".to_string()
    } else {
        gate.who_may_approve.join(", ")
    };
    if let Some((given, required)) = gate.approvals {
        who.push_str(&format!(" · {given} of {required} approvals"));
    }
    let you = you_may(gate);
    let you_token = match gate.you_may_approve {
        Some(true) => Token::Healthy,
        Some(false) => Token::Warning,
        None => Token::Muted,
    };
    let head_style = if selected {
        theme
            .style(Token::GatePending)
            .patch(theme.style(Token::Selection))
    } else {
        theme.style(Token::GatePending)
    };
    vec![
        Line::styled(fit(&head, width), head_style),
        Line::styled(
            fit(
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
                fit(&format!("   may approve: {who} · "), width),
                theme.style(Token::Muted),
            ),
            Span::styled(you.to_string(), theme.style(you_token)),
        ]),
        Line::styled(
            fit(&format!("   approving will {}", gate.approving_will), width),
            theme.style(Token::Muted),
        ),
    ]
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let gates = model.ci.all_gates();
    let extra = vec![Span::styled(
        format!("{} waiting · read-only · enter: pipeline ", gates.len()),
        theme.style(Token::Muted),
    )];
    let b = block(theme, "Gates", extra, focused(model, Pane::Gates));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if gates.is_empty() {
        let text = if model.ci.watching.is_empty() {
            "No release is linked to CI, so no gates can be listed (see :pipeline)."
        } else {
            "Nothing waits on a human: no pending approvals, manual jobs or blocked deployments."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Token::Muted))),
            inner,
        );
        return;
    }
    let now = model.ci.now_or(model.now_ms);
    let w = usize::from(inner.width);
    let per_page = (usize::from(inner.height) / (ROWS + 1)).max(1);
    let cursor = model.ci.gate_cursor.min(gates.len() - 1);
    let first = (cursor + 1).saturating_sub(per_page);
    let mut lines = Vec::new();
    for (i, gate) in gates.iter().enumerate().skip(first).take(per_page) {
        let releases = model.ci.gate_releases(&gate.id);
        let selected = i == cursor && focused(model, Pane::Gates);
        lines.extend(gate_lines(gate, &releases, now, w, theme, selected));
        lines.push(Line::raw(""));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

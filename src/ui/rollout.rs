//! The Rollout pane: strategy, stable → new revision and image, desired vs actual weight,
//! steps with the current one, pause reason, conditions and message, revision history.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::labels;
use super::phase_token;
use super::widgets::gauge;
use super::widgets::pane::block;
use super::widgets::text::{cols, fit};
use crate::config::{Theme, Token};
use quarterdeck_core::Connection;
use quarterdeck_core::Model;
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::meta::Condition;
use quarterdeck_core::release::{Release, Revision, WorkloadKind, history, readiness};
use quarterdeck_core::rollout::Rollout;
use quarterdeck_core::time::age;

const LABEL: usize = 11;

fn label<'a>(theme: &Theme, text: &str) -> Span<'a> {
    Span::styled(format!("{text:<LABEL$}"), theme.style(Token::Muted))
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(release) = model.selected_release() else {
        let b = block(theme, "Rollout", Vec::new(), false);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let text = match model.connection(Kind::Rollouts) {
            Connection::Forbidden(m) => format!("✖ rollouts: forbidden — {m}"),
            _ => "Select a release to see its rollout.".into(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Token::Muted))),
            inner,
        );
        return;
    };
    let phase = format!("{} {} ", release.phase.symbol(), release.phase_word());
    // The phase always shows: the name gives up segments from its middle first.
    let room = usize::from(area.width).saturating_sub(2 + cols(" Rollout ·  ") + cols(&phase));
    let title = format!("Rollout · {}", labels::name(&release.id.key.name, room));
    let extra = vec![Span::styled(phase, theme.style(phase_token(release.phase)))];
    let b = block(theme, &title, extra, false);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    let revisions = history(&model.cluster, &release.id);
    let rollout = match release.id.kind {
        WorkloadKind::Rollout => model.cluster.rollouts.get(&release.id.key),
        WorkloadKind::Deployment => None,
    };
    let mut lines = summary(model, theme, release, rollout, &revisions, width);
    let room = usize::from(inner.height).saturating_sub(lines.len());
    if let Some(r) = rollout
        && !r.steps().is_empty()
    {
        lines.extend(steps(theme, r, room.saturating_sub(3), width));
    }
    let room = usize::from(inner.height).saturating_sub(lines.len());
    if room >= 2 {
        lines.extend(history_lines(theme, &revisions, rollout, room, width));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn summary<'a>(
    model: &Model,
    theme: &Theme,
    release: &Release,
    rollout: Option<&Rollout>,
    revisions: &[Revision],
    width: usize,
) -> Vec<Line<'a>> {
    let text = theme.style(Token::Text);
    let value_w = width.saturating_sub(LABEL);
    let mut lines = Vec::new();
    let mut strat = format!("{} · {}", release.strategy, release.id.key.namespace);
    if let Some((i, n)) = release.step {
        strat.push_str(&format!(" · step {i}/{n}"));
    }
    lines.push(Line::from(vec![
        label(theme, "strategy"),
        Span::styled(labels::fit_words(&strat, value_w), text),
    ]));
    // Stable → new: for a Rollout the stable and current hashes, for a Deployment the two
    // newest revisions.
    let (stable, new) = match rollout {
        Some(r) => (
            revisions.iter().find(|v| v.hash == r.stable_rs),
            revisions.iter().find(|v| v.hash == r.current_pod_hash),
        ),
        None => (revisions.get(1), revisions.first()),
    };
    let rev_text = match (stable, new) {
        (Some(s), Some(n)) if s.number != n.number => {
            format!("{} → {}", s.number, n.number)
        }
        (_, Some(n)) => format!("{} (current)", n.number),
        _ => release.revision.map_or("-".into(), |r| r.to_string()),
    };
    lines.push(Line::from(vec![
        label(theme, "revision"),
        Span::styled(fit(&rev_text, value_w), text),
    ]));
    let image_text = match (stable, new) {
        (Some(s), Some(n)) if s.image != n.image => {
            labels::image_change(&s.image, &n.image, value_w)
        }
        _ => labels::image(&release.image, value_w),
    };
    lines.push(Line::from(vec![
        label(theme, "image"),
        Span::styled(image_text, text),
    ]));
    if let Some((desired, actual)) = release.weight {
        let numbers = format!(" actual {actual}% · desired {desired}%");
        let bar_w = value_w.saturating_sub(numbers.len()).min(40);
        let mut spans = vec![label(theme, "weight")];
        spans.extend(gauge::weight(theme, actual, desired, bar_w).spans);
        spans.push(Span::styled(numbers, theme.style(Token::GaugeTarget)));
        lines.push(Line::from(spans));
    }
    // As the READY column counts them: the serving side against what is desired, and the
    // pods beside it (a canary's, a surge, a preview) apart — "6/5 ready" read as nonsense.
    let ready = readiness(&model.cluster, release);
    let mut pods = format!("{}/{} ready", ready.ready, ready.desired);
    if ready.extra > 0 {
        pods.push_str(&format!(" · +{} beyond desired", ready.extra));
    }
    lines.push(Line::from(vec![
        label(theme, "pods"),
        Span::styled(pods, text),
    ]));
    if let Some(r) = rollout {
        if let Some(p) = r.pause_conditions.first() {
            let since = p
                .since_ms
                .map(|t| format!(" for {}", age(model.now_ms, t)))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                label(theme, "paused"),
                Span::styled(
                    labels::fit_words(&format!("‖ {}{since}", p.reason), value_w),
                    theme.style(Token::GatePending),
                ),
            ]));
        }
        if r.abort {
            let since = r
                .aborted_at_ms
                .map(|t| format!(" {} ago", age(model.now_ms, t)))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                label(theme, "aborted"),
                Span::styled(
                    labels::fit_words(&format!("✖ back to stable{since}"), value_w),
                    theme.style(Token::Degraded),
                ),
            ]));
        }
    }
    if !release.message.is_empty() {
        lines.push(Line::from(vec![
            label(theme, "message"),
            Span::styled(labels::fit_words(&release.message, value_w), text),
        ]));
    }
    let conditions = match (rollout, release.id.kind) {
        (Some(r), _) => r.conditions.clone(),
        (None, WorkloadKind::Deployment) => model
            .cluster
            .deployments
            .get(&release.id.key)
            .map(|d| d.conditions.clone())
            .unwrap_or_default(),
        (None, WorkloadKind::Rollout) => Vec::new(),
    };
    if !conditions.is_empty() {
        let mut spans = vec![label(theme, "conditions")];
        spans.extend(condition_spans(theme, &conditions, value_w));
        lines.push(Line::from(spans));
    }
    lines
}

fn condition_spans<'a>(theme: &Theme, conditions: &[Condition], width: usize) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    let mut used = 0;
    for c in conditions {
        let ok = c.is_true() != matches!(c.kind.as_str(), "ReplicaFailure" | "InvalidSpec");
        let text = if c.reason.is_empty() {
            format!("{}={} ", c.kind, c.status)
        } else {
            format!("{}={} ({}) ", c.kind, c.status, c.reason)
        };
        if used + text.len() > width {
            spans.push(Span::styled("…", theme.style(Token::Muted)));
            break;
        }
        used += text.len();
        let token = if ok { Token::Text } else { Token::Warning };
        spans.push(Span::styled(text, theme.style(token)));
    }
    spans
}

fn steps<'a>(theme: &Theme, r: &Rollout, room: usize, width: usize) -> Vec<Line<'a>> {
    let steps = r.steps();
    let current = r.current_step_index.unwrap_or(0) as usize;
    let mut lines = Vec::new();
    if room > steps.len() {
        lines.push(Line::styled("steps", theme.style(Token::Muted)));
        for (i, s) in steps.iter().enumerate() {
            let (mark, token) = if i < current {
                ("✔", Token::Healthy)
            } else if i == current && r.abort {
                ("✖", Token::Degraded)
            } else if i == current {
                ("▶", Token::GatePending)
            } else {
                ("·", Token::Muted)
            };
            let text = labels::fit_words(&format!("  {mark} {}. {}", i + 1, s.describe()), width);
            let mut line = Line::styled(text, theme.style(token));
            if i == current {
                line = line.patch_style(ratatui::style::Modifier::BOLD);
            }
            lines.push(line);
        }
    } else if room >= 1 {
        // Compact: a row of step marks, the current one named.
        let mut spans = vec![label(theme, "steps")];
        for i in 0..steps.len() {
            let (mark, token) = if i < current {
                ("✔", Token::Healthy)
            } else if i == current {
                ("▶", Token::GatePending)
            } else {
                ("·", Token::Muted)
            };
            spans.push(Span::styled(mark, theme.style(token)));
        }
        if let Some(s) = steps.get(current) {
            spans.push(Span::styled(
                format!(" {}", s.describe()),
                theme.style(Token::Text),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn history_lines<'a>(
    theme: &Theme,
    revisions: &[Revision],
    rollout: Option<&Rollout>,
    room: usize,
    width: usize,
) -> Vec<Line<'a>> {
    let mut lines = vec![Line::styled("history", theme.style(Token::Muted))];
    for v in revisions.iter().take(room - 1) {
        let role = match rollout {
            Some(r) if v.hash == r.stable_rs => " stable",
            Some(r) if r.preview_selector.as_deref() == Some(v.hash.as_str()) => " preview",
            Some(r) if v.hash == r.current_pod_hash => " canary",
            None if std::ptr::eq(v, &revisions[0]) => " current",
            _ => "",
        };
        // Narrow: the image loses its registry, then the cause its trailing words.
        let rest = format!("{role} ({})", labels::count(v.replicas, "pod"));
        let room = width.saturating_sub(cols(&rest) + 7);
        let head = format!("  #{:<3} {}{rest}", v.number, labels::image(&v.image, room));
        let cause = v
            .change_cause
            .as_deref()
            .map(|c| labels::fit_words(c, width.saturating_sub(cols(&head) + 3)))
            .filter(|c| !c.is_empty())
            .map(|c| format!(" — {c}"))
            .unwrap_or_default();
        let text = format!("{head}{cause}");
        let token = if role.is_empty() {
            Token::Old
        } else {
            Token::Text
        };
        lines.push(Line::styled(
            labels::fit_words(&text, width),
            theme.style(token),
        ));
    }
    lines
}

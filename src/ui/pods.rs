//! The Pods pane: the selected release's pods with role, readiness, status and reason,
//! restarts, age and node; problems sorted first.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::labels;
use super::widgets::pane::block;
use super::widgets::rows;
use super::widgets::text::pad;
use super::{focused, health_token, role_token};
use crate::config::{Theme, Token};
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::pod::{Pod, PodHealth, PodRole};
use quarterdeck_core::time::age;
use quarterdeck_core::{Connection, Model, Pane};

/// The long kubelet words and their short forms.
const SHORT: [(&str, &str); 3] = [
    ("CrashLoopBackOff", "CrashLoop"),
    ("ContainerCreating", "Creating"),
    ("ImagePullBackOff", "ImagePull"),
];

/// A status or reason; `compact` shortens the long kubelet words in it (`Init:CrashLoopBackOff`
/// too) so the reason still shows.
fn word(text: &str, compact: bool) -> Cow<'_, str> {
    let mut text = Cow::Borrowed(text);
    if compact {
        for (long, short) in SHORT {
            if text.contains(long) {
                text = Cow::Owned(text.replace(long, short));
            }
        }
    }
    text
}

/// A pod's status and, when it differs, its last reason: `status (reason)`.
fn status_parts(pod: &Pod, compact: bool) -> (Cow<'_, str>, Option<Cow<'_, str>>) {
    let reason = pod.last_reason.as_deref().filter(|r| *r != pod.status);
    (word(&pod.status, compact), reason.map(|r| word(r, compact)))
}

/// A pod's status as shown.
fn status_text(pod: &Pod, compact: bool) -> String {
    match status_parts(pod, compact) {
        (status, Some(reason)) => format!("{status} ({reason})"),
        (status, None) => status.into_owned(),
    }
}

/// The width of [`status_text`], without building it for the pods that need no shortening:
/// every pod of a release is measured on every frame.
fn status_width(pod: &Pod, compact: bool) -> usize {
    let (status, reason) = status_parts(pod, compact);
    status.chars().count() + reason.map_or(0, |r| r.chars().count() + 3)
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let total = model.pods.visible_rows().count();
    // Rows are sorted problems first, so counting stops at the first healthy pod.
    let problems = model
        .pods
        .visible_rows()
        .take_while(|(k, _)| {
            model
                .cluster
                .pods
                .get(k)
                .is_some_and(|p| p.health() != PodHealth::Running)
        })
        .count();
    let mut extra = vec![Span::styled(format!("{total} "), theme.style(Token::Muted))];
    if problems > 0 {
        extra.push(Span::styled(
            format!("⚠ {problems} not ready "),
            theme.style(Token::Warning),
        ));
    }
    if !model.pods.filter.is_empty() {
        extra.push(Span::styled(
            format!("/{} ", model.pods.filter),
            theme.style(Token::Info),
        ));
    }
    let is_focused = focused(model, Pane::Pods);
    let b = block(theme, "Pods", extra, is_focused);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    if let Connection::Forbidden(m) = model.connection(Kind::Pods) {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("✖ pods: forbidden — {m}"),
                theme.style(Token::Error),
            )),
            inner,
        );
        return;
    }
    if total == 0 {
        let text = if model.releases.selected.is_none() {
            "No release selected."
        } else {
            "No pods."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Token::Muted))),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    // The status column is as wide as its longest text (up to a cap), in the short form when
    // the full one does not fit: the reason a pod crashes is what matters first.
    let cap = if width >= 100 { 30 } else { 24 };
    let compact = model
        .pods
        .visible_rows()
        .filter_map(|(k, _)| model.cluster.pods.get(k))
        .any(|p| status_width(p, false) + 2 > cap);
    let status_w = model
        .pods
        .visible_rows()
        .filter_map(|(k, _)| model.cluster.pods.get(k))
        .map(|p| status_width(p, compact) + 2)
        .max()
        .unwrap_or(0)
        .clamp(6, cap);
    // ROLE READY STATUS RESTARTS AGE NODE; name takes the rest.
    let mut fixed: Vec<(&str, usize)> = vec![
        ("ROLE", 8),
        ("READY", 5),
        ("STATUS", status_w),
        ("RESTARTS", 8),
        ("AGE", 5),
        ("NODE", 10),
    ];
    let used = |f: &[(&str, usize)]| f.iter().map(|(_, w)| w + 1).sum::<usize>();
    for drop in ["NODE", "AGE", "RESTARTS"] {
        if width >= used(&fixed) + 32 {
            break;
        }
        fixed.retain(|(t, _)| *t != drop);
    }
    if width < used(&fixed) + 20 {
        // Very narrow: shorten the status column rather than the name.
        if let Some(s) = fixed.iter_mut().find(|(t, _)| *t == "STATUS") {
            s.1 = 16;
        }
    }
    let name_w = width.saturating_sub(used(&fixed) + 1).max(10);
    let mut header = vec![Span::styled(
        format!("{} ", pad("NAME", name_w)),
        theme.style(Token::Header),
    )];
    for (t, w) in &fixed {
        header.push(Span::styled(
            format!("{} ", pad(t, *w)),
            theme.style(Token::Header),
        ));
    }
    let mut lines = vec![Line::from(header)];
    let rows = usize::from(inner.height) - 1;
    let cursor = model.pods.cursor.min(total.saturating_sub(1));
    let offset = (cursor + 1).saturating_sub(rows);
    // Names lose segments from their middle, keeping the suffix that tells pods apart.
    let window: Vec<(usize, &Pod, PodRole)> = model
        .pods
        .visible_rows()
        .enumerate()
        .skip(offset)
        .take(rows)
        .filter_map(|(i, (k, role))| model.cluster.pods.get(k).map(|p| (i, p, *role)))
        .collect();
    let shown: Vec<&str> = window.iter().map(|(_, p, _)| p.key.name.as_str()).collect();
    let names = labels::names(&shown, name_w.saturating_sub(2));
    for ((i, p, role), name) in window.iter().zip(&names) {
        let (i, p, role) = (*i, *p, role);
        let health = p.health();
        let selected = i == cursor;
        let mut spans = vec![Span::styled(
            format!(
                "{} ",
                pad(
                    &format!("{}{name}", if selected { "› " } else { "  " }),
                    name_w
                )
            ),
            theme.style(Token::Text),
        )];
        for (t, w) in &fixed {
            let (text, token) = match *t {
                "ROLE" => (role.word().to_string(), role_token(*role)),
                "READY" => (
                    format!("{}/{}", p.ready, p.total),
                    if p.ready < p.total {
                        Token::Warning
                    } else {
                        Token::Text
                    },
                ),
                "STATUS" => {
                    let symbol = match health {
                        PodHealth::Crash => "✖",
                        PodHealth::NotReady | PodHealth::Pending => "◐",
                        PodHealth::Terminating => "↓",
                        PodHealth::Running => "●",
                    };
                    (
                        format!("{symbol} {}", status_text(p, compact)),
                        health_token(health),
                    )
                }
                "RESTARTS" => (
                    p.restarts.to_string(),
                    if p.restarts > 0 {
                        Token::Warning
                    } else {
                        Token::Muted
                    },
                ),
                "AGE" => (
                    p.created_ms.map_or("-".into(), |t| age(model.now_ms, t)),
                    Token::Muted,
                ),
                "NODE" => (
                    p.node
                        .as_deref()
                        .map_or_else(|| "-".into(), |n| labels::name(n, *w)),
                    Token::Muted,
                ),
                _ => (String::new(), Token::Text),
            };
            spans.push(Span::styled(
                format!("{} ", pad(&text, *w)),
                theme.style(token),
            ));
        }
        let mut line = Line::from(spans);
        if selected && is_focused {
            line = line.patch_style(theme.style(Token::Selection));
        } else if selected {
            line = line.patch_style(Modifier::BOLD);
        }
        lines.push(line);
    }
    rows::draw(frame, inner, &lines);
}

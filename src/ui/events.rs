//! The Events pane: what Kubernetes said about the selected release, its ReplicaSets and pods,
//! newest first; warnings marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::focused;
use super::labels;
use super::widgets::pane::block;
use super::widgets::rows;
use super::widgets::text::{cols, pad};
use crate::config::{Theme, Token};
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::time::age;
use quarterdeck_core::{Connection, Model, Pane};

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let events = model.events.shown(model.release_events());
    let warnings = events.iter().filter(|e| e.is_warning()).count();
    let mut extra = vec![Span::styled(
        format!("{} ", events.len()),
        theme.style(Token::Muted),
    )];
    if !model.events.filter.is_empty() {
        extra.push(Span::styled(
            format!("/{} ", model.events.filter),
            theme.style(Token::Info),
        ));
    }
    if warnings > 0 {
        extra.push(Span::styled(
            format!(
                "⚠ {warnings} warning{} ",
                if warnings == 1 { "" } else { "s" }
            ),
            theme.style(Token::Warning),
        ));
    }
    let b = block(theme, "Events", extra, focused(model, Pane::Events));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if let Connection::Forbidden(m) = model.connection(Kind::Events) {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("✖ events: forbidden — {m}"),
                theme.style(Token::Error),
            )),
            inner,
        );
        return;
    }
    if events.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                if !model.synced.get(&Kind::Events).copied().unwrap_or(false) {
                    "Loading the namespace's events…"
                } else if model.events.filter.is_empty() {
                    "No events for this release."
                } else {
                    "No event of this release matches the filter."
                },
                theme.style(Token::Muted),
            )),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let object_w = (width / 4).clamp(12, 44);
    // Wide, the reason column holds the longer kubelet and controller reasons whole.
    let reason_w = if width >= 120 { 24 } else { 18 };
    let fixed = 5 + 1 + 2 + reason_w + 1 + object_w + 1;
    let msg_w = width.saturating_sub(fixed);
    let lines: Vec<Line> = events
        .iter()
        .skip(model.events.scroll)
        .take(usize::from(inner.height))
        .map(|e| {
            let (mark, token) = if e.is_warning() {
                ("⚠ ", Token::Warning)
            } else {
                ("  ", Token::Info)
            };
            let when = e.last_ms.map_or("-".into(), |t| age(model.now_ms, t));
            let count = if e.count > 1 {
                format!(" (×{})", e.count)
            } else {
                String::new()
            };
            let object = object_label(&e.object_kind, &e.object_name, object_w);
            // The count is kept whole; names in the message lose their middle, then the
            // message gives up whole words before it.
            let message = labels::text_with_names(&e.message, msg_w.saturating_sub(cols(&count)));
            Line::from(vec![
                Span::styled(format!("{} ", pad(&when, 5)), theme.style(Token::Muted)),
                Span::styled(mark, theme.style(token)),
                Span::styled(
                    format!("{} ", pad(&labels::camel(&e.reason, reason_w), reason_w)),
                    theme.style(token),
                ),
                Span::styled(
                    format!("{} ", pad(&object, object_w)),
                    theme.style(Token::Muted),
                ),
                Span::styled(format!("{message}{count}"), theme.style(Token::Text)),
            ])
        })
        .collect();
    rows::draw(frame, inner, &lines);
}

/// `kind/name` in `width` columns: as it is, else with kubectl's short name for the kind
/// (`rs/`), the name losing segments from its middle.
fn object_label(kind: &str, name: &str, width: usize) -> String {
    let kind = kind.to_lowercase();
    let full = format!("{kind}/{name}");
    if cols(&full) <= width {
        return full;
    }
    let short = match kind.as_str() {
        "replicaset" => "rs",
        "deployment" => "deploy",
        "service" => "svc",
        "rollout" => "ro",
        "horizontalpodautoscaler" => "hpa",
        "analysisrun" => "ar",
        other => other,
    };
    let room = width.saturating_sub(cols(short) + 1);
    format!("{short}/{}", labels::name(name, room))
}

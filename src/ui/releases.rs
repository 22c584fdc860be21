//! The Releases pane: a row per Deployment / Rollout with phase (symbol, colour, word),
//! revision, step, weight, ready pods and time since the last change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::labels;
use super::widgets::pane::block;
use super::widgets::rows;
use super::widgets::text::pad;
use super::{focused, phase_token, verdict};
use crate::config::{Theme, Token};
use std::collections::BTreeMap;

use quarterdeck_core::analysis::ReleaseAnalysis;
use quarterdeck_core::analysis::queries::NO_PROMETHEUS;
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::control::Subject;
use quarterdeck_core::release::{Readiness, ReleaseId, readiness};
use quarterdeck_core::time::{age, elapsed};
use quarterdeck_core::{Connection, Model, Pane, Scope};

struct Col {
    title: &'static str,
    width: usize,
}

/// Columns, widest first to drop when space is short: name and phase always stay. The analysis
/// verdict (`AN`) shows once any release is analysed, the guard's countdown while a trigger holds.
fn columns(width: usize, verdicts: bool, guard: bool, ready_width: usize) -> Vec<Col> {
    let analysis = [("AN", 2, verdicts), ("GUARD", 7, guard)];
    let fixed = [
        ("PHASE", 13),
        ("STRATEGY", 10),
        ("REV", 4),
        ("STEP", 5),
        ("WEIGHT", 9),
        ("READY", ready_width),
        ("CHANGED", 7),
    ];
    let mut cols: Vec<Col> = fixed
        .iter()
        .map(|(t, w)| Col {
            title: t,
            width: *w,
        })
        .collect();
    // Right after the phase they qualify.
    let mut at = 1;
    for (title, width, shown) in analysis {
        if shown {
            cols.insert(at, Col { title, width });
            at += 1;
        }
    }
    let ns_width = 14;
    let spacing = |n: usize| n; // one space between columns
    let used = |cols: &[Col]| cols.iter().map(|c| c.width).sum::<usize>() + spacing(cols.len());
    // Namespace is worth showing when the name keeps at least 20 columns.
    let with_ns = width >= used(&cols) + ns_width + 1 + 20;
    if with_ns {
        cols.insert(
            0,
            Col {
                title: "NAMESPACE",
                width: ns_width,
            },
        );
    }
    for drop in ["STRATEGY", "CHANGED", "STEP", "REV"] {
        if width >= used(&cols) + 24 {
            break;
        }
        cols.retain(|c| c.title != drop);
    }
    let name_w = width.saturating_sub(used(&cols)).max(8);
    cols.insert(
        0,
        Col {
            title: "NAME",
            width: name_w,
        },
    );
    cols
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let visible = model.releases.visible();
    let mut extra = vec![Span::styled(
        format!("{} ", visible.len()),
        theme.style(Token::Muted),
    )];
    if !model.releases.filter.is_empty() {
        extra.push(Span::styled(
            format!("/{} ", model.releases.filter),
            theme.style(Token::Info),
        ));
    }
    // A resource we may not read leaves a hole in the list: say so where the list is.
    for kind in [Kind::Deployments, Kind::Rollouts] {
        if matches!(model.connection(kind), Connection::Forbidden(_)) && !visible.is_empty() {
            extra.push(Span::styled(
                format!("✖ {} forbidden ", kind.plural()),
                theme.style(Token::Error),
            ));
        }
    }
    let b = block(theme, "Releases", extra, focused(model, Pane::Releases));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if visible.is_empty() {
        let lines = empty_state(model, theme);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let width = usize::from(inner.width);
    // Releases without a Prometheus have nothing to judge them by: no glyph, and no column
    // when none has one.
    let analysed: BTreeMap<&ReleaseId, &ReleaseAnalysis> = model
        .analysis
        .releases
        .iter()
        .filter(|(_, ra)| ra.error.as_deref() != Some(NO_PROMETHEUS))
        .collect();
    let alarms = analysed.values().any(|ra| ra.countdown().is_some());
    let ready: Vec<String> = visible
        .iter()
        .map(|r| ready_text(readiness(&model.cluster, r)))
        .collect();
    // As wide as the widest count needs, never narrower than the title.
    let ready_width = ready
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let cols = columns(width, !analysed.is_empty(), alarms, ready_width);
    let header: Vec<Span> = cols
        .iter()
        .map(|c| {
            Span::styled(
                format!("{} ", pad(c.title, c.width)),
                theme.style(Token::Header),
            )
        })
        .collect();
    let mut lines = vec![Line::from(header)];
    let rows = usize::from(inner.height).saturating_sub(1);
    let cursor = model.releases.cursor();
    let offset = cursor.map_or(0, |c| (c + 1).saturating_sub(rows));
    // Names lose segments from their middle, and the rows shown stay told apart.
    let name_w = cols
        .iter()
        .find(|c| c.title == "NAME")
        .map_or(0, |c| c.width);
    let shown: Vec<&str> = visible
        .iter()
        .skip(offset)
        .take(rows)
        .map(|r| r.id.key.name.as_str())
        .collect();
    let names = labels::names(&shown, name_w.saturating_sub(2));
    for (i, r) in visible.iter().enumerate().skip(offset).take(rows) {
        let selected = cursor == Some(i);
        let phase_style = theme.style(phase_token(r.phase));
        let control = control_note(model, &r.id);
        let ra = analysed.get(&r.id).copied();
        let alarm = ra
            .and_then(|ra| ra.countdown())
            .map(|c| (c.fired, c.remaining_ms));
        let mut spans = Vec::new();
        for (n, c) in cols.iter().enumerate() {
            if let (Some((note, token)), "PHASE") = (&control, c.title) {
                // The action in flight or another operator's Lease: it spans the rest.
                let rest: usize = cols[n..].iter().map(|c| c.width + 1).sum();
                spans.push(Span::styled(pad(note, rest), theme.style(*token)));
                break;
            }
            let (text, style) = match c.title {
                "NAME" => (
                    format!(
                        "{}{}",
                        if selected { "› " } else { "  " },
                        names[i - offset]
                    ),
                    theme.style(Token::Text),
                ),
                "NAMESPACE" => (
                    labels::name(&r.id.key.namespace, c.width),
                    theme.style(Token::Muted),
                ),
                "AN" => ra.map_or((String::new(), Style::default()), |ra| {
                    let v = ra.verdict();
                    (verdict::glyph(v).into(), theme.style(verdict::token(v)))
                }),
                "GUARD" => match alarm {
                    Some((true, _)) => ("✗ fired".into(), theme.style(Token::Error)),
                    Some((false, left)) => (
                        format!("⚠ {}", elapsed(left, 0)),
                        theme.style(Token::Warning),
                    ),
                    None => (String::new(), Style::default()),
                },
                "PHASE" => (
                    format!("{} {}", r.phase.symbol(), r.phase_word()),
                    phase_style,
                ),
                "STRATEGY" => (r.strategy.to_string(), theme.style(Token::Muted)),
                "REV" => (
                    r.revision.map_or("-".into(), |v| v.to_string()),
                    theme.style(Token::Text),
                ),
                "STEP" => (
                    r.step.map_or("-".into(), |(i, n)| format!("{i}/{n}")),
                    theme.style(Token::Text),
                ),
                "WEIGHT" => (
                    r.weight.map_or("-".into(), |(d, a)| {
                        // Actual first: what traffic sees now; the target after the slash.
                        if d == a {
                            format!("{a}%")
                        } else {
                            format!("{a}%/{d}%")
                        }
                    }),
                    theme.style(Token::Canary),
                ),
                "READY" => (
                    ready[i].clone(),
                    if readiness(&model.cluster, r).ready < r.desired {
                        theme.style(Token::Warning)
                    } else {
                        theme.style(Token::Text)
                    },
                ),
                "CHANGED" => (
                    r.last_change_ms
                        .map_or("-".into(), |t| age(model.now_ms, t)),
                    theme.style(Token::Muted),
                ),
                _ => (String::new(), Style::default()),
            };
            spans.push(Span::styled(format!("{} ", pad(&text, c.width)), style));
        }
        let mut line = Line::from(spans);
        if alarm.is_some_and(|(fired, _)| fired) {
            // The guard's trigger fired: the whole row says so, not only its GUARD cell.
            line = line.patch_style(theme.style(Token::Error));
        }
        if selected {
            let sel = if focused(model, Pane::Releases) {
                theme.style(Token::Selection)
            } else {
                theme
                    .style(Token::Text)
                    .add_modifier(ratatui::style::Modifier::BOLD)
            };
            line = line.patch_style(sel);
        }
        lines.push(line);
    }
    rows::draw(frame, inner, &lines);
}

/// READY as a user reads it: ready of desired on the side that serves, then the pods beyond
/// it apart — `4/4 +1` for a surge or a canary's extra pod, `2/2 +2` for a blue-green preview.
fn ready_text(r: Readiness) -> String {
    match r.extra {
        0 => format!("{}/{}", r.ready, r.desired),
        n => format!("{}/{} +{n}", r.ready, r.desired),
    }
}

/// The action in flight on a release ("⟳ promoting…") or another operator's Lease on it
/// ("⚑ alex@laptop is about to promote"), which takes the place of its status columns.
fn control_note(model: &Model, id: &ReleaseId) -> Option<(String, Token)> {
    let subject = Subject::Workload(id.clone());
    if let Some(f) = model.control.in_flight.get(&subject) {
        return Some((format!("⟳ {}…", f.op.doing()), Token::Progressing));
    }
    model
        .control
        .held_by_other(&subject, model.now_ms)
        .map(|l| {
            (
                format!("⚑ {} is about to {}", l.holder, l.action),
                Token::Warning,
            )
        })
}

/// What to say when there is no row: connecting, unreachable, forbidden, or truly empty.
fn empty_state<'a>(model: &'a Model, theme: &Theme) -> Vec<Line<'a>> {
    let ctx = &model.target.context;
    let workloads = [Kind::Deployments, Kind::Rollouts];
    if !model.releases.filter.is_empty() && !model.releases.rows.is_empty() {
        return vec![Line::styled(
            format!(
                "No release matches /{}; ctrl-u clears the filter.",
                model.releases.filter
            ),
            theme.style(Token::Muted),
        )];
    }
    if model.never_connected() || model.workloads_pending() {
        let lost = workloads.iter().find_map(|k| match model.connection(*k) {
            Connection::Lost(m) => Some(m.clone()),
            _ => None,
        });
        return match lost {
            Some(message) => vec![
                Line::styled(
                    format!(
                        "✖ Cannot reach the API server of context {ctx} ({})",
                        model.target.server
                    ),
                    theme.style(Token::Error),
                ),
                Line::styled(format!("  {message}"), theme.style(Token::Text)),
                Line::styled(
                    "  Retrying on its own; check the VPN, the context (--context) or run `quarterdeck demo`.",
                    theme.style(Token::Muted),
                ),
            ],
            None => vec![Line::styled(
                format!("◐ Connecting to context {ctx} ({})…", model.target.server),
                theme.style(Token::Progressing),
            )],
        };
    }
    let mut lines = Vec::new();
    for k in workloads {
        if let Connection::Forbidden(m) = model.connection(k) {
            lines.push(Line::styled(
                format!("✖ {}: forbidden — {m}", k.plural()),
                theme.style(Token::Error),
            ));
        }
    }
    let scope = match &model.target.scope {
        Scope::Namespace(ns) => format!("namespace {ns}"),
        Scope::All => "any namespace".into(),
    };
    lines.push(Line::styled(
        format!("No Deployments or Rollouts in {scope} of context {ctx}."),
        theme.style(Token::Text),
    ));
    lines.push(Line::styled(
        "Try -n NAMESPACE (or :ns NAME), -A for all namespaces (:ns all), or `quarterdeck demo` for a simulated cluster.",
        theme.style(Token::Muted),
    ));
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::config::Theme;
    use quarterdeck_core::cluster::Object;
    use quarterdeck_core::sample;

    /// READY for a canary with its extra pod (Argo's 10 % of 4 is 1 canary next to 4 stable)
    /// and a blue-green with its preview up: both read ready of desired, the rest apart.
    #[test]
    fn ready_counts_the_serving_side_and_shows_the_rest_apart() {
        let mut canary = sample::canary_paused("shop", "orders-api");
        (canary.replicas, canary.ready) = (5, 5);
        let ns = "observability";
        let objects = vec![
            Object::Rollout(canary),
            Object::Rollout(sample::blue_green_preview(ns, "producer")),
            Object::ReplicaSet(sample::replicaset(
                ns,
                "Rollout",
                "producer",
                "5d8b7c6f4",
                2,
                2,
            )),
            Object::ReplicaSet(sample::replicaset(
                ns,
                "Rollout",
                "producer",
                "9a7e5c3b1",
                3,
                2,
            )),
        ];
        let (model, _) = sample::model_with(objects, 80, 6);
        let theme = Theme::load("default", None).unwrap();
        let mut term = Terminal::new(TestBackend::new(80, 6)).unwrap();
        term.draw(|f| super::draw(&model, &theme, f, f.area()))
            .unwrap();
        let buf = term.backend().buffer().clone();
        let text: String = (0..buf.area.height)
            .map(|y| {
                let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                format!("{}\n", line.trim_end())
            })
            .collect();
        assert!(text.contains("4/4 +1"), "{text}");
        assert!(text.contains("2/2 +2"), "{text}");
        insta::assert_snapshot!(text);
    }
}

//! The Analysis pane's lower half: the selected Rollout's AnalysisRuns, running ones first, then
//! newest first; per metric its phase, its counts against its limits, the last measurements and
//! the resolved query.

use ratatui::text::{Line, Span};

use super::labels;
use super::widgets::text::{cols, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;
use quarterdeck_core::analysis::{AnalysisRun, RunMetric};
use quarterdeck_core::release::ReleaseId;

/// How many measurements a metric shows, newest first.
const LAST_MEASUREMENTS: usize = 5;

/// The runs owned by the Rollout `id`: running ones first, then newest first.
pub fn runs<'m>(model: &'m Model, id: &ReleaseId) -> Vec<&'m AnalysisRun> {
    let mut runs: Vec<&AnalysisRun> = model
        .cluster
        .analysis_runs
        .values()
        .filter(|r| {
            r.key.namespace == id.key.namespace && r.rollout.as_deref() == Some(&*id.key.name)
        })
        .collect();
    runs.sort_by_key(|r| {
        (
            !running(&r.phase),
            std::cmp::Reverse(r.started_ms),
            std::cmp::Reverse(r.key.name.clone()),
        )
    });
    runs
}

fn running(phase: &str) -> bool {
    matches!(phase, "Running" | "Pending" | "")
}

/// The theme token and glyph of an Argo analysis phase.
fn phase_look(phase: &str) -> (Token, &'static str) {
    match phase {
        "Successful" => (Token::Healthy, "✓"),
        "Failed" | "Error" => (Token::Error, "✗"),
        "Inconclusive" => (Token::Warning, "?"),
        "Running" | "Pending" => (Token::Progressing, "◐"),
        _ => (Token::Muted, "·"),
    }
}

/// "Step 2", "Background", "PrePromotion".
fn run_type(run: &AnalysisRun) -> String {
    match (run.run_type.as_str(), run.step_index) {
        ("Step", Some(i)) => format!("Step {i}"),
        ("", _) => "Analysis".into(),
        (t, _) => t.to_string(),
    }
}

/// "failed 2 / limit 3 · inconclusive 0 / 0 · errors in a row 1 / 4 · measurements 3 / 5".
fn counts(m: &RunMetric) -> String {
    let measured = match m.max_count {
        Some(n) => format!("measurements {} / {n}", m.count),
        None => format!("measurements {}", m.count),
    };
    format!(
        "failed {} / limit {} · inconclusive {} / {} · errors in a row {} / {} · {measured}",
        m.failed,
        m.failure_limit,
        m.inconclusive,
        m.inconclusive_limit,
        m.consecutive_error,
        m.consecutive_error_limit,
    )
}

/// How much of each metric is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Phase and counts only, so every run fits a short pane.
    Summary,
    /// Also the message, the last measurements and the query cut to one line.
    Lines,
    /// Also the conditions, and the queries wrapped whole.
    Full,
}

/// The lines of every run, fitted to `width`.
pub fn lines<'a>(
    theme: &Theme,
    runs: &[&AnalysisRun],
    width: usize,
    detail: Detail,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if runs.is_empty() {
        out.push(Line::styled(
            labels::fit_words(
                "No AnalysisRuns for this rollout (its steps and strategy name no analysis yet).",
                width,
            ),
            theme.style(Token::Muted),
        ));
        return out;
    }
    for run in runs {
        let (token, glyph) = phase_look(&run.phase);
        let mut head = format!("{glyph} {} · {}", run_type(run), phase_word(&run.phase));
        if let Some(rev) = run.revision {
            head.push_str(&format!(" · rev {rev}"));
        }
        // The run's name loses segments from its middle; its message, whole words.
        head.push_str(&format!(
            " · {}",
            labels::name(&run.key.name, width.saturating_sub(cols(&head) + 3))
        ));
        if !run.message.is_empty() {
            let room = width.saturating_sub(cols(&head) + 3);
            let message = labels::text_with_names(&run.message, room);
            if !message.is_empty() {
                head.push_str(&format!(" — {message}"));
            }
        }
        out.push(Line::styled(head, theme.style(token)));
        for m in &run.metrics {
            metric_lines(theme, m, width, detail, &mut out);
        }
    }
    out
}

fn phase_word(phase: &str) -> &str {
    if phase.is_empty() { "Pending" } else { phase }
}

fn metric_lines<'a>(
    theme: &Theme,
    m: &RunMetric,
    width: usize,
    detail: Detail,
    out: &mut Vec<Line<'a>>,
) {
    let full = detail == Detail::Full;
    let (token, glyph) = phase_look(&m.phase);
    let head = format!("  {glyph} {} {}", m.name, phase_word(&m.phase));
    let rest = format!("  {}", counts(m));
    let head_w = head.chars().count();
    out.push(Line::from(vec![
        Span::styled(head, theme.style(token)),
        Span::styled(
            labels::fit_words(&rest, width.saturating_sub(head_w)),
            theme.style(Token::Text),
        ),
    ]));
    if detail == Detail::Summary {
        return;
    }
    if !m.message.is_empty() {
        out.push(Line::styled(
            labels::text_with_names(&format!("    {}", m.message), width),
            theme.style(token),
        ));
    }
    if !m.measurements.is_empty() {
        let mut spans = vec![Span::styled("    last ", theme.style(Token::Muted))];
        let mut used = 9;
        for (i, ms) in m
            .measurements
            .iter()
            .rev()
            .take(LAST_MEASUREMENTS)
            .enumerate()
        {
            let (t, g) = phase_look(&ms.phase);
            // An errored measurement has no value: its phase says what happened.
            let value = if ms.value.is_empty() {
                ms.phase.to_lowercase()
            } else {
                ms.value.clone()
            };
            let text = format!("{}{g} {value}", if i > 0 { " · " } else { "" });
            used += text.chars().count();
            if used > width {
                break;
            }
            spans.push(Span::styled(text, theme.style(t)));
        }
        out.push(Line::from(spans));
    }
    if full {
        for (word, cond) in [
            ("success", &m.success_condition),
            ("failure", &m.failure_condition),
        ] {
            if !cond.is_empty() {
                out.push(Line::styled(
                    labels::fit_words(&format!("    {word} when {cond}"), width),
                    theme.style(Token::Muted),
                ));
            }
        }
    }
    if m.query.is_empty() {
        return;
    }
    let query = m.query.split_whitespace().collect::<Vec<_>>().join(" ");
    if full {
        for (i, part) in wrap(&query, width.saturating_sub(11))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "    query  " } else { "           " };
            out.push(Line::from(vec![
                Span::styled(lead, theme.style(Token::Muted)),
                Span::styled(part, theme.style(Token::Text)),
            ]));
        }
    } else {
        out.push(Line::from(vec![
            Span::styled("    query  ", theme.style(Token::Muted)),
            Span::styled(
                labels::fit_words(&query, width.saturating_sub(11)),
                theme.style(Token::Text),
            ),
        ]));
    }
}

//! The Analysis pane for the selected release: canary beside stable for each signal (value,
//! verdict against its trigger, a sparkline with the threshold drawn), then the Rollout's
//! AnalysisRuns. What decides comes first, so a short pane still shows verdicts and values and
//! loses sparklines and queries before them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::analysis_runs::{self, Detail};
use super::focused;
use super::labels;
use super::verdict;
use super::widgets::pane::block;
use super::widgets::spark::{SparkStyle, peak, scale, spark};
use super::widgets::text::{fit, pad};
use crate::config::{Theme, Token};
use quarterdeck_core::analysis::queries::{self, NO_PROMETHEUS, SIGNALS};
use quarterdeck_core::analysis::trigger::amount;
use quarterdeck_core::analysis::{ReleaseAnalysis, SeriesKey, Side, Signal, TriggerSource};
use quarterdeck_core::release::{ReleaseId, WorkloadKind};
use quarterdeck_core::{Model, Pane};

const LABEL_W: usize = 16;
const VALUE_W: usize = 11;
const THRESHOLD_W: usize = 15;

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let id = model.releases.selected.as_ref();
    let ra = id.and_then(|id| model.analysis.releases.get(id));
    let mut extra = Vec::new();
    let judged = ra.map(|ra| {
        let v = ra.verdict();
        Span::styled(
            format!("{} {} ", verdict::glyph(v), verdict::word(v)),
            theme.style(verdict::token(v)),
        )
    });
    if let Some(id) = id {
        // The verdict always shows: the name gives up segments from its middle first.
        let verdict_w = judged.as_ref().map_or(0, |s| s.width());
        let room = usize::from(area.width).saturating_sub(2 + " Analysis  ".len() + verdict_w);
        extra.push(Span::styled(
            format!("{} ", labels::name(&id.key.name, room)),
            theme.style(Token::Text),
        ));
    }
    extra.extend(judged);
    let b = block(theme, "Analysis", extra, focused(model, Pane::Analysis));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some(id) = id else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Select a release to see its analysis.",
                theme.style(Token::Muted),
            )),
            inner,
        );
        return;
    };
    let width = usize::from(inner.width);
    // Room for everything: sparklines two rows high, conditions and whole queries.
    let roomy = inner.height >= 30 && width >= 120;
    let mut lines = status_lines(model, theme, id, ra, width);
    let source = queries::triggers(&model.analysis, &model.cluster, id, &model.target.context).1;
    if let Some(ra) = ra {
        let tmpl = source == TriggerSource::Templates;
        lines.extend(metric_lines(
            theme,
            ra,
            width,
            if roomy { 2 } else { 1 },
            tmpl,
        ));
        lines.extend(warning_lines(theme, ra, width));
    }
    if source != TriggerSource::Release {
        lines.extend(template_lines(model, theme, id, width));
    }
    if id.kind == WorkloadKind::Rollout {
        lines.push(Line::styled(
            pad("AnalysisRuns", width),
            theme.style(Token::Header),
        ));
        let runs = analysis_runs::runs(model, id);
        // As much of each metric as lets every run show; on a short pane, counts only.
        let room = usize::from(inner.height).saturating_sub(lines.len());
        let mut detail = if roomy { Detail::Full } else { Detail::Lines };
        let mut run_lines = analysis_runs::lines(theme, &runs, width, detail);
        if run_lines.len() > room && detail == Detail::Full {
            detail = Detail::Lines;
            run_lines = analysis_runs::lines(theme, &runs, width, detail);
        }
        if run_lines.len() > room {
            run_lines = analysis_runs::lines(theme, &runs, width, Detail::Summary);
        }
        lines.extend(run_lines);
    }
    lines.truncate(usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Why there is nothing to show, or what went wrong reading it, and what to do.
fn status_lines<'a>(
    model: &Model,
    theme: &Theme,
    id: &ReleaseId,
    ra: Option<&ReleaseAnalysis>,
    width: usize,
) -> Vec<Line<'a>> {
    let configured = queries::url(&model.analysis.config, id, &model.target.context).is_some();
    let wrapped = |text: &str, token: Token| {
        super::widgets::text::wrap(text, width)
            .into_iter()
            .map(|l| Line::styled(l, theme.style(token)))
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    if !configured {
        out.extend(wrapped(
            "◌ Prometheus is not configured: no metrics to judge this release by.",
            Token::Warning,
        ));
        out.extend(wrapped(
            "Set [prometheus] url = \"http://prometheus:9090\" in config.toml (or prometheus = … under [contexts.NAME] or the release's [[release]]).",
            Token::Muted,
        ));
    } else if let Some(err) = ra
        .and_then(|ra| ra.error.as_deref())
        .filter(|e| *e != NO_PROMETHEUS)
    {
        out.extend(wrapped(
            &format!("✖ Cannot read Prometheus: {err}"),
            Token::Error,
        ));
        out.extend(wrapped(
            "Quarterdeck keeps retrying; check the URL and credentials in config.toml.",
            Token::Muted,
        ));
    } else if ra.is_none_or(|ra| ra.series.is_empty()) {
        out.push(Line::styled(
            labels::fit_words("◌ Waiting for the first metrics from Prometheus…", width),
            theme.style(Token::Progressing),
        ));
    }
    out
}

/// Widths of the metric table's columns at `width`.
struct Cols {
    verdict: usize,
    spark: usize,
}

fn cols(width: usize) -> Cols {
    // Label, canary value, verdict, threshold, " │ ", stable value; sparklines share the rest.
    let wide_verdict = 16;
    let fixed = |v: usize| LABEL_W + 1 + VALUE_W + 1 + v + 1 + THRESHOLD_W + 3 + VALUE_W + 2;
    let verdict = if width >= fixed(wide_verdict) + 2 * 20 {
        wide_verdict
    } else {
        2
    };
    let spare = width.saturating_sub(fixed(verdict)) / 2;
    Cols {
        verdict,
        spark: if spare >= 6 { spare } else { 0 },
    }
}

/// The header and a row (or `height` rows) per signal.
fn metric_lines<'a>(
    theme: &Theme,
    ra: &ReleaseAnalysis,
    width: usize,
    height: usize,
    tmpl: bool,
) -> Vec<Line<'a>> {
    let c = cols(width);
    let header =
        |t: &str, w: usize| Span::styled(format!("{} ", pad(t, w)), theme.style(Token::Header));
    let mut head = vec![
        header("SIGNAL", LABEL_W),
        header("CANARY", VALUE_W + 1 + c.verdict),
        header("THRESHOLD", THRESHOLD_W),
    ];
    if c.spark > 0 {
        head.push(header(
            if c.spark >= 8 { "last 10m" } else { "10m" },
            c.spark,
        ));
    }
    head.push(Span::styled("│ ", theme.style(Token::Border)));
    head.push(header("STABLE", VALUE_W));
    let mut out = vec![Line::from(head)];
    for signal in SIGNALS {
        out.extend(signal_rows(theme, ra, signal, &c, height, tmpl));
    }
    out
}

fn values(ra: &ReleaseAnalysis, side: Side, signal: Signal) -> Vec<Option<f64>> {
    ra.series
        .get(&SeriesKey { side, signal })
        .map(|s| {
            s.points
                .iter()
                .map(|p| p.value.filter(|v| !v.is_nan()))
                .collect()
        })
        .unwrap_or_default()
}

fn shown(signal: Signal, v: Option<f64>) -> String {
    v.map_or_else(|| "no data".into(), |v| amount(signal, v))
}

fn signal_rows<'a>(
    theme: &Theme,
    ra: &ReleaseAnalysis,
    signal: Signal,
    c: &Cols,
    height: usize,
    tmpl: bool,
) -> Vec<Line<'a>> {
    let trigger = ra.triggers.iter().find(|t| t.trigger.signal == signal);
    let threshold = ra.threshold(signal);
    let v = Some(ra.signal_verdict(signal));
    let cval = ra.latest(Side::Canary, signal).filter(|v| !v.is_nan());
    let over = threshold.zip(cval).is_some_and(|(t, v)| v > t);
    let verdict_text = match v {
        Some(v) if c.verdict > 2 => format!("{} {}", verdict::glyph(v), verdict::word(v)),
        Some(v) => verdict::glyph(v).to_string(),
        None => String::new(),
    };
    let thr_text = trigger.map_or_else(
        || "no trigger".into(),
        |t| {
            let text = match t.trigger.for_ms {
                0 => format!("> {}", amount(signal, t.trigger.above)),
                ms => format!(
                    "> {} /{}",
                    amount(signal, t.trigger.above),
                    verdict::window(ms)
                ),
            };
            if tmpl { template_mark(&text) } else { text }
        },
    );
    let style = |t: Token| theme.style(t);
    let first = [
        Span::styled(
            format!("{} ", pad(verdict::label(signal), LABEL_W)),
            style(Token::Text),
        ),
        Span::styled(
            format!("{:>w$} ", fit(&shown(signal, cval), VALUE_W), w = VALUE_W),
            style(if over {
                Token::Error
            } else if cval.is_none() {
                Token::Muted
            } else {
                Token::Canary
            }),
        ),
        Span::styled(
            format!("{} ", pad(&verdict_text, c.verdict)),
            style(v.map_or(Token::Muted, verdict::token)),
        ),
        Span::styled(
            format!("{} ", pad(&thr_text, THRESHOLD_W)),
            style(Token::Muted),
        ),
    ];
    let blank = Span::raw(" ".repeat(LABEL_W + 1 + VALUE_W + 1 + c.verdict + 1 + THRESHOLD_W + 1));
    // One scale for both sides, so the canary's bars compare with stable's at a glance; stable
    // shows the threshold line too, but is not judged by it.
    let (cv, sv) = (
        values(ra, Side::Canary, signal),
        values(ra, Side::Stable, signal),
    );
    let top = scale(peak(&cv).max(peak(&sv)), threshold, height);
    let sparks = |v: &[Option<f64>], token: Token, breach: Token| {
        spark(
            v,
            c.spark,
            height,
            threshold,
            top,
            &SparkStyle {
                normal: style(token),
                breach: style(breach),
                muted: style(Token::Muted),
            },
        )
    };
    let cs = sparks(&cv, Token::Canary, Token::Error);
    let ss = sparks(&sv, Token::Stable, Token::Stable);
    let sval = ra.latest(Side::Stable, signal).filter(|v| !v.is_nan());
    (0..height)
        .map(|row| {
            let mut spans: Vec<Span> = if row == 0 {
                first.to_vec()
            } else {
                vec![blank.clone()]
            };
            if let Some(l) = cs.get(row) {
                spans.extend(l.spans.iter().cloned());
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled("│ ", style(Token::Border)));
            if row == 0 {
                spans.push(Span::styled(
                    format!("{:>w$} ", fit(&shown(signal, sval), VALUE_W), w = VALUE_W),
                    style(if sval.is_some() {
                        Token::Stable
                    } else {
                        Token::Muted
                    }),
                ));
            } else {
                spans.push(Span::raw(" ".repeat(VALUE_W + 1)));
            }
            if let Some(l) = ss.get(row) {
                spans.extend(l.spans.iter().cloned());
            }
            Line::from(spans)
        })
        .collect()
}

/// A threshold read from the Rollout's AnalysisTemplates: "> 1% /2m tmpl", tighter when the
/// column is short of room.
fn template_mark(threshold: &str) -> String {
    let marked = format!("{threshold} tmpl");
    if marked.chars().count() <= THRESHOLD_W {
        marked
    } else {
        format!("{} tmpl", threshold.replace(" /", "/"))
    }
}

/// What reading the Rollout's AnalysisTemplates said: a failure, metrics that are no trigger,
/// templates missing or forbidden.
fn template_lines<'a>(model: &Model, theme: &Theme, id: &ReleaseId, width: usize) -> Vec<Line<'a>> {
    let Some(t) = model.analysis.templates.get(id) else {
        return Vec::new();
    };
    let error = t
        .error
        .iter()
        .map(|e| (format!("✖ templates: {e}"), Token::Error));
    let notes = t.notes.iter().map(|n| (format!("◌ {n}"), Token::Muted));
    error
        .chain(notes)
        .map(|(text, token)| Line::styled(labels::fit_words(&text, width), theme.style(token)))
        .collect()
}

/// Prometheus' warnings on the release's series, once each, dimmed.
fn warning_lines<'a>(theme: &Theme, ra: &ReleaseAnalysis, width: usize) -> Vec<Line<'a>> {
    let mut seen: Vec<&str> = Vec::new();
    for w in ra.series.values().flat_map(|s| &s.warnings) {
        if !seen.contains(&w.as_str()) {
            seen.push(w);
        }
    }
    seen.into_iter()
        .map(|w| {
            Line::styled(
                labels::fit_words(&format!("⚠ Prometheus warns: {w}"), width),
                theme.style(Token::Muted),
            )
        })
        .collect()
}

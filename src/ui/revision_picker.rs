//! The revision picker (`U`): the cluster's revisions (image, age, whether pods still run it;
//! the current one marked and not choosable, the previous one preselected) and, for releases
//! deployed by CI, the earlier versions CI can deploy again.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::labels;
use super::widgets::overlay::{Look, centred, hints, open, pad_line, title, to_u16};
use super::widgets::text::{cols, fit, pad, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;
use quarterdeck_core::control::{Candidate, Choice, Picker};
use quarterdeck_core::link::CiLink;
use quarterdeck_core::release::Revision;
use quarterdeck_core::time::age;

const REV_W: usize = 11;
const AGE_W: usize = 5;
const PODS_W: usize = 10;
const RUN_W: usize = 14;

/// Widest the dialog grows: a table is hard to read across a whole wide screen.
const MAX_W: u16 = 120;

/// Draws the picker centred in `area`.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, picker: &Picker) {
    let width = area
        .width
        .saturating_sub(4)
        .clamp(40, MAX_W)
        .min(area.width);
    let w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let has_revisions = picker
        .choices
        .iter()
        .any(|c| matches!(c, Choice::Revision { .. }));
    if has_revisions {
        section(
            &mut lines,
            theme,
            w,
            "In the cluster — undo is immediate; the next pipeline run brings the newer version back",
        );
        let image_w = w.saturating_sub(2 + REV_W + AGE_W + PODS_W + 3);
        lines.push(header(
            theme,
            &[
                ("REVISION", REV_W),
                ("IMAGE", image_w),
                ("AGE", AGE_W),
                ("PODS", PODS_W),
            ],
        ));
        for (i, choice) in picker.choices.iter().enumerate() {
            if let Choice::Revision { revision, current } = choice {
                if i == picker.cursor {
                    cursor_line = lines.len();
                }
                let line = revision_line(model, theme, revision, *current, image_w);
                lines.push(highlight(theme, line, i == picker.cursor, w));
            }
        }
    }
    if let Some(ci) = &picker.ci {
        if has_revisions {
            lines.push(Line::raw(""));
        }
        section(
            &mut lines,
            theme,
            w,
            "Through CI — redeploys the way the pipeline does it: slower, and it lasts",
        );
        let candidates: Vec<(usize, &Candidate)> = picker
            .choices
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Choice::Ci(candidate) => Some((i, candidate)),
                Choice::Revision { .. } => None,
            })
            .collect();
        match ci {
            Err(text) => lines.push(Line::styled(format!("  {text}"), theme.style(Token::Muted))),
            Ok(()) if candidates.is_empty() => lines.push(Line::styled(
                "  no earlier deploy found in CI",
                theme.style(Token::Muted),
            )),
            Ok(()) => {
                let version_w = candidates
                    .iter()
                    .map(|(_, c)| cols(&c.version))
                    .max()
                    .unwrap_or(0)
                    .clamp(7, 24);
                let how_w = w.saturating_sub(2 + version_w + RUN_W + AGE_W + 3).max(10);
                lines.push(header(
                    theme,
                    &[
                        ("VERSION", version_w),
                        ("RUN", RUN_W),
                        ("AGE", AGE_W),
                        ("HOW", how_w),
                    ],
                ));
                let run_word = run_word(model, picker);
                for (i, c) in candidates {
                    if i == picker.cursor {
                        cursor_line = lines.len();
                    }
                    let how = wrap(&labels::images_within(&c.how, how_w), how_w);
                    let first = Line::from(vec![
                        Span::styled(marker(i == picker.cursor), theme.style(Token::KeyHint)),
                        cell(&c.version, version_w, theme.style(Token::Text)),
                        cell(
                            &run_label(run_word, c.pipeline_id),
                            RUN_W,
                            theme.style(Token::Muted),
                        ),
                        cell(
                            &c.at_ms.map_or("-".into(), |t| age(model.now_ms, t)),
                            AGE_W,
                            theme.style(Token::Muted),
                        ),
                        Span::styled(
                            how.first().cloned().unwrap_or_default(),
                            theme.style(Token::Text),
                        ),
                    ]);
                    lines.push(highlight(theme, first, i == picker.cursor, w));
                    let indent = 2 + version_w + RUN_W + AGE_W + 3;
                    for more in how.iter().skip(1) {
                        lines.push(Line::styled(
                            format!("{}{more}", " ".repeat(indent)),
                            theme.style(Token::Text),
                        ));
                    }
                }
            }
        }
    }
    let height = to_u16(lines.len() + 2).min(area.height);
    let rect = centred(area, width, height);
    let inner = open(
        frame,
        rect,
        Look {
            title: title(theme, format!("Roll back {}", picker.subject)),
            footer: hints(
                theme,
                &[("↑↓", "choose"), ("enter", "confirm…"), ("esc", "close")],
            ),
            border: theme.style(Token::BorderFocused),
            border_type: BorderType::Thick,
        },
    );
    let rows = usize::from(inner.height);
    let first = (cursor_line + 1).saturating_sub(rows);
    frame.render_widget(Paragraph::new(lines).scroll((to_u16(first), 0)), inner);
}

/// One cluster revision: the current one is marked and muted, since it cannot be chosen.
fn revision_line<'a>(
    model: &Model,
    theme: &Theme,
    r: &Revision,
    current: bool,
    image_w: usize,
) -> Line<'a> {
    let text = if current {
        theme.style(Token::Muted)
    } else {
        theme.style(Token::Text)
    };
    let number = if current {
        format!("{} (now)", r.number)
    } else {
        r.number.to_string()
    };
    let (pods, pods_style) = if r.replicas > 0 {
        (
            format!("{} running", r.replicas),
            theme.style(Token::PodRunning),
        )
    } else {
        ("none".to_string(), theme.style(Token::Muted))
    };
    Line::from(vec![
        Span::raw("  "),
        cell(&number, REV_W, text),
        cell(&labels::image(&r.image, image_w), image_w, text),
        cell(
            &r.created_ms.map_or("-".into(), |t| age(model.now_ms, t)),
            AGE_W,
            theme.style(Token::Muted),
        ),
        Span::styled(fit(&pods, PODS_W), pods_style),
    ])
}

/// `pipeline 1482285`, or `#1482285` where that does not fit the column.
fn run_label(run_word: &str, id: impl std::fmt::Display) -> String {
    let full = format!("{run_word} {id}");
    if cols(&full) <= RUN_W {
        full
    } else {
        format!("#{id}")
    }
}

/// "run" for GitHub, "pipeline" for GitLab.
fn run_word(model: &Model, picker: &Picker) -> &'static str {
    let link = picker
        .subject
        .workload()
        .and_then(|id| model.ci.links.get(id))
        .map(|l| &l.link);
    match link {
        Some(CiLink::GitLab { .. }) => "pipeline",
        _ => "run",
    }
}

fn section<'a>(lines: &mut Vec<Line<'a>>, theme: &Theme, width: usize, text: &str) {
    for l in wrap(text, width.saturating_sub(1)) {
        lines.push(Line::styled(format!(" {l}"), theme.style(Token::Title)));
    }
}

fn header<'a>(theme: &Theme, columns: &[(&str, usize)]) -> Line<'a> {
    let mut spans = vec![Span::raw("  ")];
    for (name, w) in columns {
        spans.push(cell(name, *w, theme.style(Token::Header)));
    }
    Line::from(spans)
}

fn cell<'a>(text: &str, width: usize, style: Style) -> Span<'a> {
    Span::styled(format!("{} ", pad(text, width)), style)
}

fn marker(selected: bool) -> &'static str {
    if selected { "› " } else { "  " }
}

fn highlight<'a>(theme: &Theme, line: Line<'a>, selected: bool, width: usize) -> Line<'a> {
    if !selected {
        return line;
    }
    let mut line = pad_line(line, width);
    if let Some(first) = line.spans.first_mut() {
        first.content = marker(true).into();
    }
    line.patch_style(theme.style(Token::Selection))
}

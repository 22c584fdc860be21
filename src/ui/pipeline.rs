//! The Pipeline pane: the selected release's CI run — stages as columns, jobs with status
//! symbol and word, duration or a running timer, matrix jobs grouped — which run produced the
//! rolling image (or plainly why none did), and the recent runs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::labels;
use super::widgets::pane::block;
use super::widgets::text::cols;
use super::{ci_token, focused};
use crate::config::{Theme, Token};
use quarterdeck_core::concerns::ci::{ReleaseRuns, release_runs};
use quarterdeck_core::pipeline::{CiStatus, Job, Pipeline, RunMatch, Stage};
use quarterdeck_core::time::{age, elapsed};
use quarterdeck_core::{Model, Pane};

/// Narrowest column a stage gets; more stages than fit scroll with the cursor.
const MIN_COLUMN: u16 = 22;

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let release = model.selected_release();
    let name = release.map_or(String::new(), |r| {
        format!("{}/{}", r.id.key.namespace, r.id.key.name)
    });
    let rr = release.and_then(|r| release_runs(&model.ci, r));
    let mut extra = vec![Span::styled(format!("{name} "), theme.style(Token::Muted))];
    if let Some(rr) = &rr {
        extra.push(Span::styled(
            format!("· {} ", rr.link.source().label()),
            theme.style(Token::Muted),
        ));
    }
    let b = block(theme, "Pipeline", extra, focused(model, Pane::Pipeline));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(release) = release else {
        note(frame, inner, theme, "No release selected.", Token::Muted);
        return;
    };
    let Some(rr) = rr else {
        let mut lines = vec![Line::styled(
            format!("No CI linked to {name}."),
            theme.style(Token::Text),
        )];
        if let Some(e) = model.ci.link_errors.get(&release.id) {
            lines.push(Line::styled(format!("✖ {e}"), theme.style(Token::Error)));
        }
        lines.push(Line::styled(
            "Link it with a [[release]] table in config.toml (github = \"owner/repo\" or gitlab = \"group/project\"),",
            theme.style(Token::Muted),
        ));
        lines.push(Line::styled(
            "or annotate the workload: quarterdeck.dev/github=owner/repo (quarterdeck.dev/gitlab=group/project).",
            theme.style(Token::Muted),
        ));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let now = model.ci.now_or(model.now_ms);
    let mut head: Vec<Line> = Vec::new();
    if let Some((_, message)) = model.ci.errors.get(&rr.link.source()) {
        head.push(Line::styled(
            labels::fit_words(&format!("✖ {message}"), usize::from(inner.width)),
            theme.style(Token::Error),
        ));
    }
    if !rr.polled {
        head.push(Line::styled(
            format!(
                "Waiting for the first answer from {}…",
                rr.link.source().label()
            ),
            theme.style(Token::Muted),
        ));
        frame.render_widget(Paragraph::new(head), inner);
        return;
    }
    head.push(match_line(&rr, &release.image, theme, inner.width));
    let Some(run) = rr.shown_run() else {
        frame.render_widget(Paragraph::new(head), inner);
        return;
    };
    head.push(run_line(run, now, theme, inner.width));
    head.push(Line::styled(
        labels::fit_words(
            &format!(
                "  trigger {} · branch {} · commit {} · by {}",
                run.event,
                run.branch,
                run.short_sha(),
                if run.actor.is_empty() {
                    "?"
                } else {
                    &run.actor
                }
            ),
            usize::from(inner.width),
        ),
        theme.style(Token::Muted),
    ));
    // A short pane gives every row to the jobs: no spacer, and the recent runs only once the
    // cursor moves past the last job onto them.
    let roomy = inner.height >= 16;
    let cursor = focused(model, Pane::Pipeline).then_some(model.ci.job_cursor);
    let on_run = cursor.and_then(|c| rr.run_at(c));
    let recent_h = if roomy {
        u16::try_from(rr.recent().len() + 1).unwrap_or(0)
    } else {
        0
    };
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(u16::try_from(head.len()).unwrap_or(0) + u16::from(roomy)),
            Constraint::Min(3),
            Constraint::Length(recent_h),
        ])
        .split(inner);
    frame.render_widget(Paragraph::new(head), parts[0]);
    if !roomy && on_run.is_some() {
        recent(&rr, on_run, now, theme, frame, parts[1]);
        return;
    }
    columns(run, cursor, now, theme, frame, parts[1]);
    recent(&rr, on_run, now, theme, frame, parts[2]);
}

fn note(frame: &mut Frame, area: Rect, theme: &Theme, text: &str, token: Token) {
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), theme.style(token))),
        area,
    );
}

/// "image X ← run #N" or "no run matches image X: reason".
fn match_line<'a>(rr: &ReleaseRuns<'_>, image: &str, theme: &Theme, width: u16) -> Line<'a> {
    let w = usize::from(width);
    match &rr.matched {
        RunMatch::Matched(i) => {
            let run = &rr.runs[*i];
            let by = format!(
                " was built by run #{} ({}, commit {})",
                run.number,
                run_name(run),
                run.short_sha()
            );
            let image = labels::image(image, w.saturating_sub(cols(&by) + 8));
            Line::styled(
                labels::fit_words(&format!("● image {image}{by}"), w),
                theme.style(Token::Healthy),
            )
        }
        RunMatch::NoMatch { reason } => {
            // The image keeps its name and tag; the reason gives up its last words first.
            let full = format!("⚠ no run matches image {image}: {reason}");
            let text = if cols(&full) <= w {
                full
            } else {
                let head = format!(
                    "⚠ no run matches image {}: ",
                    labels::image(image, w.saturating_sub(40))
                );
                let reason = labels::fit_words(reason, w.saturating_sub(cols(&head)));
                labels::fit_words(&format!("{head}{reason}"), w)
            };
            Line::styled(text, theme.style(Token::Warning))
        }
    }
}

/// Which optional columns a recent-run row shows.
struct RecentColumns {
    name: bool,
    branch: bool,
    sha: bool,
    actor: bool,
    /// "3m ago" rather than "3m".
    ago: bool,
    /// "← rolling image" rather than "← rolling".
    long_mark: bool,
}

/// Column sets from the widest to the narrowest.
const RECENT_COLUMNS: [RecentColumns; 4] = [
    RecentColumns {
        name: true,
        branch: true,
        sha: true,
        actor: true,
        ago: true,
        long_mark: true,
    },
    RecentColumns {
        name: true,
        branch: true,
        sha: true,
        actor: false,
        ago: false,
        long_mark: false,
    },
    RecentColumns {
        name: true,
        branch: false,
        sha: true,
        actor: false,
        ago: false,
        long_mark: false,
    },
    RecentColumns {
        name: false,
        branch: false,
        sha: false,
        actor: false,
        ago: false,
        long_mark: false,
    },
];

/// One recent run's row with the columns `c` asks for.
fn recent_row(
    run: &Pipeline,
    c: &RecentColumns,
    i: usize,
    rr: &ReleaseRuns<'_>,
    matched: Option<usize>,
    now: i64,
) -> String {
    let shown = if Some(i) == rr.shown { "▸" } else { " " };
    let mut text = format!(
        "{shown}{} {:<9} #{:<5}",
        run.status.symbol(),
        run.status.word(),
        run.number
    );
    if c.name {
        text.push_str(&format!(" {:<14}", labels::fit_words(run_name(run), 14)));
    }
    if c.branch {
        text.push_str(&format!(" {:<14}", labels::name(&run.branch, 14)));
    }
    if c.sha {
        text.push_str(&format!(" {}", run.short_sha()));
    }
    if c.actor {
        text.push_str(&format!(" {:<12}", labels::name(&run.actor, 12)));
    }
    if let Some(created) = run.created_ms {
        let ago = if c.ago { " ago" } else { "" };
        text.push_str(&format!(" {}{ago}", age(now, created)));
    }
    if Some(i) == matched {
        text.push_str(if c.long_mark {
            "  ← rolling image"
        } else {
            "  ← rolling"
        });
    }
    text
}

/// The workflow's name, or "Pipeline" for an unnamed GitLab pipeline.
fn run_name(run: &Pipeline) -> &str {
    if run.name.is_empty() {
        "Pipeline"
    } else {
        &run.name
    }
}

/// How long a job or run took, or has been going.
fn duration(
    status: &CiStatus,
    started: Option<i64>,
    finished: Option<i64>,
    created: Option<i64>,
    now: i64,
) -> String {
    match (started, finished) {
        (Some(s), Some(f)) => elapsed(f, s),
        (Some(s), None) if status.is_active() => format!("{} ⏱", elapsed(now, s)),
        (None, _) if status.is_active() => created.map_or(String::new(), |c| elapsed(now, c)),
        _ => String::new(),
    }
}

fn run_line<'a>(run: &Pipeline, now: i64, theme: &Theme, width: u16) -> Line<'a> {
    let token = ci_token(&run.status);
    let took = duration(
        &run.status,
        run.started_ms,
        run.finished_ms,
        run.created_ms,
        now,
    );
    let head = format!("{} {} #{}", run_name(run), run.status.word(), run.number);
    let tail = format!(
        " · {}{}",
        if took.is_empty() { "-".into() } else { took },
        if run.attempt > 1 {
            format!(" · attempt {}", run.attempt)
        } else {
            String::new()
        }
    );
    // The title gives up its last words so that the run's age always shows.
    let w = usize::from(width).saturating_sub(2);
    let title = labels::fit_words(&run.title, w.saturating_sub(cols(&head) + cols(&tail) + 3));
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" \"{title}\"")
    };
    Line::from(vec![
        Span::styled(format!("{} ", run.status.symbol()), theme.style(token)),
        Span::styled(
            labels::fit_words(&format!("{head}{title}{tail}"), w),
            theme.style(Token::Title),
        ),
    ])
}

/// One drawn row of a stage column.
struct Row {
    text: String,
    style: Style,
    job: Option<usize>,
}

/// The rows of one stage: a header, then each job on two rows (symbol and name; word and
/// duration), matrix members under their group's summary.
fn stage_rows(stage: &Stage, first: usize, now: i64, theme: &Theme) -> Vec<Row> {
    let mut rows = vec![Row {
        text: format!(
            "{} {} · {}",
            stage.status.symbol(),
            stage.name,
            stage.status.word()
        ),
        style: theme
            .style(ci_token(&stage.status))
            .patch(theme.style(Token::Header)),
        job: None,
    }];
    let mut shown_group: Option<&str> = None;
    for (i, job) in stage.jobs.iter().enumerate() {
        let indent = match job.group.as_deref() {
            Some(g) => {
                if shown_group != Some(g) {
                    let members: Vec<&Job> = stage
                        .jobs
                        .iter()
                        .filter(|j| j.group.as_deref() == Some(g))
                        .collect();
                    let status = Job::summarise(members.iter().copied());
                    rows.push(Row {
                        text: format!(
                            "{} {g} ×{} · {}",
                            status.symbol(),
                            members.len(),
                            status.word()
                        ),
                        style: theme.style(ci_token(&status)),
                        job: None,
                    });
                    shown_group = Some(g);
                }
                "  "
            }
            None => {
                shown_group = None;
                ""
            }
        };
        let took = duration(
            &job.status,
            job.started_ms,
            job.finished_ms,
            job.created_ms,
            now,
        );
        let mut detail = format!("{indent}  {}", job.status.word());
        if !took.is_empty() {
            detail.push_str(&format!(" · {took}"));
        }
        if job.allow_failure && job.status == CiStatus::Failed {
            detail.push_str(" · allowed");
        }
        if let Some(reason) = &job.failure_reason {
            detail.push_str(&format!(" · {reason}"));
        }
        let token = ci_token(&job.status);
        rows.push(Row {
            text: format!("{indent}{} {}", job.status.symbol(), job.name),
            style: theme.style(token),
            job: Some(first + i),
        });
        rows.push(Row {
            text: detail,
            style: theme.style(Token::Muted),
            job: Some(first + i),
        });
    }
    rows
}

fn columns(
    run: &Pipeline,
    cursor: Option<usize>,
    now: i64,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let stages: Vec<&Stage> = run.stages.iter().filter(|s| !s.jobs.is_empty()).collect();
    if stages.is_empty() {
        note(frame, area, theme, "Jobs not fetched yet.", Token::Muted);
        return;
    }
    let mut firsts = Vec::with_capacity(stages.len());
    let mut at = 0;
    for s in &stages {
        firsts.push(at);
        at += s.jobs.len();
    }
    let fit_n = usize::from((area.width / MIN_COLUMN).max(1)).min(stages.len());
    let cur_stage = cursor
        .and_then(|c| firsts.iter().rposition(|f| *f <= c))
        .unwrap_or(0);
    let start = cur_stage.saturating_sub(fit_n - 1);
    let shown = &stages[start..start + fit_n];
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints(vec![
            Constraint::Ratio(1, u32::try_from(fit_n).unwrap_or(1));
            fit_n
        ])
        .split(area);
    let selection = theme.style(Token::Selection);
    for (k, stage) in shown.iter().enumerate() {
        let col = cols[k];
        let w = usize::from(col.width.saturating_sub(1));
        let rows = stage_rows(stage, firsts[start + k], now, theme);
        // Keep the cursor's job in view in a long column.
        let h = usize::from(col.height);
        let cursor_row = rows
            .iter()
            .rposition(|r| r.job.is_some() && r.job == cursor)
            .unwrap_or(0);
        let skip = (cursor_row + 1).saturating_sub(h);
        let lines: Vec<Line> = rows
            .iter()
            .skip(skip)
            .take(h)
            .map(|r| {
                let style = if r.job.is_some() && r.job == cursor {
                    r.style.patch(selection)
                } else {
                    r.style
                };
                Line::styled(labels::fit_words(&r.text, w), style)
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), col);
    }
    if stages.len() > fit_n {
        let more = format!("◂ {}/{} stages ▸", start + fit_n, stages.len());
        let x = area.x
            + area
                .width
                .saturating_sub(u16::try_from(more.chars().count()).unwrap_or(0));
        let y = area.y + area.height.saturating_sub(1);
        frame.render_widget(
            Paragraph::new(Line::styled(more, theme.style(Token::Muted))),
            Rect::new(x, y, area.width.min(20), 1),
        );
    }
}

/// The recent runs: `▸` marks the one shown, the cursor's (`on_run`) is highlighted and
/// `enter` opens it.
fn recent(
    rr: &ReleaseRuns<'_>,
    on_run: Option<usize>,
    now: i64,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if area.height == 0 {
        return;
    }
    let w = usize::from(area.width);
    let matched = match rr.matched {
        RunMatch::Matched(i) => Some(i),
        RunMatch::NoMatch { .. } => None,
    };
    let title = if on_run.is_some() {
        "Recent runs · enter: open"
    } else {
        "Recent runs"
    };
    let mut lines = vec![Line::styled(title, theme.style(Token::Header))];
    let runs = rr.recent();
    // The widest set of columns in which every row fits; narrower panes drop whole columns,
    // the least telling first, so status, number, age and the rolling mark always show.
    let columns = RECENT_COLUMNS
        .iter()
        .find(|c| {
            runs.iter()
                .enumerate()
                .all(|(i, run)| cols(&recent_row(run, c, i, rr, matched, now)) <= w)
        })
        .unwrap_or(&RECENT_COLUMNS[RECENT_COLUMNS.len() - 1]);
    for (i, run) in runs.iter().enumerate() {
        let text = recent_row(run, columns, i, rr, matched, now);
        let style = theme.style(ci_token(&run.status));
        lines.push(Line::styled(
            labels::fit_words(&text, w),
            if on_run == Some(i) {
                style.patch(theme.style(Token::Selection))
            } else {
                style
            },
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

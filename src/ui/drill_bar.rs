//! The drill bar (`quarterdeck drill NAME`): the drill's name, the elapsed simulated time
//! against its limit and, with `--hints`, a hint — on the top row; at the end, the scorecard
//! over the dashboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::labels::fit_words;
use super::widgets::overlay::{Look, centred, hints, open, title, to_u16};
use super::widgets::text::{cols, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;

/// Draws the bar on the top row while a drill runs; answers the area left for the dashboard.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame) -> Rect {
    let area = frame.area();
    let Some(drill) = &model.drill else {
        return area;
    };
    let bar = &drill.bar;
    let clock = |s: u64| format!("{}:{:02}", s / 60, s % 60);
    let state = if bar.scorecard.is_some() {
        "over".to_string()
    } else {
        format!("{} / {}", clock(bar.elapsed_s), clock(bar.limit_s))
    };
    let spans = vec![
        Span::styled(
            " DRILL ",
            theme
                .style(Token::Warning)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ),
        Span::styled(format!(" {} ", bar.name), theme.style(Token::Title)),
        Span::styled(format!(" ⏱ {state} "), theme.style(Token::Text)),
    ];
    let used: usize = spans.iter().map(|s| cols(&s.content)).sum();
    let mut lines = vec![Line::from(spans)];
    if let Some(hint) = &bar.hint {
        let (first, rest) = hint_rows(hint, usize::from(area.width), used);
        lines[0].push_span(Span::styled(first, theme.style(Token::Muted)));
        lines.extend(
            rest.into_iter()
                .map(|l| Line::styled(l, theme.style(Token::Muted))),
        );
    }
    let height = to_u16(lines.len()).min(area.height);
    frame.render_widget(Paragraph::new(lines), Rect { height, ..area });
    Rect {
        y: area.y.saturating_add(height),
        height: area.height.saturating_sub(height),
        ..area
    }
}

/// Most rows a hint may take, so the dashboard keeps its panes at 80×24.
const HINT_ROWS: usize = 3;

/// The hint after `used` columns of the top row, whole words only, and the rows it continues
/// on below, indented under its first word; past [`HINT_ROWS`] it gives up its last words.
fn hint_rows(hint: &str, width: usize, used: usize) -> (String, Vec<String>) {
    const LEAD: &str = " hint: ";
    let indent = " ".repeat(cols(LEAD));
    let first_w = width.saturating_sub(used + cols(LEAD));
    let mut words = hint.split(' ').peekable();
    let mut first = String::new();
    while let Some(w) = words.peek() {
        let next = if first.is_empty() {
            (*w).to_string()
        } else {
            format!("{first} {w}")
        };
        if cols(&next) > first_w {
            break;
        }
        first = next;
        words.next();
    }
    let rest: Vec<&str> = words.collect();
    if rest.is_empty() {
        return (format!("{LEAD}{first}"), Vec::new());
    }
    let room = width.saturating_sub(cols(&indent));
    let mut more = wrap(&rest.join(" "), room);
    if more.len() > HINT_ROWS - 1 {
        let kept = more[HINT_ROWS - 2..].join(" ");
        more.truncate(HINT_ROWS - 2);
        more.push(fit_words(&kept, room));
    }
    let first = if first.is_empty() {
        LEAD.trim_end().to_string()
    } else {
        format!("{LEAD}{first}")
    };
    (
        first,
        more.into_iter().map(|l| format!("{indent}{l}")).collect(),
    )
}

/// Draws the scorecard over `area` once the drill is over.
pub fn scorecard(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(lines) = model.drill.as_ref().and_then(|d| d.bar.scorecard.as_ref()) else {
        return;
    };
    let widest = lines.iter().map(|l| cols(l)).max().unwrap_or(0);
    let width = to_u16(widest + 4).clamp(40, area.width);
    // A long line (an action refused, with the API's reason) wraps at words, its rest
    // indented under its text.
    let room = usize::from(width).saturating_sub(4);
    let lines: Vec<String> = lines.iter().flat_map(|l| wrapped(l, room)).collect();
    let height = to_u16(lines.len() + 2).min(area.height);
    let rect = centred(area, width, height);
    let inner = open(
        frame,
        rect,
        Look {
            title: title(theme, "Scorecard".to_string()),
            footer: hints(theme, &[("q", "quit")]),
            border: theme.style(Token::BorderFocused),
            border_type: BorderType::Thick,
        },
    );
    let text: Vec<Line> = lines
        .iter()
        .map(|l| {
            let token = if l.starts_with("verdict") && l.contains("PASS") {
                Token::Healthy
            } else if l.starts_with("verdict") {
                Token::Error
            } else {
                Token::Text
            };
            Line::styled(format!(" {l}"), theme.style(token))
        })
        .collect();
    frame.render_widget(Paragraph::new(text), inner);
}

/// `line` in rows of `room` columns, the rows after the first indented two more than it.
fn wrapped(line: &str, room: usize) -> Vec<String> {
    if cols(line) <= room {
        return vec![line.to_string()];
    }
    let lead = line.len() - line.trim_start().len();
    let indent = " ".repeat(lead + 2);
    let mut rows = wrap(line.trim_start(), room.saturating_sub(lead + 2)).into_iter();
    let first = rows.next().unwrap_or_default();
    std::iter::once(format!("{}{first}", &line[..lead]))
        .chain(rows.map(|r| format!("{indent}{r}")))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::config::Theme;
    use quarterdeck_core::drill::DrillBar;
    use quarterdeck_core::{Msg, sample, update};

    /// The text of a `width` × `height` screen with only the drill's bar and scorecard drawn.
    fn screen(width: u16, height: u16, bar: DrillBar) -> String {
        let (mut model, _) = sample::model_with(sample::showcase_objects(), width, height);
        update(&mut model, Msg::Drill(bar));
        let theme = Theme::load("default", None).unwrap();
        let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
        term.draw(|f| {
            let rest = super::draw(&model, &theme, f);
            super::scorecard(&model, &theme, f, rest);
        })
        .unwrap();
        let buf = term.backend().buffer();
        (0..height)
            .map(|y| {
                let line: String = (0..width).map(|x| buf[(x, y)].symbol()).collect();
                format!("{}\n", line.trim_end())
            })
            .collect()
    }

    fn bar(hint: Option<&str>) -> DrillBar {
        DrillBar {
            name: "orders-gate-approved".into(),
            elapsed_s: 97,
            limit_s: 360,
            hint: hint.map(str::to_string),
            scorecard: None,
        }
    }

    const HINT: &str = "someone approved orders-api's staging gate: its new canary answers 5xx — open its analysis (v)";

    #[test]
    fn the_bar_shows_the_name_and_the_clock_and_a_hint_only_when_asked() {
        for width in [80, 200] {
            let plain = screen(width, 1, bar(None));
            assert!(plain.contains("1:37 / 6:00"), "{plain}");
            assert!(!plain.contains("hint"), "{plain}");
            let hinted = screen(width, 3, bar(Some(HINT)));
            let shown: Vec<&str> = hinted.split_whitespace().collect();
            assert!(
                HINT.split(' ').all(|w| shown.contains(&w)),
                "every word of the hint shows:\n{hinted}"
            );
            insta::assert_snapshot!(format!("bar_{width}_no_hints"), plain);
            insta::assert_snapshot!(format!("bar_{width}_hints"), hinted);
        }
    }

    #[test]
    fn the_scorecard_replaces_the_clock_and_fits_80x24_and_200x60() {
        let lines = vec![
            "Drill orders-gate-approved — Someone else approves orders-api's gate".to_string(),
            "verdict        PASS".into(),
            "time to detect   0:30 (target 1:00)".into(),
            "time to mitigate 2:41 (target 4:00)".into(),
            "actions:".into(),
            "  0:57 abort rollout/orders-api in orders — refused: cannot re-read orders-api before sending (Kubernetes API unavailable (503: the server is currently unable to handle the request)); nothing was done (by user)".into(),
            "  1:08 abort rollout/orders-api in orders — done (by user)".into(),
            "collateral: 0".into(),
        ];
        for (width, height) in [(80, 24), (200, 60)] {
            let over = DrillBar {
                scorecard: Some(lines.clone()),
                ..bar(None)
            };
            let text = screen(width, height, over);
            assert!(text.lines().next().unwrap().contains("⏱ over"), "{text}");
            // The refusal's reason is whole, wrapped at words.
            assert!(text.contains("(by user)"), "{text}");
            assert!(text.contains("handle the"), "{text}");
            insta::assert_snapshot!(format!("scorecard_{width}x{height}"), text);
        }
    }
}

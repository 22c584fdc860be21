//! The drill bar (`quarterdeck drill NAME`): the drill's name, the elapsed simulated time
//! against its limit and, with `--hints`, a hint — on the top row; at the end, the scorecard
//! over the dashboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::widgets::overlay::{Look, centred, hints, open, title, to_u16};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;

/// Draws the bar on the top row while a drill runs; answers the area left for the dashboard.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame) -> Rect {
    let area = frame.area();
    let Some(drill) = &model.drill else {
        return area;
    };
    let bar = &drill.bar;
    let row = Rect { height: 1, ..area };
    let clock = |s: u64| format!("{}:{:02}", s / 60, s % 60);
    let state = if bar.scorecard.is_some() {
        "over".to_string()
    } else {
        format!("{} / {}", clock(bar.elapsed_s), clock(bar.limit_s))
    };
    let mut spans = vec![
        Span::styled(
            " DRILL ",
            theme
                .style(Token::Warning)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ),
        Span::styled(format!(" {} ", bar.name), theme.style(Token::Title)),
        Span::styled(format!(" ⏱ {state} "), theme.style(Token::Text)),
    ];
    if let Some(hint) = &bar.hint {
        spans.push(Span::styled(
            format!(" hint: {hint}"),
            theme.style(Token::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), row);
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// Draws the scorecard over `area` once the drill is over.
pub fn scorecard(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(lines) = model.drill.as_ref().and_then(|d| d.bar.scorecard.as_ref()) else {
        return;
    };
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let width = to_u16(widest + 4).clamp(40, area.width);
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
            let hinted = screen(width, 1, bar(Some(HINT)));
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
            insta::assert_snapshot!(format!("scorecard_{width}x{height}"), text);
        }
    }
}

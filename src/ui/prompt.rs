//! The line above the status bar: the `/` filter or `:` command being typed, or a notice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::{Theme, Token};
use quarterdeck_core::Model;
use quarterdeck_core::keymap::Mode;

/// Draws the prompt or notice.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let line = match model.nav.mode {
        Mode::Filter => Line::from(vec![
            Span::styled(prompt_symbol(model), theme.style(Token::KeyHint)),
            Span::styled(model.nav.input.clone(), theme.style(Token::Text)),
            Span::styled("█", theme.style(Token::Muted)),
            Span::styled("  enter keep · esc clear", theme.style(Token::Muted)),
        ]),
        Mode::Command => Line::from(vec![
            Span::styled(":", theme.style(Token::KeyHint)),
            Span::styled(model.nav.input.clone(), theme.style(Token::Text)),
            Span::styled("█", theme.style(Token::Muted)),
            Span::styled(
                "  releases · pods · logs · events · ctx [NAME] · ns NAME|all",
                theme.style(Token::Muted),
            ),
        ]),
        // An unfinished chord shows its possible next keys (as helix does); no timeout.
        Mode::Normal | Mode::Help if !model.nav.pending_keys.is_empty() => {
            let typed: Vec<String> = model
                .nav
                .pending_keys
                .iter()
                .map(|k| k.to_string())
                .collect();
            let mut spans = vec![
                Span::styled(
                    format!("{}… ", typed.join(" ")),
                    theme.style(Token::KeyHint),
                ),
                Span::styled("(any other key cancels) ", theme.style(Token::Muted)),
            ];
            // The keymap's action names: short enough for every next key to fit a line.
            let next = model
                .keymap
                .continuations(model.nav.mode, &model.nav.pending_keys);
            for (i, (keys, action)) in next.into_iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", theme.style(Token::Muted)));
                }
                spans.push(Span::styled(keys, theme.style(Token::KeyHint)));
                spans.push(Span::styled(
                    format!(" {}", action.name().replace('_', " ")),
                    theme.style(Token::Text),
                ));
            }
            Line::from(spans)
        }
        Mode::Normal | Mode::Help => match &model.notice {
            Some(n) => Line::styled(
                n.text.clone(),
                theme.style(if n.error { Token::Error } else { Token::Info }),
            ),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `/`, or in the Logs pane the symbol of the regex being typed (`/`, `!` or `hl:`).
fn prompt_symbol(model: &Model) -> &'static str {
    if model.nav.focus == quarterdeck_core::Pane::Logs {
        model.logs.editing.symbol()
    } else {
        "/"
    }
}

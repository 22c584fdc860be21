//! The help overlay, generated from the active keymap so it cannot drift from the bindings. In
//! a read-only context the keys that change the world are left out: they do nothing there.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::readonly;
use super::widgets::pane::block;
use super::widgets::text::pad;
use crate::config::{Theme, Token};
use quarterdeck_core::Model;
use quarterdeck_core::keymap::Mode;

/// Draws the overlay centred in `area`.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let readonly = readonly(model);
    let entries: Vec<_> = model
        .keymap
        .help(Mode::Normal)
        .into_iter()
        .filter(|(_, action)| !(readonly && action.changes_world()))
        .collect();
    let query = model.nav.help_query.to_lowercase();
    let shown: Vec<_> = entries
        .iter()
        .filter(|(keys, action)| {
            query.is_empty()
                || keys.to_lowercase().contains(&query)
                || action.describe().to_lowercase().contains(&query)
                || action.name().contains(&query)
        })
        .collect();
    let keys_w = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        .min(24);
    let desc_w = entries
        .iter()
        .map(|(_, a)| a.describe().chars().count())
        .max()
        .unwrap_or(0);
    // Wide enough for the longest description, so none is cut where the screen allows.
    let width = (keys_w as u16 + desc_w.max(56) as u16 + 4)
        .min(area.width.saturating_sub(4))
        .max(20);
    let height = (entries.len() as u16 + 4)
        .min(area.height.saturating_sub(2))
        .max(5);
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let search = if model.nav.help_typing {
        Span::styled(
            format!("/{}█ ", model.nav.help_query),
            theme.style(Token::Info),
        )
    } else if !query.is_empty() {
        Span::styled(
            format!("/{} {} ", model.nav.help_query, shown.len()),
            theme.style(Token::Info),
        )
    } else {
        Span::styled("/ search · esc closes ", theme.style(Token::Muted))
    };
    let b = block(
        theme,
        if readonly { "Keys (read-only)" } else { "Keys" },
        vec![search],
        true,
    );
    let inner = b.inner(rect);
    frame.render_widget(b, rect);
    let rows = usize::from(inner.height);
    let max_scroll = shown.len().saturating_sub(rows);
    let scroll = model.nav.help_scroll.min(max_scroll);
    if shown.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                " no key matches the search",
                theme.style(Token::Muted),
            )),
            inner,
        );
        return;
    }
    let lines: Vec<Line> = shown
        .iter()
        .skip(scroll)
        .take(rows)
        .map(|(keys, action)| {
            Line::from(vec![
                Span::styled(
                    format!(" {} ", pad(keys, keys_w)),
                    theme.style(Token::KeyHint),
                ),
                Span::styled(action.describe(), theme.style(Token::Text)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

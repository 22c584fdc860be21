//! The canary weight gauge: actual weight as a bar, the desired weight as a marker on it.

use ratatui::text::{Line, Span};

use crate::config::{Theme, Token};

/// A one-line gauge `width` columns wide (bar only), e.g. `███████░░░│░░░░░`.
pub fn weight<'a>(theme: &Theme, actual: u32, desired: u32, width: usize) -> Line<'a> {
    if width == 0 {
        return Line::default();
    }
    let cols = |pct: u32| (pct.min(100) as usize * width + 50) / 100;
    let filled = cols(actual);
    let marker = cols(desired).min(width.saturating_sub(1));
    let mut runs: Vec<(String, Token)> = Vec::new();
    for i in 0..width {
        let (ch, token) = if i == marker && desired != actual {
            ('│', Token::GaugeTarget)
        } else if i < filled {
            ('█', Token::Gauge)
        } else {
            ('░', Token::Muted)
        };
        match runs.last_mut() {
            Some((text, t)) if *t == token => text.push(ch),
            _ => runs.push((ch.to_string(), token)),
        }
    }
    Line::from(
        runs.into_iter()
            .map(|(text, token)| Span::styled(text, theme.style(token)))
            .collect::<Vec<_>>(),
    )
}

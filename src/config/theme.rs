//! Themes: a style per semantic [`Token`], never per widget.
//!
//! ```toml
//! [colors]
//! text = "reset"                                   # a colour alone sets the foreground
//! healthy = { fg = "green", modifiers = ["bold"] } # or fg, bg and modifiers
//! canary = "#d7af00"                               # "#rrggbb", "indexed:208" or a name
//! [logs]
//! sources = ["cyan", "magenta", "indexed:208"]     # one colour per log stream, cycled
//! ```
//!
//! Layers: the compiled-in preset, then `themes/NAME.toml` and `theme.toml` from the config
//! directory. A token in a later layer replaces that token's whole style.

use super::layers::{layers, preset_names};
use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

/// The compiled-in themes, by name.
const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

macro_rules! tokens {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// A semantic style slot; the UI asks the theme for these, never for a colour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Token {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Token {
            /// Every token, in declaration order.
            pub const ALL: &'static [Token] = &[$(Token::$variant,)*];

            /// The name used in theme files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Token::$variant => $name,)*
                }
            }
        }
    };
}

tokens! {
    /// Ordinary text.
    Text => "text",
    /// Secondary text: ages, hints, units.
    Muted => "muted",
    /// Pane borders.
    Border => "border",
    /// The focused pane's border.
    BorderFocused => "border_focused",
    /// Pane titles.
    Title => "title",
    /// The selected row.
    Selection => "selection",
    /// Table headers.
    Header => "header",
    /// The bottom status bar.
    StatusBar => "status_bar",
    /// A key name in hints and help.
    KeyHint => "key_hint",
    /// Rollout/release healthy.
    Healthy => "healthy",
    /// Rollout progressing.
    Progressing => "progressing",
    /// Rollout paused.
    Paused => "paused",
    /// Rollout degraded or aborted.
    Degraded => "degraded",
    /// State not known (yet).
    Unknown => "unknown",
    /// Stable revision.
    Stable => "stable",
    /// Canary revision.
    Canary => "canary",
    /// Blue-green preview.
    Preview => "preview",
    /// Blue-green active.
    Active => "active",
    /// An old revision.
    Old => "old",
    /// Pod running and ready.
    PodRunning => "pod_running",
    /// Pod pending or not ready.
    PodPending => "pod_pending",
    /// Pod crashing (CrashLoopBackOff, OOMKilled, ImagePullBackOff ...).
    PodCrash => "pod_crash",
    /// Pod terminating.
    PodTerminating => "pod_terminating",
    /// Warning event or message.
    Warning => "warning",
    /// Error event or message.
    Error => "error",
    /// Informational message.
    Info => "info",
    /// Data older than its refresh interval.
    Stale => "stale",
    /// Weight gauge fill.
    Gauge => "gauge",
    /// Weight gauge target marker.
    GaugeTarget => "gauge_target",
    /// Log line timestamp.
    LogTimestamp => "log_timestamp",
    /// Log text matching the highlight pattern.
    LogHighlight => "log_highlight",
    /// A banner across the top (expired credentials, degraded mode).
    Banner => "banner",
    /// The read-only marker.
    ReadOnly => "read_only",
    /// A gate waiting on a human.
    GatePending => "gate_pending",
}

impl Token {
    /// Looks a token up by its theme-file name.
    pub fn from_name(name: &str) -> Option<Token> {
        Token::ALL.iter().copied().find(|t| t.name() == name)
    }
}

/// The active theme: one style per token plus a palette for log streams.
#[derive(Debug, Clone)]
pub struct Theme {
    styles: Vec<Style>,
    sources: Vec<Style>,
    /// The themes `[contexts.NAME] theme` gives other contexts, by context name: `:ctx`
    /// switches to them and back.
    contexts: Arc<BTreeMap<String, Theme>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    colors: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    logs: Option<LogsSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogsSection {
    sources: Spanned<Vec<Spanned<String>>>,
}

impl Theme {
    /// This theme, with `themes` drawn instead for the contexts they are named by.
    pub fn with_context_themes(self, themes: BTreeMap<String, Theme>) -> Theme {
        Theme {
            contexts: Arc::new(themes),
            ..self
        }
    }

    /// The theme to draw `context` with: its own when the config gives it one, else this.
    pub fn for_context(&self, context: &str) -> &Theme {
        self.contexts.get(context).unwrap_or(self)
    }

    /// Names of the compiled-in themes.
    pub fn preset_names() -> Vec<&'static str> {
        preset_names(PRESETS)
    }

    /// Loads preset `name` and layers the user's `themes/NAME.toml` and `theme.toml` from
    /// `user_dir` over it. A name that is not built in needs `themes/NAME.toml` in `user_dir`
    /// and is layered over `default`.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ConfigError> {
        let mut theme = Theme {
            styles: vec![Style::default(); Token::ALL.len()],
            sources: Vec::new(),
            contexts: Arc::default(),
        };
        for layer in layers("theme", PRESETS, name, user_dir)? {
            theme.layer(&layer.file, &layer.text)?;
        }
        Ok(theme)
    }

    /// Applies one theme file over the current styles; `file` names it in errors.
    pub fn layer(&mut self, file: &str, text: &str) -> Result<(), ConfigError> {
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
        let mut styles = self.styles.clone();
        let mut entries: Vec<_> = parsed.colors.into_iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let invalid = |problem: String| ConfigError::Invalid {
                file: file.to_string(),
                line: line_of(text, key.span().start),
                key: key.get_ref().clone(),
                problem,
            };
            let token = Token::from_name(key.get_ref()).ok_or_else(|| {
                invalid("unknown theme token (themes/default.toml lists them all)".to_string())
            })?;
            styles[token as usize] = parse_style(value.get_ref()).map_err(invalid)?;
        }
        if let Some(logs) = parsed.logs {
            let mut sources = Vec::new();
            for colour in logs.sources.get_ref() {
                let fg = parse_color(colour.get_ref()).map_err(|problem| ConfigError::Invalid {
                    file: file.to_string(),
                    line: line_of(text, colour.span().start),
                    key: "logs.sources".to_string(),
                    problem,
                })?;
                sources.push(Style::new().fg(fg));
            }
            if sources.is_empty() {
                return Err(ConfigError::Invalid {
                    file: file.to_string(),
                    line: line_of(text, logs.sources.span().start),
                    key: "logs.sources".to_string(),
                    problem: "needs at least one colour".to_string(),
                });
            }
            self.sources = sources;
        }
        self.styles = styles;
        Ok(())
    }

    /// The style of a token.
    pub fn style(&self, token: Token) -> Style {
        self.styles.get(token as usize).copied().unwrap_or_default()
    }

    /// The style of log stream `source` (the palette cycles), so each pod keeps one colour.
    pub fn source_style(&self, source: usize) -> Style {
        if self.sources.is_empty() {
            return self.style(Token::Text);
        }
        self.sources[source % self.sources.len()]
    }
}

/// A token's value: a colour string (foreground) or `{ fg, bg, modifiers }`.
fn parse_style(value: &toml::Value) -> Result<Style, String> {
    match value {
        toml::Value::String(colour) => Ok(Style::new().fg(parse_color(colour)?)),
        toml::Value::Table(table) => {
            let mut style = Style::new();
            for (field, value) in table {
                match (field.as_str(), value) {
                    ("fg", toml::Value::String(c)) => style = style.fg(parse_color(c)?),
                    ("bg", toml::Value::String(c)) => style = style.bg(parse_color(c)?),
                    ("modifiers", toml::Value::Array(items)) => {
                        for item in items {
                            let name = item
                                .as_str()
                                .ok_or_else(|| "modifiers must be strings".to_string())?;
                            style = style.add_modifier(parse_modifier(name)?);
                        }
                    }
                    ("fg" | "bg", _) => return Err(format!("{field} must be a colour string")),
                    ("modifiers", _) => return Err("modifiers must be a list".to_string()),
                    _ => {
                        return Err(format!(
                            "unknown field \"{field}\" (expected fg, bg, modifiers)"
                        ));
                    }
                }
            }
            Ok(style)
        }
        _ => Err("expected a colour string or { fg, bg, modifiers }".to_string()),
    }
}

/// `"#rrggbb"`, `"indexed:N"` or one of the 16 ANSI names (plus `reset`).
fn parse_color(text: &str) -> Result<Color, String> {
    let unknown = || format!("unknown colour \"{text}\"");
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| unknown());
        return Ok(Color::Rgb(channel(0)?, channel(2)?, channel(4)?));
    }
    if let Some(index) = text.strip_prefix("indexed:") {
        return index
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| unknown());
    }
    let colour = match text {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(unknown()),
    };
    Ok(colour)
}

fn parse_modifier(name: &str) -> Result<Modifier, String> {
    Ok(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return Err(format!("unknown modifier \"{name}\"")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_sets_every_token_explicitly() {
        for (name, text) in PRESETS {
            let file: ThemeFile = toml::from_str(text).unwrap();
            let set: Vec<String> = file.colors.keys().map(|k| k.get_ref().clone()).collect();
            for token in Token::ALL {
                assert!(set.iter().any(|s| s == token.name()), "{name}: {token:?}");
            }
            assert!(file.logs.is_some(), "{name}: no [logs] sources");
            Theme::load(name, None).unwrap();
        }
    }

    #[test]
    fn colour_forms() {
        assert_eq!(parse_color("#ff8000"), Ok(Color::Rgb(255, 128, 0)));
        assert_eq!(parse_color("indexed:208"), Ok(Color::Indexed(208)));
        assert_eq!(parse_color("dark_grey"), Ok(Color::DarkGray));
        assert_eq!(
            parse_color("#ff80"),
            Err("unknown colour \"#ff80\"".to_string())
        );
        assert_eq!(
            parse_color("indexed:256"),
            Err("unknown colour \"indexed:256\"".to_string())
        );
        assert_eq!(
            parse_color("purple"),
            Err("unknown colour \"purple\"".to_string())
        );
    }

    #[test]
    fn token_names_are_unique_and_indices_match() {
        for (i, token) in Token::ALL.iter().enumerate() {
            assert_eq!(*token as usize, i);
            assert_eq!(Token::from_name(token.name()), Some(*token));
        }
    }

    #[test]
    fn source_palette_cycles() {
        let theme = Theme::load("default", None).unwrap();
        let n = theme.sources.len();
        assert!(n >= 6);
        assert_eq!(theme.source_style(0), theme.source_style(n));
        assert_ne!(theme.source_style(0), theme.source_style(1));
    }
    /// Statuses: what must read at a glance on a bad night.
    const STATUS_TOKENS: &[Token] = &[
        Token::Healthy,
        Token::Progressing,
        Token::Paused,
        Token::Degraded,
        Token::Unknown,
        Token::PodRunning,
        Token::PodPending,
        Token::PodCrash,
        Token::PodTerminating,
        Token::Warning,
        Token::Error,
        Token::GatePending,
    ];

    fn luminance(colour: Color) -> Option<f64> {
        let Color::Rgb(r, g, b) = colour else {
            return None;
        };
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        Some(0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b))
    }

    fn contrast(a: f64, b: f64) -> f64 {
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// sRGB → linear light, 0..1.
    fn linear(c: u8) -> f64 {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    /// CIE L*a*b* (D65) of `colour` as seen through `vision` (a matrix on linear RGB).
    fn lab(colour: Color, vision: &[[f64; 3]; 3]) -> [f64; 3] {
        let Color::Rgb(r, g, b) = colour else {
            panic!("{colour:?}: the colour-blind theme uses #rrggbb only");
        };
        let rgb = [linear(r), linear(g), linear(b)];
        let seen: Vec<f64> = vision
            .iter()
            .map(|row| (0..3).map(|j| row[j] * rgb[j]).sum::<f64>().clamp(0.0, 1.0))
            .collect();
        let (r, g, b) = (seen[0], seen[1], seen[2]);
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.950_47;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.088_83;
        let f = |t: f64| {
            if t > 0.008_856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    /// Normal vision and the three dichromacies (Machado, Oliveira & Fernandes 2009, severity
    /// 1), on linear RGB.
    const VISIONS: &[(&str, [[f64; 3]; 3])] = &[
        (
            "normal",
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        ),
        (
            "protanopia",
            [
                [0.152_286, 1.052_583, -0.204_868],
                [0.114_503, 0.786_281, 0.099_216],
                [-0.003_882, -0.048_116, 1.051_998],
            ],
        ),
        (
            "deuteranopia",
            [
                [0.367_322, 0.860_646, -0.227_968],
                [0.280_085, 0.672_501, 0.047_413],
                [-0.011_820, 0.042_940, 0.968_881],
            ],
        ),
        (
            "tritanopia",
            [
                [1.255_528, -0.076_749, -0.178_779],
                [-0.078_411, 0.930_809, 0.147_602],
                [0.004_733, 0.691_367, 0.303_900],
            ],
        ),
    ];

    /// Tokens that mean the same (they may share a colour); any two of different groups must
    /// be told apart.
    const MEANINGS: &[&[Token]] = &[
        &[Token::Healthy, Token::PodRunning],
        &[Token::Progressing],
        &[Token::Paused, Token::PodPending, Token::Warning],
        &[Token::Degraded, Token::PodCrash, Token::Error],
        &[Token::Unknown, Token::PodTerminating],
        &[Token::GatePending],
    ];
    const ROLES: &[&[Token]] = &[
        &[Token::Stable],
        &[Token::Canary],
        &[Token::Preview],
        &[Token::Old],
    ];

    /// The smallest colour difference (CIE76 ΔE) between tokens of different groups, with
    /// the pair and the vision where it occurs.
    fn closest(theme: &Theme, groups: &[&[Token]]) -> (f64, String) {
        let mut worst = (f64::MAX, String::new());
        for (i, a) in groups.iter().enumerate() {
            for b in &groups[i + 1..] {
                for (ta, tb) in a.iter().flat_map(|ta| b.iter().map(move |tb| (ta, tb))) {
                    let (ca, cb) = (theme.style(*ta).fg.unwrap(), theme.style(*tb).fg.unwrap());
                    for (vision, m) in VISIONS {
                        let (la, lb) = (lab(ca, m), lab(cb, m));
                        let d = (0..3).map(|k| (la[k] - lb[k]).powi(2)).sum::<f64>().sqrt();
                        if d < worst.0 {
                            worst = (d, format!("{ta:?} / {tb:?} ({vision})"));
                        }
                    }
                }
            }
        }
        worst
    }

    #[test]
    fn colorblind_theme_tells_every_status_pair_apart_in_every_vision() {
        let theme = Theme::load("colorblind", None).unwrap();
        for groups in [MEANINGS, ROLES] {
            let (delta, pair) = closest(&theme, groups);
            assert!(delta >= 20.0, "{pair}: ΔE {delta:.1} < 20");
        }
        // Legible on a black background too, not only apart from each other.
        for token in MEANINGS.iter().chain(ROLES).flat_map(|g| g.iter()) {
            let fg = luminance(theme.style(*token).fg.unwrap()).unwrap();
            let ratio = contrast(fg, 0.0);
            assert!(ratio >= 4.5, "{token:?}: contrast {ratio:.2} on black");
        }
    }

    #[test]
    fn light_theme_is_legible_on_white() {
        let theme = Theme::load("light", None).unwrap();
        let white = Color::Rgb(255, 255, 255);
        let styles = Token::ALL
            .iter()
            .map(|t| (t.name().to_string(), theme.style(*t)))
            .chain(
                theme
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("logs.sources[{i}]"), *s)),
            );
        for (name, style) in styles {
            let Some(fg) = style.fg.filter(|c| *c != Color::Reset) else {
                continue;
            };
            let fg = luminance(fg).unwrap_or_else(|| panic!("{name}: use #rrggbb in light"));
            let bg = luminance(style.bg.unwrap_or(white)).unwrap();
            let ratio = contrast(fg, bg);
            assert!(ratio >= 4.5, "{name}: contrast {ratio:.2} < 4.5");
        }
    }

    #[test]
    fn high_contrast_has_no_grey_or_dim_and_bold_statuses() {
        let theme = Theme::load("high-contrast", None).unwrap();
        let greys = [Color::Gray, Color::DarkGray, Color::Black];
        for token in Token::ALL {
            let style = theme.style(*token);
            assert!(
                !style.add_modifier.contains(Modifier::DIM),
                "{token:?} is dim"
            );
            if let Some(fg) = style.fg {
                // Black is allowed only as text on a light background.
                let on_light_bg = style.bg.is_some_and(|bg| bg != Color::Black);
                assert!(
                    !greys.contains(&fg) || (fg == Color::Black && on_light_bg),
                    "{token:?} uses {fg:?}"
                );
                assert!(
                    !matches!(fg, Color::Indexed(232..=255)),
                    "{token:?} grey ramp"
                );
            }
        }
        for token in STATUS_TOKENS {
            let style = theme.style(*token);
            assert!(style.add_modifier.contains(Modifier::BOLD), "{token:?}");
        }
    }
}

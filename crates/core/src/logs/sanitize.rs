//! The sanitiser: a byte-level state machine over one line of pod output.

use super::{LogColor, MAX_LINE_BYTES, SpanStyle, StyledText};

/// Columns between tab stops when tabs are expanded.
const TAB_WIDTH: usize = 8;

/// Removes every terminal control sequence and control character from `raw`, keeping colour
/// and text attributes from SGR sequences as spans. Tabs become spaces; the result is cut at
/// [`MAX_LINE_BYTES`].
pub fn sanitize(raw: &str) -> StyledText {
    if is_clean(raw) {
        let mut text = raw.to_string();
        truncate_at_char(&mut text, MAX_LINE_BYTES);
        return StyledText::plain(text);
    }
    let mut out = Sanitizer {
        text: String::with_capacity(raw.len()),
        spans: Vec::new(),
        style: SpanStyle::default(),
        style_start: 0,
        column: 0,
    };
    out.run(raw);
    out.finish()
}

/// True when no byte could start a control sequence: the fast path for ordinary lines.
fn is_clean(raw: &str) -> bool {
    raw.bytes()
        .all(|b| (0x20..0x7f).contains(&b) || (b >= 0x80 && b != 0xc2 && b != 0xe2))
}

fn truncate_at_char(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

struct Sanitizer {
    text: String,
    spans: Vec<SpanStyle>,
    style: SpanStyle,
    style_start: usize,
    column: usize,
}

/// What a string-type sequence (OSC, DCS, SOS, PM, APC) may be ended by.
#[derive(Clone, Copy, PartialEq)]
enum StringKind {
    /// OSC: BEL or ST.
    Osc,
    /// DCS, SOS, PM, APC: only ST.
    Other,
}

impl Sanitizer {
    fn run(&mut self, raw: &str) {
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.text.len() < MAX_LINE_BYTES {
            let b = bytes[i];
            match b {
                0x1b => i = self.escape(raw, i + 1),
                b'\t' => {
                    let spaces = TAB_WIDTH - self.column % TAB_WIDTH;
                    self.push_text(&"        "[..spaces]);
                    i += 1;
                }
                0x00..=0x1f | 0x7f => i += 1,
                _ => {
                    let ch = raw[i..].chars().next().unwrap_or('\u{fffd}');
                    let len = ch.len_utf8();
                    match ch {
                        '\u{9b}' => i = self.csi(raw, i + len),
                        '\u{9d}' => i = skip_string(raw, i + len, StringKind::Osc),
                        '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => {
                            i = skip_string(raw, i + len, StringKind::Other)
                        }
                        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                            // Other C1 controls, and bidirectional overrides that could make
                            // a line read differently from what it says.
                            i += len;
                        }
                        _ => {
                            // Copy the whole run of ordinary characters at once.
                            let run_end = bytes[i..]
                                .iter()
                                .position(|&b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2)
                                .map_or(bytes.len(), |p| i + p);
                            let run_end = if run_end == i { i + len } else { run_end };
                            self.push_text(&raw[i..run_end]);
                            i = run_end;
                        }
                    }
                }
            }
        }
    }

    fn push_text(&mut self, s: &str) {
        self.text.push_str(s);
        self.column += s.bytes().filter(|b| b & 0xc0 != 0x80).count();
    }

    /// Handles the bytes after an ESC; returns where normal text resumes.
    fn escape(&mut self, raw: &str, start: usize) -> usize {
        let bytes = raw.as_bytes();
        match bytes.get(start) {
            None => start,
            Some(b'[') => self.csi(raw, start + 1),
            Some(b']') => skip_string(raw, start + 1, StringKind::Osc),
            Some(b'P' | b'X' | b'^' | b'_') => skip_string(raw, start + 1, StringKind::Other),
            Some(_) => {
                // nF escape: intermediates 0x20-0x2f, then one final byte 0x30-0x7e.
                let mut i = start;
                while i < bytes.len() && (0x20..=0x2f).contains(&bytes[i]) {
                    i += 1;
                }
                if i < bytes.len() && (0x30..=0x7e).contains(&bytes[i]) {
                    i += 1;
                }
                i
            }
        }
    }

    /// Parses a CSI sequence starting after `ESC [` (or C1 CSI); applies it if it is SGR.
    fn csi(&mut self, raw: &str, start: usize) -> usize {
        let bytes = raw.as_bytes();
        let mut i = start;
        while i < bytes.len() && (0x30..=0x3f).contains(&bytes[i]) {
            i += 1;
        }
        let params_end = i;
        while i < bytes.len() && (0x20..=0x2f).contains(&bytes[i]) {
            i += 1;
        }
        let Some(&last) = bytes.get(i) else {
            // Truncated at end of line: drop it.
            return i;
        };
        if !(0x40..=0x7e).contains(&last) {
            // Malformed: abandon the sequence and resume at the offending byte.
            return i;
        }
        if last == b'm' && params_end == i {
            self.sgr(&raw[start..params_end]);
        }
        i + 1
    }

    fn sgr(&mut self, params: &str) {
        let mut style = self.style;
        let mut groups = params.split(';');
        while let Some(group) = groups.next() {
            let mut sub = group.split(':');
            let code = sub.next().and_then(parse_param).unwrap_or(0);
            match code {
                0 => style = SpanStyle::default(),
                1 => style.bold = true,
                2 => style.dim = true,
                3 => style.italic = true,
                4 => style.underline = sub.next().and_then(parse_param) != Some(0),
                21 => style.underline = true,
                22 => {
                    style.bold = false;
                    style.dim = false;
                }
                23 => style.italic = false,
                24 => style.underline = false,
                30..=37 => style.fg = Some(LogColor::Indexed((code - 30) as u8)),
                39 => style.fg = None,
                40..=47 => style.bg = Some(LogColor::Indexed((code - 40) as u8)),
                49 => style.bg = None,
                90..=97 => style.fg = Some(LogColor::Indexed((code - 90 + 8) as u8)),
                100..=107 => style.bg = Some(LogColor::Indexed((code - 100 + 8) as u8)),
                38 | 48 | 58 => {
                    // Colon form carries its arguments in `sub`; semicolon form in `groups`.
                    let args: Vec<u16> = if group.contains(':') {
                        let rest: Vec<&str> = sub.collect();
                        colon_args(&rest)
                    } else {
                        semicolon_args(&mut groups)
                    };
                    let colour = match args.as_slice() {
                        [5, n, ..] => u8::try_from(*n).ok().map(LogColor::Indexed),
                        [2, r, g, b, ..] => {
                            match (u8::try_from(*r), u8::try_from(*g), u8::try_from(*b)) {
                                (Ok(r), Ok(g), Ok(b)) => Some(LogColor::Rgb(r, g, b)),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    match code {
                        38 => style.fg = colour.or(style.fg),
                        48 => style.bg = colour.or(style.bg),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        self.set_style(style);
    }

    fn set_style(&mut self, style: SpanStyle) {
        if attributes(&style) == attributes(&self.style) {
            return;
        }
        let here = self.text.len();
        self.close_span(here);
        self.style = style;
        self.style_start = here;
    }

    /// Records the current style's span up to `here`, merging with an identical neighbour.
    fn close_span(&mut self, here: usize) {
        let style = attributes(&self.style);
        if here <= self.style_start || style == SpanStyle::default() {
            return;
        }
        if let Some(last) = self.spans.last_mut()
            && last.end == self.style_start
            && attributes(last) == style
        {
            last.end = here;
            return;
        }
        self.spans.push(SpanStyle {
            start: self.style_start,
            end: here,
            ..style
        });
    }

    fn finish(mut self) -> StyledText {
        truncate_at_char(&mut self.text, MAX_LINE_BYTES);
        let end = self.text.len();
        self.close_span(end);
        for span in &mut self.spans {
            span.end = span.end.min(end);
        }
        self.spans.retain(|s| s.start < s.end);
        StyledText {
            text: self.text,
            spans: self.spans,
        }
    }
}

/// A style with its range zeroed, for comparing attributes only.
fn attributes(style: &SpanStyle) -> SpanStyle {
    SpanStyle {
        start: 0,
        end: 0,
        ..*style
    }
}

fn parse_param(text: &str) -> Option<u16> {
    if text.is_empty() {
        return Some(0);
    }
    text.parse().ok()
}

/// `38:2::r:g:b` (with colour-space id) or `38:2:r:g:b` or `38:5:n`.
fn colon_args(rest: &[&str]) -> Vec<u16> {
    let values: Vec<u16> = rest.iter().map(|p| parse_param(p).unwrap_or(0)).collect();
    match values.first() {
        Some(2) if rest.len() >= 5 => {
            let mut v = vec![2];
            v.extend_from_slice(&values[2..5]);
            v
        }
        _ => values,
    }
}

/// `38;5;n` or `38;2;r;g;b`: takes the arguments from the following groups.
fn semicolon_args<'a>(groups: &mut impl Iterator<Item = &'a str>) -> Vec<u16> {
    let mut args = Vec::with_capacity(4);
    let kind = groups.next().and_then(parse_param);
    match kind {
        Some(5) => {
            args.push(5);
            args.extend(groups.next().and_then(parse_param));
        }
        Some(2) => {
            args.push(2);
            for _ in 0..3 {
                args.extend(groups.next().and_then(parse_param));
            }
        }
        _ => {}
    }
    args
}

/// Skips an OSC/DCS/SOS/PM/APC string up to and including its terminator; an unterminated one
/// swallows the rest of the line.
fn skip_string(raw: &str, start: usize, kind: StringKind) -> usize {
    let bytes = raw.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            0x07 if kind == StringKind::Osc => return i + 1,
            0x1b if bytes.get(i + 1) == Some(&b'\\') => return i + 2,
            // C1 ST (U+009C) in UTF-8.
            0xc2 if bytes.get(i + 1) == Some(&0x9c) => return i + 2,
            _ => i += 1,
        }
    }
    i
}

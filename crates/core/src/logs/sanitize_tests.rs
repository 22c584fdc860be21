//! The sanitiser against hostile input: every sequence a pod could use to drive the terminal.

use super::{LogColor, MAX_LINE_BYTES, SpanStyle, sanitize};

fn text(raw: &str) -> String {
    sanitize(raw).text
}

fn span(start: usize, end: usize) -> SpanStyle {
    SpanStyle {
        start,
        end,
        ..SpanStyle::default()
    }
}

fn fg(start: usize, end: usize, colour: LogColor) -> SpanStyle {
    SpanStyle {
        fg: Some(colour),
        ..span(start, end)
    }
}

/// True for anything a terminal would act on rather than print.
fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn plain_text_and_unicode_pass_through() {
    let line = "héllo 世界 € £ — ok";
    let out = sanitize(line);
    assert_eq!(out.text, line);
    assert!(out.spans.is_empty());
}

#[test]
fn screen_and_cursor_control_is_removed() {
    assert_eq!(text("a\x1b[2Jb"), "ab");
    assert_eq!(text("a\x1b[Hb"), "ab");
    assert_eq!(text("a\x1b[10;10Hb"), "ab");
    assert_eq!(text("a\x1b[?1049hb\x1b[?25l"), "ab");
    assert_eq!(text("a\x1b[Kb\x1b[1A"), "ab");
    // Device status report would make the terminal type an answer into our input.
    assert_eq!(text("a\x1b[6nb\x1b[>c"), "ab");
}

#[test]
fn osc_title_and_hyperlinks_are_removed_with_their_payload() {
    assert_eq!(text("a\x1b]0;pwned title\x07b"), "ab");
    assert_eq!(text("a\x1b]2;title\x1b\\b"), "ab");
    assert_eq!(
        text("see \x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\ now"),
        "see here now"
    );
    // Clipboard write.
    assert_eq!(text("x\x1b]52;c;cm0gLXJmIC8=\x07y"), "xy");
}

#[test]
fn dcs_apc_pm_sos_strings_are_removed() {
    assert_eq!(text("a\x1bPq#0;2;0;0;0#0!10~\x1b\\b"), "ab");
    assert_eq!(text("a\x1b_Gf=100;AAAA\x1b\\b"), "ab");
    assert_eq!(text("a\x1b^private\x1b\\b"), "ab");
    assert_eq!(text("a\x1bXsos\x1b\\b"), "ab");
    // BEL does not end a DCS: everything up to ST is payload.
    assert_eq!(text("a\x1bPx\x07y\x1b\\b"), "ab");
}

#[test]
fn c0_controls_are_removed() {
    assert_eq!(text("ding\x07dong"), "dingdong");
    assert_eq!(text("abc\x08\x08\x08XYZ"), "abcXYZ");
    assert_eq!(text("a\0b\x7fc\x0bd\x0ce\x0ef"), "abcdef");
    assert_eq!(text("line\n"), "line");
}

#[test]
fn carriage_return_cannot_overwrite_text() {
    assert_eq!(
        text("status: FAILED\rstatus: OK    "),
        "status: FAILEDstatus: OK    "
    );
}

#[test]
fn c1_controls_are_removed() {
    assert_eq!(text("a\u{9b}2Jb"), "ab");
    assert_eq!(text("a\u{9d}0;title\u{9c}b"), "ab");
    assert_eq!(text("a\u{90}payload\u{9c}b"), "ab");
    assert_eq!(text("a\u{85}b\u{8d}c"), "abc");
    assert_eq!(text("a\x1b]0;t\u{9c}b"), "ab");
}

#[test]
fn other_escapes_are_removed() {
    assert_eq!(text("a\x1bcb"), "ab");
    assert_eq!(text("a\x1b(Bb"), "ab");
    assert_eq!(text("a\x1b7b\x1b8"), "ab");
    assert_eq!(text("a\x1b#8b"), "ab");
}

#[test]
fn truncated_sequences_at_end_of_line_are_dropped() {
    for raw in [
        "ok\x1b",
        "ok\x1b[",
        "ok\x1b[31",
        "ok\x1b[1;",
        "ok\x1b]0;title",
        "ok\x1b]8;;url\x1b",
        "ok\x1bP",
        "ok\x1bPdata",
        "ok\u{9b}",
        "ok\u{9b}12",
        "ok\x1b(",
    ] {
        assert_eq!(text(raw), "ok", "{raw:?}");
    }
}

#[test]
fn malformed_csi_resumes_at_the_offending_byte() {
    assert_eq!(text("a\x1b[12\x07b"), "ab");
    assert_eq!(text("a\x1b[12éb"), "aéb");
}

#[test]
fn invalid_utf8_is_replaced_by_the_caller() {
    let raw = String::from_utf8_lossy(b"a\xff\x1b[2Jb\xc3");
    assert_eq!(text(&raw), "a\u{fffd}b\u{fffd}");
}

#[test]
fn bidi_overrides_are_removed() {
    assert_eq!(text("user\u{202e}gnp.exe"), "usergnp.exe");
    assert_eq!(text("a\u{2066}b\u{2069}c"), "abc");
}

#[test]
fn tabs_expand_to_the_next_stop() {
    assert_eq!(text("a\tb"), "a       b");
    assert_eq!(text("\tx"), "        x");
    assert_eq!(text("12345678\tx"), "12345678        x");
    assert_eq!(text("é\tx"), "é       x");
}

#[test]
fn sixteen_colours_foreground_and_background() {
    let out = sanitize("\x1b[31mred\x1b[0m plain \x1b[94mblue\x1b[39m");
    assert_eq!(out.text, "red plain blue");
    assert_eq!(
        out.spans,
        vec![
            fg(0, 3, LogColor::Indexed(1)),
            fg(10, 14, LogColor::Indexed(12))
        ]
    );
    let out = sanitize("\x1b[42mok\x1b[49m \x1b[103mx\x1b[m");
    assert_eq!(
        out.spans,
        vec![
            SpanStyle {
                bg: Some(LogColor::Indexed(2)),
                ..span(0, 2)
            },
            SpanStyle {
                bg: Some(LogColor::Indexed(11)),
                ..span(3, 4)
            }
        ]
    );
}

#[test]
fn palette_and_truecolour_in_both_notations() {
    assert_eq!(
        sanitize("\x1b[38;5;208mx").spans,
        vec![fg(0, 1, LogColor::Indexed(208))]
    );
    assert_eq!(
        sanitize("\x1b[38;2;10;20;30mx").spans,
        vec![fg(0, 1, LogColor::Rgb(10, 20, 30))]
    );
    assert_eq!(
        sanitize("\x1b[38:2::10:20:30mx").spans,
        vec![fg(0, 1, LogColor::Rgb(10, 20, 30))]
    );
    assert_eq!(
        sanitize("\x1b[38:5:99mx").spans,
        vec![fg(0, 1, LogColor::Indexed(99))]
    );
    assert_eq!(
        sanitize("\x1b[48;2;1;2;3;1mx").spans,
        vec![SpanStyle {
            bg: Some(LogColor::Rgb(1, 2, 3)),
            bold: true,
            ..span(0, 1)
        }]
    );
    // Out-of-range components are ignored rather than wrapped.
    assert!(sanitize("\x1b[38;2;300;0;0mx").spans.is_empty());
    assert!(sanitize("\x1b[38;5mx").spans.is_empty());
}

#[test]
fn attributes_combine_and_reset() {
    let out = sanitize("\x1b[1;31mA\x1b[22mB\x1b[2;3;4mC\x1b[23;24mD\x1b[0mE");
    assert_eq!(out.text, "ABCDE");
    let red = Some(LogColor::Indexed(1));
    assert_eq!(
        out.spans,
        vec![
            SpanStyle {
                fg: red,
                bold: true,
                ..span(0, 1)
            },
            SpanStyle {
                fg: red,
                ..span(1, 2)
            },
            SpanStyle {
                fg: red,
                dim: true,
                italic: true,
                underline: true,
                ..span(2, 3)
            },
            SpanStyle {
                fg: red,
                dim: true,
                ..span(3, 4)
            },
        ]
    );
}

#[test]
fn identical_neighbouring_styles_merge_and_empty_ones_vanish() {
    let out = sanitize("\x1b[31ma\x1b[31mb\x1b[32m\x1b[31mc\x1b[0m");
    assert_eq!(out.text, "abc");
    assert_eq!(out.spans, vec![fg(0, 3, LogColor::Indexed(1))]);
    assert!(sanitize("\x1b[1m\x1b[0mtext").spans.is_empty());
}

#[test]
fn sgr_colour_survives_hostile_neighbours() {
    let out = sanitize("\x1b[2J\x1b[31mERR\x1b]0;x\x07 \x1b[0mok\r");
    assert_eq!(out.text, "ERR ok");
    assert_eq!(out.spans, vec![fg(0, 4, LogColor::Indexed(1))]);
}

#[test]
fn long_lines_are_cut_on_a_character_boundary() {
    let long = "é".repeat(MAX_LINE_BYTES);
    let out = sanitize(&long);
    assert!(out.text.len() <= MAX_LINE_BYTES);
    assert!(out.text.len() >= MAX_LINE_BYTES - 1);
    let styled = format!("\x1b[31m{long}");
    let out = sanitize(&styled);
    assert!(out.text.len() <= MAX_LINE_BYTES);
    assert_eq!(out.spans.len(), 1);
    assert_eq!(out.spans[0].end, out.text.len());
}

/// Deterministic pseudo-random input built from a vocabulary of dangerous fragments: whatever
/// the mix, nothing a terminal acts on may survive, and spans must stay valid.
#[test]
fn random_hostile_mixes_never_leak_controls() {
    let fragments = [
        "\x1b", "[", "]", "P", "\\", "\x07", "\x08", "\r", "\n", "\t", "\x7f", "\u{9b}", "\u{9c}",
        "\u{9d}", "\u{85}", "\u{202e}", "0", "1", ";", ":", "2", "3", "8", "m", "H", "J", "?", "é",
        "€", "x", " ", "38;2;", "\x1b[", "\x1b]", "5;",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..5_000 {
        let mut raw = String::new();
        for _ in 0..24 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            raw.push_str(fragments[(state >> 33) as usize % fragments.len()]);
        }
        let out = sanitize(&raw);
        assert!(
            !out.text.chars().any(is_control),
            "{raw:?} -> {:?}",
            out.text
        );
        let mut previous_end = 0;
        for s in &out.spans {
            assert!(s.start < s.end && s.end <= out.text.len(), "{raw:?}: {s:?}");
            assert!(s.start >= previous_end, "{raw:?}: overlapping spans");
            assert!(out.text.is_char_boundary(s.start) && out.text.is_char_boundary(s.end));
            previous_end = s.end;
        }
    }
}

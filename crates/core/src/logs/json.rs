//! JSON log lines shown as `level msg key=value …`, as stern's and jq users read them.
//!
//! Only a line that is one JSON object is reformatted; anything else comes back as `None` and
//! is shown as it arrived. Keys keep the order the pod wrote them in.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::{SpanStyle, StyledText, sanitize};

/// Keys naming the level, first found wins.
const LEVEL_KEYS: &[&str] = &["level", "lvl", "severity"];
/// Keys naming the message, first found wins.
const MESSAGE_KEYS: &[&str] = &["msg", "message"];
/// Keys naming the time: dropped when the line already carries the API's timestamp.
const TIME_KEYS: &[&str] = &["time", "ts", "timestamp", "@timestamp"];

/// A JSON object's fields in the order they were written.
struct Fields(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Ordered)
    }
}

/// `text` as `level msg key=value …` when it is a JSON object (the level in bold); `None`
/// otherwise. `has_time` drops the object's own time keys (the line's timestamp is shown).
/// The result is sanitised again: JSON escapes can spell control characters.
pub fn format_json(text: &str, has_time: bool) -> Option<StyledText> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let Fields(mut fields) = serde_json::from_str(trimmed).ok()?;
    let mut take = |keys: &[&str]| {
        let i = fields
            .iter()
            .position(|(k, _)| keys.contains(&k.as_str()))?;
        Some(fields.remove(i).1)
    };
    let level = take(LEVEL_KEYS).map(|v| scalar(&v));
    let message = take(MESSAGE_KEYS).map(|v| scalar(&v));
    if has_time {
        while take(TIME_KEYS).is_some() {}
    }
    let mut words: Vec<String> = Vec::new();
    words.extend(level.clone());
    words.extend(message);
    for (key, value) in &fields {
        let value = match value {
            Value::String(s) => quoted(s),
            other => other.to_string(),
        };
        words.push(format!("{key}={value}"));
    }
    let mut out = sanitize(&words.join(" "));
    if let Some(level) = level.filter(|l| !l.is_empty())
        && out.text.starts_with(&level)
        && out.spans.first().is_none_or(|s| s.start >= level.len())
    {
        out.spans.insert(
            0,
            SpanStyle {
                start: 0,
                end: level.len(),
                bold: true,
                ..SpanStyle::default()
            },
        );
    }
    Some(out)
}

/// A value as text: strings without their quotes, everything else as compact JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Quotes a value that would otherwise read as several words.
fn quoted(value: &str) -> String {
    if value.is_empty() || value.contains([' ', '"', '=']) {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn level_and_message_lead_and_the_rest_keeps_its_order() {
        let line = r#"{"ts":"2024-05-01T12:00:00Z","msg":"order placed","level":"info","zone":"b","id":42,"user":"ann lee","ok":true}"#;
        let out = format_json(line, true).unwrap();
        assert_eq!(
            out.text,
            r#"info order placed zone=b id=42 user="ann lee" ok=true"#
        );
        assert_eq!((out.spans[0].start, out.spans[0].end), (0, 4));
        assert!(out.spans[0].bold);
        // Without the API's timestamp the line's own time stays.
        let kept = format_json(line, false).unwrap();
        assert!(
            kept.text
                .starts_with("info order placed ts=2024-05-01T12:00:00Z zone=b"),
            "{}",
            kept.text
        );
    }

    #[test]
    fn other_spellings_and_nested_values() {
        let out = format_json(
            r#"{"severity":"ERROR","message":"boom","err":{"code":500},"tags":["a","b"]}"#,
            true,
        )
        .unwrap();
        assert_eq!(out.text, r#"ERROR boom err={"code":500} tags=["a","b"]"#);
        let lvl = format_json(r#"{"lvl":"warn","time":1,"x":""}"#, true).unwrap();
        assert_eq!(lvl.text, r#"warn x="""#);
    }

    #[test]
    fn only_json_objects_are_reformatted_and_escapes_stay_harmless() {
        for plain in ["hello", "[1,2]", "{not json", "", "{\"a\":1} trailing"] {
            assert_eq!(format_json(plain, true), None, "{plain}");
        }
        let out = format_json(r#"{"msg":"bell\u0007 clear\u001b[2J done"}"#, true).unwrap();
        assert!(!out.text.chars().any(char::is_control), "{:?}", out.text);
    }
}

//! Labels shortened by meaning for narrow panes: an image loses its registry before its tag,
//! free text loses whole words, a name loses whole segments from its middle, so nothing is
//! cut mid-word.

use std::collections::{HashMap, HashSet};

use super::widgets::text::{cols, fit};

/// `s` if it fits `width`, else its indent, its leading whole words and `…` (nothing when not
/// even the first word fits).
pub fn fit_words(s: &str, width: usize) -> String {
    if cols(s) <= width {
        return s.to_string();
    }
    let text = s.trim_start_matches(' ');
    let indent = &s[..s.len() - text.len()];
    let words = words_in(text, width.saturating_sub(indent.len()));
    if words.is_empty() {
        words
    } else {
        format!("{indent}{words}")
    }
}

/// The leading whole words of `s` and `…` in `width` columns, or nothing.
fn words_in(s: &str, width: usize) -> String {
    let mut out = String::new();
    for word in s.split(' ') {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if cols(&next) + 1 > width {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        out
    } else {
        format!("{out}…")
    }
}

/// `n` and `noun`, plural by count: `1 pod`, `3 pods`.
pub fn count(n: impl Into<i64>, noun: &str) -> String {
    match n.into() {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// A Kubernetes-style name (`orders-api-6c5f7d9b8-b7q9z`) in at most `width` columns. Its
/// ends tell it apart (the first segment says which release, the last which pod), so it
/// loses whole `-` segments from its middle: `orders-api-…-b7q9z`, `payments-…-worker`.
/// When not even `first-…-last` fits, the last segment wins: `…-b7q9z`, then `b7q9z`.
pub fn name(name: &str, width: usize) -> String {
    let segs: Vec<&str> = name.split('-').collect();
    shortened(name, &segs, "-", width).unwrap_or_else(|| last_resort(&segs, width))
}

/// A CamelCase word (an event reason: `RolloutStepCompleted`) in at most `width` columns,
/// shortened as [`name`] shortens names, at its capitals: `Rollout…Completed`.
pub fn camel(word: &str, width: usize) -> String {
    let mut segs = Vec::new();
    let mut start = 0;
    let mut prev_lower = false;
    for (i, c) in word.char_indices() {
        if c.is_uppercase() && prev_lower {
            segs.push(&word[start..i]);
            start = i;
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    segs.push(&word[start..]);
    shortened(word, &segs, "", width).unwrap_or_else(|| last_resort(&segs, width))
}

/// Every name of `names` as [`name`] shortens it, except that distinct names which would
/// read the same each take their longest form that no other name can read as, where `width`
/// allows one.
pub fn names(names: &[&str], width: usize) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|n| name(n, width)).collect();
    // Hashed: a pane of pods asks this for every row on every frame.
    let mut read_as: HashMap<&str, &str> = HashMap::new();
    let mut shared: HashSet<&str> = HashSet::new();
    for (short, &n) in out.iter().zip(names) {
        if *read_as.entry(short).or_insert(n) != n {
            shared.insert(short);
        }
    }
    let clashing: Vec<usize> = (0..names.len())
        .filter(|&i| shared.contains(out[i].as_str()))
        .collect();
    if clashing.is_empty() {
        return out;
    }
    let mut readers: HashMap<String, Vec<&str>> = HashMap::new();
    for &n in names {
        for f in forms(n, width) {
            let by = readers.entry(f).or_default();
            if !by.contains(&n) {
                by.push(n);
            }
        }
    }
    for i in clashing {
        let own = forms(names[i], width)
            .into_iter()
            .find(|f| readers.get(f).is_some_and(|by| by.len() == 1));
        if let Some(own) = own {
            out[i] = own;
        }
    }
    out
}

/// Every way `name` can lose whole segments around one `…` and fit `width`, longest first.
fn forms(name: &str, width: usize) -> Vec<String> {
    let segs: Vec<&str> = name.split('-').collect();
    let n = segs.len();
    let mut out: Vec<String> = (0..n)
        .flat_map(|head| (1..n - head).map(move |tail| (head, tail)))
        .map(|(head, tail)| form(&segs, "-", head, tail))
        .filter(|f| cols(f) <= width)
        .collect();
    out.sort_by_key(|f| std::cmp::Reverse(cols(f)));
    out
}

/// The first `head` and last `tail` segments of `segs` around `…`, joined by `sep`.
fn form(segs: &[&str], sep: &str, head: usize, tail: usize) -> String {
    let end = segs[segs.len() - tail..].join(sep);
    if head == 0 {
        format!("…{sep}{end}")
    } else {
        format!("{}{sep}…{sep}{end}", segs[..head].join(sep))
    }
}

/// `whole` (its `segs` joined by `sep`) in `width` columns with its last segment whole: as it
/// is, else the most whole segments around one `…` (first segments before last ones), else
/// `…` and the last segments alone; `None` when no such form fits.
fn shortened(whole: &str, segs: &[&str], sep: &str, width: usize) -> Option<String> {
    if cols(whole) <= width {
        return Some(whole.to_string());
    }
    let n = segs.len();
    if n < 2 {
        return None;
    }
    let fits =
        |head: usize, tail: usize| head + tail < n && cols(&form(segs, sep, head, tail)) <= width;
    let (mut head, mut tail) = (usize::from(fits(1, 1)), 1);
    if !fits(head, tail) {
        return None;
    }
    while head > 0 && fits(head + 1, tail) {
        head += 1;
    }
    while fits(head, tail + 1) {
        tail += 1;
    }
    Some(form(segs, sep, head, tail))
}

/// A name where not even `…-last` fits: its last segment, cut when it must be.
fn last_resort(segs: &[&str], width: usize) -> String {
    fit(segs.last().copied().unwrap_or_default(), width)
}

/// `text` in at most `width` columns: as it is, else with every image reference in it
/// shortened to name and tag, else that giving up its last words.
pub fn text_with_images(text: &str, width: usize) -> String {
    if cols(text) <= width {
        return text.to_string();
    }
    let short: Vec<String> = text
        .split(' ')
        .map(|word| short_image(word).unwrap_or_else(|| word.to_string()))
        .collect();
    fit_words(&short.join(" "), width)
}

/// `text` in at most `width` columns: as it is, else with the names in it (words of three or
/// more `-` segments, last first) losing segments from their middle as [`name`] does and
/// images their registry, else that giving up its last words:
/// `Created pod: orders-api-…-t5w2c`.
pub fn text_with_names(text: &str, width: usize) -> String {
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    for i in (0..words.len()).rev() {
        let over = cols(&words.join(" ")).saturating_sub(width);
        if over == 0 {
            break;
        }
        if let Some(short) = short_image(&words[i]) {
            words[i] = short;
            continue;
        }
        let word = &words[i];
        let (lead, inner, trail) = bare(word);
        if inner.split('-').count() < 3 || inner.contains(['/', ':', '@']) {
            continue;
        }
        let room = cols(inner).saturating_sub(over);
        if let Some(short) = shortened(inner, &inner.split('-').collect::<Vec<_>>(), "-", room) {
            words[i] = format!("{lead}{short}{trail}");
        }
    }
    fit_words(&words.join(" "), width)
}

/// `word` split into the brackets and quotes before it, itself, and the punctuation after.
fn bare(word: &str) -> (&str, &str, &str) {
    let start = word.len() - word.trim_start_matches(['(', '"', '\'']).len();
    let end = word
        .trim_end_matches([')', '"', '\'', ',', ';', '.', ':'])
        .len();
    if start >= end {
        return ("", word, "");
    }
    (&word[..start], &word[start..end], &word[end..])
}

/// `text` with every image reference wider than `width` shortened to name and tag, so that
/// wrapping it at `width` breaks between words, not inside an image.
pub fn images_within(text: &str, width: usize) -> String {
    let short: Vec<String> = text
        .split(' ')
        .map(|word| {
            if cols(word) > width {
                short_image(word).unwrap_or_else(|| word.to_string())
            } else {
                word.to_string()
            }
        })
        .collect();
    short.join(" ")
}

/// `word` as name and tag when it is an image reference with a registry or path (brackets
/// around it kept): `(feature-store:1.8.0)`.
fn short_image(word: &str) -> Option<String> {
    let (lead, inner, trail) = bare(word);
    let is_image = inner.contains('/')
        && inner
            .rsplit('/')
            .next()
            .is_some_and(|l| l.contains([':', '@']));
    if !is_image {
        return None;
    }
    let (name, tag) = name_and_tag(inner);
    Some(format!("{lead}{name}{tag}{trail}"))
}

/// An image reference split into its name (the last path segment) and its tag or digest
/// (`:1.8.0`, `@sha256:…`), without registry and path.
fn name_and_tag(image: &str) -> (&str, &str) {
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.find(['@', ':']) {
        Some(i) => last.split_at(i),
        None => (last, ""),
    }
}

/// `image` in at most `width` columns, shortened by meaning: the whole reference, else the
/// name and tag (`feature-store:1.8.0`), else the tag alone; cut only when not even that fits.
pub fn image(image: &str, width: usize) -> String {
    let (name, tag) = name_and_tag(image);
    let forms = [
        image.to_string(),
        format!("{name}{tag}"),
        tag.trim_start_matches([':', '@']).to_string(),
    ];
    pick(&forms, width)
}

/// "`from` → `to`" in at most `width` columns, shortened as [`image`] does; one name with two
/// tags reads `feature-store 1.7.0 → 1.8.0`.
pub fn image_change(from: &str, to: &str, width: usize) -> String {
    let (from_name, from_tag) = name_and_tag(from);
    let (to_name, to_tag) = name_and_tag(to);
    let bare = |t: &str| t.trim_start_matches([':', '@']).to_string();
    let mut forms = vec![
        format!("{from} → {to}"),
        format!("{from_name}{from_tag} → {to_name}{to_tag}"),
    ];
    if from_name == to_name {
        forms.push(format!("{to_name} {} → {}", bare(from_tag), bare(to_tag)));
    }
    forms.push(format!("{} → {}", bare(from_tag), bare(to_tag)));
    pick(&forms, width)
}

/// The first of `forms` that fits `width`, else the last one cut.
fn pick(forms: &[String], width: usize) -> String {
    forms
        .iter()
        .find(|f| !f.is_empty() && cols(f) <= width)
        .cloned()
        .unwrap_or_else(|| fit(forms.last().map_or("", String::as_str), width))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn images_lose_the_registry_before_the_tag() {
        let img = "registry.example.com/bnpl/feature-store:1.8.0";
        assert_eq!(image(img, 60), img);
        assert_eq!(image(img, 30), "feature-store:1.8.0");
        assert_eq!(image(img, 10), "1.8.0");
        let from = "registry.example.com/feature-store:1.7.0";
        let to = "registry.example.com/feature-store:1.8.0";
        assert_eq!(
            image_change(from, to, 45),
            "feature-store:1.7.0 → feature-store:1.8.0"
        );
        assert_eq!(image_change(from, to, 30), "feature-store 1.7.0 → 1.8.0");
        assert_eq!(image_change(from, to, 20), "1.7.0 → 1.8.0");
    }

    #[test]
    fn images_in_text_are_shortened_first() {
        let text = "preview of registry.gitlab.com/acme/stack/producer:9e4410c at 0% of traffic";
        assert_eq!(text_with_images(text, 80), text);
        assert_eq!(
            text_with_images(text, 60),
            "preview of producer:9e4410c at 0% of traffic"
        );
        assert_eq!(text_with_images(text, 30), "preview of producer:9e4410c…");
    }

    #[test]
    fn names_lose_whole_segments_from_the_middle() {
        let pod = "orders-api-6c5f7d9b8-b7q9z";
        assert_eq!(name(pod, 40), pod);
        assert_eq!(name(pod, 25), "orders-api-…-b7q9z");
        assert_eq!(name(pod, 18), "orders-api-…-b7q9z");
        assert_eq!(name(pod, 17), "orders-…-b7q9z");
        assert_eq!(name(pod, 10), "…-b7q9z");
        assert_eq!(name(pod, 5), "b7q9z");
        assert_eq!(name(pod, 3), "b7…");
        let release = "payments-reconciliation-worker";
        assert_eq!(name(release, 29), "payments-…-worker");
        assert_eq!(name("orders-api", 8), "…-api");
        let rs = "customer-intelligence-api-7d9f8c6b5";
        assert_eq!(name(rs, 34), "customer-intelligence-…-7d9f8c6b5");
        assert_eq!(name(rs, 20), "customer-…-7d9f8c6b5");
    }

    #[test]
    fn a_shortened_name_is_never_cut_inside_a_segment_while_a_segment_fits() {
        let all = [
            "orders-api-6c5f7d9b8-b7q9z",
            "payments-reconciliation-worker",
        ];
        for n in all {
            let last = n.rsplit('-').next().unwrap();
            for w in cols(last)..cols(n) {
                let short = name(n, w);
                assert!(cols(&short) <= w, "{short:?} in {w}");
                for seg in short.split('-').filter(|s| *s != "…") {
                    assert!(n.split('-').any(|s| s == seg), "{short:?} cuts {n:?}");
                }
            }
        }
    }

    #[test]
    fn unique_names_stay_unique_when_the_width_allows_a_suffix_that_tells_them_apart() {
        // Three stable pods, a canary pod whose random suffix repeats a stable one's, and two
        // names that differ only in a middle segment.
        let all = [
            "orders-api-6c5f7d9b8-b7q9z",
            "orders-api-6c5f7d9b8-m3kx1",
            "orders-api-6c5f7d9b8-x2p4d",
            "orders-api-7f9e2a1c4-b7q9z",
            "payments-eu-reconciliation-worker",
            "payments-us-reconciliation-worker",
        ];
        // The narrowest width at which each of them has a form no other one reads as.
        let needed = cols("payments-eu-…-worker");
        for w in needed..40 {
            let short = names(&all, w);
            let distinct: std::collections::BTreeSet<&String> = short.iter().collect();
            assert_eq!(distinct.len(), all.len(), "width {w}: {short:?}");
            for s in &short {
                assert!(cols(s) <= w, "{s:?} in {w}");
            }
        }
        // Names that already read apart keep the shortest form.
        assert_eq!(
            names(&all[..3], 18),
            [
                "orders-api-…-b7q9z",
                "orders-api-…-m3kx1",
                "orders-api-…-x2p4d"
            ]
        );
        // One pod twice is not a clash.
        assert_eq!(
            names(&[all[0], all[0]], 18),
            [name(all[0], 18), name(all[0], 18)]
        );
    }

    #[test]
    fn camel_case_words_lose_whole_humps() {
        assert_eq!(camel("RolloutStepCompleted", 30), "RolloutStepCompleted");
        assert_eq!(camel("RolloutStepCompleted", 18), "Rollout…Completed");
        assert_eq!(camel("RolloutStepCompleted", 10), "…Completed");
        assert_eq!(camel("BackOff", 5), "…Off");
    }

    #[test]
    fn counts_are_plural_by_number() {
        assert_eq!(count(1, "pod"), "1 pod");
        assert_eq!(count(0, "pod"), "0 pods");
        assert_eq!(count(3, "pod"), "3 pods");
    }

    #[test]
    fn images_wider_than_a_wrapped_column_lose_their_registry() {
        let how = "retry deploy job 8755103 of pipeline 1482274 (gcr.io/feature-store-prod/feature-store:e51f6b3)";
        assert_eq!(
            images_within(how, 30),
            "retry deploy job 8755103 of pipeline 1482274 (feature-store:e51f6b3)"
        );
        assert_eq!(images_within(how, 60), how);
    }

    #[test]
    fn names_in_text_lose_their_middle_before_the_text_loses_words() {
        let text = "Created pod: orders-api-7f9c4b6d5-t5w2c";
        assert_eq!(text_with_names(text, 60), text);
        assert_eq!(text_with_names(text, 31), "Created pod: orders-api-…-t5w2c");
        assert_eq!(text_with_names(text, 20), "Created pod: …-t5w2c");
        assert_eq!(
            text_with_names(
                "Pulled image \"gcr.io/feature-store-prod/feature-store:e51f6b3\" in 2.4s",
                50
            ),
            "Pulled image \"feature-store:e51f6b3\" in 2.4s"
        );
        assert_eq!(
            text_with_names("Scaled up replica set orders-api-7f9c4b6d5 to 1", 45),
            "Scaled up replica set orders-…-7f9c4b6d5 to 1"
        );
    }

    #[test]
    fn free_text_loses_whole_words() {
        assert_eq!(
            fit_words("Add idempotency keys", 30),
            "Add idempotency keys"
        );
        assert_eq!(fit_words("Add idempotency keys", 18), "Add idempotency…");
        assert_eq!(fit_words("Add idempotency keys", 3), "");
        assert_eq!(
            fit_words("    success when x < 1", 20),
            "    success when x…"
        );
    }
}

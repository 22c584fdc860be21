//! Labels shortened by meaning for narrow panes: an image loses its registry before its tag,
//! free text loses whole words, so nothing is cut mid-word.

use super::widgets::text::{cols, fit};

/// `s` if it fits `width`, else its leading whole words and `…` (nothing when not even the
/// first word fits).
pub fn fit_words(s: &str, width: usize) -> String {
    if cols(s) <= width {
        return s.to_string();
    }
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

/// `text` in at most `width` columns: as it is, else with every image reference in it
/// shortened to name and tag, else that giving up its last words.
pub fn text_with_images(text: &str, width: usize) -> String {
    if cols(text) <= width {
        return text.to_string();
    }
    let short: Vec<String> = text
        .split(' ')
        .map(|word| {
            let is_image = word.contains('/')
                && word
                    .rsplit('/')
                    .next()
                    .is_some_and(|l| l.contains([':', '@']));
            if is_image {
                let (name, tag) = name_and_tag(word);
                format!("{name}{tag}")
            } else {
                word.to_string()
            }
        })
        .collect();
    fit_words(&short.join(" "), width)
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
    fn free_text_loses_whole_words() {
        assert_eq!(
            fit_words("Add idempotency keys", 30),
            "Add idempotency keys"
        );
        assert_eq!(fit_words("Add idempotency keys", 18), "Add idempotency…");
        assert_eq!(fit_words("Add idempotency keys", 3), "");
    }
}

//! At 80×24 no label is cut mid-word: images lose their registry before their tag, names
//! lose whole segments from their middle, prose loses whole words, and the most important
//! fact of each pane shows.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::config::Theme;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::sample;
use quarterdeck_core::sample_ci::ci_model;
use quarterdeck_core::{Model, Msg, update};

fn snap(model: &Model) -> String {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::load("default", None).unwrap();
    term.draw(|f| {
        super::view(model, &theme, f);
    })
    .unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn keys(model: &mut Model, ks: &[&str]) {
    for k in ks {
        update(model, Msg::Key(KeyPress::parse(k).unwrap()));
    }
}

fn select(model: &mut Model, name: &str) {
    keys(model, &["1", "home"]);
    for _ in 0..model.releases.rows.len() {
        if model.releases.selected.as_ref().unwrap().key.name == name {
            return;
        }
        keys(model, &["j"]);
    }
    panic!("no release {name}");
}

/// The rows of `screen` that hold `needle`.
fn rows_with<'a>(screen: &'a str, needle: &str) -> Vec<&'a str> {
    screen.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn the_rollout_pane_at_80x24_keeps_both_tags_of_the_image() {
    let m = sample::model_with(sample::showcase_objects(), 80, 24).0;
    let s = snap(&m);
    let image = rows_with(&s, "│image");
    assert_eq!(image.len(), 1, "{s}");
    assert!(
        image[0].contains("feature-store:1.7.0 → feature-store:1.8.0"),
        "{s}"
    );
    assert!(!image[0].contains('…'), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn the_gates_inbox_at_80x24_says_what_approving_will_do_whole() {
    let mut m = ci_model(80, 24);
    keys(&mut m, &["g"]);
    let s = snap(&m);
    let will = rows_with(&s, "→ deploy orders-api@f03c8b1 to staging");
    assert_eq!(will.len(), 1, "{s}");
    assert!(will[0].contains("starts job 'deploy-staging'"), "{s}");
    assert!(
        s.contains("rollout pause"),
        "the next gate still shows:\n{s}"
    );
    // The blocked GitLab deployment, selected: its long consequence wraps rather than cuts.
    keys(&mut m, &["j", "j"]);
    let s = snap(&m);
    assert!(s.contains("then starts job 'deploy:production'"), "{s}");
    let gates: Vec<&str> = s.lines().skip_while(|l| !l.contains("Gates")).collect();
    assert!(!gates.iter().any(|l| l.contains('…')), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn the_pipeline_pane_at_80x24_shows_run_ages_and_the_image_tag() {
    let mut m = ci_model(80, 24);
    select(&mut m, "feature-store");
    keys(&mut m, &["c"]);
    let s = snap(&m);
    let no_match = rows_with(&s, "no run matches image");
    assert_eq!(no_match.len(), 1, "{s}");
    assert!(
        no_match[0].contains("image feature-store:1.8.0: "),
        "the tag, not the registry:\n{s}"
    );
    assert!(
        rows_with(&s, "· 12m00s ⏱").len() == 1,
        "the run's age shows:\n{s}"
    );
    // The reason gives up whole words only: what is left, and a space, begins the reason as
    // a wide pane shows it.
    let kept = no_match[0]
        .split(": ")
        .nth(1)
        .unwrap()
        .split('…')
        .next()
        .unwrap();
    let mut wide = ci_model(240, 70);
    select(&mut wide, "feature-store");
    keys(&mut wide, &["c"]);
    let wide = snap(&wide);
    let full = rows_with(&wide, "no run matches image")[0];
    assert!(
        full.contains(&format!("{kept} ")),
        "{kept:?} is not whole words of {full:?}"
    );
    let pane: Vec<&str> = s.lines().skip_while(|l| !l.contains("Pipeline")).collect();
    assert_eq!(
        pane.iter().filter(|l| l.contains('…')).count(),
        1,
        "only the reason is shortened:\n{s}"
    );
    // The recent runs, once the cursor moves onto them: each row ends on its age.
    keys(&mut m, &["G"]);
    let s = snap(&m);
    let recent: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("Recent runs"))
        .skip(1)
        .take_while(|l| l.contains('#'))
        .collect();
    assert!(!recent.is_empty(), "{s}");
    for row in &recent {
        assert!(!row.contains('…'), "{row:?}\n{s}");
        let last = row.trim_end_matches(['┃', ' ']).rsplit(' ').next().unwrap();
        assert!(
            ["ago", "rolling", "image"].contains(&last) || last.ends_with(['m', 'h', 'd']),
            "{row:?} ends on {last:?}\n{s}"
        );
    }
    insta::assert_snapshot!(s);
}

#[test]
fn the_pods_pane_at_80x24_keeps_whole_reasons() {
    let mut m = sample::model_with(sample::showcase_objects(), 80, 24).0;
    keys(&mut m, &["2"]);
    let s = snap(&m);
    assert!(s.contains("✖ CrashLoop (OOMKilled)"), "{s}");
    let pods: Vec<&str> = s.lines().skip_while(|l| !l.contains("Pods")).collect();
    assert!(!pods.iter().any(|l| l.contains('…')), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_gate_whose_approvers_are_not_known_says_so_in_80_columns() {
    let mut gate = quarterdeck_core::sample_ci::gitlab_gate("store").remove(0);
    gate.who_may_approve.clear();
    gate.approvals = None;
    gate.you_may_approve = None;
    let theme = Theme::load("default", None).unwrap();
    let lines = super::gates::gate_lines(&gate, &[], 0, 78, &theme, false);
    let row: String = lines[2].spans.iter().map(|s| s.content.as_ref()).collect();
    assert_eq!(
        row,
        "   may approve: anyone allowed to run the job · you: not known"
    );
}

#[test]
fn the_events_pane_at_80x24_keeps_whole_reasons_objects_and_words() {
    let mut m = sample::model_with(sample::showcase_objects(), 80, 24).0;
    select(&mut m, "orders-api");
    keys(&mut m, &["4"]);
    let s = snap(&m);
    let pane: Vec<&str> = s.lines().skip_while(|l| !l.contains("Events")).collect();
    assert!(pane.len() > 2, "{s}");
    assert!(mid_word_cuts(&s).is_empty(), "{:?}\n{s}", mid_word_cuts(&s));
    insta::assert_snapshot!(s);
}

/// The words of `screen` cut inside, where they could have been cut at a boundary: a `…`
/// right after a letter or digit, in a word that has a `-`, `/`, `.`, `:`, `_`, `(`, quote or
/// `=` before it, a capital after a small letter (`RolloutStepComple…`), or only digits.
fn mid_word_cuts(screen: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in screen.lines() {
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if *c != '…' || i == 0 || !chars[i - 1].is_alphanumeric() {
                continue;
            }
            let start = chars[..i]
                .iter()
                .rposition(|c| c.is_whitespace() || ('\u{2500}'..='\u{257f}').contains(c))
                .map_or(0, |p| p + 1);
            let word: String = chars[start..i].iter().collect();
            let boundary = word.contains(['-', '/', '.', ':', '_', '(', '"', '\'', '='])
                || word
                    .chars()
                    .zip(word.chars().skip(1))
                    .any(|(a, b)| a.is_lowercase() && b.is_uppercase())
                || word.chars().all(|c| c.is_ascii_digit());
            if boundary {
                out.push(format!("{word}…"));
            }
        }
    }
    out
}

#[test]
fn no_80_column_snapshot_cuts_a_word_it_could_have_cut_at_a_boundary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui/snapshots");
    let mut checked = 0;
    let mut cuts = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The body follows the second `---` of insta's header.
        let body: String = text.splitn(3, "---\n").nth(2).unwrap_or_default().into();
        let narrow = body
            .lines()
            .all(|l| crate::ui::widgets::text::cols(l.trim_end()) <= 82);
        if !narrow {
            continue;
        }
        checked += 1;
        for cut in mid_word_cuts(&body) {
            cuts.push(format!(
                "{}: {cut}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        checked >= 20,
        "only {checked} narrow snapshots found in {dir:?}"
    );
    assert!(cuts.is_empty(), "cut mid-word:\n{}", cuts.join("\n"));
}

#[test]
fn mid_word_cuts_are_told_from_whole_words_and_boundary_cuts() {
    assert_eq!(
        mid_word_cuts("│  payments-reconciliation-w… ● Healthy"),
        ["payments-reconciliation-w…"]
    );
    assert_eq!(mid_word_cuts("✖ CrashLoopBackOff (O…│"), ["(O…"]);
    assert_eq!(
        mid_word_cuts("2m RolloutStepComple… x"),
        ["RolloutStepComple…"]
    );
    assert_eq!(mid_word_cuts("pipeline 1482… 7m"), ["1482…"]);
    assert!(mid_word_cuts("│  payments-…-worker  ⟳ promoting… Add idempotency…").is_empty());
}

//! At 80×24 no label of the gates, pipeline, rollout and pods panes is cut mid-word: images
//! lose their registry before their tag, run ages and what approving will do keep
//! their last words, and the most important fact of each pane shows.

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
    term.draw(|f| super::view(model, &theme, f)).unwrap();
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

//! Snapshots of the CI panes (Pipeline, Job log, Gates) and the status bar's rate budgets, on
//! the fixed CI states of `model::sample_ci`: running, waiting for approval, failed, manual,
//! skipped and matrix jobs.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::config::Theme;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::pipeline::{CiUpdate, JobLogState, LogSection, Provider, RateLimitState};
use quarterdeck_core::sample::NOW_MS;
use quarterdeck_core::sample_ci::ci_model;
use quarterdeck_core::{Model, Msg, update};

fn snap(model: &Model) -> String {
    let (w, h) = model.size;
    let theme = Theme::load("default", None).unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        super::view(model, &theme, f);
    })
    .unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
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

fn job_log(model: &mut Model, text: &str, sections: Vec<LogSection>, state: JobLogState) {
    let job = model.ci.log.as_ref().unwrap().job.clone();
    update(
        model,
        Msg::Ci(CiUpdate::JobLog {
            job,
            text: text.into(),
            reset: true,
            sections,
            state,
        }),
    );
}

#[test]
fn pipeline_waiting_for_approval_with_matrix_jobs_wide() {
    let mut m = ci_model(240, 70);
    select(&mut m, "orders-api");
    keys(&mut m, &["c"]);
    let s = snap(&m);
    assert!(s.contains("image ghcr.io/acme/orders-api:sha-f03c8b1 was built by run #121"));
    assert!(s.contains("‖ deploy-staging"));
    assert!(s.contains("test ×2"), "matrix jobs grouped");
    assert!(s.contains("» deploy-production"));
    assert!(s.contains("trigger push · branch main · commit f03c8b1 · by dev.patel"));
    insta::assert_snapshot!(s);
}

#[test]
fn pipeline_running_failed_manual_skipped_80x24() {
    let mut m = ci_model(80, 24);
    select(&mut m, "feature-store");
    keys(&mut m, &["c"]);
    let s = snap(&m);
    assert!(s.contains("no run matches image"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn pipeline_running_failed_manual_skipped_wide() {
    let mut m = ci_model(240, 70);
    select(&mut m, "feature-store");
    keys(&mut m, &["c", "G"]);
    let s = snap(&m);
    for needle in [
        "◐ test:unit 2/3",
        "running · 6m00s ⏱",
        "✖ test:unit 3/3",
        "failed · 1m04s · allowed · script_failure",
        "○ build",
        "» deploy:staging",
        "▶ deploy:production",
        "⚠ no run matches image registry.example.com/feature-store:1.8.0",
    ] {
        assert!(s.contains(needle), "{needle} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn pipeline_of_an_unlinked_release_says_how_to_link_it() {
    let mut m = ci_model(120, 40);
    select(&mut m, "producer");
    keys(&mut m, &["c"]);
    let s = snap(&m);
    assert!(s.contains("No CI linked to observability/producer."), "{s}");
    assert!(s.contains("quarterdeck.dev/github=owner/repo"));
}

#[test]
fn job_log_sections_folded_then_expanded() {
    let mut m = ci_model(120, 40);
    select(&mut m, "feature-store");
    keys(&mut m, &["c", "enter"]);
    let section = |name: &str, first, last, took| LogSection {
        name: name.into(),
        first_line: first,
        last_line: Some(last),
        started_s: 0,
        duration_s: Some(took),
        collapsed: false,
    };
    job_log(
        &mut m,
        "Running with gitlab-runner 17.5.3\nPreparing the docker executor\nUsing image python:3.11\nGetting source\nFetching changes\nExecuting step_script\n$ pytest -q\n\x1b[32m41 passed\x1b[0m in 12.3s\x1b]0;pwned\x07\nJob succeeded\n",
        vec![
            section("prepare_executor", 1, 2, 5),
            section("get_sources", 3, 4, 3),
            section("step_script", 5, 7, 70),
        ],
        JobLogState::Complete,
    );
    let folded = snap(&m);
    assert!(
        folded.contains("▸ step_script  1m10s  (3 lines)"),
        "{folded}"
    );
    assert!(!folded.contains("pwned"));
    insta::assert_snapshot!("job_log_folded", folded);
    keys(&mut m, &["enter"]);
    let open = snap(&m);
    assert!(open.contains("41 passed in 12.3s"), "{open}");
    insta::assert_snapshot!("job_log_expanded", open);
}

#[test]
fn github_job_log_is_available_when_the_job_completes() {
    let mut m = ci_model(120, 40);
    select(&mut m, "orders-api");
    // lint, test ×2, docker, then the waiting deploy-staging.
    keys(&mut m, &["c", "j", "j", "j", "j", "enter"]);
    assert_eq!(m.ci.log.as_ref().unwrap().job_name, "deploy-staging");
    job_log(
        &mut m,
        "",
        Vec::new(),
        JobLogState::Unavailable("log available when the job completes".into()),
    );
    let s = snap(&m);
    assert!(s.contains("log available when the job completes"), "{s}");
}

#[test]
fn gates_inbox_wide() {
    let mut m = ci_model(240, 70);
    keys(&mut m, &["g"]);
    let s = snap(&m);
    assert!(
        s.contains("waiting 30m00s  approval · acme/orders-api › staging"),
        "{s}"
    );
    assert!(s.contains("may approve: alex.morgan, team:release-managers · you may approve"));
    assert!(s.contains("blocked deployment · bnpl/feature-store › production"));
    assert!(s.contains("0 of 1 approvals"));
    assert!(s.contains(
        "approving will deploy orders-api@f03c8b1 to staging: starts job 'deploy-staging'"
    ));
    insta::assert_snapshot!(s);
}

#[test]
fn gates_inbox_80x24_ages_tick_with_the_ci_clock() {
    let mut m = ci_model(80, 24);
    keys(&mut m, &["g"]);
    let before = snap(&m);
    update(
        &mut m,
        Msg::CiClock {
            now_ms: NOW_MS + 5_000,
        },
    );
    let after = snap(&m);
    assert!(before.contains("waiting 30m00s"), "{before}");
    assert!(after.contains("waiting 30m05s"), "{after}");
    insta::assert_snapshot!(after);
}

#[test]
fn status_bar_shows_budgets_and_a_rate_limit_pause() {
    let mut m = ci_model(240, 70);
    update(
        &mut m,
        Msg::Ci(CiUpdate::RateLimit {
            provider: Provider::GitLab,
            state: RateLimitState {
                remaining: Some(0),
                limit: Some(2000),
                reset_ms: Some(NOW_MS + 600_000),
                paused_until_ms: Some(NOW_MS + 600_000),
            },
        }),
    );
    let s = snap(&m);
    let bar = s.lines().last().unwrap();
    assert!(bar.contains("GitHub 97%"), "{bar}");
    assert!(
        bar.contains("GitLab paused until 03:10 UTC: rate limit"),
        "{bar}"
    );
}

//! `update` with CI messages: links from annotations and config, runs and gates in, job logs
//! followed and stopped, rate budgets, the CI clock.

use crate::key::KeyPress;
use crate::link::{CiLink, ReleaseConfig, ReleasesConfig};
use crate::pipeline::{
    CiErrorKind, CiStatus, CiUpdate, JobLogState, JobRef, LogSection, Provider, RateLimitState,
    RunMatch,
};
use crate::release::WorkloadKind;
use crate::sample::{self, NOW_MS};
use crate::sample_ci::{self, ci_model, ci_objects, source};
use crate::{Effect, Model, Msg, Pane, update};

use super::release_runs;

fn key(model: &mut Model, k: &str) -> Vec<Effect> {
    update(model, Msg::Key(KeyPress::parse(k).unwrap()))
}

fn keys(model: &mut Model, ks: &[&str]) -> Vec<Effect> {
    ks.iter().flat_map(|k| key(model, k)).collect()
}

fn select(model: &mut Model, name: &str) {
    key(model, "1");
    key(model, "home");
    for _ in 0..model.releases.rows.len() {
        if model.releases.selected.as_ref().unwrap().key.name == name {
            return;
        }
        key(model, "j");
    }
    panic!("no release {name}");
}

/// The last `FocusCi` among `effects`.
fn focus(effects: &[Effect]) -> Option<Option<String>> {
    effects.iter().rev().find_map(|e| match e {
        Effect::FocusCi(f) => Some(f.clone()),
        _ => None,
    })
}

#[test]
fn the_pollers_are_told_which_release_is_on_screen_when_it_changes() {
    let (mut model, effects) = sample::model_with(ci_objects(), 120, 40);
    let first = focus(&effects).expect("the first selection is announced");
    assert_eq!(first, model.ci.focus);
    let other = model
        .releases
        .rows
        .iter()
        .find(|r| {
            model
                .ci
                .links
                .get(&r.id)
                .is_some_and(|l| Some(&l.key) != model.ci.focus.as_ref())
        })
        .expect("another linked release")
        .id
        .key
        .name
        .clone();
    let moved: Vec<Effect> = {
        key(&mut model, "1");
        key(&mut model, "home");
        let mut out = Vec::new();
        while model.releases.selected.as_ref().unwrap().key.name != other {
            out.extend(key(&mut model, "j"));
        }
        out
    };
    let now = focus(&moved).expect("the new selection is announced");
    assert_ne!(now, first);
    assert_eq!(now, model.ci.focus);
    // Nothing changed: nothing is said.
    assert_eq!(focus(&key(&mut model, "1")), None);
}

#[test]
fn annotations_link_releases_and_start_pollers_once() {
    let (mut model, effects) = sample::model_with(ci_objects(), 120, 40);
    let watches: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::WatchCi(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(watches.last(), Some(&sample_ci::watches()));
    // The same objects again: no new pollers.
    let again = update(
        &mut model,
        Msg::Watch(crate::WatchEvent::Replace {
            kind: crate::cluster::Kind::Rollouts,
            objects: ci_objects()
                .into_iter()
                .filter(|o| matches!(o, crate::cluster::Object::Rollout(_)))
                .collect(),
        }),
    );
    assert!(!again.iter().any(|e| matches!(e, Effect::WatchCi(_))));
}

#[test]
fn a_release_config_entry_wins_over_annotations_and_a_removed_link_restarts_pollers() {
    let (mut model, _) = sample::model_with(Vec::new(), 120, 40);
    model.ci.config = ReleasesConfig {
        releases: vec![ReleaseConfig {
            name: "orders".into(),
            kind: WorkloadKind::Rollout,
            workload: "orders-api".into(),
            namespace: "orders".into(),
            context: None,
            ci: Some(CiLink::GitLab {
                project: "acme/orders".into(),
            }),
        }],
        ..Default::default()
    };
    let effects = update(
        &mut model,
        Msg::Watch(crate::WatchEvent::Replace {
            kind: crate::cluster::Kind::Rollouts,
            objects: ci_objects()
                .into_iter()
                .filter(|o| matches!(o, crate::cluster::Object::Rollout(_)))
                .collect(),
        }),
    );
    let Some(Effect::WatchCi(w)) = effects.iter().find(|e| matches!(e, Effect::WatchCi(_))) else {
        panic!("no WatchCi in {effects:?}");
    };
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].release, "orders");
    assert_eq!(
        w[0].link,
        CiLink::GitLab {
            project: "acme/orders".into()
        }
    );
    // The workload disappears: the pollers are told to watch nothing.
    let effects = update(
        &mut model,
        Msg::Watch(crate::WatchEvent::Replace {
            kind: crate::cluster::Kind::Rollouts,
            objects: Vec::new(),
        }),
    );
    assert!(effects.contains(&Effect::WatchCi(Vec::new())));
}

#[test]
fn bad_annotations_are_reported_not_linked() {
    let mut objects = ci_objects();
    for o in &mut objects {
        if let crate::cluster::Object::Deployment(d) = o
            && d.key.name == "feature-store"
        {
            d.annotations
                .insert("quarterdeck.dev/gitlab".into(), "no-slash".into());
        }
    }
    let (model, _) = sample::model_with(objects, 120, 40);
    let err = model
        .ci
        .link_errors
        .iter()
        .find(|(id, _)| id.key.name == "feature-store")
        .map(|(_, e)| e.clone())
        .unwrap();
    assert!(err.contains("quarterdeck.dev/gitlab"), "{err}");
    assert!(
        !model
            .ci
            .links
            .keys()
            .any(|id| id.key.name == "feature-store")
    );
}

#[test]
fn pipelines_and_gates_come_in_and_the_run_is_matched_to_the_image() {
    let mut model = ci_model(120, 40);
    select(&mut model, "orders-api");
    let release = model.selected_release().unwrap();
    let rr = release_runs(&model.ci, release).unwrap();
    assert_eq!(rr.runs.len(), 2);
    assert_eq!(rr.matched, RunMatch::Matched(0));
    assert_eq!(rr.shown_run().unwrap().status, CiStatus::Waiting);
    select(&mut model, "feature-store");
    let release = model.selected_release().unwrap();
    let rr = release_runs(&model.ci, release).unwrap();
    match &rr.matched {
        RunMatch::NoMatch { reason } => assert!(reason.contains("1.8.0"), "{reason}"),
        m => panic!("{m:?}"),
    }
    // Gates of both providers, the longest-waiting first.
    let gates = model.ci.all_gates();
    assert_eq!(gates.len(), 2);
    assert_eq!(gates[0].id.provider, Provider::GitHub);
    assert_eq!(gates[1].where_, "production");
    // An empty list clears a source's gates.
    update(
        &mut model,
        Msg::Ci(CiUpdate::Gates {
            release: "orders/orders-api".into(),
            source: source(Provider::GitHub, "acme/orders-api"),
            gates: Vec::new(),
        }),
    );
    assert_eq!(model.ci.all_gates().len(), 1);
}

#[test]
fn source_errors_stay_until_the_next_success() {
    let mut model = ci_model(120, 40);
    let gh = source(Provider::GitHub, "acme/orders-api");
    update(
        &mut model,
        Msg::Ci(CiUpdate::SourceError {
            source: gh.clone(),
            kind: CiErrorKind::Unauthorized,
            message: "GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials)".into(),
        }),
    );
    assert_eq!(model.ci.errors[&gh].0, CiErrorKind::Unauthorized);
    update(&mut model, Msg::Ci(sample_ci::updates().remove(0)));
    assert!(!model.ci.errors.contains_key(&gh));
}

#[test]
fn rate_limit_state_is_kept_per_provider_and_unchanged_budgets_do_not_redraw() {
    let mut model = ci_model(120, 40);
    let gh = model.ci.limits[&Provider::GitHub].clone();
    assert_eq!(gh.label(NOW_MS), "97%");
    model.take_dirty();
    // One more request spent: still 97% on screen, so no frame, but the numbers are kept.
    let spent = RateLimitState {
        remaining: Some(4872),
        ..gh
    };
    update(
        &mut model,
        Msg::Ci(CiUpdate::RateLimit {
            provider: Provider::GitHub,
            state: spent.clone(),
        }),
    );
    assert!(!model.take_dirty());
    assert_eq!(model.ci.limits[&Provider::GitHub], spent);
    let paused = RateLimitState {
        remaining: Some(0),
        limit: Some(5000),
        reset_ms: Some(NOW_MS + 600_000),
        paused_until_ms: Some(NOW_MS + 600_000),
    };
    update(
        &mut model,
        Msg::Ci(CiUpdate::RateLimit {
            provider: Provider::GitHub,
            state: paused.clone(),
        }),
    );
    assert!(model.take_dirty());
    assert_eq!(model.ci.limits[&Provider::GitHub], paused);
    update(
        &mut model,
        Msg::Ci(CiUpdate::RateLimit {
            provider: Provider::GitHub,
            state: paused,
        }),
    );
    assert!(!model.take_dirty());
}

#[test]
fn enter_on_a_job_follows_its_log_and_leaving_stops_it() {
    let mut model = ci_model(120, 40);
    select(&mut model, "feature-store");
    key(&mut model, "c");
    assert_eq!(model.nav.focus, Pane::Pipeline);
    // The second job: test:unit 2/3, running.
    key(&mut model, "j");
    let effects = key(&mut model, "enter");
    let job = JobRef {
        source: source(Provider::GitLab, "bnpl/feature-store"),
        job_id: 302,
    };
    assert_eq!(effects, vec![Effect::FollowJobLog(job.clone())]);
    assert_eq!(model.nav.focus, Pane::JobLog);
    assert_eq!(model.ci.log.as_ref().unwrap().job_name, "test:unit 2/3");
    // esc goes back to the pipeline and stops the follower.
    let effects = key(&mut model, "esc");
    assert_eq!(effects, vec![Effect::StopJobLog(job.clone())]);
    assert_eq!(model.nav.focus, Pane::Pipeline);
    assert!(model.ci.log.is_none());
    // Leaving by a pane key stops it too.
    key(&mut model, "enter");
    let effects = key(&mut model, "1");
    assert_eq!(effects, vec![Effect::StopJobLog(job.clone())]);
    assert_eq!(model.nav.focus, Pane::Releases);
    // … and by tab, and by a command: every way focus moves goes through one place.
    keys(&mut model, &["c", "enter"]);
    assert_eq!(
        key(&mut model, "tab"),
        vec![Effect::StopJobLog(job.clone())]
    );
    assert_eq!(model.nav.focus, Pane::Pods);
    keys(&mut model, &["c", "enter", ":", "r", "e", "l"]);
    assert_eq!(key(&mut model, "enter"), vec![Effect::StopJobLog(job)]);
    assert_eq!(model.nav.focus, Pane::Releases);
    assert!(model.ci.log.is_none());
}

#[test]
fn job_log_appends_resets_and_folds_sections() {
    let mut model = ci_model(120, 40);
    select(&mut model, "feature-store");
    key(&mut model, "c");
    key(&mut model, "enter");
    let job = model.ci.log.as_ref().unwrap().job.clone();
    let section = |first, last: Option<usize>| LogSection {
        name: "step_script".into(),
        first_line: first,
        last_line: last,
        started_s: 100,
        duration_s: last.map(|_| 12),
        collapsed: false,
    };
    let msg = |text: &str, reset, sections, state| {
        Msg::Ci(CiUpdate::JobLog {
            job: job.clone(),
            text: text.into(),
            reset,
            sections,
            state,
        })
    };
    update(
        &mut model,
        msg(
            "Running with gitlab-runner\nExecuting step_script\n$ pyt",
            false,
            vec![section(1, None)],
            JobLogState::Partial,
        ),
    );
    let log = model.ci.log.as_ref().unwrap();
    assert_eq!(log.lines.len(), 2);
    assert_eq!(log.partial, "$ pyt");
    // An open section stays expanded so the live tail shows.
    assert_eq!(log.rows().len(), 3);
    // Control sequences are gone; the partial line is completed by the next chunk.
    update(
        &mut model,
        msg(
            "est -q\n\x1b]0;owned\x07\x1b[32m3 passed\x1b[0m\nJob succeeded\n",
            false,
            vec![section(1, Some(3))],
            JobLogState::Complete,
        ),
    );
    let log = model.ci.log.as_ref().unwrap();
    let texts: Vec<&str> = log.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Running with gitlab-runner",
            "Executing step_script",
            "$ pytest -q",
            "3 passed",
            "Job succeeded"
        ]
    );
    // The finished section folds into one row: 5 lines → 3 rows.
    assert_eq!(log.rows().len(), 3);
    key(&mut model, "enter");
    assert_eq!(model.ci.log.as_ref().unwrap().rows().len(), 6);
    // A reset replaces everything (a retried job).
    update(
        &mut model,
        msg("again\n", true, Vec::new(), JobLogState::Partial),
    );
    let log = model.ci.log.as_ref().unwrap();
    assert_eq!(log.lines.len(), 1);
    assert_eq!(log.state, Some(JobLogState::Partial));
    // Reports for another job are not mixed in.
    let other = JobRef {
        job_id: 1,
        ..job.clone()
    };
    update(
        &mut model,
        Msg::Ci(CiUpdate::JobLog {
            job: other,
            text: "stray\n".into(),
            reset: false,
            sections: Vec::new(),
            state: JobLogState::Partial,
        }),
    );
    assert_eq!(model.ci.log.as_ref().unwrap().lines.len(), 1);
}

#[test]
fn gates_key_opens_the_inbox_and_enter_jumps_to_the_pipeline() {
    let mut model = ci_model(120, 40);
    select(&mut model, "customer-intelligence");
    key(&mut model, "g");
    assert_eq!(model.nav.focus, Pane::Gates);
    // Two CI gates and the rollouts' pauses (gates whose approval is a promote): orders-api's
    // canary pause and checkout's blue-green preview.
    let inbox = crate::control::inbox(&model);
    let n = inbox.len();
    assert_eq!(n, 4);
    assert!(inbox.iter().any(
        |i| matches!(i, crate::control::InboxItem::Pause(p) if p.release.key.name == "orders-api")
    ));
    let target = inbox
        .iter()
        .position(
            |i| matches!(i, crate::control::InboxItem::Ci(g) if g.id.provider == Provider::GitLab),
        )
        .unwrap();
    for _ in 0..n + 2 {
        key(&mut model, "j");
    }
    assert_eq!(model.ci.gate_cursor, n - 1, "stops at the last row");
    for _ in 0..(n - 1 - target) {
        key(&mut model, "k");
    }
    key(&mut model, "enter");
    assert_eq!(model.nav.focus, Pane::Pipeline);
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "feature-store"
    );
    // :gates and :pipeline do the same from the command line.
    for k in ["esc", ":", "g", "a", "t", "e", "s", "enter"] {
        key(&mut model, k);
    }
    assert_eq!(model.nav.focus, Pane::Gates);
}

#[test]
fn the_ci_clock_redraws_each_second_only_while_a_ci_pane_shows() {
    let mut model = ci_model(120, 40);
    model.take_dirty();
    update(
        &mut model,
        Msg::CiClock {
            now_ms: NOW_MS + 1_000,
        },
    );
    assert!(!model.take_dirty(), "releases focused: nothing ticks");
    key(&mut model, "g");
    model.take_dirty();
    update(
        &mut model,
        Msg::CiClock {
            now_ms: NOW_MS + 1_500,
        },
    );
    assert!(!model.take_dirty(), "same second");
    update(
        &mut model,
        Msg::CiClock {
            now_ms: NOW_MS + 2_000,
        },
    );
    assert!(model.take_dirty());
    assert_eq!(model.ci.now_or(0), NOW_MS + 2_000);
}

#[test]
fn left_and_right_jump_between_stages() {
    let mut model = ci_model(120, 40);
    select(&mut model, "feature-store");
    key(&mut model, "c");
    key(&mut model, "right");
    assert_eq!(model.ci.job_cursor, 4, "first job of build");
    key(&mut model, "right");
    assert_eq!(model.ci.job_cursor, 5, "first job of deploy");
    key(&mut model, "right");
    assert_eq!(model.ci.job_cursor, 5);
    key(&mut model, "left");
    assert_eq!(model.ci.job_cursor, 4);
    // The last row is past the seven jobs: the recent run the pipeline lists.
    key(&mut model, "G");
    assert_eq!(model.ci.job_cursor, 7);
}

#[test]
fn the_status_bar_learns_which_providers_are_off_and_why() {
    let (mut plain, _) = crate::sample::model_with(crate::sample::showcase_objects(), 200, 60);
    assert_eq!(
        plain.ci.off_reason().as_deref(),
        Some("CI off: no release linked")
    );
    plain.ci.without_token = vec![Provider::GitHub, Provider::GitLab];
    assert_eq!(
        plain.ci.off_reason().as_deref(),
        Some("CI off: no token, no release linked")
    );
    let mut linked = crate::sample_ci::ci_model(200, 60);
    assert_eq!(linked.ci.off_reason(), None);
    linked.ci.without_token = vec![Provider::GitLab];
    assert_eq!(linked.ci.off_reason().as_deref(), Some("GitLab: no token"));
}

#[test]
fn enter_on_a_recent_run_opens_it_with_its_jobs_and_their_logs() {
    let mut model = ci_model(120, 40);
    select(&mut model, "orders-api");
    key(&mut model, "c");
    let release = model.releases.selected_row().unwrap().clone();
    let rr = release_runs(&model.ci, &release).unwrap();
    let (jobs, newest, older) = (rr.jobs().len(), rr.runs[0].id, rr.runs[1].id);
    assert_eq!(rr.shown, Some(0));
    // Past the last job the cursor is on the recent runs: the second is the older run.
    key(&mut model, "G");
    assert_eq!(model.ci.job_cursor, jobs + 1);
    assert_eq!(key(&mut model, "enter"), Vec::new());
    assert_eq!(model.nav.focus, Pane::Pipeline);
    let rr = release_runs(&model.ci, &release).unwrap();
    assert_eq!(rr.shown_run().unwrap().id, older);
    assert_eq!(model.ci.job_cursor, 0);
    // Its jobs' logs open as the newest run's do.
    let first = rr.jobs()[0].id;
    let effects = key(&mut model, "enter");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FollowJobLog(j) if j.job_id == first)),
        "{effects:?}"
    );
    // And the newest run opens again from the list.
    key(&mut model, "esc");
    let jobs = release_runs(&model.ci, &release).unwrap().jobs().len();
    for _ in 0..jobs {
        key(&mut model, "j");
    }
    key(&mut model, "enter");
    let rr = release_runs(&model.ci, &release).unwrap();
    assert_eq!(rr.shown_run().unwrap().id, newest);
}

#[test]
fn the_gates_cursor_stays_on_its_gate_when_an_older_one_arrives_above() {
    let mut model = ci_model(120, 40);
    key(&mut model, "g");
    key(&mut model, "G");
    let under = |model: &Model| {
        let items = crate::control::inbox(model);
        items[crate::control::gate_cursor(model, &items)].key()
    };
    let before = under(&model);
    let last = crate::control::inbox(&model).len() - 1;
    assert_eq!(
        crate::control::gate_cursor(&model, &crate::control::inbox(&model)),
        last
    );

    // A second orders-api run has waited at staging for an hour: it sorts first.
    let mut gates = sample_ci::github_gate("orders/orders-api");
    let mut older = gates[0].clone();
    if let crate::gate::GateKind::GithubPendingDeployment { run_id, .. } = &mut older.id.kind {
        *run_id += 1;
    }
    older.waiting_since_ms = Some(NOW_MS - 3_600_000);
    gates.push(older.clone());
    update(
        &mut model,
        Msg::Ci(CiUpdate::Gates {
            release: "orders/orders-api".into(),
            source: source(Provider::GitHub, "acme/orders-api"),
            gates,
        }),
    );
    let items = crate::control::inbox(&model);
    assert_eq!(items[0].key(), crate::control::InboxKey::Ci(older.id));
    assert_eq!(
        under(&model),
        before,
        "the cursor followed its gate down a row"
    );

    // When its gate goes, the cursor stays on the row it was on.
    update(
        &mut model,
        Msg::Ci(CiUpdate::Gates {
            release: "orders/orders-api".into(),
            source: source(Provider::GitHub, "acme/orders-api"),
            gates: Vec::new(),
        }),
    );
    let items = crate::control::inbox(&model);
    assert!(crate::control::gate_cursor(&model, &items) < items.len());
}

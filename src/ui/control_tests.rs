//! Snapshots of release control's panes — actions menu, revision picker, confirmation (plain
//! and protected), journal — at 80×24 and 200×60, and of what control adds to the dashboard:
//! rows with an action in flight or another operator's Lease, rollout pauses in the Gates
//! inbox, read-only help and the READ-ONLY / PROTECTED badges. States are built with the
//! sample worlds and by feeding keys and the driver's answers through `update`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::{Theme, Token};
use quarterdeck_core::control::{
    Access, Candidate, Choice, ContextRule, ControlEffect, ControlMsg, Dialog, JournalEntry,
    JournalResult, LeaseAnswer, LeaseInfo, Subject,
};
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::pipeline::{CiUpdate, Provider};
use quarterdeck_core::sample::{self, NOW_MS, ago};
use quarterdeck_core::sample_ci::{self, ci_model};
use quarterdeck_core::{Effect, Model, Msg, update};

fn theme() -> Theme {
    Theme::load("default", None).unwrap()
}

fn draw(model: &Model) -> Buffer {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        super::view(model, &theme(), f);
    })
    .unwrap();
    term.backend().buffer().clone()
}

fn snap(model: &Model) -> String {
    let buf = draw(model);
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(model: &mut Model, k: &str) -> Vec<Effect> {
    update(model, Msg::Key(KeyPress::parse(k).unwrap()))
}

fn control(effects: &[Effect]) -> Vec<&ControlEffect> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Control(c) => Some(c.as_ref()),
            _ => None,
        })
        .collect()
}

/// The showcase (or, with `ci`, the showcase linked to CI) with `name` selected.
fn with_selected(ci: bool, w: u16, h: u16, name: &str) -> Model {
    let mut model = if ci {
        ci_model(w, h)
    } else {
        sample::model_with(sample::showcase_objects(), w, h).0
    };
    key(&mut model, "home");
    for _ in 0..model.releases.rows.len() {
        if model.releases.selected.as_ref().unwrap().key.name == name {
            return model;
        }
        key(&mut model, "j");
    }
    panic!("no release {name}");
}

/// Answers every permission question in `effects`: denied where `deny` says so, else allowed.
fn answer_access(
    model: &mut Model,
    effects: &[Effect],
    deny: impl Fn(&str) -> bool,
) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in control(effects) {
        if let ControlEffect::CheckAccess(keys) = c {
            for k in keys {
                let access = if deny(&k.subresource) {
                    Access::Denied("RBAC: rollouts/status is not in role release-viewer".into())
                } else {
                    Access::Allowed
                };
                out.extend(update(
                    model,
                    Msg::Control(ControlMsg::Access {
                        key: k.clone(),
                        access,
                    }),
                ));
            }
        }
    }
    out
}

/// Presses `k` and grants every permission; returns every effect that caused.
fn press_allowed(model: &mut Model, k: &str) -> Vec<Effect> {
    let mut effects = key(model, k);
    let more = answer_access(model, &effects, |_| false);
    effects.extend(more);
    effects
}

/// Answers the Lease request in `effects` with `answer`.
fn answer_lease(model: &mut Model, effects: &[Effect], answer: &LeaseAnswer) {
    let ids: Vec<u64> = control(effects)
        .into_iter()
        .filter_map(|c| match c {
            ControlEffect::TakeLease { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert!(!ids.is_empty(), "no Lease was asked for");
    for id in ids {
        update(
            model,
            Msg::Control(ControlMsg::LeaseTaken {
                id,
                answer: answer.clone(),
            }),
        );
    }
}

fn protect(model: &mut Model) {
    model.control.policies.rules.push(ContextRule {
        pattern: "prod-*".into(),
        protected: true,
        readonly: false,
    });
}

/// The cells of `buf` whose symbols spell `text` on one row, as (x, y) of its first cell.
fn find(buf: &Buffer, text: &str) -> (u16, u16) {
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line = row.concat();
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count();
            return (u16::try_from(x).unwrap(), y);
        }
    }
    panic!("{text:?} is not on screen");
}

// ── actions menu ────────────────────────────────────────────────────────────────────────

#[test]
fn actions_menu_checking_permission_80x24() {
    let mut m = with_selected(false, 80, 24, "orders-api");
    key(&mut m, "a");
    let s = snap(&m);
    assert!(s.contains("Actions: rollout/orders-api in orders"));
    assert!(s.contains("P  promote orders-api"), "each line has its key");
    assert!(s.contains("checking permission…"));
    assert!(s.contains("enter do · esc close"));
    insta::assert_snapshot!(s);
}

#[test]
fn actions_menu_greys_what_you_may_not_do_wide() {
    let mut m = with_selected(false, 200, 60, "orders-api");
    let effects = key(&mut m, "a");
    answer_access(&mut m, &effects, |sub| sub == "status");
    key(&mut m, "j");
    let s = snap(&m);
    assert!(s.contains("F  promote --full orders-api"));
    assert!(s.contains("rollouts/status is not in role release-viewer"));
    assert!(!s.contains("checking permission…"), "every answer arrived");
    insta::assert_snapshot!(s);
    // The cursor line is highlighted, the others are not.
    let buf = draw(&m);
    let (x, y) = find(&buf, "promote --full orders-api");
    assert_eq!(buf[(x, y)].style().bg, theme().style(Token::Selection).bg);
    let (x, y) = find(&buf, "abort orders-api");
    assert_ne!(buf[(x, y)].style().bg, theme().style(Token::Selection).bg);
}

// ── revision picker ─────────────────────────────────────────────────────────────────────

fn candidates() -> Vec<Candidate> {
    vec![
        Candidate {
            version: "sha-9e1d4c2".into(),
            pipeline_id: 4_711,
            at_ms: Some(ago(60 * 26)),
            how: "dispatch deploy.yml with environment=production, image_tag=sha-9e1d4c2".into(),
            handle: "4711".into(),
        },
        Candidate {
            version: "sha-3b7a0f5".into(),
            pipeline_id: 4_650,
            at_ms: Some(ago(60 * 24 * 6)),
            how: "dispatch deploy.yml with environment=production, image_tag=sha-3b7a0f5".into(),
            handle: "4650".into(),
        },
    ]
}

#[test]
fn revision_picker_while_ci_is_asked_80x24() {
    let mut m = with_selected(true, 80, 24, "orders-api");
    let effects = press_allowed(&mut m, "U");
    assert!(
        control(&effects)
            .iter()
            .any(|c| matches!(c, ControlEffect::FindCandidates { .. })),
        "orders-api is linked to CI"
    );
    let s = snap(&m);
    assert!(s.contains("Roll back rollout/orders-api in orders"));
    assert!(s.contains("REVISION"));
    assert!(s.contains("(now)"), "the current revision is marked");
    assert!(s.contains("looking for earlier CI deploys…"));
    insta::assert_snapshot!(s);
}

#[test]
fn revision_picker_with_ci_candidates_wide() {
    let mut m = with_selected(true, 200, 60, "orders-api");
    press_allowed(&mut m, "U");
    let release = m.releases.selected.clone().unwrap();
    update(
        &mut m,
        Msg::Control(ControlMsg::Candidates {
            release,
            candidates: Ok(candidates()),
        }),
    );
    let s = snap(&m);
    assert!(s.contains("run 4711"));
    assert!(s.contains("image_tag=sha-9e1d4c2"), "how is shown whole");
    assert!(s.contains("running"), "pods still on a revision are said");
    insta::assert_snapshot!(s);
    // The previous revision is preselected: its line is the highlighted one.
    let Some(Dialog::Picker(p)) = &m.control.dialog else {
        panic!("no picker");
    };
    let Choice::Revision { revision, current } = &p.choices[p.cursor] else {
        panic!("a cluster revision is preselected");
    };
    assert!(!current);
    let buf = draw(&m);
    let (x, y) = find(&buf, &format!("› {}  ", revision.number));
    let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    assert!(row.contains(&revision.image), "{row}");
    assert_eq!(buf[(x, y)].style().bg, theme().style(Token::Selection).bg);
}

// ── confirmation ────────────────────────────────────────────────────────────────────────

#[test]
fn confirm_promote_checking_the_lease_80x24() {
    let mut m = with_selected(false, 80, 24, "orders-api");
    press_allowed(&mut m, "P");
    let s = snap(&m);
    assert!(s.contains("Confirm: promote orders-api"));
    for label in [
        "context",
        "namespace",
        "target",
        "action",
        "from",
        "to",
        "then",
    ] {
        assert!(s.contains(&format!(" {label} ")), "{label} shown");
    }
    assert!(s.contains("setWeight"), "what follows is shown");
    assert!(s.contains("checking whether someone else is acting…"));
    assert!(s.contains("[ Cancel ]") && s.contains("[ Confirm ]"));
    assert!(s.contains("y confirm · n/esc cancel · tab switch"));
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_cancel_is_preselected_and_tab_switches_wide() {
    let mut m = with_selected(false, 200, 60, "orders-api");
    let effects = press_allowed(&mut m, "P");
    answer_lease(
        &mut m,
        &effects,
        &LeaseAnswer::Unavailable("leases is forbidden in orders".into()),
    );
    let s = snap(&m);
    assert!(s.contains("no Lease (leases is forbidden in orders)"));
    insta::assert_snapshot!(s);
    let selection = theme().style(Token::Selection).bg;
    let buf = draw(&m);
    let (x, y) = find(&buf, "[ Cancel ]");
    assert_eq!(buf[(x, y)].style().bg, selection, "Cancel has the focus");
    let (x, y) = find(&buf, "[ Confirm ]");
    assert_ne!(buf[(x, y)].style().bg, selection);
    key(&mut m, "tab");
    let buf = draw(&m);
    let (x, y) = find(&buf, "[ Confirm ]");
    assert_eq!(buf[(x, y)].style().bg, selection, "tab moves the focus");
}

#[test]
fn confirm_in_a_protected_context_asks_for_the_name_80x24() {
    let mut m = with_selected(false, 80, 24, "orders-api");
    protect(&mut m);
    let effects = press_allowed(&mut m, "P");
    answer_lease(&mut m, &effects, &LeaseAnswer::Held);
    for k in ["o", "r", "d", "enter"] {
        key(&mut m, k);
    }
    let s = snap(&m);
    assert!(s.contains("prod-eu-west (protected)"));
    assert!(s.contains("type orders-api to confirm: ord"));
    assert!(s.contains("type orders-api exactly to confirm"), "the hint");
    assert!(!s.contains("[ Confirm ]"), "no button to press by accident");
    assert!(s.contains(" PROTECTED "), "the status bar says so");
    insta::assert_snapshot!(s);
    let buf = draw(&m);
    let (x, y) = find(&buf, "Confirm: promote orders-api");
    assert_eq!(
        buf[(x - 2, y)].style().fg,
        theme().style(Token::Error).fg,
        "a danger border"
    );
}

#[test]
fn confirm_in_a_protected_context_wide() {
    let mut m = with_selected(false, 200, 60, "orders-api");
    protect(&mut m);
    let effects = press_allowed(&mut m, "P");
    answer_lease(&mut m, &effects, &LeaseAnswer::Held);
    let s = snap(&m);
    assert!(s.contains("type orders-api to confirm:"));
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_keeps_from_to_and_then_whole_on_a_short_terminal() {
    let mut m = with_selected(false, 80, 16, "orders-api");
    protect(&mut m);
    press_allowed(&mut m, "P");
    let Some(Dialog::Confirm(c)) = &m.control.dialog else {
        panic!("no confirmation");
    };
    let then = c
        .plan
        .lines
        .iter()
        .find(|(k, _)| k == "then")
        .map(|(_, v)| v.clone())
        .unwrap();
    let s = snap(&m);
    // Each word of what follows is on screen (wrapped, not cut).
    for word in then.split(' ') {
        assert!(s.contains(word), "{word:?} of {then:?} is missing:\n{s}");
    }
    assert!(s.contains("type orders-api to confirm:"));
}

// ── journal ─────────────────────────────────────────────────────────────────────────────

fn entry(result: JournalResult, action: &str, after: &str, error: Option<&str>) -> JournalEntry {
    JournalEntry {
        time: "2026-03-14T09:26:53.589Z".into(),
        user: "alex@laptop".into(),
        context: "prod-eu-west".into(),
        target: "rollout/orders-api in orders".into(),
        action: action.into(),
        before: "step 3/8 at 20%".into(),
        after: after.into(),
        confirmation: Vec::new(),
        result,
        error: error.map(str::to_string),
        by: "user".into(),
    }
}

fn journal(w: u16, h: u16) -> Model {
    let mut m = with_selected(false, w, h, "orders-api");
    for k in [":", "j", "o", "u", "r", "n", "a", "l", "enter"] {
        key(&mut m, k);
    }
    assert!(matches!(m.control.dialog, Some(Dialog::Journal(_))));
    m
}

fn feed_journal(m: &mut Model) {
    let entries = vec![
        entry(JournalResult::Cancelled, "promote", "", None),
        entry(JournalResult::Done, "promote", "step 4/8 at 50%", None),
        entry(
            JournalResult::Refused,
            "abort",
            "",
            Some("orders-api changed since you confirmed (step 4/8 → 5/8); nothing was done"),
        ),
        entry(
            JournalResult::Failed,
            "undo",
            "",
            Some("403 Forbidden: rollouts.argoproj.io \"orders-api\" is forbidden"),
        ),
    ];
    update(m, Msg::Control(ControlMsg::Journal(Ok(entries))));
}

#[test]
fn journal_loading_then_newest_at_the_bottom_80x24() {
    let mut m = journal(80, 24);
    assert!(snap(&m).contains("loading…"));
    feed_journal(&mut m);
    let s = snap(&m);
    insta::assert_snapshot!(s);
    assert!(s.contains("Journal (4)"));
    let done = s.find("done").unwrap();
    let failed = s.find("failed").unwrap();
    assert!(done < failed, "oldest first, newest at the bottom");
    assert!(s.contains("step 3/8 at 20% → step 4/8 at 50%"));
    assert!(s.contains("403 Forbidden"), "the error verbatim");
    let buf = draw(&m);
    let (x, y) = find(&buf, "failed");
    assert_eq!(buf[(x, y)].style().fg, theme().style(Token::Error).fg);
}

#[test]
fn journal_scrolls_up_from_the_end_wide() {
    let mut m = journal(200, 60);
    feed_journal(&mut m);
    insta::assert_snapshot!(snap(&m));
    // Fill it past one screen; scrolling up shows older lines, never past the oldest.
    let many: Vec<JournalEntry> = (0..40)
        .map(|i| {
            entry(
                JournalResult::Done,
                &format!("restart-{i}"),
                "restarted",
                None,
            )
        })
        .collect();
    update(&mut m, Msg::Control(ControlMsg::Journal(Ok(many))));
    assert!(snap(&m).contains("restart-39"));
    assert!(!snap(&m).contains("restart-0 "));
    for _ in 0..200 {
        key(&mut m, "up");
    }
    let s = snap(&m);
    assert!(s.contains("restart-0 "));
    assert!(!s.contains("restart-39"));
}

// ── rows, inbox, help, badges ───────────────────────────────────────────────────────────

#[test]
fn rows_show_the_action_in_flight_and_another_operators_lease() {
    let mut m = with_selected(false, 200, 60, "orders-api");
    let effects = press_allowed(&mut m, "P");
    answer_lease(&mut m, &effects, &LeaseAnswer::Held);
    key(&mut m, "y");
    assert_eq!(m.control.in_flight.len(), 1, "sent");
    let ci = m
        .releases
        .rows
        .iter()
        .find(|r| r.id.key.name == "customer-intelligence")
        .unwrap()
        .id
        .clone();
    let subject = Subject::Workload(ci.clone());
    update(
        &mut m,
        Msg::Control(ControlMsg::Leases(vec![LeaseInfo {
            namespace: ci.key.namespace.clone(),
            name: subject.lease_name(),
            holder: "alex@laptop".into(),
            action: "undo".into(),
            target: "customer-intelligence".into(),
            expires_ms: NOW_MS + 15_000,
        }])),
    );
    let s = snap(&m);
    assert!(s.contains("⟳ promoting…"));
    assert!(s.contains("⚑ alex@laptop is about to undo"));
    insta::assert_snapshot!(s);
    // An expired Lease says nothing.
    update(
        &mut m,
        Msg::Tick {
            now_ms: NOW_MS + 16_000,
        },
    );
    assert!(!snap(&m).contains("alex@laptop"));
}

#[test]
fn gates_inbox_lists_rollout_pauses_and_greys_what_you_may_not_approve() {
    let mut m = ci_model(200, 60);
    let mut gates = sample_ci::github_gate("orders/orders-api");
    gates[0].you_may_approve = Some(false);
    update(
        &mut m,
        Msg::Ci(CiUpdate::Gates {
            release: "orders/orders-api".into(),
            source: sample_ci::source(Provider::GitHub, "acme/orders-api"),
            gates,
        }),
    );
    key(&mut m, "g");
    let s = snap(&m);
    assert!(s.contains("rollout pause · orders › orders-api"));
    assert!(s.contains("approve = promote: "));
    assert!(s.contains("preview of"), "the blue-green preview waits too");
    assert!(s.contains("you may not approve"));
    assert!(s.contains("a: actions"));
    insta::assert_snapshot!(s);
    // Off the cursor, the gate you may not approve is greyed; a gate you may is not.
    key(&mut m, "j");
    let buf = draw(&m);
    let (x, y) = find(&buf, "approval · acme/orders-api");
    assert_eq!(
        buf[(x, y)].style().fg,
        theme().style(Token::Muted).fg,
        "greyed"
    );
    let (x, y) = find(&buf, "blocked deployment · bnpl");
    assert_eq!(buf[(x, y)].style().fg, theme().style(Token::GatePending).fg);
}

#[test]
fn gates_inbox_80x24() {
    let mut m = ci_model(80, 24);
    key(&mut m, "g");
    let s = snap(&m);
    assert!(s.contains("rollout pause"));
    insta::assert_snapshot!(s);
}

#[test]
fn read_only_help_leaves_out_what_changes_the_world() {
    let mut m = with_selected(false, 120, 70, "orders-api");
    key(&mut m, "?");
    let s = snap(&m);
    assert!(
        s.contains("promote the rollout one step"),
        "offered normally"
    );
    m.target.readonly = true;
    let s = snap(&m);
    assert!(s.contains("Keys (read-only)"));
    assert!(!s.contains("promote the rollout one step"));
    assert!(!s.contains("actions for the focused row"));
    assert!(s.contains("show this help"));
    assert!(s.contains(" READ-ONLY "));
    insta::assert_snapshot!(s);
}

#[test]
fn a_read_only_context_by_configuration_gets_the_badge() {
    let mut m = with_selected(false, 200, 60, "orders-api");
    assert!(!snap(&m).contains("READ-ONLY"));
    m.control.policies.rules.push(ContextRule {
        pattern: "prod-eu-*".into(),
        protected: false,
        readonly: true,
    });
    assert!(snap(&m).contains(" READ-ONLY "));
}

#[test]
fn dialogs_draw_on_a_tiny_terminal_without_panicking() {
    for (w, h) in [(30, 8), (12, 4)] {
        let tiny = || {
            let mut m = with_selected(false, 80, 24, "orders-api");
            update(
                &mut m,
                Msg::Resized {
                    width: w,
                    height: h,
                },
            );
            m
        };
        let mut m = tiny();
        key(&mut m, "a");
        assert!(snap(&m).contains("Actions"), "{w}×{h}");
        let mut m = tiny();
        press_allowed(&mut m, "U");
        assert!(matches!(m.control.dialog, Some(Dialog::Picker(_))));
        snap(&m);
        let mut m = tiny();
        protect(&mut m);
        press_allowed(&mut m, "P");
        assert!(matches!(m.control.dialog, Some(Dialog::Confirm(_))));
        snap(&m);
        let mut m = tiny();
        for k in [":", "j", "o", "u", "r", "n", "a", "l", "enter"] {
            key(&mut m, k);
        }
        feed_journal(&mut m);
        snap(&m);
    }
}

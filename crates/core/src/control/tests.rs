//! Transition tests of release control: menu, confirmation, in-flight, read-only, answers.

use super::*;
use crate::effect::Effect;
use crate::gate::GateKind;
use crate::key::KeyPress;
use crate::model::Model;
use crate::msg::Msg;
use crate::sample;
use crate::update;

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

/// The showcase with orders-api (a canary paused at step 3/8) selected.
fn orders_api() -> Model {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    for _ in 0..10 {
        if model.releases.selected.as_ref().unwrap().key.name == "orders-api" {
            return model;
        }
        key(&mut model, "j");
    }
    panic!("orders-api not found");
}

/// Answers every permission question in `effects` with `access`; returns what that caused.
fn answer_access(model: &mut Model, effects: &[Effect], access: &Access) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in control(effects) {
        if let ControlEffect::CheckAccess(keys) = c {
            for k in keys {
                out.extend(update(
                    model,
                    Msg::Control(ControlMsg::Access {
                        key: k.clone(),
                        access: access.clone(),
                    }),
                ));
            }
        }
    }
    out
}

/// Presses `k`, grants every permission asked and the Lease; returns the effects.
fn open_confirm(model: &mut Model, k: &str) -> Vec<Effect> {
    let mut effects = key(model, k);
    let more = answer_access(model, &effects, &Access::Allowed);
    effects.extend(more);
    let mut leases = Vec::new();
    for c in control(&effects) {
        if let ControlEffect::TakeLease { id, .. } = c {
            leases.push(*id);
        }
    }
    for id in leases {
        effects.extend(update(
            model,
            Msg::Control(ControlMsg::LeaseTaken {
                id,
                answer: LeaseAnswer::Held,
            }),
        ));
    }
    effects
}

fn acts(effects: &[Effect]) -> Vec<&Request> {
    control(effects)
        .into_iter()
        .filter_map(|c| match c {
            ControlEffect::Act(r) => Some(r.as_ref()),
            _ => None,
        })
        .collect()
}

fn journaled(effects: &[Effect]) -> Vec<&JournalEntry> {
    control(effects)
        .into_iter()
        .filter_map(|c| match c {
            ControlEffect::Journal(e) => Some(e.as_ref()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_menu_lists_only_valid_actions_and_greys_the_denied() {
    let mut model = orders_api();
    let effects = key(&mut model, "a");
    let Some(Dialog::Menu(menu)) = &model.control.dialog else {
        panic!("no menu");
    };
    let ops: Vec<Op> = menu.offers.iter().map(|o| o.op).collect();
    // Paused canary mid-way: promote, full, abort, undo, pause, restart; not retry or resume.
    assert_eq!(
        ops,
        vec![
            Op::Promote,
            Op::PromoteFull,
            Op::Abort,
            Op::Undo,
            Op::Pause,
            Op::Restart
        ]
    );
    assert!(
        menu.offers.iter().all(|o| o.allowed.is_none()),
        "checking first"
    );
    // The status subresource is denied: promote, full and abort are greyed with the reason.
    for c in control(&effects) {
        if let ControlEffect::CheckAccess(keys) = c {
            for k in keys {
                let access = if k.subresource == "status" {
                    Access::Denied("RBAC: no".into())
                } else {
                    Access::Allowed
                };
                update(
                    &mut model,
                    Msg::Control(ControlMsg::Access {
                        key: k.clone(),
                        access,
                    }),
                );
            }
        }
    }
    let Some(Dialog::Menu(menu)) = &model.control.dialog else {
        panic!("menu closed");
    };
    let promote = &menu.offers[0];
    let why = promote.allowed.clone().unwrap().unwrap_err();
    assert!(why.contains("patch rollouts/status in orders"), "{why}");
    assert_eq!(menu.offers[3].allowed, Some(Ok(())), "undo needs no status");
    // Choosing a greyed line does nothing but say why.
    let effects = key(&mut model, "enter");
    assert!(acts(&effects).is_empty());
    assert!(matches!(model.control.dialog, Some(Dialog::Menu(_))));
    assert!(
        model
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("not permitted")
    );
}

#[test]
fn cancel_is_preselected_and_a_cancel_is_journaled() {
    let mut model = orders_api();
    open_confirm(&mut model, "P");
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("no confirmation");
    };
    assert!(!c.confirm_focused);
    let text = c.plan.text().join("\n");
    assert!(
        text.contains("step 3/8 (pause (until promoted)) at 25%"),
        "{text}"
    );
    assert!(text.contains("to: step 4/8 (setWeight 50%)"), "{text}");
    assert!(
        text.contains("then: the canary goes to setWeight 50%"),
        "{text}"
    );
    // Enter presses the preselected Cancel.
    let effects = key(&mut model, "enter");
    assert!(model.control.dialog.is_none());
    assert!(acts(&effects).is_empty());
    let j = journaled(&effects);
    assert_eq!(j.len(), 1);
    assert_eq!(j[0].result, JournalResult::Cancelled);
    assert_eq!(j[0].action, "promote");
    assert!(
        control(&effects)
            .iter()
            .any(|c| matches!(c, ControlEffect::ReleaseLease { .. }))
    );
}

#[test]
fn a_held_key_sends_once_and_the_row_shows_the_action_in_flight() {
    let mut model = orders_api();
    let mut effects = open_confirm(&mut model, "P");
    effects.extend(key(&mut model, "P"));
    effects.extend(key(&mut model, "y"));
    effects.extend(key(&mut model, "y"));
    effects.extend(key(&mut model, "P"));
    let sent = acts(&effects);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].op, Op::Promote);
    let Expect::Workload(state) = &sent[0].expect else {
        panic!("no workload precondition");
    };
    assert_eq!(state.step, Some((3, 8)));
    assert_eq!(model.control.in_flight.len(), 1);
    assert!(
        model
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("already in flight")
    );
    // The answer ends it and is journaled with the lease given back.
    let id = sent[0].id;
    let effects = update(
        &mut model,
        Msg::Control(ControlMsg::Done {
            id,
            outcome: Outcome::Done {
                after: "step 4/8".into(),
            },
        }),
    );
    assert!(model.control.in_flight.is_empty());
    let j = journaled(&effects);
    assert_eq!(j[0].result, JournalResult::Done);
    assert_eq!(j[0].after, "step 4/8");
    assert!(j[0].confirmation.iter().any(|l| l.starts_with("from: ")));
}

#[test]
fn a_stale_refusal_is_shown_and_journaled_as_refused() {
    let mut model = orders_api();
    let mut effects = open_confirm(&mut model, "X");
    effects.extend(key(&mut model, "y"));
    let id = acts(&effects)[0].id;
    let why = stale_message("orders-api", "step 3/8 → 4/8");
    let effects = update(
        &mut model,
        Msg::Control(ControlMsg::Done {
            id,
            outcome: Outcome::Refused { why: why.clone() },
        }),
    );
    assert_eq!(model.notice.as_ref().unwrap().text, why);
    assert!(model.notice.as_ref().unwrap().error);
    assert_eq!(journaled(&effects)[0].result, JournalResult::Refused);
}

#[test]
fn read_only_gives_no_effect_for_any_changing_key() {
    let mut model = orders_api();
    model.target.readonly = true;
    for k in ["a", "A", "R", "P", "F", "X", "T", "U", "Z", "S", "C"] {
        let effects = key(&mut model, k);
        assert!(control(&effects).is_empty(), "{k}");
        assert!(model.control.dialog.is_none(), "{k}");
        assert!(
            model.notice.as_ref().unwrap().text.contains("read-only"),
            "{k}"
        );
    }
    let mut model = orders_api();
    model.control.policies.rules.push(ContextRule {
        pattern: "*".into(),
        protected: false,
        readonly: true,
    });
    assert!(control(&key(&mut model, "P")).is_empty());
    for k in [":", "p", "r", "o", "m", "o", "t", "e", "enter"] {
        assert!(control(&key(&mut model, k)).is_empty());
    }
    assert!(model.control.dialog.is_none());
}

#[test]
fn a_protected_context_asks_for_the_name() {
    let mut model = orders_api();
    model.control.policies.rules.push(ContextRule {
        pattern: "kind-*".into(),
        protected: true,
        readonly: false,
    });
    model.target.context = "kind-prod".into();
    open_confirm(&mut model, "P");
    // `y` is just a letter here, and a wrong name does not confirm.
    let mut effects = key(&mut model, "y");
    effects.extend(key(&mut model, "enter"));
    assert!(acts(&effects).is_empty());
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("closed");
    };
    assert!(c.hint.as_ref().unwrap().contains("type orders-api"));
    key(&mut model, "backspace");
    let mut effects = Vec::new();
    for ch in "orders-api".chars() {
        effects.extend(key(&mut model, &ch.to_string()));
    }
    effects.extend(key(&mut model, "enter"));
    assert_eq!(acts(&effects).len(), 1);
}

#[test]
fn confirming_while_the_lease_is_taken_sends_once_it_is_held() {
    let mut model = orders_api();
    let effects = key(&mut model, "P");
    answer_access(&mut model, &effects, &Access::Allowed);
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("no confirmation");
    };
    let id = c.request.id;
    // y before the Lease answered: nothing leaves yet, and the key is not lost.
    assert!(acts(&key(&mut model, "y")).is_empty());
    assert!(model.control.dialog.is_some());
    let effects = update(
        &mut model,
        Msg::Control(ControlMsg::LeaseTaken {
            id,
            answer: LeaseAnswer::Held,
        }),
    );
    assert_eq!(acts(&effects).len(), 1, "{effects:?}");
    assert!(model.control.dialog.is_none());
}

#[test]
fn a_permission_answer_for_another_target_leaves_the_confirmation_open() {
    let mut model = orders_api();
    let effects = key(&mut model, "P");
    answer_access(&mut model, &effects, &Access::Allowed);
    assert!(matches!(model.control.dialog, Some(Dialog::Confirm(_))));
    // The rollback guard asked about another namespace meanwhile; its answer comes now.
    let elsewhere = AccessKey {
        context: model.target.context.clone(),
        namespace: "elsewhere".into(),
        group: "apps".into(),
        resource: "deployments".into(),
        subresource: String::new(),
        verb: "patch".into(),
    };
    update(
        &mut model,
        Msg::Control(ControlMsg::Access {
            key: elsewhere,
            access: Access::Allowed,
        }),
    );
    assert!(
        matches!(model.control.dialog, Some(Dialog::Confirm(_))),
        "{:?}",
        model.control.dialog
    );
}

#[test]
fn a_lease_held_by_someone_else_refuses_the_confirmation() {
    let mut model = orders_api();
    let effects = key(&mut model, "P");
    answer_access(&mut model, &effects, &Access::Allowed);
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("no confirmation");
    };
    let id = c.request.id;
    let name = c.request.subject.lease_name();
    // Confirming before the Lease answered waits.
    assert!(acts(&key(&mut model, "y")).is_empty());
    let info = LeaseInfo {
        namespace: "orders".into(),
        name,
        holder: "alex@laptop".into(),
        action: "promote".into(),
        target: "orders-api".into(),
        expires_ms: model.now_ms + 15_000,
    };
    let effects = update(
        &mut model,
        Msg::Control(ControlMsg::LeaseTaken {
            id,
            answer: LeaseAnswer::HeldBy(info),
        }),
    );
    assert!(model.control.dialog.is_none());
    assert!(
        model
            .notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("alex@laptop is about to promote orders-api")
    );
    assert_eq!(journaled(&effects)[0].result, JournalResult::Refused);
    // And no new confirmation opens for that target while the Lease holds.
    assert!(key(&mut model, "P").is_empty());
    assert!(model.control.dialog.is_none());
}

#[test]
fn undo_opens_the_picker_with_the_previous_revision_preselected() {
    let mut model = orders_api();
    open_confirm(&mut model, "U");
    let Some(Dialog::Picker(p)) = &model.control.dialog else {
        panic!("no picker");
    };
    let Choice::Revision { revision, current } = &p.choices[p.cursor] else {
        panic!("not a revision");
    };
    assert_eq!(revision.number, 3);
    assert!(!current);
    key(&mut model, "enter");
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("no confirmation");
    };
    let text = c.plan.text().join("\n");
    assert!(text.contains("revision 3"), "{text}");
    assert!(text.contains("it becomes revision 5"), "{text}");
}

#[test]
fn a_status_only_change_keeps_the_precondition() {
    let model = orders_api();
    let r = model
        .cluster
        .rollouts
        .values()
        .find(|r| r.key.name == "orders-api")
        .unwrap();
    let before = WorkloadState::of_rollout(r);
    let mut moved = r.clone();
    moved.ready = 1;
    moved.available = 2;
    moved.message = "something else".into();
    assert_eq!(before.moved(&WorkloadState::of_rollout(&moved)), None);
    moved.current_step_index = Some(4);
    assert_eq!(
        before.moved(&WorkloadState::of_rollout(&moved)).unwrap(),
        "step 3/8 → 4/8"
    );
}

/// The CI sample world with the Gates inbox open on the first gate of a kind.
fn on_gate(kind: impl Fn(&GateKind) -> bool) -> Model {
    let mut model = crate::sample_ci::ci_model(160, 48);
    key(&mut model, "g");
    let at = inbox(&model)
        .iter()
        .position(|i| matches!(i, InboxItem::Ci(g) if kind(&g.id.kind)))
        .unwrap();
    for _ in 0..at {
        key(&mut model, "j");
    }
    model
}

#[test]
fn a_review_carries_the_comment_typed_at_the_confirmation() {
    // The GitLab deployment blocked on approval: a review, so it takes a comment.
    let mut model = on_gate(|k| matches!(k, GateKind::GitlabBlockedDeployment { .. }));
    open_confirm(&mut model, "A");
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("no confirmation");
    };
    assert_eq!(
        c.request.params.comment.as_deref(),
        Some("approved from Quarterdeck")
    );
    assert!(
        c.hint
            .as_deref()
            .unwrap()
            .contains("c: write the review comment")
    );
    // c edits; y and n are letters of the comment meanwhile; enter ends the edit.
    key(&mut model, "c");
    let mut effects = Vec::new();
    for ch in "lgtm, ny".chars() {
        let k = if ch == ' ' {
            "space".to_string()
        } else {
            ch.to_string()
        };
        effects.extend(key(&mut model, &k));
    }
    assert!(acts(&effects).is_empty(), "y while typing sent the review");
    assert!(model.control.dialog.is_some(), "n while typing cancelled");
    key(&mut model, "enter");
    let effects = key(&mut model, "y");
    let sent = acts(&effects);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].params.comment.as_deref(), Some("lgtm, ny"));
    assert!(
        sent[0].shown.contains(&"comment: lgtm, ny".to_string()),
        "{:?}",
        sent[0].shown
    );
}

#[test]
fn a_review_comment_left_empty_falls_back_to_the_default() {
    let mut model = on_gate(|k| matches!(k, GateKind::GithubPendingDeployment { .. }));
    open_confirm(&mut model, "R");
    key(&mut model, "c");
    key(&mut model, "space");
    key(&mut model, "enter");
    let sent = key(&mut model, "y");
    assert_eq!(
        acts(&sent)[0].params.comment.as_deref(),
        Some("rejected from Quarterdeck")
    );
}

#[test]
fn an_inconclusive_analysis_pause_waits_in_the_gates_inbox() {
    let mut model = orders_api();
    let rollout = model
        .cluster
        .rollouts
        .values_mut()
        .find(|r| r.key.name == "orders-api")
        .unwrap();
    // Argo pauses on an inconclusive run at whatever step it is, here the analysis one.
    rollout.pause_conditions = vec![crate::rollout::PauseCondition {
        reason: "InconclusiveAnalysisRun".into(),
        since_ms: Some(sample::NOW_MS - 30_000),
    }];
    rollout.message = "InconclusiveAnalysisRun".into();
    let pause = inbox(&model)
        .into_iter()
        .find_map(|i| match i {
            InboxItem::Pause(p) if p.release.key.name == "orders-api" => Some(p),
            _ => None,
        })
        .expect("the paused rollout waits in the inbox");
    assert_eq!(pause.reason, "InconclusiveAnalysisRun");
    assert!(
        pause.what.contains("InconclusiveAnalysisRun"),
        "{}",
        pause.what
    );
}

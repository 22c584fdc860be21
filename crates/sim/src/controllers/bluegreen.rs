//! Argo blue-green: the new ReplicaSet comes up behind the preview Service, waits for a promote
//! when `autoPromotionEnabled: false`, then the active Service's selector switches to it and the
//! old ReplicaSet is scaled down after `scaleDownDelaySeconds`. Going back to a ReplicaSet
//! still within that delay (an undo after a promotion) switches back at once, as Argo does.

use serde_json::json;

use super::obj;
use super::rollout::{Ctx, HASH_LABEL};
use crate::resources::ids;
use crate::world::{World, fmt_time, parse_time};

const SCALE_DOWN_AT: &str = "argo-rollouts.argoproj.io/scale-down-deadline";

/// Points a Service's selector at a pod-template hash; returns the hash it pointed at before.
fn point_service(
    world: &mut World,
    ns: &str,
    svc: &str,
    rollout: &str,
    hash: &str,
) -> Option<String> {
    let before = world.store.get(ids::SERVICES, ns, svc).map(|s| {
        s["spec"]["selector"][HASH_LABEL]
            .as_str()
            .unwrap_or_default()
            .to_string()
    })?;
    world.store.modify(ids::SERVICES, ns, svc, |s| {
        s["spec"]["selector"][HASH_LABEL] = json!(hash);
        obj::set_annotation(s, "argo-rollouts.argoproj.io/managed-by-rollouts", rollout);
    });
    Some(before)
}

/// Decides targets, preview/active selectors and promotion for one blue-green Rollout.
pub(crate) fn reconcile(world: &mut World, ctx: &mut Ctx) {
    let bg = ctx.ro["spec"]["strategy"]["blueGreen"].clone();
    let ns = obj::namespace(&ctx.ro).to_string();
    let name = obj::name(&ctx.ro).to_string();
    let active_svc = obj::str_at(&bg, "/activeService").to_string();
    let preview_svc = obj::str_at(&bg, "/previewService").to_string();
    let auto = bg["autoPromotionEnabled"].as_bool().unwrap_or(true);
    let delay_ms = obj::int_at(&bg, "/scaleDownDelaySeconds", 30) * 1000;
    let mut active = obj::str_at(&ctx.status, "/blueGreen/activeSelector").to_string();
    if active.is_empty() {
        active = ctx.hash.clone();
    }
    let aborted = obj::bool_at(&ctx.status, "/abort");
    let manual = obj::bool_at(&ctx.ro, "/spec/paused");
    let cur_name = ctx
        .rs(&ctx.hash)
        .map(|r| obj::name(r).to_string())
        .unwrap_or_default();
    let active_name = ctx
        .rs(&active)
        .map(|r| obj::name(r).to_string())
        .unwrap_or_default();
    let mut preview = ctx.hash.clone();
    if active == ctx.hash {
        ctx.targets.push((cur_name.clone(), ctx.replicas));
    } else if aborted {
        preview = active.clone();
        ctx.targets.push((active_name.clone(), ctx.replicas));
    } else {
        ctx.targets.push((active_name.clone(), ctx.replicas));
        ctx.targets.push((cur_name.clone(), ctx.replicas));
        let ready = ctx.available(&ctx.hash) >= ctx.replicas
            && ctx.spec_replicas(&ctx.hash) == ctx.replicas;
        // Argo's rollback window: going back to a ReplicaSet that is still up within its
        // scale-down delay skips the pause (the undo resets `promoteFull`, so it cannot be
        // relied on) and switches at once.
        let rollback = ctx
            .rs(&ctx.hash)
            .and_then(|r| parse_time(obj::annotation(r, SCALE_DOWN_AT)))
            .is_some_and(|t| ctx.now < t);
        if ready && !manual {
            let promote = auto
                || rollback
                || obj::bool_at(&ctx.status, "/promoteFull")
                || (obj::bool_at(&ctx.status, "/controllerPause") && !ctx.paused_by_controller());
            if promote {
                if ctx.paused_by_controller() || obj::bool_at(&ctx.status, "/controllerPause") {
                    ctx.unpause();
                }
                active = ctx.hash.clone();
            } else if ctx.pause_condition("BlueGreenPause").is_none() {
                ctx.pause("BlueGreenPause");
            }
        }
    }
    // Old ReplicaSets keep their pods for the scale-down delay after the switch.
    for rs in ctx.rss.clone() {
        let h = obj::label(&rs, HASH_LABEL).to_string();
        if h == active || h == preview {
            // Active again: a later switch away starts a fresh delay. (The preview keeps
            // its deadline, which is what opens the rollback window above.)
            if h == active && !obj::annotation(&rs, SCALE_DOWN_AT).is_empty() {
                world
                    .store
                    .modify(ids::REPLICASETS, &ns, obj::name(&rs), |r| {
                        obj::remove_annotation(r, SCALE_DOWN_AT);
                    });
            }
            continue;
        }
        if obj::int_at(&rs, "/spec/replicas", 0) == 0 {
            continue;
        }
        let deadline = obj::annotation(&rs, SCALE_DOWN_AT).to_string();
        match parse_time(&deadline) {
            Some(t) if ctx.now >= t => {}
            Some(_) => ctx.targets.push((
                obj::name(&rs).to_string(),
                obj::int_at(&rs, "/spec/replicas", 0),
            )),
            None => {
                let at = fmt_time(ctx.now + delay_ms);
                world
                    .store
                    .modify(ids::REPLICASETS, &ns, obj::name(&rs), |r| {
                        obj::set_annotation(r, SCALE_DOWN_AT, at);
                    });
                ctx.targets.push((
                    obj::name(&rs).to_string(),
                    obj::int_at(&rs, "/spec/replicas", 0),
                ));
            }
        }
    }
    let previous_active = obj::str_at(&ctx.status, "/blueGreen/activeSelector").to_string();
    if previous_active != active {
        if let Some(before) = point_service(world, &ns, &active_svc, &name, &active) {
            let from = if before.is_empty() {
                String::new()
            } else {
                format!(" from '{before}'")
            };
            ctx.events.push((
                false,
                "SwitchService",
                format!("Switched selector for service '{active_svc}'{from} to '{active}'"),
            ));
        }
        if active == ctx.hash && !previous_active.is_empty() {
            ctx.complete();
        } else {
            ctx.status["stableRS"] = json!(active);
        }
    } else {
        if active == ctx.hash && obj::bool_at(&ctx.status, "/promoteFull") {
            // Nothing left to promote.
            ctx.status["promoteFull"] = json!(false);
        }
        point_service(world, &ns, &active_svc, &name, &active);
    }
    if !preview_svc.is_empty() {
        point_service(world, &ns, &preview_svc, &name, &preview);
    }
    ctx.status["blueGreen"] = json!({"activeSelector": active, "previewSelector": preview});
}

//! The Argo Rollouts controller: owns ReplicaSets labelled `rollouts-pod-template-hash`, tracks
//! revisions, reacts to the plugin's patches (promote, abort, retry, undo, pause, restart) and
//! writes the status the real controller writes. The strategies live in `canary.rs` and
//! `bluegreen.rs`; both only decide targets and status, this file applies them.

use serde_json::{Value, json};

use super::deployment::{
    cached_hash, fetch, new_replicaset, replicasets_by_owner, revision, scale,
};
use super::events::{self, Involved, Source};
use super::{bluegreen, canary, obj, pod};
use crate::api::selectors::selector_string;
use crate::resources::ids;
use crate::rng::hash_str;
use crate::world::{World, fmt_time, parse_time};

/// The label carrying the pod-template hash on a Rollout's ReplicaSets and pods.
pub(crate) const HASH_LABEL: &str = "rollouts-pod-template-hash";
/// The revision annotation on Rollouts and their ReplicaSets.
pub(crate) const REVISION: &str = "rollout.argoproj.io/revision";

/// Everything a strategy needs to decide one reconcile of one Rollout.
pub(crate) struct Ctx {
    /// The Rollout as read at the start of the step.
    pub(crate) ro: Value,
    /// The status being built.
    pub(crate) status: Value,
    /// Owned ReplicaSets, oldest revision first.
    pub(crate) rss: Vec<Value>,
    /// Hash of the current template.
    pub(crate) hash: String,
    /// Desired replicas.
    pub(crate) replicas: i64,
    /// Revision of the current ReplicaSet.
    pub(crate) revision: i64,
    /// Simulated now.
    pub(crate) now: i64,
    /// Events to record after the reconcile: (warning, reason, message).
    pub(crate) events: Vec<(bool, &'static str, String)>,
    /// Desired `spec.replicas` per ReplicaSet name; ReplicaSets not named go to 0.
    pub(crate) targets: Vec<(String, i64)>,
    /// The update finished this step (stable became current).
    pub(crate) completed: bool,
}

impl Ctx {
    /// The ReplicaSet with this hash.
    pub(crate) fn rs(&self, hash: &str) -> Option<&Value> {
        self.rss.iter().find(|r| obj::label(r, HASH_LABEL) == hash)
    }

    /// Available pods of the ReplicaSet with this hash.
    pub(crate) fn available(&self, hash: &str) -> i64 {
        self.rs(hash)
            .map(|r| obj::int_at(r, "/status/availableReplicas", 0))
            .unwrap_or(0)
    }

    /// `spec.replicas` of the ReplicaSet with this hash.
    pub(crate) fn spec_replicas(&self, hash: &str) -> i64 {
        self.rs(hash)
            .map(|r| obj::int_at(r, "/spec/replicas", 0))
            .unwrap_or(0)
    }

    /// `status.stableRS`.
    pub(crate) fn stable(&self) -> String {
        obj::str_at(&self.status, "/stableRS").to_string()
    }

    /// Non-empty `status.pauseConditions`.
    pub(crate) fn paused_by_controller(&self) -> bool {
        self.status["pauseConditions"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    }

    /// The pause condition with this reason, if any.
    pub(crate) fn pause_condition(&self, reason: &str) -> Option<&Value> {
        self.status["pauseConditions"]
            .as_array()?
            .iter()
            .find(|c| c["reason"] == reason)
    }

    /// Adds a pause condition and marks the controller pause.
    pub(crate) fn pause(&mut self, reason: &'static str) {
        self.status["pauseConditions"] =
            json!([{"reason": reason, "startTime": fmt_time(self.now)}]);
        self.status["controllerPause"] = json!(true);
        self.events.push((
            false,
            "RolloutPaused",
            format!("Rollout is paused ({reason})"),
        ));
    }

    /// Clears the controller pause.
    pub(crate) fn unpause(&mut self) {
        if let Some(s) = self.status.as_object_mut() {
            s.remove("pauseConditions");
        }
        self.status["controllerPause"] = json!(false);
        self.events
            .push((false, "RolloutResumed", "Rollout is resumed".to_string()));
    }

    /// Makes the current ReplicaSet the stable one.
    pub(crate) fn complete(&mut self) {
        self.status["stableRS"] = json!(self.hash);
        self.status["promoteFull"] = json!(false);
        if let Some(s) = self.status.as_object_mut() {
            s.remove("pauseConditions");
        }
        self.status["controllerPause"] = json!(false);
        self.completed = true;
        let msg = format!(
            "Rollout completed update to revision {} ({}): Rollout completed",
            self.revision, self.hash
        );
        self.events.push((false, "RolloutCompleted", msg));
    }
}

/// One pass of the Rollout controller.
pub(crate) fn sync_all(world: &mut World) {
    let mut by_owner = replicasets_by_owner(world);
    for (ns, name) in world.store.names(ids::ROLLOUTS, None) {
        let Some(ro) = world.store.get(ids::ROLLOUTS, &ns, &name).cloned() else {
            continue;
        };
        let keys = by_owner.remove(obj::uid(&ro)).unwrap_or_default();
        let print = super::fingerprint(world, &ro, &keys);
        if world.ctl.settled.get(obj::uid(&ro)) == Some(&print) {
            continue;
        }
        let rss = fetch(world, &keys);
        sync_one(world, ro, rss);
        if let Some(after) = world.store.get(ids::ROLLOUTS, &ns, &name) {
            let uid = obj::uid(after).to_string();
            if settled(after) {
                let print = super::fingerprint(world, after, &keys);
                world.ctl.settled.insert(uid, print);
            } else {
                world.ctl.settled.remove(&uid);
            }
        }
    }
}

/// Nothing about this Rollout waits on time: healthy, aborted, or paused without a duration
/// and with no restart pending.
fn settled(ro: &Value) -> bool {
    let restart = obj::str_at(ro, "/spec/restartAt");
    if !restart.is_empty() && restart != obj::str_at(ro, "/status/restartedAt") {
        return false;
    }
    let idx = obj::int_at(ro, "/status/currentStepIndex", 0);
    let timed = ro["spec"]["strategy"]["canary"]["steps"][idx as usize]["pause"]
        .get("duration")
        .is_some();
    match obj::str_at(ro, "/status/phase") {
        "Healthy" => true,
        "Paused" => !timed,
        "Degraded" => obj::bool_at(ro, "/status/abort"),
        _ => false,
    }
}

fn sync_one(world: &mut World, ro: Value, mut rss: Vec<Value>) {
    let ns = obj::namespace(&ro).to_string();
    let name = obj::name(&ro).to_string();
    let hash = cached_hash(world, &ro);
    let replicas = obj::int_at(&ro, "/spec/replicas", 1).max(0);
    rss.sort_by_key(|r| revision(r, REVISION));
    let mut status = if ro["status"].is_object() {
        ro["status"].clone()
    } else {
        json!({})
    };
    let max_old = rss
        .iter()
        .filter(|r| obj::label(r, HASH_LABEL) != hash)
        .map(|r| revision(r, REVISION))
        .max()
        .unwrap_or(0);
    let mut events_out: Vec<(bool, &'static str, String)> = Vec::new();
    let mut created = None;
    match rss.iter().position(|r| obj::label(r, HASH_LABEL) == hash) {
        None => {
            let ann = json!({REVISION: (max_old + 1).to_string()});
            let rs = new_replicaset(&ro, &hash, HASH_LABEL, 0, ann);
            let now = fmt_time(world.clock.now_ms);
            if let Ok(c) = world.store.create(ids::REPLICASETS, rs, &now) {
                let msg = format!(
                    "Created ReplicaSet {} (revision {})",
                    obj::name(&c),
                    max_old + 1
                );
                events_out.push((false, "NewReplicaSetCreated", msg));
                created = Some(obj::name(&c).to_string());
                rss.push(c);
            }
        }
        Some(i) if revision(&rss[i], REVISION) <= max_old => {
            let rs_name = obj::name(&rss[i]).to_string();
            if let Some(u) = world.store.modify(ids::REPLICASETS, &ns, &rs_name, |r| {
                obj::set_annotation(r, REVISION, (max_old + 1).to_string());
            }) {
                rss[i] = u;
            }
        }
        _ => {}
    }
    let rev = rss
        .iter()
        .find(|r| obj::label(r, HASH_LABEL) == hash)
        .map(|r| revision(r, REVISION))
        .unwrap_or(max_old + 1);
    world.store.modify(ids::ROLLOUTS, &ns, &name, |r| {
        obj::set_annotation(r, REVISION, rev.to_string());
    });
    let steps_len = ro["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .map_or(0, Vec::len) as i64;
    // A new template (an update, an undo, a retry of an old version) restarts the steps.
    if obj::str_at(&status, "/currentPodHash") != hash {
        let first = obj::str_at(&status, "/stableRS").is_empty();
        let to_stable = obj::str_at(&status, "/stableRS") == hash;
        status["currentPodHash"] = json!(hash);
        status["currentStepIndex"] = json!(if first || to_stable { steps_len } else { 0 });
        status["abort"] = json!(false);
        if let Some(s) = status.as_object_mut() {
            s.remove("abortedAt");
            s.remove("pauseConditions");
            s.remove("promoteFull");
        }
        status["controllerPause"] = json!(false);
        if first {
            status["stableRS"] = json!(hash);
        }
        if !first {
            events_out.push((
                false,
                "RolloutUpdated",
                format!("Rollout updated to revision {rev}"),
            ));
        }
    }
    let aborted = obj::bool_at(&status, "/abort");
    if aborted && status.get("abortedAt").is_none_or(Value::is_null) {
        status["abortedAt"] = json!(fmt_time(world.clock.now_ms));
        if let Some(s) = status.as_object_mut() {
            s.remove("pauseConditions");
        }
        status["controllerPause"] = json!(false);
        events_out.push((
            true,
            "RolloutAborted",
            format!("Rollout aborted update to revision {rev}"),
        ));
    } else if !aborted && status.get("abortedAt").is_some_and(|v| !v.is_null()) {
        // `retry`: the plugin flipped abort back to false; start the steps again, with new
        // analysis runs (the rollout follows the runs its status names).
        if let Some(s) = status.as_object_mut() {
            s.remove("abortedAt");
        }
        if let Some(c) = status["canary"].as_object_mut() {
            c.remove("currentStepAnalysisRunStatus");
            c.remove("currentBackgroundAnalysisRunStatus");
        }
        status["currentStepIndex"] = json!(0);
        events_out.push((false, "RolloutRetried", "Rollout is retried".to_string()));
    }
    let mut ctx = Ctx {
        ro: ro.clone(),
        status,
        rss,
        hash: hash.clone(),
        replicas,
        revision: rev,
        now: world.clock.now_ms,
        events: events_out,
        targets: Vec::new(),
        completed: false,
    };
    if ro["spec"]["strategy"].get("blueGreen").is_some() {
        bluegreen::reconcile(world, &mut ctx);
    } else {
        canary::reconcile(world, &mut ctx);
    }
    apply_targets(world, &mut ctx);
    restart_pods(world, &mut ctx);
    finish_status(world, &mut ctx, created);
    let inv = Involved::of(&ro);
    for (warning, reason, msg) in std::mem::take(&mut ctx.events) {
        events::record(world, Source::Rollouts, &inv, warning, reason, &msg);
    }
}

fn apply_targets(world: &mut World, ctx: &mut Ctx) {
    let ru = &ctx.ro["spec"]["strategy"]["canary"];
    let surge = obj::int_or_percent(ru.get("maxSurge"), ctx.replicas, true, 25);
    for i in 0..ctx.rss.len() {
        let rs_name = obj::name(&ctx.rss[i]).to_string();
        let want = ctx
            .targets
            .iter()
            .find(|(n, _)| *n == rs_name)
            .map_or(0, |(_, w)| *w);
        if obj::int_at(&ctx.rss[i], "/spec/replicas", 0) != want {
            let rs = ctx.rss[i].clone();
            scale(world, &ctx.ro, Source::Rollouts, &rs, want, surge);
            ctx.rss[i]["spec"]["replicas"] = json!(want);
        }
    }
}

/// `kubectl argo rollouts restart`: replace pods created before `spec.restartAt`, one at a
/// time, each only once every other pod is ready.
fn restart_pods(world: &mut World, ctx: &mut Ctx) {
    let Some(at) = ctx.ro["spec"]["restartAt"].as_str().and_then(parse_time) else {
        return;
    };
    let done = ctx.status["restartedAt"].as_str().and_then(parse_time);
    if at > ctx.now || done.is_some_and(|d| d >= at) {
        return;
    }
    let owners: Vec<u64> = ctx.rss.iter().map(|r| hash_str(obj::uid(r))).collect();
    let mine: Vec<_> = world
        .ctl
        .pods
        .iter()
        .filter(|(_, p)| owners.contains(&p.owner))
        .collect();
    if mine.iter().any(|(_, p)| !p.active() || !p.ready()) {
        return;
    }
    let old = mine
        .iter()
        .filter(|(_, p)| p.created_ms < at)
        .min_by_key(|(_, p)| p.created_ms)
        .map(|(k, _)| (*k).clone());
    match old {
        Some((ns, n)) => pod::terminate(world, &ns, &n),
        None => {
            ctx.status["restartedAt"] = json!(fmt_time(at));
            ctx.events
                .push((false, "RolloutRestarted", "Rollout restarted".to_string()));
        }
    }
}

fn finish_status(world: &mut World, ctx: &mut Ctx, created: Option<String>) {
    let now = ctx.now;
    let rss: Vec<Value> = ctx
        .rss
        .iter()
        .filter_map(|r| {
            world
                .store
                .get(ids::REPLICASETS, obj::namespace(r), obj::name(r))
                .cloned()
        })
        .collect();
    let sum = |ptr: &str| rss.iter().map(|r| obj::int_at(r, ptr, 0)).sum::<i64>();
    let cur = rss.iter().find(|r| obj::label(r, HASH_LABEL) == ctx.hash);
    let cur_name = cur.map(obj::name).unwrap_or_default().to_string();
    let updated = cur.map_or(0, |r| obj::int_at(r, "/status/replicas", 0));
    let available = sum("/status/availableReplicas");
    let old = ctx.ro["status"].clone();
    let s = &mut ctx.status;
    s["replicas"] = json!(sum("/status/replicas"));
    s["updatedReplicas"] = json!(updated);
    s["readyReplicas"] = json!(sum("/status/readyReplicas"));
    s["availableReplicas"] = json!(available);
    s["HPAReplicas"] = json!(sum("/status/replicas"));
    s["observedGeneration"] = json!(obj::int_at(&ctx.ro, "/metadata/generation", 1).to_string());
    s["selector"] = json!(selector_string(&ctx.ro["spec"]["selector"]));
    let steps = &ctx.ro["spec"]["strategy"]["canary"]["steps"];
    if ctx.ro["spec"]["strategy"].get("canary").is_some() {
        s["currentStepHash"] = json!(obj::template_hash(steps));
        if !s["canary"].is_object() {
            s["canary"] = json!({});
        }
    }
    let stable = obj::str_at(s, "/stableRS").to_string();
    let aborted = obj::bool_at(s, "/abort");
    let manual = obj::bool_at(&ctx.ro, "/spec/paused");
    let ctrl_paused = s["pauseConditions"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    let steps_done =
        obj::int_at(s, "/currentStepIndex", 0) >= steps.as_array().map_or(0, Vec::len) as i64;
    let healthy = stable == ctx.hash
        && updated == ctx.replicas
        && available >= ctx.replicas
        && obj::int_at(s, "/replicas", 0) == ctx.replicas;
    let min_avail = ctx.replicas
        - obj::int_or_percent(
            ctx.ro["spec"]["strategy"]["canary"].get("maxUnavailable"),
            ctx.replicas,
            false,
            25,
        );
    if available >= min_avail {
        obj::set_condition(
            s,
            "Available",
            "True",
            "AvailableReason",
            "Rollout has minimum availability",
            now,
            false,
        );
    } else {
        obj::set_condition(
            s,
            "Available",
            "False",
            "AvailableReason",
            "Rollout does not have minimum availability",
            now,
            false,
        );
    }
    let cur_reason = obj::condition(&old, "Progressing")
        .map(|c| obj::str_at(c, "/reason").to_string())
        .unwrap_or_default();
    let progressed = updated > obj::int_at(&old, "/updatedReplicas", 0)
        || available > obj::int_at(&old, "/availableReplicas", 0)
        || obj::int_at(s, "/currentStepIndex", 0) != obj::int_at(&old, "/currentStepIndex", 0);
    let deadline = obj::int_at(&ctx.ro, "/spec/progressDeadlineSeconds", 600) * 1000;
    let abort_msg = format!("Rollout aborted update to revision {}", ctx.revision);
    let mut timed_out = false;
    if aborted {
        obj::set_condition(
            s,
            "Progressing",
            "False",
            "RolloutAborted",
            &abort_msg,
            now,
            false,
        );
    } else if let Some(n) = &created {
        obj::set_condition(
            s,
            "Progressing",
            "True",
            "NewReplicaSetCreated",
            &format!("Created new replica set \"{n}\""),
            now,
            true,
        );
    } else if manual || ctrl_paused {
        obj::set_condition(
            s,
            "Progressing",
            "Unknown",
            "RolloutPaused",
            "Rollout is paused",
            now,
            false,
        );
    } else if healthy {
        obj::set_condition(
            s,
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{cur_name}\" has successfully progressed."),
            now,
            false,
        );
    } else if progressed
        || matches!(
            cur_reason.as_str(),
            "RolloutPaused" | "RolloutAborted" | "NewReplicaSetAvailable" | ""
        )
    {
        obj::set_condition(
            s,
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{cur_name}\" is progressing."),
            now,
            true,
        );
    } else if cur_reason == "ProgressDeadlineExceeded"
        || obj::condition_time(s, "Progressing", "lastUpdateTime")
            .is_some_and(|t| t + deadline < now)
    {
        timed_out = true;
        obj::set_condition(
            s,
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet \"{cur_name}\" has timed out progressing."),
            now,
            false,
        );
    }
    if manual || ctrl_paused {
        obj::set_condition(
            s,
            "Paused",
            "True",
            "RolloutPaused",
            "Rollout is paused",
            now,
            false,
        );
    } else if obj::condition(s, "Paused").is_some() {
        obj::set_condition(
            s,
            "Paused",
            "False",
            "RolloutResumed",
            "Rollout is resumed",
            now,
            false,
        );
    }
    if healthy {
        let msg = format!(
            "Rollout completed update to revision {} ({}): Rollout completed",
            ctx.revision, ctx.hash
        );
        obj::set_condition(s, "Completed", "True", "RolloutCompleted", &msg, now, false);
        obj::set_condition(
            s,
            "Healthy",
            "True",
            "RolloutHealthy",
            "Rollout is healthy",
            now,
            false,
        );
    } else {
        let msg = format!(
            "Rollout not completed, started update to revision {} ({})",
            ctx.revision, ctx.hash
        );
        obj::set_condition(
            s,
            "Completed",
            "False",
            "RolloutCompleted",
            &msg,
            now,
            false,
        );
        obj::set_condition(
            s,
            "Healthy",
            "False",
            "RolloutHealthy",
            "Rollout is not healthy",
            now,
            false,
        );
    }
    let (phase, message) = if aborted {
        let step = obj::str_at(s, "/canary/currentStepAnalysisRunStatus/message");
        let detail = if step.is_empty() {
            obj::str_at(s, "/canary/currentBackgroundAnalysisRunStatus/message")
        } else {
            step
        };
        let m = if detail.is_empty() {
            abort_msg
        } else {
            format!("{abort_msg}: {detail}")
        };
        ("Degraded", format!("RolloutAborted: {m}"))
    } else if timed_out {
        (
            "Degraded",
            format!(
                "ProgressDeadlineExceeded: ReplicaSet \"{cur_name}\" has timed out progressing."
            ),
        )
    } else if manual {
        ("Paused", "manually paused".to_string())
    } else if ctrl_paused {
        (
            "Paused",
            obj::str_at(s, "/pauseConditions/0/reason").to_string(),
        )
    } else if healthy {
        ("Healthy", String::new())
    } else if updated < ctx.replicas && steps_done {
        (
            "Progressing",
            "more replicas need to be updated".to_string(),
        )
    } else if !steps_done {
        (
            "Progressing",
            "waiting for all steps to complete".to_string(),
        )
    } else if available < updated {
        (
            "Progressing",
            "updated replicas are still becoming available".to_string(),
        )
    } else {
        (
            "Progressing",
            "old replicas are pending termination".to_string(),
        )
    };
    s["phase"] = json!(phase);
    s["message"] = json!(message);
    let status = s.clone();
    world.store.modify(
        ids::ROLLOUTS,
        obj::namespace(&ctx.ro),
        obj::name(&ctx.ro),
        |r| {
            r["status"] = status;
        },
    );
}

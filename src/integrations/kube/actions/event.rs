//! The Kubernetes Event Quarterdeck writes on a workload after an action it carried out, so
//! that `kubectl describe` and every other tool show who changed what.

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::core::v1 as core;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};

use quarterdeck_core::control::{Op, WorkloadState};

/// The operation in the past tense, for the Event's message.
fn done_words(op: Op) -> &'static str {
    match op {
        Op::Approve | Op::Promote => "promoted",
        Op::PromoteFull => "fully promoted",
        Op::Abort => "aborted",
        Op::Retry => "retried",
        Op::Undo => "rolled back",
        Op::SwitchBack => "switched back",
        Op::Pause => "paused",
        Op::Resume => "resumed",
        Op::Restart => "restarted",
        Op::Reject => "rejected",
        Op::RerunFailed => "re-ran the failed jobs of",
        Op::RetryJob => "retried a job of",
        Op::Cancel => "cancelled",
        Op::Redeploy => "redeployed",
    }
}

/// "admin@kind-quarterdeck promoted orders-api via Quarterdeck: step 3/8 → 4/8": the change
/// as the confirmation showed it (its from and to lines), else what moved in the object.
pub(crate) fn message(
    user: &str,
    op: Op,
    name: &str,
    shown: &[String],
    before: &WorkloadState,
    after: &WorkloadState,
) -> String {
    let line = |label: &str| {
        shown
            .iter()
            .find_map(|l| l.strip_prefix(label).map(str::to_string))
    };
    let change = match (line("from: "), line("to: ")) {
        (Some(from), Some(to)) => format!("{from} → {to}"),
        _ => before.moved(after).unwrap_or_else(|| after.describe()),
    };
    let who = if user.is_empty() { "someone" } else { user };
    format!("{who} {} {name} via Quarterdeck: {change}", done_words(op))
}

/// A core/v1 Event on `obj` (the object as the action left it).
pub(crate) fn event(obj: &Value, op: Op, message: &str, now: DateTime<Utc>) -> Value {
    let meta = &obj["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    let nanos = now.timestamp_nanos_opt().unwrap_or_default();
    let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{name}.{nanos:x}"), "namespace": meta["namespace"]},
        "involvedObject": {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "name": name,
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
        },
        "reason": op.event_reason(),
        "message": message,
        "type": "Normal",
        "source": {"component": "quarterdeck"},
        "reportingComponent": "quarterdeck",
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
    })
}

/// Writes the Event; a failure is logged and nothing more (the action is done either way).
pub(crate) async fn write(client: &kube::Client, event: Value) {
    let ns = event["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let typed: core::Event = match serde_json::from_value(event) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "cannot build the action's Event");
            return;
        }
    };
    let api: Api<core::Event> = Api::namespaced(client.clone(), &ns);
    if let Err(e) = api.create(&PostParams::default(), &typed).await {
        tracing::warn!(namespace = %ns, error = %e, "cannot write the action's Event");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_user_and_the_change_as_confirmed() {
        let shown = vec![
            "context: kind-quarterdeck".to_string(),
            "from: step 3/8 at 25%".to_string(),
            "to: step 4/8 (setWeight 50%)".to_string(),
        ];
        let s = WorkloadState::default();
        assert_eq!(
            message(
                "admin@kind-quarterdeck",
                Op::Promote,
                "orders-api",
                &shown,
                &s,
                &s
            ),
            "admin@kind-quarterdeck promoted orders-api via Quarterdeck: step 3/8 at 25% → step 4/8 (setWeight 50%)"
        );
        let after = WorkloadState {
            paused: true,
            ..s.clone()
        };
        assert_eq!(
            message("u", Op::Pause, "web", &[], &s, &after),
            "u paused web via Quarterdeck: paused false → true"
        );
    }

    #[test]
    fn the_event_points_at_the_object_as_it_was_left() {
        let obj = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "orders-api", "namespace": "orders", "uid": "u-1", "resourceVersion": "42"}});
        let now = DateTime::parse_from_rfc3339("2026-11-22T03:20:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let e = event(&obj, Op::Abort, "m", now);
        assert_eq!(e["reason"], "QuarterdeckAbort");
        assert_eq!(e["involvedObject"]["uid"], "u-1");
        assert_eq!(e["involvedObject"]["resourceVersion"], "42");
        assert_eq!(e["involvedObject"]["kind"], "Rollout");
        assert_eq!(e["metadata"]["namespace"], "orders");
        assert!(
            e["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("orders-api.")
        );
        assert_eq!(e["source"]["component"], "quarterdeck");
        assert_eq!(e["lastTimestamp"], "2026-11-22T03:20:00Z");
        let typed: core::Event = serde_json::from_value(e).unwrap();
        assert_eq!(typed.type_.as_deref(), Some("Normal"));
    }
}

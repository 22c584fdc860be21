//! Renders a pod's `status` from the kubelet's view of it, with the fields and condition order
//! a real kubelet writes.

use serde_json::{Value, json};

use super::pod::{CState, Ctr, PodSim};
use crate::rng::{hash_str, mix};
use crate::world::fmt_time;

/// A containerd-style container id for one instance of a container.
pub(crate) fn container_id(pod_uid: &str, container: &str, restarts: u32) -> String {
    let a = mix(hash_str(pod_uid) ^ hash_str(container) ^ u64::from(restarts));
    let b = mix(a);
    let c = mix(b);
    let d = mix(c);
    format!("containerd://{a:016x}{b:016x}{c:016x}{d:016x}")
}

/// The digest-pinned image id the kubelet reports for an image.
pub(crate) fn image_id(image: &str) -> String {
    let repo = image
        .rsplit_once(':')
        .map_or(image, |(r, tag)| if tag.contains('/') { image } else { r });
    let a = mix(hash_str(image));
    let b = mix(a);
    let c = mix(b);
    let d = mix(c);
    format!("{repo}@sha256:{a:016x}{b:016x}{c:016x}{d:016x}")
}

fn container_status(pod: &PodSim, c: &Ctr, key: &(String, String)) -> Value {
    let (state, ready, started) = match &c.state {
        CState::Creating { .. } => {
            let reason = if c.started_once {
                "PodInitializing"
            } else {
                "ContainerCreating"
            };
            (json!({"waiting": {"reason": reason}}), false, false)
        }
        CState::PullError { backoff, .. } => {
            let (reason, message) = if *backoff {
                (
                    "ImagePullBackOff",
                    format!("Back-off pulling image \"{}\"", c.image),
                )
            } else {
                (
                    "ErrImagePull",
                    format!(
                        "rpc error: code = NotFound desc = failed to pull and unpack image \"{}\": not found",
                        c.image
                    ),
                )
            };
            (
                json!({"waiting": {"reason": reason, "message": message}}),
                false,
                false,
            )
        }
        CState::Running { since, ready, .. } => (
            json!({"running": {"startedAt": fmt_time(*since)}}),
            *ready,
            true,
        ),
        CState::BackOff { seconds, .. } => (
            json!({"waiting": {
                "reason": "CrashLoopBackOff",
                "message": format!(
                    "back-off {seconds}s restarting failed container={} pod={}_{}({})",
                    c.name, key.1, key.0, pod.uid
                ),
            }}),
            false,
            false,
        ),
    };
    let last = match &c.last {
        Some(t) => json!({"terminated": {
            "exitCode": t.exit_code,
            "reason": t.reason,
            "startedAt": fmt_time(t.started_ms),
            "finishedAt": fmt_time(t.finished_ms),
            "containerID": t.container_id,
        }}),
        None => json!({}),
    };
    let mut s = json!({
        "name": c.name,
        "image": c.image,
        "imageID": if c.started_once { image_id(&c.image) } else { String::new() },
        "ready": ready,
        "started": started,
        "restartCount": c.restarts,
        "state": state,
        "lastState": last,
    });
    if c.started_once {
        s["containerID"] = json!(container_id(&pod.uid, &c.name, c.restarts));
    }
    s
}

fn condition(
    kind: &str,
    ok: bool,
    at_ms: i64,
    reason: Option<String>,
    message: Option<String>,
) -> Value {
    let mut c = json!({
        "type": kind,
        "status": if ok { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": fmt_time(at_ms),
    });
    if let (false, Some(r)) = (ok, reason) {
        c["reason"] = json!(r);
    }
    if let (false, Some(m)) = (ok, message) {
        c["message"] = json!(m);
    }
    c
}

/// The `status` of the pod `key` (namespace, name).
pub(crate) fn render(pod: &PodSim, key: &(String, String)) -> Value {
    let Some(scheduled) = pod.scheduled_ms else {
        return json!({"phase": "Pending", "qosClass": "BestEffort"});
    };
    let unready: Vec<&str> = pod
        .containers
        .iter()
        .filter(|c| !matches!(c.state, CState::Running { ready: true, .. }))
        .map(|c| c.name.as_str())
        .collect();
    let ready = pod.ready();
    let reason = (!ready).then(|| "ContainersNotReady".to_string());
    let message =
        (!ready).then(|| format!("containers with unready status: [{}]", unready.join(" ")));
    let started = pod.containers.iter().any(|c| c.started_once);
    json!({
        "phase": pod.phase(),
        "conditions": [
            condition("PodReadyToStartContainers", started, scheduled, None, None),
            condition("Initialized", true, scheduled, None, None),
            condition("Ready", ready, pod.ready_changed_ms, reason.clone(), message.clone()),
            condition("ContainersReady", ready, pod.ready_changed_ms, reason, message),
            condition("PodScheduled", true, scheduled, None, None),
        ],
        "hostIP": pod.host_ip,
        "hostIPs": [{"ip": pod.host_ip}],
        "podIP": pod.pod_ip,
        "podIPs": [{"ip": pod.pod_ip}],
        "startTime": fmt_time(scheduled),
        "qosClass": "BestEffort",
        "containerStatuses": pod.containers.iter().map(|c| container_status(pod, c, key)).collect::<Vec<_>>(),
    })
}

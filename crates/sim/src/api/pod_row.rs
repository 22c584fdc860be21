//! The READY, STATUS and RESTARTS cells of a pod, derived exactly as kubectl's pod printer does
//! (init containers first, then containers from last to first, then deletion).

use serde_json::Value;

use super::super::world::parse_time;
use super::age;

/// The derived cells of one pod row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PodRow {
    /// `ready/total`.
    pub(crate) ready: String,
    /// What the STATUS column shows.
    pub(crate) status: String,
    /// Restart count, with `(… ago)` when a container last terminated.
    pub(crate) restarts: String,
}

/// Derives READY, STATUS and RESTARTS for a pod at simulated `now_ms`.
pub(crate) fn derive(pod: &Value, now_ms: i64) -> PodRow {
    let status = &pod["status"];
    let str_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let mut ready = 0;
    let mut restarts = 0i64;
    let mut last_restart: Option<i64> = None;
    let mut note_restart = |c: &Value| {
        if let Some(t) = c["lastState"]["terminated"]["finishedAt"]
            .as_str()
            .and_then(parse_time)
        {
            last_restart = Some(last_restart.map_or(t, |l: i64| l.max(t)));
        }
    };
    let mut reason = str_of(&status["phase"]);
    if let Some(r) = status["reason"].as_str().filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }

    let init_specs = pod["spec"]["initContainers"].as_array().map_or(0, Vec::len);
    let empty = Vec::new();
    let init_statuses = status["initContainerStatuses"].as_array().unwrap_or(&empty);
    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += c["restartCount"].as_i64().unwrap_or(0);
        note_restart(c);
        let terminated = &c["state"]["terminated"];
        let waiting = &c["state"]["waiting"];
        if terminated.is_object() && terminated["exitCode"].as_i64() == Some(0) {
            continue;
        }
        if terminated.is_object() {
            reason = match terminated["reason"].as_str().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match terminated["signal"].as_i64().filter(|s| *s != 0) {
                    Some(sig) => format!("Init:Signal:{sig}"),
                    None => format!(
                        "Init:ExitCode:{}",
                        terminated["exitCode"].as_i64().unwrap_or(0)
                    ),
                },
            };
        } else if let Some(r) = waiting["reason"]
            .as_str()
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{init_specs}");
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(status, "Initialized") {
        restarts = 0;
        let mut has_running = false;
        let statuses = status["containerStatuses"].as_array().unwrap_or(&empty);
        for c in statuses.iter().rev() {
            restarts += c["restartCount"].as_i64().unwrap_or(0);
            note_restart(c);
            let state = &c["state"];
            let waiting_reason = state["waiting"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty());
            let terminated = &state["terminated"];
            if let Some(r) = waiting_reason {
                reason = r.to_string();
            } else if let Some(r) = terminated["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if terminated.is_object() {
                reason = match terminated["signal"].as_i64().filter(|s| *s != 0) {
                    Some(sig) => format!("Signal:{sig}"),
                    None => format!("ExitCode:{}", terminated["exitCode"].as_i64().unwrap_or(0)),
                };
            } else if c["ready"].as_bool() == Some(true) && state["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(status, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    let phase = status["phase"].as_str().unwrap_or_default();
    if pod["metadata"]["deletionTimestamp"].is_string() {
        if status["reason"].as_str() == Some("NodeLost") {
            reason = "Unknown".into();
        } else if !matches!(phase, "Succeeded" | "Failed") {
            reason = "Terminating".into();
        }
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", age::human(now_ms - t)),
        _ => restarts.to_string(),
    };
    PodRow {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts: restarts_cell,
    }
}

fn condition_true(status: &Value, kind: &str) -> bool {
    status["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"].as_str() == Some(kind) && c["status"].as_str() == Some("True"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn pod(containers: usize, status: Value) -> Value {
        let specs: Vec<Value> = (0..containers)
            .map(|i| json!({"name": format!("c{i}")}))
            .collect();
        json!({"metadata": {"name": "p"}, "spec": {"containers": specs}, "status": status})
    }

    #[test]
    fn running_and_ready() {
        let p = pod(
            2,
            json!({"phase": "Running", "containerStatuses": [
                {"name": "c0", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "c1", "ready": false, "restartCount": 0, "state": {"running": {}}}
            ]}),
        );
        let r = derive(&p, NOW);
        assert_eq!(
            (r.ready.as_str(), r.status.as_str(), r.restarts.as_str()),
            ("1/2", "Running", "0")
        );
    }

    #[test]
    fn crash_loop_with_restart_age() {
        let p = pod(
            1,
            json!({"phase": "Running", "containerStatuses": [{
                "name": "c0", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2025-12-31T23:59:15Z"}}
            }]}),
        );
        let r = derive(&p, NOW);
        assert_eq!(
            (r.ready.as_str(), r.status.as_str()),
            ("0/1", "CrashLoopBackOff")
        );
        assert_eq!(r.restarts, "3 (45s ago)");
    }

    #[test]
    fn creating_pending_completed_and_exit_codes() {
        let creating = pod(
            1,
            json!({"phase": "Pending", "containerStatuses": [{"name": "c0", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}),
        );
        assert_eq!(derive(&creating, NOW).status, "ContainerCreating");
        assert_eq!(
            derive(&pod(1, json!({"phase": "Pending"})), NOW).status,
            "Pending"
        );
        let done = pod(
            1,
            json!({"phase": "Succeeded", "containerStatuses": [{"name": "c0", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
        );
        assert_eq!(derive(&done, NOW).status, "Completed");
        let killed = pod(
            1,
            json!({"phase": "Failed", "containerStatuses": [{"name": "c0", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}),
        );
        assert_eq!(derive(&killed, NOW).status, "Signal:9");
        let evicted = pod(0, json!({"phase": "Failed", "reason": "Evicted"}));
        assert_eq!(derive(&evicted, NOW).status, "Evicted");
    }

    #[test]
    fn init_containers_and_terminating() {
        let mut p = pod(
            1,
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i0", "restartCount": 0, "state": {"terminated": {"exitCode": 0}}},
                {"name": "i1", "restartCount": 0, "state": {"running": {}}}
            ]}),
        );
        p["spec"]["initContainers"] = json!([{"name": "i0"}, {"name": "i1"}]);
        assert_eq!(derive(&p, NOW).status, "Init:1/2");
        p["status"]["initContainerStatuses"][1]["state"] =
            json!({"waiting": {"reason": "ImagePullBackOff"}});
        assert_eq!(derive(&p, NOW).status, "Init:ImagePullBackOff");
        p["status"]["initContainerStatuses"][1]["state"] = json!({"terminated": {"exitCode": 2}});
        assert_eq!(derive(&p, NOW).status, "Init:ExitCode:2");

        let mut running = pod(1, json!({"phase": "Running"}));
        running["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(derive(&running, NOW).status, "Terminating");
    }
}

//! A simulator started in-process for integration tests, with a small world of our own created
//! through the HTTP API (in a namespace of its own, so the default world does not interfere).

#![allow(dead_code)]

pub mod harness;
pub mod kubectl;

use quarterdeck_sim::logs::{LogKey, LogLine};
use quarterdeck_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

/// Simulated start: 2026-11-22T03:20:00Z.
pub const START_MS: i64 = 1_795_317_600_000;

/// A running simulator and the runtime that serves it.
pub struct Fixture {
    /// Keeps the server running while the test drives blocking clients.
    pub rt: tokio::runtime::Runtime,
    /// The simulator.
    pub handle: SimHandle,
    http: reqwest::Client,
}

impl Fixture {
    /// Starts a frozen simulator.
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(quarterdeck_sim::start(SimConfig {
                frozen: true,
                start_ms: Some(START_MS),
                ..Default::default()
            }))
            .unwrap();
        Self {
            rt,
            handle,
            http: reqwest::Client::new(),
        }
    }

    /// Sends a request with the token and returns (status, body as JSON or string).
    pub fn send(&self, method: &str, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.handle.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let req = self
            .http
            .request(method, url)
            .bearer_auth(&self.handle.token)
            .header("content-type", content_type)
            .body(body.to_string());
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            let code = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (
                code,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        })
    }

    /// POSTs an object and asserts it was created.
    pub fn create(&self, path: &str, obj: Value) -> Value {
        let (code, body) = self.send("POST", path, "application/json", &obj.to_string());
        assert_eq!(code, 201, "POST {path}: {body}");
        body
    }

    /// Moves the frozen clock forward, running the controllers as it goes.
    pub fn advance(&self, seconds: f64) {
        let body = json!({"advance_seconds": seconds}).to_string();
        let (code, resp) = self.send("POST", "/sim/clock", "application/json", &body);
        assert_eq!(code, 200, "{resp}");
    }

    /// Waits (on the simulator's answers, up to `harness::PATIENCE`) until its webhook sink
    /// holds `n` bodies; returns what it holds then.
    pub fn webhook_bodies(&self, n: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + harness::PATIENCE;
        loop {
            let (_, got) = self.send("GET", "/sim/webhook", "application/json", "");
            let received = got["received"].as_array().cloned().unwrap_or_default();
            if received.len() >= n || std::time::Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Appends a log line to a pod's container at simulated now.
    pub fn log(&self, ns: &str, pod: &str, container: &str, text: &str) {
        let mut world = self.handle.sim.world();
        let time_ms = world.clock.now_ms;
        world.logs.append(
            LogKey {
                namespace: ns.into(),
                pod: pod.into(),
                container: container.into(),
            },
            LogLine {
                time_ms,
                text: text.into(),
            },
        );
    }

    /// Creates namespace `ns` with a deployment `web` (its replicaset and two pods, one
    /// crash-looping), a two-container pod `multi`, a service, a rollout `checkout`, an event
    /// and a node `{ns}-node`, and writes five log lines for the first pod.
    pub fn seed(&self, ns: &str) {
        let ts = "2026-11-22T03:15:00Z";
        self.create("/api/v1/namespaces", json!({"metadata": {"name": ns}}));
        self.create(
            "/api/v1/nodes",
            json!({"metadata": {"name": format!("{ns}-node"), "creationTimestamp": ts,
                "labels": {"node-role.kubernetes.io/worker": ""}},
              "status": {"conditions": [{"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.32.4"}}}),
        );
        let base = format!("/apis/apps/v1/namespaces/{ns}");
        let template = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "shop/web:1.4.2"}]}});
        let deploy = self.create(
            &format!("{base}/deployments"),
            json!({"metadata": {"name": "web", "creationTimestamp": ts, "labels": {"app": "web"}},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template},
              "status": {"replicas": 2, "readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}}),
        );
        let owner = |kind: &str, obj: &Value| {
            json!([{"apiVersion": obj["apiVersion"], "kind": kind, "name": obj["metadata"]["name"],
                "uid": obj["metadata"]["uid"], "controller": true}])
        };
        let rs = self.create(
            &format!("{base}/replicasets"),
            json!({"metadata": {"name": "web-6d4f8b9c7", "creationTimestamp": ts,
                "labels": {"app": "web", "pod-template-hash": "6d4f8b9c7"},
                "ownerReferences": owner("Deployment", &deploy)},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6d4f8b9c7"}},
                "template": template},
              "status": {"replicas": 2, "readyReplicas": 1}}),
        );
        let pods = format!("/api/v1/namespaces/{ns}/pods");
        let pod = |name: &str, status: Value| {
            json!({"metadata": {"name": name, "creationTimestamp": ts,
                "labels": {"app": "web", "pod-template-hash": "6d4f8b9c7"},
                "ownerReferences": owner("ReplicaSet", &rs)},
              "spec": {"nodeName": format!("{ns}-node"), "containers": [{"name": "app", "image": "shop/web:1.4.2"}]},
              "status": status})
        };
        let first = self.create(
            &pods,
            pod(
                "web-6d4f8b9c7-abcde",
                json!({"phase": "Running", "podIP": "10.244.1.17", "containerStatuses": [
                    {"name": "app", "ready": true, "restartCount": 0, "image": "shop/web:1.4.2",
                     "state": {"running": {"startedAt": ts}}}]}),
            ),
        );
        self.create(
            &pods,
            pod(
                "web-6d4f8b9c7-fghij",
                json!({"phase": "Running", "podIP": "10.244.1.18", "containerStatuses": [
                    {"name": "app", "ready": false, "restartCount": 3, "image": "shop/web:1.4.2",
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-22T03:19:15Z"}}}]}),
            ),
        );
        self.create(
            &pods,
            json!({"metadata": {"name": "multi", "creationTimestamp": ts, "labels": {"app": "tools"}},
              "spec": {"containers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}]},
              "status": {"phase": "Running"}}),
        );
        self.create(
            &format!("/api/v1/namespaces/{ns}/services"),
            json!({"metadata": {"name": "web", "creationTimestamp": ts},
              "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.40", "selector": {"app": "web"},
                "ports": [{"port": 80, "protocol": "TCP"}]}}),
        );
        self.create(
            &format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts"),
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
              "metadata": {"name": "checkout", "creationTimestamp": ts},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout"}},
                "template": {"metadata": {"labels": {"app": "checkout"}},
                  "spec": {"containers": [{"name": "app", "image": "shop/checkout:2.0"}]}},
                "strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}},
              "status": {"replicas": 3, "updatedReplicas": 1, "availableReplicas": 3, "HPAReplicas": 3,
                "selector": "app=checkout"}}),
        );
        self.create(
            &format!("/api/v1/namespaces/{ns}/events"),
            json!({"metadata": {"name": "web-6d4f8b9c7-abcde.1"},
              "involvedObject": {"kind": "Pod", "namespace": ns, "name": "web-6d4f8b9c7-abcde", "apiVersion": "v1",
                "uid": first["metadata"]["uid"]},
              "reason": "Pulled", "type": "Normal", "message": "Container image \"shop/web:1.4.2\" already present on machine",
              "firstTimestamp": "2026-11-22T03:16:00Z", "lastTimestamp": "2026-11-22T03:16:00Z", "count": 1,
              "source": {"component": "kubelet", "host": format!("{ns}-node")}}),
        );
        for i in 1..=5 {
            self.log(
                ns,
                "web-6d4f8b9c7-abcde",
                "app",
                &format!("GET /orders/{i} 200 12ms"),
            );
        }
    }
}

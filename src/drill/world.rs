//! The drill's view of the simulated world, over HTTP only: the control API (clock, versions,
//! rollouts, faults), Kubernetes reads (which revision serves a release) and Prometheus (its
//! error ratio and p95). The judge never reads Quarterdeck's own model.

use serde_json::{Value, json};

/// A client of the simulator's four APIs.
#[derive(Clone)]
pub struct World {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// A release as `namespace/name`, split.
pub fn split(release: &str) -> (&str, &str) {
    release.split_once('/').unwrap_or(("default", release))
}

impl World {
    /// The simulator at `base` (`http://127.0.0.1:PORT`), with its bearer token.
    pub fn new(base: String, token: String) -> Self {
        Self {
            base,
            token,
            http: reqwest::Client::new(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        ctype: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("content-type", ctype).body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path}: {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        self.send(reqwest::Method::GET, path, "", None).await
    }

    /// POSTs a JSON body to the control API (`/sim/...`).
    pub async fn control(&self, path: &str, body: Value) -> Result<Value, String> {
        self.send(reqwest::Method::POST, path, "application/json", Some(body))
            .await
    }

    /// The simulated time, Unix ms.
    pub async fn now_ms(&self) -> Result<i64, String> {
        let state = self.get("/sim/state").await?;
        state["now_ms"]
            .as_i64()
            .or_else(|| state["now_ms"].as_f64().map(|f| f as i64))
            .ok_or_else(|| format!("/sim/state has no now_ms: {state}"))
    }

    /// Moves the frozen clock forward (the controllers run as it goes).
    pub async fn advance(&self, seconds: f64) -> Result<(), String> {
        self.control("/sim/clock", json!({"advance_seconds": seconds}))
            .await
            .map(|_| ())
    }

    /// Promotes a paused rollout as the Argo Rollouts plugin does (its status patch): what
    /// another operator's `kubectl argo rollouts promote` sends.
    pub async fn promote_as_someone_else(&self, release: &str) -> Result<(), String> {
        let (ns, name) = split(release);
        let path = format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}/status");
        self.send(
            reqwest::Method::PATCH,
            &path,
            "application/merge-patch+json",
            Some(json!({"status": {"pauseConditions": null}})),
        )
        .await
        .map(|_| ())
    }

    /// The image every replica of the release serves, or `None` while two revisions share
    /// the traffic (a canary under way, a rolling update unfinished).
    pub async fn serving(&self, release: &str) -> Result<Option<String>, String> {
        let (ns, name) = split(release);
        let rollout = self
            .get(&format!(
                "/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}"
            ))
            .await;
        match rollout {
            Ok(ro) => self.rollout_serving(ns, &ro).await,
            Err(_) => {
                let d = self
                    .get(&format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"))
                    .await?;
                Ok(deployment_serving(&d))
            }
        }
    }

    async fn rollout_serving(&self, ns: &str, ro: &Value) -> Result<Option<String>, String> {
        let status = &ro["status"];
        let stable = status["stableRS"].as_str();
        let hash = if let Some(active) = status.pointer("/blueGreen/activeSelector") {
            active.as_str()
        } else if status["abort"] == true || status["currentPodHash"].as_str() == stable {
            stable
        } else {
            None
        };
        let Some(hash) = hash else {
            return Ok(None);
        };
        let sets = self
            .get(&format!(
                "/apis/apps/v1/namespaces/{ns}/replicasets?labelSelector=rollouts-pod-template-hash%3D{hash}"
            ))
            .await?;
        Ok(sets["items"]
            .as_array()
            .and_then(|items| items.first())
            .and_then(|rs| rs.pointer("/spec/template/spec/containers/0/image"))
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// The revision number of the release's ReplicaSet running `image` (the newest when
    /// several do), as `rollout history` lists it.
    pub async fn revision_of(&self, release: &str, image: &str) -> Result<Option<i64>, String> {
        let (ns, name) = split(release);
        let sets = self
            .get(&format!("/apis/apps/v1/namespaces/{ns}/replicasets"))
            .await?;
        let items = sets["items"].as_array().cloned().unwrap_or_default();
        Ok(items
            .iter()
            .filter(|rs| {
                rs.pointer("/metadata/ownerReferences/0/name")
                    .and_then(Value::as_str)
                    == Some(name)
            })
            .filter(|rs| {
                rs.pointer("/spec/template/spec/containers/0/image")
                    .and_then(Value::as_str)
                    == Some(image)
            })
            .filter_map(|rs| {
                let a = &rs["metadata"]["annotations"];
                a["deployment.kubernetes.io/revision"]
                    .as_str()
                    .or_else(|| a["rollout.argoproj.io/revision"].as_str())
                    .and_then(|r| r.parse::<i64>().ok())
            })
            .max())
    }

    /// One Prometheus instant query's single value (`None`: no data or NaN).
    pub async fn query(&self, promql: &str) -> Result<Option<f64>, String> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/prometheus/api/v1/query", self.base),
            &[("query", promql)],
        )
        .map_err(|e| format!("prometheus: {e}"))?;
        let resp = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("prometheus: {e}"))?;
        let body: Value = resp.json().await.map_err(|e| format!("prometheus: {e}"))?;
        if body["status"] != "success" {
            return Err(format!("prometheus: {body}"));
        }
        Ok(body
            .pointer("/data/result/0/value/1")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite()))
    }

    /// The release's error ratio and p95 (seconds) over the last minute, across its pods.
    pub async fn health(&self, release: &str) -> Result<(Option<f64>, Option<f64>), String> {
        let (ns, name) = split(release);
        let sel = format!("namespace=\"{ns}\",pod=~\"{name}-.*\"");
        let errors = self
            .query(&format!(
                "sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[1m])) / sum(rate(http_requests_total{{{sel}}}[1m]))"
            ))
            .await?;
        let p95 = self
            .query(&format!(
                "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[1m])))"
            ))
            .await?;
        Ok((errors, p95))
    }
}

/// A Deployment serves its template's image once every replica runs it and is available.
fn deployment_serving(d: &Value) -> Option<String> {
    let want = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let s = &d["status"];
    let n = |k: &str| s[k].as_i64().unwrap_or(0);
    let settled =
        n("updatedReplicas") == want && n("availableReplicas") == want && n("replicas") == want;
    settled
        .then(|| d.pointer("/spec/template/spec/containers/0/image"))
        .flatten()
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_serves_its_image_only_when_settled() {
        let mut d = json!({
            "spec": {"replicas": 4, "template": {"spec": {"containers": [{"image": "a:1"}]}}},
            "status": {"replicas": 5, "updatedReplicas": 2, "availableReplicas": 3}
        });
        assert_eq!(deployment_serving(&d), None);
        d["status"] = json!({"replicas": 4, "updatedReplicas": 4, "availableReplicas": 4});
        assert_eq!(deployment_serving(&d).as_deref(), Some("a:1"));
    }
}

//! Table columns and cells of the kinds the simulator serves but its controllers do not
//! drive (config, storage, batch, networking, policy, autoscaling, CRDs), as the real server's
//! printers render them.

use serde_json::{Value, json};

use super::super::resources::{ResId, ids};
use super::age;
use super::selectors::selector_string;

/// A column: `(name, type, priority)`.
pub(crate) type Column = (&'static str, &'static str, u8);

pub(crate) const NAME: Column = ("Name", "string", 0);
pub(crate) const AGE: Column = ("Age", "string", 0);
pub(crate) const CONTAINERS: Column = ("Containers", "string", 1);
pub(crate) const IMAGES: Column = ("Images", "string", 1);
pub(crate) const SELECTOR: Column = ("Selector", "string", 1);

/// The columns of a kind this file renders, if it is one.
pub(crate) fn columns(res: ResId) -> Option<Vec<Column>> {
    Some(match res {
        r if r == ids::CONFIGMAPS => vec![NAME, ("Data", "integer", 0), AGE],
        r if r == ids::SECRETS => vec![NAME, ("Type", "string", 0), ("Data", "integer", 0), AGE],
        r if r == ids::SERVICEACCOUNTS => vec![NAME, ("Secrets", "integer", 0), AGE],
        r if r == ids::ENDPOINTS => vec![NAME, ("Endpoints", "string", 0), AGE],
        r if r == ids::PVCS => vec![
            NAME,
            ("Status", "string", 0),
            ("Volume", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            AGE,
            ("VolumeMode", "string", 1),
        ],
        r if r == ids::LIMITRANGES || r == ids::CRDS => vec![NAME, ("Created At", "date", 0)],
        r if r == ids::PVS => vec![
            NAME,
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("Reclaim Policy", "string", 0),
            ("Status", "string", 0),
            ("Claim", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            ("Reason", "string", 0),
            AGE,
            ("VolumeMode", "string", 1),
        ],
        r if r == ids::STORAGECLASSES => vec![
            NAME,
            ("Provisioner", "string", 0),
            ("ReclaimPolicy", "string", 0),
            ("VolumeBindingMode", "string", 0),
            ("AllowVolumeExpansion", "string", 0),
            AGE,
        ],
        r if r == ids::NETWORKPOLICIES => vec![NAME, ("Pod-Selector", "string", 0), AGE],
        r if r == ids::INGRESSCLASSES => vec![
            NAME,
            ("Controller", "string", 0),
            ("Parameters", "string", 0),
            AGE,
        ],
        r if r == ids::LEASES => vec![NAME, ("Holder", "string", 0), AGE],
        r if r == ids::RESOURCEQUOTAS => {
            vec![NAME, AGE, ("Request", "string", 0), ("Limit", "string", 0)]
        }
        r if r == ids::STATEFULSETS => vec![NAME, ("Ready", "string", 0), AGE, CONTAINERS, IMAGES],
        r if r == ids::DAEMONSETS => vec![
            NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        r if r == ids::JOBS => vec![
            NAME,
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        r if r == ids::CRONJOBS => vec![
            NAME,
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "boolean", 0),
            ("Active", "integer", 0),
            ("Last Schedule", "string", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        r if r == ids::INGRESSES => vec![
            NAME,
            ("Class", "string", 0),
            ("Hosts", "string", 0),
            ("Address", "string", 0),
            ("Ports", "string", 0),
            AGE,
        ],
        r if r == ids::PDBS => vec![
            NAME,
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            AGE,
        ],
        r if r == ids::HPAS => vec![
            NAME,
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "integer", 0),
            ("Replicas", "integer", 0),
            AGE,
        ],
        _ => return None,
    })
}

/// The cells of one object of a kind this file renders, if it is one.
pub(crate) fn cells(res: ResId, obj: &Value, now_ms: i64) -> Option<Vec<Value>> {
    let meta = &obj["metadata"];
    let name = json!(meta["name"].as_str().unwrap_or_default());
    let age = json!(age::since(&meta["creationTimestamp"], now_ms));
    let spec = &obj["spec"];
    let status = &obj["status"];
    let count = |v: &Value| v.as_object().map_or(0, |m| m.len()) + v.as_array().map_or(0, Vec::len);
    let int = |v: &Value| json!(v.as_i64().unwrap_or(0));
    let pod_spec = &spec["template"]["spec"];
    Some(match res {
        r if r == ids::CONFIGMAPS => {
            vec![
                name,
                json!(count(&obj["data"]) + count(&obj["binaryData"])),
                age,
            ]
        }
        r if r == ids::SECRETS => vec![
            name,
            json!(obj["type"].as_str().unwrap_or("Opaque")),
            json!(count(&obj["data"]) + count(&obj["stringData"])),
            age,
        ],
        r if r == ids::SERVICEACCOUNTS => vec![name, json!(count(&obj["secrets"])), age],
        r if r == ids::ENDPOINTS => vec![name, json!(endpoints(obj)), age],
        r if r == ids::PVCS => pvc_cells(obj, name, age),
        r if r == ids::LIMITRANGES || r == ids::CRDS => {
            vec![name, meta["creationTimestamp"].clone()]
        }
        r if r == ids::PVS => pv_cells(obj, name, age),
        r if r == ids::STORAGECLASSES => {
            let default = meta["annotations"]["storageclass.kubernetes.io/is-default-class"]
                .as_str()
                == Some("true");
            let shown = match (name.as_str(), default) {
                (Some(n), true) => json!(format!("{n} (default)")),
                _ => name,
            };
            vec![
                shown,
                json!(obj["provisioner"].as_str().unwrap_or_default()),
                json!(obj["reclaimPolicy"].as_str().unwrap_or("Delete")),
                json!(obj["volumeBindingMode"].as_str().unwrap_or("Immediate")),
                json!(
                    obj["allowVolumeExpansion"]
                        .as_bool()
                        .unwrap_or(false)
                        .to_string()
                ),
                age,
            ]
        }
        r if r == ids::NETWORKPOLICIES => {
            vec![name, json!(selector_or_none(&spec["podSelector"])), age]
        }
        r if r == ids::INGRESSCLASSES => {
            let p = &spec["parameters"];
            let params = match p["name"].as_str() {
                Some(n) => {
                    let kind = p["kind"].as_str().unwrap_or_default();
                    match p["apiGroup"].as_str() {
                        Some(g) if !g.is_empty() => format!("{kind}.{g}/{n}"),
                        _ => format!("{kind}/{n}"),
                    }
                }
                None => "<none>".to_string(),
            };
            vec![
                name,
                json!(spec["controller"].as_str().unwrap_or_default()),
                json!(params),
                age,
            ]
        }
        r if r == ids::LEASES => vec![
            name,
            json!(spec["holderIdentity"].as_str().unwrap_or_default()),
            age,
        ],
        r if r == ids::RESOURCEQUOTAS => {
            let (requests, limits) = quota_usage(status);
            vec![name, age, json!(requests), json!(limits)]
        }
        r if r == ids::STATEFULSETS => {
            let (c, i) = containers_and_images(pod_spec);
            let ready = format!(
                "{}/{}",
                status["readyReplicas"].as_i64().unwrap_or(0),
                spec["replicas"].as_i64().unwrap_or(1)
            );
            vec![name, json!(ready), age, json!(c), json!(i)]
        }
        r if r == ids::DAEMONSETS => {
            let (c, i) = containers_and_images(pod_spec);
            vec![
                name,
                int(&status["desiredNumberScheduled"]),
                int(&status["currentNumberScheduled"]),
                int(&status["numberReady"]),
                int(&status["updatedNumberScheduled"]),
                int(&status["numberAvailable"]),
                json!(labels_or_none(&pod_spec["nodeSelector"])),
                age,
                json!(c),
                json!(i),
                json!(selector_string(&spec["selector"])),
            ]
        }
        r if r == ids::JOBS => job_cells(obj, name, age, now_ms),
        r if r == ids::CRONJOBS => {
            let job_spec = &spec["jobTemplate"]["spec"];
            let (c, i) = containers_and_images(&job_spec["template"]["spec"]);
            let last = if status["lastScheduleTime"].is_string() {
                age::since(&status["lastScheduleTime"], now_ms)
            } else {
                "<none>".into()
            };
            vec![
                name,
                json!(spec["schedule"].as_str().unwrap_or_default()),
                json!(spec["timeZone"].as_str().unwrap_or("<none>")),
                json!(spec["suspend"].as_bool().unwrap_or(false)),
                json!(count(&status["active"])),
                json!(last),
                age,
                json!(c),
                json!(i),
                json!(selector_or_none(&job_spec["selector"])),
            ]
        }
        r if r == ids::INGRESSES => ingress_cells(obj, name, age),
        r if r == ids::PDBS => vec![
            name,
            json!(int_or_string(&spec["minAvailable"]).unwrap_or_else(|| "N/A".into())),
            json!(int_or_string(&spec["maxUnavailable"]).unwrap_or_else(|| "N/A".into())),
            int(&status["disruptionsAllowed"]),
            age,
        ],
        r if r == ids::HPAS => {
            let target = &spec["scaleTargetRef"];
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    target["kind"].as_str().unwrap_or_default(),
                    target["name"].as_str().unwrap_or_default()
                )),
                json!(hpa_targets(spec, status)),
                json!(
                    spec["minReplicas"]
                        .as_i64()
                        .map_or("<unset>".to_string(), |m| m.to_string())
                ),
                int(&spec["maxReplicas"]),
                int(&status["currentReplicas"]),
                age,
            ]
        }
        _ => return None,
    })
}

/// The CONTAINERS and IMAGES cells of a pod template.
pub(crate) fn containers_and_images(pod_spec: &Value) -> (String, String) {
    let cs = pod_spec["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = cs.iter().filter_map(|c| c["name"].as_str()).collect();
    let images: Vec<&str> = cs.iter().filter_map(|c| c["image"].as_str()).collect();
    (names.join(","), images.join(","))
}

fn labels_or_none(map: &Value) -> String {
    let pairs: Vec<String> = map
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        "<none>".into()
    } else {
        pairs.join(",")
    }
}

fn selector_or_none(sel: &Value) -> String {
    let s = selector_string(sel);
    if s.is_empty() { "<none>".into() } else { s }
}

fn int_or_string(v: &Value) -> Option<String> {
    v.as_i64()
        .map(|n| n.to_string())
        .or_else(|| v.as_str().map(str::to_string))
}

/// The ENDPOINTS column: up to three `ip:port` of ready addresses, then `+ N more...`.
fn endpoints(obj: &Value) -> String {
    let subsets = obj["subsets"].as_array().cloned().unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut shown = Vec::new();
    let mut total = 0;
    for ss in &subsets {
        let addrs: Vec<&str> = ss["addresses"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["ip"].as_str()).collect())
            .unwrap_or_default();
        let ports: Vec<i64> = ss["ports"]
            .as_array()
            .map(|p| p.iter().filter_map(|x| x["port"].as_i64()).collect())
            .unwrap_or_default();
        if ports.is_empty() {
            total += addrs.len();
            shown.extend(
                addrs
                    .iter()
                    .take(MAX.saturating_sub(shown.len()))
                    .map(|a| a.to_string()),
            );
            continue;
        }
        for port in ports {
            total += addrs.len();
            for a in &addrs {
                if shown.len() < MAX {
                    shown.push(format!("{a}:{port}"));
                }
            }
        }
    }
    let list = shown.join(",");
    if total > MAX {
        format!("{list} + {} more...", total - MAX)
    } else {
        list
    }
}

fn pvc_cells(obj: &Value, name: Value, age: Value) -> Vec<Value> {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let phase = status["phase"].as_str().unwrap_or("Pending");
    let bound = !spec["volumeName"].as_str().unwrap_or_default().is_empty();
    let capacity = if bound {
        status["capacity"]["storage"].as_str().unwrap_or_default()
    } else {
        ""
    };

    vec![
        name,
        json!(phase),
        json!(spec["volumeName"].as_str().unwrap_or_default()),
        json!(capacity),
        json!(access_modes(&status["accessModes"])),
        json!(spec["storageClassName"].as_str().unwrap_or_default()),
        json!(
            spec["volumeAttributesClassName"]
                .as_str()
                .unwrap_or("<unset>")
        ),
        age,
        json!(spec["volumeMode"].as_str().unwrap_or("<unset>")),
    ]
}

fn access_modes(modes: &Value) -> String {
    let short: Vec<&str> = modes
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(|m| match m {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    other => other,
                })
                .collect()
        })
        .unwrap_or_default();
    short.join(",")
}

fn pv_cells(obj: &Value, name: Value, age: Value) -> Vec<Value> {
    let spec = &obj["spec"];
    let claim = &spec["claimRef"];
    let claim = match claim["name"].as_str() {
        Some(n) => format!("{}/{n}", claim["namespace"].as_str().unwrap_or_default()),
        None => String::new(),
    };
    vec![
        name,
        json!(spec["capacity"]["storage"].as_str().unwrap_or_default()),
        json!(access_modes(&spec["accessModes"])),
        json!(
            spec["persistentVolumeReclaimPolicy"]
                .as_str()
                .unwrap_or("Retain")
        ),
        json!(obj["status"]["phase"].as_str().unwrap_or_default()),
        json!(claim),
        json!(spec["storageClassName"].as_str().unwrap_or_default()),
        json!(
            spec["volumeAttributesClassName"]
                .as_str()
                .unwrap_or("<unset>")
        ),
        json!(obj["status"]["reason"].as_str().unwrap_or_default()),
        age,
        json!(spec["volumeMode"].as_str().unwrap_or("<unset>")),
    ]
}

fn quota_usage(status: &Value) -> (String, String) {
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    if let Some(hard) = status["hard"].as_object() {
        for (resource, h) in hard {
            let used = status["used"][resource].as_str().unwrap_or("0");
            let line = format!("{resource}: {used}/{}", h.as_str().unwrap_or_default());
            if resource.starts_with("limits.") {
                limits.push(line);
            } else {
                requests.push(line);
            }
        }
    }
    (requests.join(", "), limits.join(", "))
}

fn job_cells(obj: &Value, name: Value, age: Value, now_ms: i64) -> Vec<Value> {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let succeeded = status["succeeded"].as_i64().unwrap_or(0);
    let completions = match spec["completions"].as_i64() {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec["parallelism"].as_i64().unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let has = |t: &str| {
        status["conditions"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == t && c["status"] == "True"))
    };
    let state = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if obj["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let time = |v: &Value| v.as_str().and_then(super::super::world::parse_time);
    let start = time(&status["startTime"]);
    let end = time(&status["completionTime"]);
    let duration = match (start, end) {
        (Some(s), Some(e)) => age::human(e - s),
        (Some(s), None) => age::human(now_ms - s),
        _ => String::new(),
    };
    let (c, i) = containers_and_images(&spec["template"]["spec"]);
    vec![
        name,
        json!(state),
        json!(completions),
        json!(duration),
        age,
        json!(c),
        json!(i),
        json!(selector_or_none(&spec["selector"])),
    ]
}

fn ingress_cells(obj: &Value, name: Value, age: Value) -> Vec<Value> {
    let spec = &obj["spec"];
    let rules = spec["rules"].as_array().cloned().unwrap_or_default();
    let hosts: Vec<&str> = rules
        .iter()
        .filter_map(|r| r["host"].as_str())
        .filter(|h| !h.is_empty())
        .collect();
    let hosts = match hosts.len() {
        0 => "*".to_string(),
        n if n > 3 => format!("{} + {} more...", hosts[..3].join(","), n - 3),
        _ => hosts.join(","),
    };
    let address: Vec<&str> = obj["status"]["loadBalancer"]["ingress"]
        .as_array()
        .map(|is| {
            is.iter()
                .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                .collect()
        })
        .unwrap_or_default();
    let ports = if spec["tls"].as_array().is_some_and(|t| !t.is_empty()) {
        "80, 443"
    } else {
        "80"
    };
    vec![
        name,
        json!(spec["ingressClassName"].as_str().unwrap_or("<none>")),
        json!(hosts),
        json!(address.join(",")),
        json!(ports),
        age,
    ]
}

/// The TARGETS column: `cpu: 45%/80%` per metric (`<unknown>` before the first reading).
fn hpa_targets(spec: &Value, status: &Value) -> String {
    let metrics = spec["metrics"].as_array().cloned().unwrap_or_default();
    if metrics.is_empty() {
        return "<none>".into();
    }
    let current = status["currentMetrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let parts: Vec<String> = metrics
        .iter()
        .map(|m| {
            let res = &m["resource"];
            let name = res["name"].as_str().unwrap_or_default();
            let now = current
                .iter()
                .find(|c| c["resource"]["name"].as_str() == Some(name))
                .map(|c| &c["resource"]["current"]);
            let target = &res["target"];
            if let Some(t) = target["averageUtilization"].as_i64() {
                let cur = now
                    .and_then(|c| c["averageUtilization"].as_i64())
                    .map_or("<unknown>".to_string(), |c| format!("{c}%"));
                format!("{name}: {cur}/{t}%")
            } else if let Some(t) = target["averageValue"].as_str() {
                let cur = now
                    .and_then(|c| c["averageValue"].as_str())
                    .unwrap_or("<unknown>");
                format!("{name}: {cur}/{t}")
            } else {
                "<unknown>".to_string()
            }
        })
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_column_shows_three_then_more() {
        let ep = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
            "ports": [{"port": 8080}]}]});
        assert_eq!(
            endpoints(&ep),
            "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more..."
        );
        assert_eq!(endpoints(&json!({})), "<none>");
        let not_ready = json!({"subsets": [{"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]});
        assert_eq!(endpoints(&not_ready), "");
    }

    #[test]
    fn hpa_and_job_cells() {
        let spec = json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]});
        assert_eq!(hpa_targets(&spec, &json!({})), "cpu: <unknown>/80%");
        let job = json!({"metadata": {"name": "j"}, "spec": {"completions": 3},
            "status": {"succeeded": 3, "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:00:42Z",
              "conditions": [{"type": "Complete", "status": "True"}]}});
        let c = job_cells(&job, json!("j"), json!("1m"), 0);
        assert_eq!(c[1..4], [json!("Complete"), json!("3/3"), json!("42s")]);
    }
}

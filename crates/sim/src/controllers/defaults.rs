//! The defaults the real API server fills into pod templates, so objects read back like a
//! cluster's and `rollout undo` sends templates the simulator recognises.

use serde_json::{Value, json};

fn default(obj: &mut Value, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj[key] = value;
    }
}

/// Fills the server-side defaults of a pod spec.
pub(crate) fn pod_spec(spec: &mut Value) {
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "securityContext", json!({}));
    default(spec, "schedulerName", json!("default-scheduler"));
    if let Some(cs) = spec["containers"].as_array_mut() {
        for c in cs {
            default(c, "resources", json!({}));
            default(c, "terminationMessagePath", json!("/dev/termination-log"));
            default(c, "terminationMessagePolicy", json!("File"));
            default(c, "imagePullPolicy", json!("IfNotPresent"));
        }
    }
}

/// Fills the defaults of a pod template (`metadata` + `spec`).
pub(crate) fn template(tpl: &mut Value) {
    if !tpl["metadata"].is_object() {
        tpl["metadata"] = json!({});
    }
    default(&mut tpl["metadata"], "creationTimestamp", Value::Null);
    if let Some(m) = tpl["metadata"].as_object_mut() {
        m.remove("creationTimestamp");
    }
    pod_spec(&mut tpl["spec"]);
}

/// Spec fields of a pod created from a template that the template does not carry.
pub(crate) fn pod_from_template(spec: &mut Value) {
    pod_spec(spec);
    default(spec, "serviceAccountName", json!("default"));
    default(spec, "serviceAccount", json!("default"));
    default(spec, "enableServiceLinks", json!(true));
    default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    default(spec, "priority", json!(0));
    default(
        spec,
        "tolerations",
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ]),
    );
}

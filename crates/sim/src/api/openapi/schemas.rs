//! `components.schemas` of a group version's document: the kinds served there, everything
//! they reference, the `x-kubernetes-group-version-kind` that lets clients find a kind, and the
//! strategic-merge markers (`x-kubernetes-patch-merge-key` / `-strategy`) kubectl's
//! client-side apply reads from the published schema.

use k8s_openapi::api::{
    apps, authentication, authorization, autoscaling, batch, coordination, core, events, networking, policy,
    storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::super::super::resources::{RESOURCES, Resource};
use super::super::crd;

/// The component name of a kind's schema (`io.k8s.api.core.v1.Pod`,
/// `io.argoproj.v1alpha1.Rollout`).
pub(crate) fn schema_name(r: &Resource) -> String {
    if r.custom {
        let reversed: Vec<&str> = r.group.split('.').rev().collect();
        return format!("{}.{}.{}", reversed.join("."), r.version, r.kind);
    }
    builtin(r)
        .map(|(name, _)| name)
        .unwrap_or_else(|| r.kind.to_string())
}

/// A schema's component name and the call that adds it (and what it references).
type Generated = (String, fn(&mut SchemaGenerator));

fn of<T: JsonSchema>() -> Generated {
    (T::schema_name().into_owned(), |g| {
        g.subschema_for::<T>();
    })
}

/// The k8s-openapi type of a built-in kind: its schema name and how to generate it.
fn builtin(r: &Resource) -> Option<Generated> {
    Some(match (r.group, r.kind) {
        ("", "Namespace") => of::<core::v1::Namespace>(),
        ("", "Node") => of::<core::v1::Node>(),
        ("", "Pod") => of::<core::v1::Pod>(),
        ("", "Event") => of::<core::v1::Event>(),
        ("", "Service") => of::<core::v1::Service>(),
        ("", "ConfigMap") => of::<core::v1::ConfigMap>(),
        ("", "Secret") => of::<core::v1::Secret>(),
        ("", "ServiceAccount") => of::<core::v1::ServiceAccount>(),
        ("", "Endpoints") => of::<core::v1::Endpoints>(),
        ("", "PersistentVolumeClaim") => of::<core::v1::PersistentVolumeClaim>(),
        ("", "LimitRange") => of::<core::v1::LimitRange>(),
        ("", "ResourceQuota") => of::<core::v1::ResourceQuota>(),
        ("", "PersistentVolume") => of::<core::v1::PersistentVolume>(),
        ("storage.k8s.io", "StorageClass") => of::<storage::v1::StorageClass>(),
        ("networking.k8s.io", "NetworkPolicy") => of::<networking::v1::NetworkPolicy>(),
        ("networking.k8s.io", "IngressClass") => of::<networking::v1::IngressClass>(),
        ("apps", "Deployment") => of::<apps::v1::Deployment>(),
        ("apps", "ReplicaSet") => of::<apps::v1::ReplicaSet>(),
        ("apps", "StatefulSet") => of::<apps::v1::StatefulSet>(),
        ("apps", "DaemonSet") => of::<apps::v1::DaemonSet>(),
        ("batch", "Job") => of::<batch::v1::Job>(),
        ("batch", "CronJob") => of::<batch::v1::CronJob>(),
        ("networking.k8s.io", "Ingress") => of::<networking::v1::Ingress>(),
        ("policy", "PodDisruptionBudget") => of::<policy::v1::PodDisruptionBudget>(),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            of::<autoscaling::v2::HorizontalPodAutoscaler>()
        }
        ("events.k8s.io", "Event") => of::<events::v1::Event>(),
        ("coordination.k8s.io", "Lease") => of::<coordination::v1::Lease>(),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            of::<apiextensions::v1::CustomResourceDefinition>()
        }
        ("authentication.k8s.io", "SelfSubjectReview") => {
            of::<authentication::v1::SelfSubjectReview>()
        }
        ("authorization.k8s.io", "SelfSubjectAccessReview") => {
            of::<authorization::v1::SelfSubjectAccessReview>()
        }
        ("authorization.k8s.io", "SelfSubjectRulesReview") => {
            of::<authorization::v1::SelfSubjectRulesReview>()
        }
        _ => return None,
    })
}

/// Every schema a group version's document needs.
pub(crate) fn for_group_version(group: &str, version: &str) -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::openapi3());
    let kinds: Vec<&Resource> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    let mut custom = Vec::new();
    for r in &kinds {
        if r.custom {
            generator.subschema_for::<ObjectMeta>();
            if let Some(s) = crd::schema(r.kind) {
                custom.push((schema_name(r), published(s)));
            }
        } else if let Some((_, add)) = builtin(r) {
            add(&mut generator);
        }
    }
    let mut schemas = generator.take_definitions(true);
    schemas.extend(custom);
    for r in &kinds {
        if let Some(Value::Object(s)) = schemas.get_mut(&schema_name(r)) {
            // k8s-openapi marks `metadata` required on every kind; the server's schemas do not.
            if let Some(Value::Array(req)) = s.get_mut("required") {
                req.retain(|f| f != "metadata");
                if req.is_empty() {
                    s.remove("required");
                }
            }
            s.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": r.group, "version": r.version, "kind": r.kind}]),
            );
        }
    }
    mark_patch_strategies(&mut schemas);
    Value::Object(schemas)
}

/// A CRD's structural schema as the server publishes it: `metadata` refers to ObjectMeta and
/// `apiVersion`/`kind` carry their standard descriptions.
fn published(mut schema: Value) -> Value {
    if let Some(props) = schema["properties"].as_object_mut() {
        props.insert(
            "metadata".into(),
            json!({
                "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
                "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
            }),
        );
        props.insert("apiVersion".into(), json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"}));
        props.insert("kind".into(), json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"}));
    }
    schema
}

/// `(schema, property, strategy, merge key)` of the lists and maps the real server marks for
/// strategic merge patches, for the kinds the simulator serves.
const PATCH_MARKS: &[(&str, &str, &str, &str)] = &[
    ("io.k8s.api.core.v1.PodSpec", "containers", "merge", "name"),
    (
        "io.k8s.api.core.v1.PodSpec",
        "initContainers",
        "merge",
        "name",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "ephemeralContainers",
        "merge",
        "name",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "volumes",
        "merge,retainKeys",
        "name",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "imagePullSecrets",
        "merge",
        "name",
    ),
    ("io.k8s.api.core.v1.PodSpec", "hostAliases", "merge", "ip"),
    (
        "io.k8s.api.core.v1.PodSpec",
        "topologySpreadConstraints",
        "merge",
        "topologyKey",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "resourceClaims",
        "merge,retainKeys",
        "name",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "schedulingGates",
        "merge",
        "name",
    ),
    (
        "io.k8s.api.core.v1.Container",
        "ports",
        "merge",
        "containerPort",
    ),
    ("io.k8s.api.core.v1.Container", "env", "merge", "name"),
    (
        "io.k8s.api.core.v1.Container",
        "volumeMounts",
        "merge",
        "mountPath",
    ),
    (
        "io.k8s.api.core.v1.Container",
        "volumeDevices",
        "merge",
        "devicePath",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "env",
        "merge",
        "name",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "volumeMounts",
        "merge",
        "mountPath",
    ),
    (
        "io.k8s.api.core.v1.PodStatus",
        "conditions",
        "merge",
        "type",
    ),
    ("io.k8s.api.core.v1.PodStatus", "podIPs", "merge", "ip"),
    (
        "io.k8s.api.core.v1.NodeStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.core.v1.NodeStatus",
        "addresses",
        "merge",
        "type",
    ),
    ("io.k8s.api.core.v1.ServiceSpec", "ports", "merge", "port"),
    (
        "io.k8s.api.core.v1.ServiceAccount",
        "secrets",
        "merge",
        "name",
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "finalizers",
        "merge",
        "",
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "ownerReferences",
        "merge",
        "uid",
    ),
    (
        "io.k8s.api.apps.v1.DeploymentSpec",
        "strategy",
        "retainKeys",
        "",
    ),
    (
        "io.k8s.api.apps.v1.DeploymentStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.apps.v1.ReplicaSetStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.apps.v1.DaemonSetStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.batch.v1.JobStatus",
        "conditions",
        "merge",
        "type",
    ),
    (
        "io.k8s.api.policy.v1.PodDisruptionBudgetStatus",
        "conditions",
        "merge",
        "type",
    ),
];

fn mark_patch_strategies(schemas: &mut Map<String, Value>) {
    for (schema, prop, strategy, key) in PATCH_MARKS {
        let Some(p) = schemas
            .get_mut(*schema)
            .and_then(|s| s.get_mut("properties"))
            .and_then(|p| p.get_mut(*prop))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        p.insert("x-kubernetes-patch-strategy".into(), json!(strategy));
        if !key.is_empty() {
            p.insert("x-kubernetes-patch-merge-key".into(), json!(key));
        }
    }
}

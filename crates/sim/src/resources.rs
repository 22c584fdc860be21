//! The registry of Kubernetes resources the simulator serves: one row per kind, the single
//! source for routing, discovery (aggregated and legacy) and patch-type rules.

/// A subresource of a kind (`status`, `scale`, `log`).
#[derive(Debug)]
pub(crate) struct Subresource {
    /// Path segment after the object name.
    pub(crate) name: &'static str,
    /// Kind the subresource speaks (`Scale` for scale).
    pub(crate) kind: &'static str,
    /// Group/version of that kind when it differs from the parent's (`autoscaling/v1`).
    pub(crate) group_version: Option<(&'static str, &'static str)>,
    /// Verbs allowed on it.
    pub(crate) verbs: &'static [&'static str],
}

/// One served kind.
#[derive(Debug)]
pub(crate) struct Resource {
    /// API group; empty for the core group.
    pub(crate) group: &'static str,
    /// API version.
    pub(crate) version: &'static str,
    /// Kind name.
    pub(crate) kind: &'static str,
    /// Plural resource name used in URLs.
    pub(crate) plural: &'static str,
    /// Singular resource name.
    pub(crate) singular: &'static str,
    /// Whether objects live in a namespace.
    pub(crate) namespaced: bool,
    /// kubectl short names.
    pub(crate) short_names: &'static [&'static str],
    /// Categories (`all`).
    pub(crate) categories: &'static [&'static str],
    /// Verbs on the collection and objects.
    pub(crate) verbs: &'static [&'static str],
    /// Served subresources.
    pub(crate) subresources: &'static [Subresource],
    /// True for CRDs, which do not support strategic merge patch.
    pub(crate) custom: bool,
}

impl Resource {
    /// `group/version`, or just `version` for the core group.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kind of a list of these (`PodList`).
    pub(crate) fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The subresource with this name, if served.
    pub(crate) fn subresource(&self, name: &str) -> Option<&'static Subresource> {
        self.subresources.iter().find(|s| s.name == name)
    }
}

/// Stable index of a resource in [`RESOURCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId(pub(crate) usize);

impl ResId {
    /// The resource this id names.
    pub(crate) fn def(self) -> &'static Resource {
        &RESOURCES[self.0]
    }
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const READ: &[&str] = &["get", "list", "watch"];
const CREATE: &[&str] = &["create"];
const STATUS: Subresource = Subresource {
    name: "status",
    kind: "",
    group_version: None,
    verbs: &["get", "patch", "update"],
};
const SCALE: Subresource = Subresource {
    name: "scale",
    kind: "Scale",
    group_version: Some(("autoscaling", "v1")),
    verbs: &["get", "patch", "update"],
};

/// Every kind the simulator serves. Order is stable: [`ResId`] indexes it.
pub(crate) static RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        singular: "namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: &[],
        verbs: &[
            "create", "delete", "get", "list", "patch", "update", "watch",
        ],
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Node",
        plural: "nodes",
        singular: "node",
        namespaced: false,
        short_names: &["no"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
        singular: "pod",
        namespaced: true,
        short_names: &["po"],
        categories: &["all"],
        verbs: RW,
        subresources: &[
            Subresource {
                name: "log",
                kind: "Pod",
                group_version: None,
                verbs: &["get"],
            },
            STATUS,
        ],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Event",
        plural: "events",
        singular: "event",
        namespaced: true,
        short_names: &["ev"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Service",
        plural: "services",
        singular: "service",
        namespaced: true,
        short_names: &["svc"],
        categories: &["all"],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
        singular: "deployment",
        namespaced: true,
        short_names: &["deploy"],
        categories: &["all"],
        verbs: RW,
        subresources: &[SCALE, STATUS],
        custom: false,
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "ReplicaSet",
        plural: "replicasets",
        singular: "replicaset",
        namespaced: true,
        short_names: &["rs"],
        categories: &["all"],
        verbs: RW,
        subresources: &[SCALE, STATUS],
        custom: false,
    },
    Resource {
        group: "argoproj.io",
        version: "v1alpha1",
        kind: "Rollout",
        plural: "rollouts",
        singular: "rollout",
        namespaced: true,
        short_names: &["ro"],
        categories: &[],
        verbs: RW,
        subresources: &[
            Subresource {
                name: "scale",
                kind: "Scale",
                group_version: Some(("autoscaling", "v1")),
                verbs: &["get", "patch", "update"],
            },
            STATUS,
        ],
        custom: true,
    },
    Resource {
        group: "argoproj.io",
        version: "v1alpha1",
        kind: "AnalysisRun",
        plural: "analysisruns",
        singular: "analysisrun",
        namespaced: true,
        short_names: &["ar"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: true,
    },
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectAccessReview",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        namespaced: false,
        short_names: &[],
        categories: &[],
        verbs: &["create"],
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        plural: "configmaps",
        singular: "configmap",
        namespaced: true,
        short_names: &["cm"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Secret",
        plural: "secrets",
        singular: "secret",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        namespaced: true,
        short_names: &["sa"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Endpoints",
        plural: "endpoints",
        singular: "endpoints",
        namespaced: true,
        short_names: &["ep"],
        categories: &[],
        verbs: READ,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "PersistentVolumeClaim",
        plural: "persistentvolumeclaims",
        singular: "persistentvolumeclaim",
        namespaced: true,
        short_names: &["pvc"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "LimitRange",
        plural: "limitranges",
        singular: "limitrange",
        namespaced: true,
        short_names: &["limits"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ResourceQuota",
        plural: "resourcequotas",
        singular: "resourcequota",
        namespaced: true,
        short_names: &["quota"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "StatefulSet",
        plural: "statefulsets",
        singular: "statefulset",
        namespaced: true,
        short_names: &["sts"],
        categories: &["all"],
        verbs: RW,
        subresources: &[SCALE, STATUS],
        custom: false,
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "DaemonSet",
        plural: "daemonsets",
        singular: "daemonset",
        namespaced: true,
        short_names: &["ds"],
        categories: &["all"],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "batch",
        version: "v1",
        kind: "Job",
        plural: "jobs",
        singular: "job",
        namespaced: true,
        short_names: &[],
        categories: &["all"],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "batch",
        version: "v1",
        kind: "CronJob",
        plural: "cronjobs",
        singular: "cronjob",
        namespaced: true,
        short_names: &["cj"],
        categories: &["all"],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "networking.k8s.io",
        version: "v1",
        kind: "Ingress",
        plural: "ingresses",
        singular: "ingress",
        namespaced: true,
        short_names: &["ing"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "policy",
        version: "v1",
        kind: "PodDisruptionBudget",
        plural: "poddisruptionbudgets",
        singular: "poddisruptionbudget",
        namespaced: true,
        short_names: &["pdb"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "autoscaling",
        version: "v2",
        kind: "HorizontalPodAutoscaler",
        plural: "horizontalpodautoscalers",
        singular: "horizontalpodautoscaler",
        namespaced: true,
        short_names: &["hpa"],
        categories: &["all"],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "events.k8s.io",
        version: "v1",
        kind: "Event",
        plural: "events",
        singular: "event",
        namespaced: true,
        short_names: &["ev"],
        categories: &[],
        verbs: READ,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "apiextensions.k8s.io",
        version: "v1",
        kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions",
        singular: "customresourcedefinition",
        namespaced: false,
        short_names: &["crd", "crds"],
        categories: &["api-extensions"],
        verbs: READ,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "authentication.k8s.io",
        version: "v1",
        kind: "SelfSubjectReview",
        plural: "selfsubjectreviews",
        singular: "selfsubjectreview",
        namespaced: false,
        short_names: &[],
        categories: &[],
        verbs: CREATE,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectRulesReview",
        plural: "selfsubjectrulesreviews",
        singular: "selfsubjectrulesreview",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: CREATE,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "",
        version: "v1",
        kind: "PersistentVolume",
        plural: "persistentvolumes",
        singular: "persistentvolume",
        namespaced: false,
        short_names: &["pv"],
        categories: &[],
        verbs: RW,
        subresources: &[STATUS],
        custom: false,
    },
    Resource {
        group: "storage.k8s.io",
        version: "v1",
        kind: "StorageClass",
        plural: "storageclasses",
        singular: "storageclass",
        namespaced: false,
        short_names: &["sc"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "networking.k8s.io",
        version: "v1",
        kind: "NetworkPolicy",
        plural: "networkpolicies",
        singular: "networkpolicy",
        namespaced: true,
        short_names: &["netpol"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "networking.k8s.io",
        version: "v1",
        kind: "IngressClass",
        plural: "ingressclasses",
        singular: "ingressclass",
        namespaced: false,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "coordination.k8s.io",
        version: "v1",
        kind: "Lease",
        plural: "leases",
        singular: "lease",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: false,
    },
    Resource {
        group: "argoproj.io",
        version: "v1alpha1",
        kind: "AnalysisTemplate",
        plural: "analysistemplates",
        singular: "analysistemplate",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: true,
    },
    Resource {
        group: "argoproj.io",
        version: "v1alpha1",
        kind: "ClusterAnalysisTemplate",
        plural: "clusteranalysistemplates",
        singular: "clusteranalysistemplate",
        namespaced: false,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        custom: true,
    },
];

/// Named ids for the kinds controllers touch, so they need no lookups.
pub mod ids {
    use super::ResId;
    /// namespaces
    pub(crate) const NAMESPACES: ResId = ResId(0);
    /// nodes
    pub(crate) const NODES: ResId = ResId(1);
    /// pods
    pub const PODS: ResId = ResId(2);
    /// events
    pub(crate) const EVENTS: ResId = ResId(3);
    /// services
    pub(crate) const SERVICES: ResId = ResId(4);
    /// deployments
    pub(crate) const DEPLOYMENTS: ResId = ResId(5);
    /// replicasets
    pub(crate) const REPLICASETS: ResId = ResId(6);
    /// rollouts
    pub(crate) const ROLLOUTS: ResId = ResId(7);
    /// analysisruns
    pub(crate) const ANALYSISRUNS: ResId = ResId(8);
    /// selfsubjectaccessreviews
    pub(crate) const SSAR: ResId = ResId(9);
    /// configmaps
    pub(crate) const CONFIGMAPS: ResId = ResId(10);
    /// secrets
    pub(crate) const SECRETS: ResId = ResId(11);
    /// serviceaccounts
    pub(crate) const SERVICEACCOUNTS: ResId = ResId(12);
    /// endpoints (computed from Services and Pods when read)
    pub(crate) const ENDPOINTS: ResId = ResId(13);
    /// persistentvolumeclaims
    pub(crate) const PVCS: ResId = ResId(14);
    /// limitranges
    pub(crate) const LIMITRANGES: ResId = ResId(15);
    /// resourcequotas
    pub(crate) const RESOURCEQUOTAS: ResId = ResId(16);
    /// statefulsets
    pub(crate) const STATEFULSETS: ResId = ResId(17);
    /// daemonsets
    pub(crate) const DAEMONSETS: ResId = ResId(18);
    /// jobs
    pub(crate) const JOBS: ResId = ResId(19);
    /// cronjobs
    pub(crate) const CRONJOBS: ResId = ResId(20);
    /// ingresses
    pub(crate) const INGRESSES: ResId = ResId(21);
    /// poddisruptionbudgets
    pub(crate) const PDBS: ResId = ResId(22);
    /// horizontalpodautoscalers
    pub(crate) const HPAS: ResId = ResId(23);
    /// events.k8s.io/v1 events (a view of the core events)
    pub(crate) const EVENTS_V1: ResId = ResId(24);
    /// customresourcedefinitions
    pub(crate) const CRDS: ResId = ResId(25);
    /// selfsubjectreviews
    pub(crate) const SSR: ResId = ResId(26);
    /// selfsubjectrulesreviews
    pub(crate) const SSRR: ResId = ResId(27);
    /// persistentvolumes
    pub(crate) const PVS: ResId = ResId(28);
    /// storageclasses
    pub(crate) const STORAGECLASSES: ResId = ResId(29);
    /// networkpolicies
    pub(crate) const NETWORKPOLICIES: ResId = ResId(30);
    /// ingressclasses
    pub(crate) const INGRESSCLASSES: ResId = ResId(31);
    /// leases (coordination.k8s.io)
    pub(crate) const LEASES: ResId = ResId(32);
    /// analysistemplates
    pub(crate) const ANALYSISTEMPLATES: ResId = ResId(33);
    /// clusteranalysistemplates
    pub(crate) const CLUSTERANALYSISTEMPLATES: ResId = ResId(34);
}

/// Finds a resource by group, version and plural.
pub(crate) fn find(group: &str, version: &str, plural: &str) -> Option<ResId> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
        .map(ResId)
}

/// The distinct API groups served besides the core group, in registry order.
pub(crate) fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.iter().any(|(g, _)| *g == r.group) {
            out.push((r.group, r.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_point_at_their_kinds() {
        assert_eq!(ids::PODS.def().kind, "Pod");
        assert_eq!(ids::REPLICASETS.def().kind, "ReplicaSet");
        assert_eq!(ids::ROLLOUTS.def().kind, "Rollout");
        assert_eq!(ids::SSAR.def().kind, "SelfSubjectAccessReview");
        assert_eq!(find("apps", "v1", "deployments"), Some(ids::DEPLOYMENTS));
        assert_eq!(find("", "v1", "nope"), None);
        assert_eq!(ids::ENDPOINTS.def().kind, "Endpoints");
        assert_eq!(ids::EVENTS_V1.def().group, "events.k8s.io");
        assert_eq!(ids::CRDS.def().plural, "customresourcedefinitions");
        assert_eq!(ids::SSRR.def().kind, "SelfSubjectRulesReview");
        assert_eq!(RESOURCES.len(), 35);
        assert_eq!(ids::ANALYSISTEMPLATES.def().kind, "AnalysisTemplate");
        assert_eq!(
            ids::CLUSTERANALYSISTEMPLATES.def().kind,
            "ClusterAnalysisTemplate"
        );
        assert_eq!(ids::INGRESSCLASSES.def().kind, "IngressClass");
        assert_eq!(ids::LEASES.def().kind, "Lease");
    }
}

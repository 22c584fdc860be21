//! Objects every real cluster has without anyone asking: in each namespace the `default`
//! ServiceAccount (made by the service account controller) and the `kube-root-ca.crt`
//! ConfigMap (made by the root CA publisher), and the CRDs of the Argo kinds served.

use serde_json::json;

use super::super::resources::ids;
use super::super::store::Store;

/// The annotation the root CA publisher puts on `kube-root-ca.crt`.
const CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// Creates a namespace's `default` ServiceAccount and `kube-root-ca.crt` ConfigMap (those that
/// do not exist yet), created at `now` (RFC 3339).
pub(crate) fn namespace_defaults(store: &mut Store, namespace: &str, now: &str) {
    if store
        .get(ids::SERVICEACCOUNTS, namespace, "default")
        .is_none()
    {
        let sa = json!({"metadata": {"name": "default", "namespace": namespace, "creationTimestamp": now}});
        if let Err(e) = store.create(ids::SERVICEACCOUNTS, sa, now) {
            tracing::warn!(
                "cannot create the default service account in {namespace}: {}",
                e.message
            );
        }
    }
    if store
        .get(ids::CONFIGMAPS, namespace, "kube-root-ca.crt")
        .is_none()
    {
        // The simulator's CA belongs to the server process, not to the world, so the bundle
        // is published without a certificate in it.
        let cm = json!({
            "metadata": {"name": "kube-root-ca.crt", "namespace": namespace, "creationTimestamp": now,
                "annotations": {"kubernetes.io/description": CA_DESCRIPTION}},
            "data": {"ca.crt": ""},
        });
        if let Err(e) = store.create(ids::CONFIGMAPS, cm, now) {
            tracing::warn!(
                "cannot create kube-root-ca.crt in {namespace}: {}",
                e.message
            );
        }
    }
}

/// Creates the cluster-wide objects: the default StorageClass of a GKE cluster and the CRDs
/// of the custom kinds served.
pub(crate) fn cluster_defaults(store: &mut Store, now: &str) {
    if store.get(ids::STORAGECLASSES, "", "standard-rwo").is_none() {
        let sc = json!({
            "metadata": {"name": "standard-rwo", "creationTimestamp": now,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"}},
            "provisioner": "pd.csi.storage.gke.io",
            "parameters": {"type": "pd-balanced"},
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": true,
        });
        if let Err(e) = store.create(ids::STORAGECLASSES, sc, now) {
            tracing::warn!("cannot create the default StorageClass: {}", e.message);
        }
    }
    for crd in super::crd::objects(now) {
        let name = crd["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if store.get(ids::CRDS, "", &name).is_none()
            && let Err(e) = store.create(ids::CRDS, crd, now)
        {
            tracing::warn!("cannot create the CRD {name}: {}", e.message);
        }
    }
}

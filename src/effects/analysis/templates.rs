//! The AnalysisTemplates of watched Rollouts: read through the kube client when a release's
//! references appear or change, then again every few minutes (templates change rarely),
//! converted to triggers and answered as `AnalysisMsg::Templates`. A template that is missing
//! or forbidden is a note saying what to do; nothing here is fatal.

use std::time::Duration;

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::integrations::kube::client::innermost;
use crate::integrations::kube::convert::analysis_template;
use quarterdeck_core::Msg;
use quarterdeck_core::analysis::template::triggers;
use quarterdeck_core::analysis::{AnalysisMsg, AnalysisTemplate, AnalysisWatch};
use quarterdeck_core::release::ReleaseId;
use quarterdeck_core::rollout::TemplateRef;

/// How often templates are read again once read.
const REFRESH: Duration = Duration::from_secs(180);

/// What one reader reads: a release's templates, as its watch names them.
type Key = (ReleaseId, Vec<TemplateRef>);

/// One reader per watched release that names templates.
pub(super) struct TemplateReaders {
    client: Option<kube::Client>,
    tx: UnboundedSender<Msg>,
    /// Retry delay after a failed read.
    retry: Duration,
    readers: Vec<(Key, JoinHandle<()>)>,
}

impl TemplateReaders {
    /// Readers through `client` (none without one), retrying after `retry` when a read fails.
    pub(super) fn new(
        client: Option<kube::Client>,
        retry: Duration,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        Self {
            client,
            tx,
            retry,
            readers: Vec::new(),
        }
    }

    /// Reads the templates of exactly `watches`: unchanged readers keep running (a watch that
    /// only turned urgent reads nothing again), the others stop or start.
    pub(super) fn watch(&mut self, watches: &[AnalysisWatch]) {
        let mut old = std::mem::take(&mut self.readers);
        for w in watches.iter().filter(|w| !w.templates.is_empty()) {
            let key = (w.release.clone(), w.templates.clone());
            if let Some(i) = old.iter().position(|(k, _)| *k == key) {
                self.readers.push(old.swap_remove(i));
                continue;
            }
            let Some(client) = self.client.clone() else {
                continue;
            };
            let task = tokio::spawn(read_every(client, key.clone(), self.retry, self.tx.clone()));
            self.readers.push((key, task));
        }
        for (_, task) in old {
            task.abort();
        }
    }

    /// Reads through `client` from now on (the context changed): every reader starts again.
    pub(super) fn set_client(&mut self, client: kube::Client) {
        self.client = Some(client.clone());
        for (key, task) in &mut self.readers {
            task.abort();
            *task = tokio::spawn(read_every(
                client.clone(),
                key.clone(),
                self.retry,
                self.tx.clone(),
            ));
        }
    }
}

impl Drop for TemplateReaders {
    fn drop(&mut self) {
        for (_, task) in self.readers.drain(..) {
            task.abort();
        }
    }
}

/// Reads one release's templates until aborted or the event loop is gone.
async fn read_every(client: kube::Client, key: Key, retry: Duration, tx: UnboundedSender<Msg>) {
    let (release, refs) = key;
    loop {
        let msg = read_all(&client, &release, &refs).await;
        let wait = match msg {
            AnalysisMsg::TemplatesFailed { .. } => retry,
            _ => REFRESH,
        };
        if tx.send(Msg::Analysis(msg)).is_err() {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// The templates' triggers, a note per template missing or forbidden and per metric that is
/// not a trigger; a failure when the cluster could not answer.
async fn read_all(client: &kube::Client, release: &ReleaseId, refs: &[TemplateRef]) -> AnalysisMsg {
    let ns = &release.key.namespace;
    let mut templates = Vec::new();
    let mut notes = Vec::new();
    for r in refs {
        match read(client, ns, r).await {
            Ok(t) => templates.push(t),
            Err(kube::Error::Api(s)) if s.code == 404 => notes.push(format!(
                "{} not found: create it, or set triggers in the release's [[release]]",
                what(ns, r)
            )),
            Err(kube::Error::Api(s)) if s.code == 403 => notes.push(format!(
                "{} forbidden (403): allow get on {}.argoproj.io, or set triggers in [[release]]",
                what(ns, r),
                resource(r).plural
            )),
            Err(e) => {
                return AnalysisMsg::TemplatesFailed {
                    release: release.clone(),
                    refs: refs.to_vec(),
                    message: format!("cannot read {}: {}", what(ns, r), innermost(&e)),
                };
            }
        }
    }
    let (triggers, metric_notes) = triggers(&templates);
    notes.extend(metric_notes);
    AnalysisMsg::Templates {
        release: release.clone(),
        refs: refs.to_vec(),
        triggers,
        notes,
    }
}

async fn read(
    client: &kube::Client,
    ns: &str,
    r: &TemplateRef,
) -> Result<AnalysisTemplate, kube::Error> {
    let ar = resource(r);
    let api: Api<DynamicObject> = if r.cluster_scope {
        Api::all_with(client.clone(), &ar)
    } else {
        Api::namespaced_with(client.clone(), ns, &ar)
    };
    api.get(&r.name).await.map(|o| analysis_template(&o))
}

/// "AnalysisTemplate bnpl/error-rate" or "ClusterAnalysisTemplate error-rate".
fn what(ns: &str, r: &TemplateRef) -> String {
    if r.cluster_scope {
        format!("ClusterAnalysisTemplate {}", r.name)
    } else {
        format!("AnalysisTemplate {ns}/{}", r.name)
    }
}

/// The dynamic API resource of a reference: namespaced or cluster-wide.
fn resource(r: &TemplateRef) -> ApiResource {
    let (kind, plural) = if r.cluster_scope {
        ("ClusterAnalysisTemplate", "clusteranalysistemplates")
    } else {
        ("AnalysisTemplate", "analysistemplates")
    };
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", kind),
        plural,
    )
}

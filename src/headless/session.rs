//! What every command starts from: the kubeconfig context, the configuration, and a snapshot
//! of the cluster in the core's `Model`, so commands and the dashboard share one derivation of
//! releases, gates and plans.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, DynamicObject, ListParams};
use kube::config::Kubeconfig;
use serde::de::DeserializeOwned;

use super::exit::{Exit, Failure};
use crate::cli::DashboardArgs;
use crate::config::releases::load_releases;
use crate::config::{ControlConfig, config_dir, load_control, state_dir};
use crate::control::journal::Journal;
use crate::effects::CiSetup;
use crate::integrations::kube::{client, convert, watch};
use quarterdeck_core::cluster::{Kind, Object};
use quarterdeck_core::link::ReleasesConfig;
use quarterdeck_core::release::ReleaseId;
use quarterdeck_core::{Model, Msg, Scope, Target, WatchEvent, update};

/// A connected context and the configuration a command runs with.
pub struct Session {
    /// The kubeconfig.
    pub kubeconfig: Kubeconfig,
    /// The client of the context.
    pub client: kube::Client,
    /// The context's name.
    pub context: String,
    /// Every context of the kubeconfig.
    pub contexts: Vec<String>,
    /// The API server.
    pub server: String,
    /// The namespaces asked for (`-n`, `-A`, else the context's namespace).
    pub scope: Scope,
    /// `--readonly`.
    pub readonly: bool,
    /// `[[release]]` links and CI base URLs.
    pub releases: ReleasesConfig,
    /// `[contexts]` and `[notify]`.
    pub control: ControlConfig,
    /// The CI endpoints and tokens.
    pub ci: CiSetup,
    /// The kubeconfig user of the context (who acts).
    pub user: String,
    /// The journal, when a state directory is known.
    pub journal: Option<Journal>,
}

impl Session {
    /// Reads the configuration and connects to the context, as the dashboard does.
    pub async fn open(args: &DashboardArgs) -> Result<Self, Failure> {
        let dir = config_dir();
        let usage = |e: &dyn std::fmt::Display| Failure::new(Exit::Usage, e.to_string());
        let releases = load_releases(dir.as_deref()).map_err(|e| usage(&e))?;
        let control = load_control(dir.as_deref()).map_err(|e| usage(&e))?;
        let kubeconfig =
            client::read_kubeconfig(args.kubeconfig.as_deref()).map_err(|e| usage(&e))?;
        let connected = client::connect(&kubeconfig, args.context.as_deref())
            .await
            .map_err(|e| {
                let text = e.to_string();
                let exit = if text.contains("401") || text.contains("Unauthorized") {
                    Exit::Auth
                } else {
                    Exit::Error
                };
                Failure::new(exit, text)
            })?;
        let scope = if args.all_namespaces {
            Scope::All
        } else {
            Scope::Namespace(
                args.namespace
                    .clone()
                    .unwrap_or_else(|| connected.namespace.clone()),
            )
        };
        let user = client::context_user(&kubeconfig, &connected.context);
        let ci = crate::app::ci_from_env(&releases);
        Ok(Self {
            client: connected.client,
            context: connected.context,
            contexts: connected.contexts,
            server: connected.server,
            kubeconfig,
            scope,
            readonly: args.readonly,
            releases,
            control,
            ci,
            user,
            journal: state_dir().map(|d| Journal::in_dir(&d)),
        })
    }

    /// The scope a release argument needs: its namespace when it names one, else the session's.
    pub fn scope_for(&self, release: &str) -> Scope {
        match release.split_once('/') {
            Some((ns, _)) if !ns.is_empty() => Scope::Namespace(ns.to_string()),
            _ => self.scope.clone(),
        }
    }

    /// An empty model for this session (target, policies, release links), at `now_ms`.
    pub fn model(&self, scope: &Scope, now_ms: i64) -> Model {
        let target = Target {
            context: self.context.clone(),
            contexts: self.contexts.clone(),
            scope: scope.clone(),
            server: self.server.clone(),
            readonly: self.readonly,
        };
        let mut model = Model::new(target, quarterdeck_core::keymap::Keymap::default(), now_ms);
        model.ci.config = self.releases.clone();
        model.control.policies = self.control.policies.clone();
        model
    }

    /// The model after one list of every kind in `scope` (no watch is left running).
    pub async fn snapshot(&self, scope: &Scope, now_ms: i64) -> Result<Model, Failure> {
        let mut model = self.model(scope, now_ms);
        let ns = match scope {
            Scope::Namespace(ns) => Some(ns.as_str()),
            Scope::All => None,
        };
        let c = &self.client;
        let lists = [
            (
                Kind::Deployments,
                list::<Deployment>(c, ns, |d| Object::Deployment(convert::deployment(d))).await,
            ),
            (
                Kind::ReplicaSets,
                list::<ReplicaSet>(c, ns, |r| Object::ReplicaSet(convert::replicaset(r))).await,
            ),
            (
                Kind::Pods,
                list::<Pod>(c, ns, |p| Object::Pod(convert::pod(p))).await,
            ),
            (
                Kind::Events,
                list::<Event>(c, ns, |e| Object::Event(convert::event(e))).await,
            ),
            (Kind::Rollouts, rollouts(c, ns).await),
        ];
        for (kind, objects) in lists {
            let objects = match objects {
                Ok(o) => o,
                // Clusters without Argo Rollouts, or RBAC that hides a kind: nothing of it.
                Err(e) if matches!(&e, kube::Error::Api(s) if s.code == 404 || s.code == 403) => {
                    Vec::new()
                }
                Err(e @ kube::Error::Api(_)) => return Err(api_failure(&e)),
                Err(e) => {
                    return Err(Failure::new(
                        Exit::Error,
                        format!(
                            "cannot reach the API server {} of context {}: {}; check the network or pick another context with --context",
                            self.server,
                            self.context,
                            client::innermost(&e)
                        ),
                    ));
                }
            };
            update(
                &mut model,
                Msg::Watch(WatchEvent::Replace { kind, objects }),
            );
        }
        Ok(model)
    }
}

/// How an API error ends a command: 401 is an authentication failure, the rest an error.
pub fn api_failure(e: &kube::Error) -> Failure {
    let exit = match e {
        kube::Error::Api(s) if s.code == 401 => Exit::Auth,
        _ => Exit::Error,
    };
    Failure::new(exit, client::innermost(e))
}

async fn list<K>(
    client: &kube::Client,
    ns: Option<&str>,
    to: impl Fn(&K) -> Object,
) -> Result<Vec<Object>, kube::Error>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    Ok(api
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(to)
        .collect())
}

async fn rollouts(client: &kube::Client, ns: Option<&str>) -> Result<Vec<Object>, kube::Error> {
    let ar = watch::rollout_resource();
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let items = api.list(&ListParams::default()).await?.items;
    Ok(items
        .iter()
        .map(|r| Object::Rollout(convert::rollout(r)))
        .collect())
}

/// The release a command names: `namespace/name`, or `name` when exactly one release has it.
pub fn resolve(model: &Model, text: &str) -> Result<ReleaseId, Failure> {
    let rows = &model.releases.rows;
    let matches: Vec<&ReleaseId> = match text.split_once('/') {
        Some((ns, name)) => rows
            .iter()
            .map(|r| &r.id)
            .filter(|id| id.key.namespace == ns && id.key.name == name)
            .collect(),
        None => rows
            .iter()
            .map(|r| &r.id)
            .filter(|id| id.key.name == text)
            .collect(),
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Failure::new(
            Exit::Usage,
            format!(
                "no release {text} in {}; `quarterdeck get releases` lists them",
                model.target.scope.label()
            ),
        )),
        many => Err(Failure::new(
            Exit::Usage,
            format!(
                "{text} is ambiguous ({}); name it as namespace/name",
                many.iter()
                    .map(|id| format!("{}/{}", id.key.namespace, id.key.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

//! `quarterdeck get releases|gates|pipeline|rollout|history|pods`: the dashboard's panes as
//! documents, derived by the same core functions from one snapshot of the cluster (and one
//! round of the CI pollers for gates and pipelines).
//!
//! Every JSON document is an object: a list under a plural key (`releases`, `gates`, `pods`,
//! `revisions`), or the release's `namespace/name` under `release` and the rest beside it.

use serde::Serialize;

use super::exit::{Exit, Failure};
use super::output::{self, Table, timestamp};
use super::session::{Session, resolve};
use super::{Outcome, ci, gate_id};
use crate::cli::{DashboardArgs, GetArgs, GetWhat};
use quarterdeck_core::concerns::ci::release_runs;
use quarterdeck_core::control::{InboxItem, inbox};
use quarterdeck_core::gate::GateKind;
use quarterdeck_core::pipeline::{CiErrorKind, Pipeline, Provider, RunMatch};
use quarterdeck_core::release::{self, Release, ReleaseId, WorkloadKind};
use quarterdeck_core::time::age;
use quarterdeck_core::{Model, Scope};

/// Prints what `args` asks for.
pub async fn run(args: GetArgs, global: &DashboardArgs) -> Outcome {
    let session = Session::open(global).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let out = &args.out;
    match args.what {
        GetWhat::Releases => {
            let model = session.snapshot(&session.scope, now).await?;
            let (doc, table) = releases(&model);
            output::print(out, &doc, &table)?;
        }
        GetWhat::Gates => {
            let mut model = session.snapshot(&session.scope, now).await?;
            ci::fetch(&session, &mut model).await?;
            let (doc, table) = gates(&model, session.readonly);
            output::print(out, &doc, &table)?;
            return ci_errors(&model, None);
        }
        GetWhat::Pipeline(r) => {
            let (mut model, id) = one(&session, &r.release, now).await?;
            ci::fetch(&session, &mut model).await?;
            ci_errors(&model, Some(&id))?;
            let (doc, table) = pipeline(&model, &id)?;
            output::print(out, &doc, &table)?;
        }
        GetWhat::Rollout(r) => {
            let (model, id) = one(&session, &r.release, now).await?;
            let (doc, table) = rollout(&model, &id)?;
            output::print(out, &doc, &table)?;
        }
        GetWhat::History(r) => {
            let (model, id) = one(&session, &r.release, now).await?;
            let (doc, table) = history(&model, &id);
            output::print(out, &doc, &table)?;
        }
        GetWhat::Pods(r) => {
            let (model, id) = one(&session, &r.release, now).await?;
            let (doc, table) = pods(&model, &id);
            output::print(out, &doc, &table)?;
        }
    }
    Ok(Exit::Ok)
}

/// The snapshot of the release's namespace and the release `text` names.
async fn one(session: &Session, text: &str, now: i64) -> Result<(Model, ReleaseId), Failure> {
    let scope: Scope = session.scope_for(text);
    let model = session.snapshot(&scope, now).await?;
    let id = resolve(&model, text)?;
    Ok((model, id))
}

/// Fails when a CI source the command reads (all, or `release`'s) could not be read: 4 when
/// its token was rejected, else 1. The message names the source and what to do.
fn ci_errors(model: &Model, release: Option<&ReleaseId>) -> Outcome {
    let wanted = release
        .and_then(|id| model.ci.links.get(id))
        .map(|l| l.source());
    let mut errors = model
        .ci
        .errors
        .iter()
        .filter(|(source, _)| wanted.as_ref().is_none_or(|w| w == *source));
    let Some((source, (kind, text))) = errors.next() else {
        return Ok(Exit::Ok);
    };
    let (exit, hint) = match kind {
        CiErrorKind::Unauthorized => (
            Exit::Auth,
            match source.provider {
                Provider::GitHub => "check GITHUB_TOKEN or GH_TOKEN",
                Provider::GitLab => "check GITLAB_TOKEN",
            },
        ),
        _ => (Exit::Error, "the other results are complete"),
    };
    Err(Failure::new(
        exit,
        format!("{}: {text}; {hint}", source.label()),
    ))
}

fn name_of(id: &ReleaseId) -> String {
    format!("{}/{}", id.key.namespace, id.key.name)
}

fn kind_word(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "deployment",
        WorkloadKind::Rollout => "rollout",
    }
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".to_string())
}

/// A row of `get releases`.
#[derive(Debug, Serialize)]
struct ReleaseRow {
    namespace: String,
    name: String,
    kind: &'static str,
    strategy: &'static str,
    phase: &'static str,
    message: String,
    revision: Option<i64>,
    step_index: Option<u32>,
    step_count: Option<u32>,
    desired_weight: Option<u32>,
    actual_weight: Option<u32>,
    ready: i32,
    desired: i32,
    image: String,
    last_change: Option<String>,
}

impl ReleaseRow {
    fn of(r: &Release) -> Self {
        Self {
            namespace: r.id.key.namespace.clone(),
            name: r.id.key.name.clone(),
            kind: kind_word(r.id.kind),
            strategy: r.strategy,
            phase: r.phase_word(),
            message: r.message.clone(),
            revision: r.revision,
            step_index: r.step.map(|s| s.0),
            step_count: r.step.map(|s| s.1),
            desired_weight: r.weight.map(|w| w.0),
            actual_weight: r.weight.map(|w| w.1),
            ready: r.ready,
            desired: r.desired,
            image: r.image.clone(),
            last_change: r.last_change_ms.and_then(timestamp),
        }
    }
}

/// `{"releases": [...]}`.
#[derive(Debug, Serialize)]
struct Releases {
    releases: Vec<ReleaseRow>,
}

fn releases(model: &Model) -> (Releases, Table) {
    // The strategy tells the kind (canary and blue-green are Rollouts).
    let mut table = Table::new(&[
        "RELEASE", "STRATEGY", "PHASE", "STEP", "WEIGHT", "READY", "AGE",
    ]);
    for r in &model.releases.rows {
        table.push(vec![
            name_of(&r.id),
            r.strategy.to_string(),
            r.phase_word().to_string(),
            or_dash(r.step.map(|(i, n)| format!("{i}/{n}"))),
            // Actual first, as the dashboard shows it: what traffic sees now.
            or_dash(r.weight.map(|(d, a)| {
                if d == a {
                    format!("{a}%")
                } else {
                    format!("{a}%/{d}%")
                }
            })),
            format!("{}/{}", r.ready, r.desired),
            or_dash(r.last_change_ms.map(|t| age(model.now_ms, t))),
        ]);
    }
    let doc = Releases {
        releases: model.releases.rows.iter().map(ReleaseRow::of).collect(),
    };
    (doc, table)
}

/// A row of `get gates`.
#[derive(Debug, Serialize)]
struct GateRow {
    id: String,
    kind: &'static str,
    provider: &'static str,
    project: Option<String>,
    release: Option<String>,
    #[serde(rename = "where")]
    where_: String,
    what: String,
    waiting_since: Option<String>,
    who_may_approve: Vec<String>,
    you_may_approve: Option<bool>,
    approvals_given: Option<u32>,
    approvals_required: Option<u32>,
    approving_will: String,
    web_url: Option<String>,
}

impl GateRow {
    fn of(item: &InboxItem<'_>, readonly: bool) -> Self {
        let id = gate_id::of(item);
        // Read-only removes every action: nobody may approve through this session.
        let may = |m: Option<bool>| if readonly { Some(false) } else { m };
        match item {
            InboxItem::Ci(g) => Self {
                id,
                kind: match g.id.kind {
                    GateKind::GithubPendingDeployment { .. } => "approval",
                    GateKind::GitlabManualJob { .. } => "manual_job",
                    GateKind::GitlabBlockedDeployment { .. } => "blocked_deployment",
                },
                provider: match g.id.provider {
                    Provider::GitHub => "github",
                    Provider::GitLab => "gitlab",
                },
                project: Some(g.id.project.clone()),
                release: g.release.clone(),
                where_: g.where_.clone(),
                what: g.what.clone(),
                waiting_since: g.waiting_since_ms.and_then(timestamp),
                who_may_approve: g.who_may_approve.clone(),
                you_may_approve: may(g.you_may_approve),
                approvals_given: g.approvals.map(|a| a.0),
                approvals_required: g.approvals.map(|a| a.1),
                approving_will: g.approving_will.clone(),
                web_url: (!g.web_url.is_empty()).then(|| g.web_url.clone()),
            },
            InboxItem::Pause(p) => Self {
                id,
                kind: "rollout_pause",
                provider: "kubernetes",
                project: None,
                release: Some(name_of(&p.release)),
                where_: name_of(&p.release),
                what: p.what.clone(),
                waiting_since: p.since_ms.and_then(timestamp),
                // Who may patch the Rollout is RBAC's answer, not the Rollout's.
                who_may_approve: Vec::new(),
                you_may_approve: may(None),
                approvals_given: None,
                approvals_required: None,
                approving_will: p.approving_will.clone(),
                web_url: None,
            },
        }
    }
}

/// `{"gates": [...]}`, the longest-waiting first.
#[derive(Debug, Serialize)]
struct Gates {
    gates: Vec<GateRow>,
}

fn gates(model: &Model, readonly: bool) -> (Gates, Table) {
    let now = model.ci.now_or(model.now_ms);
    let items = inbox(model);
    // The id says the kind (`…:job:`, `…:deployment:`, `rollout:`) and is never cut.
    let mut table = Table::new(&["ID", "WHERE", "WAITING", "YOU", "WHO"]).keep_whole(0);
    let since: Vec<Option<i64>> = items
        .iter()
        .map(|i| match i {
            InboxItem::Ci(g) => g.waiting_since_ms,
            InboxItem::Pause(p) => p.since_ms,
        })
        .collect();
    let rows: Vec<GateRow> = items.iter().map(|i| GateRow::of(i, readonly)).collect();
    for (row, since) in rows.iter().zip(since) {
        table.push(vec![
            row.id.clone(),
            row.where_.clone(),
            or_dash(since.map(|s| age(now, s))),
            match row.you_may_approve {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            }
            .to_string(),
            if row.who_may_approve.is_empty() {
                "-".to_string()
            } else {
                row.who_may_approve.join(",")
            },
        ]);
    }
    (Gates { gates: rows }, table)
}

/// A job of `get pipeline`.
#[derive(Debug, Serialize)]
struct JobRow {
    id: u64,
    name: String,
    stage: String,
    status: String,
    provider_status: String,
    started: Option<String>,
    finished: Option<String>,
    allow_failure: bool,
    failure_reason: Option<String>,
    web_url: String,
}

/// A run of `get pipeline`.
#[derive(Debug, Serialize)]
struct RunRow {
    id: u64,
    number: u64,
    attempt: u32,
    name: String,
    title: String,
    status: String,
    provider_status: String,
    event: String,
    branch: String,
    sha: String,
    actor: String,
    created: Option<String>,
    finished: Option<String>,
    web_url: String,
    built_image: bool,
}

impl RunRow {
    fn of(p: &Pipeline, built_image: bool) -> Self {
        Self {
            id: p.id,
            number: p.number,
            attempt: p.attempt,
            name: p.name.clone(),
            title: p.title.clone(),
            status: p.status.word().to_string(),
            provider_status: p.provider_status.clone(),
            event: p.event.clone(),
            branch: p.branch.clone(),
            sha: p.sha.clone(),
            actor: p.actor.clone(),
            created: p.created_ms.and_then(timestamp),
            finished: p.finished_ms.and_then(timestamp),
            web_url: p.web_url.clone(),
            built_image,
        }
    }
}

/// `get pipeline`: the newest run with its jobs (as the Pipeline pane shows it), the recent
/// runs, and which run built the image the release runs.
#[derive(Debug, Serialize)]
struct PipelineDoc {
    release: String,
    provider: &'static str,
    project: String,
    image: String,
    built_by_run: Option<u64>,
    no_match_reason: Option<String>,
    run: Option<RunRow>,
    jobs: Vec<JobRow>,
    runs: Vec<RunRow>,
}

fn pipeline(model: &Model, id: &ReleaseId) -> Result<(PipelineDoc, Table), Failure> {
    let row = release_row(model, id)?;
    let Some(rr) = release_runs(&model.ci, row) else {
        let why = model
            .ci
            .link_errors
            .get(id)
            .cloned()
            .unwrap_or_else(|| "no [[release]] in config.toml and no CI annotations".into());
        return Err(Failure::new(
            Exit::Error,
            format!("{} has no CI pipeline linked: {why}", name_of(id)),
        ));
    };
    let matched = match &rr.matched {
        RunMatch::Matched(i) => Some(*i),
        RunMatch::NoMatch { .. } => None,
    };
    let shown = rr.shown_run();
    let jobs: Vec<JobRow> = rr
        .jobs()
        .into_iter()
        .map(|j| JobRow {
            id: j.id,
            name: j.name.clone(),
            stage: j.stage.clone(),
            status: j.status.word().to_string(),
            provider_status: j.provider_status.clone(),
            started: j.started_ms.and_then(timestamp),
            finished: j.finished_ms.and_then(timestamp),
            allow_failure: j.allow_failure,
            failure_reason: j.failure_reason.clone(),
            web_url: j.web_url.clone(),
        })
        .collect();
    let mut table = Table::new(&["RUN", "STAGE", "JOB", "STATUS"]);
    if let Some(run) = shown {
        for j in &jobs {
            table.push(vec![
                format!("#{}", run.number),
                j.stage.clone(),
                j.name.clone(),
                j.status.clone(),
            ]);
        }
    }
    let source = rr.link.source();
    let doc = PipelineDoc {
        release: name_of(id),
        provider: match source.provider {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
        },
        project: source.project.clone(),
        image: row.image.clone(),
        built_by_run: matched.and_then(|i| rr.runs.get(i)).map(|p| p.id),
        no_match_reason: match &rr.matched {
            RunMatch::NoMatch { reason } => Some(reason.clone()),
            RunMatch::Matched(_) => None,
        },
        run: shown.map(|p| RunRow::of(p, rr.shown == matched)),
        jobs,
        runs: rr
            .runs
            .iter()
            .enumerate()
            .map(|(i, p)| RunRow::of(p, Some(i) == matched))
            .collect(),
    };
    Ok((doc, table))
}

fn release_row<'m>(model: &'m Model, id: &ReleaseId) -> Result<&'m Release, Failure> {
    model
        .releases
        .rows
        .iter()
        .find(|r| &r.id == id)
        .ok_or_else(|| Failure::new(Exit::Usage, format!("no release {}", name_of(id))))
}

/// `get rollout`: the release row and, for an Argo Rollout, its steps and pauses.
#[derive(Debug, Serialize)]
struct RolloutDoc {
    release: String,
    #[serde(flatten)]
    row: ReleaseRow,
    aborted: bool,
    paused: bool,
    steps: Vec<String>,
    pause_reasons: Vec<String>,
    replicas: i32,
    updated: i32,
    available: i32,
    stable_hash: Option<String>,
    current_hash: Option<String>,
}

fn rollout(model: &Model, id: &ReleaseId) -> Result<(RolloutDoc, Table), Failure> {
    let row = release_row(model, id)?;
    let mut doc = RolloutDoc {
        release: name_of(id),
        row: ReleaseRow::of(row),
        aborted: row.aborted,
        paused: false,
        steps: Vec::new(),
        pause_reasons: Vec::new(),
        replicas: row.desired,
        updated: 0,
        available: 0,
        stable_hash: None,
        current_hash: None,
    };
    match id.kind {
        WorkloadKind::Rollout => {
            if let Some(r) = model.cluster.rollouts.get(&id.key) {
                doc.paused = r.spec_paused || !r.pause_conditions.is_empty();
                doc.steps = r.steps().iter().map(|s| s.describe()).collect();
                doc.pause_reasons = r
                    .pause_conditions
                    .iter()
                    .map(|p| p.reason.clone())
                    .collect();
                doc.replicas = r.replicas;
                doc.updated = r.updated;
                doc.available = r.available;
                doc.stable_hash = (!r.stable_rs.is_empty()).then(|| r.stable_rs.clone());
                doc.current_hash =
                    (!r.current_pod_hash.is_empty()).then(|| r.current_pod_hash.clone());
            }
        }
        WorkloadKind::Deployment => {
            if let Some(d) = model.cluster.deployments.get(&id.key) {
                doc.paused = d.paused;
                doc.replicas = d.replicas;
                doc.updated = d.updated;
                doc.available = d.available;
            }
        }
    }
    let mut table = Table::new(&["FIELD", "VALUE"]);
    let r = &doc.row;
    let mut field = |name: &'static str, value: String| table.push(vec![name.into(), value]);
    field("release", doc.release.clone());
    field("kind", r.kind.into());
    field("strategy", r.strategy.into());
    field("phase", r.phase.into());
    field("message", r.message.clone());
    field("revision", or_dash(r.revision.map(|v| v.to_string())));
    field("image", r.image.clone());
    if let (Some(i), Some(n)) = (r.step_index, r.step_count) {
        field("step", format!("{i}/{n}"));
    }
    if let (Some(d), Some(a)) = (r.desired_weight, r.actual_weight) {
        field("weight", format!("{a}% (desired {d}%)"));
    }
    field(
        "replicas",
        format!(
            "{} desired, {} updated, {} ready, {} available",
            r.desired, doc.updated, r.ready, doc.available
        ),
    );
    field("paused", doc.paused.to_string());
    field("aborted", doc.aborted.to_string());
    for (i, step) in doc.steps.iter().enumerate() {
        field("step", format!("{i}: {step}"));
    }
    Ok((doc, table))
}

/// A revision of `get history`.
#[derive(Debug, Serialize)]
struct RevisionRow {
    revision: i64,
    image: String,
    replicaset: String,
    hash: String,
    replicas: i32,
    change_cause: Option<String>,
    created: Option<String>,
    current: bool,
}

/// `{"release": ..., "revisions": [...]}`, newest first.
#[derive(Debug, Serialize)]
struct History {
    release: String,
    revisions: Vec<RevisionRow>,
}

fn history(model: &Model, id: &ReleaseId) -> (History, Table) {
    let current = model
        .releases
        .rows
        .iter()
        .find(|r| &r.id == id)
        .and_then(|r| r.revision);
    let found = release::history(&model.cluster, id);
    let mut table = Table::new(&["REVISION", "IMAGE", "PODS", "AGE", "CAUSE"]);
    for r in &found {
        let current = Some(r.number) == current;
        table.push(vec![
            format!("{}{}", r.number, if current { "*" } else { "" }),
            r.image.clone(),
            r.replicas.to_string(),
            or_dash(r.created_ms.map(|t| age(model.now_ms, t))),
            or_dash(r.change_cause.clone()),
        ]);
    }
    let revisions: Vec<RevisionRow> = found
        .into_iter()
        .map(|r| RevisionRow {
            current: Some(r.number) == current,
            revision: r.number,
            image: r.image,
            replicaset: r.replicaset,
            hash: r.hash,
            replicas: r.replicas,
            change_cause: r.change_cause,
            created: r.created_ms.and_then(timestamp),
        })
        .collect();
    let doc = History {
        release: name_of(id),
        revisions,
    };
    (doc, table)
}

/// A pod of `get pods`.
#[derive(Debug, Serialize)]
struct PodRow {
    name: String,
    role: &'static str,
    ready: u32,
    containers: u32,
    status: String,
    phase: String,
    restarts: u32,
    last_reason: Option<String>,
    node: Option<String>,
    hash: String,
    created: Option<String>,
}

/// `{"release": ..., "pods": [...]}`, problems first.
#[derive(Debug, Serialize)]
struct Pods {
    release: String,
    pods: Vec<PodRow>,
}

fn pods(model: &Model, id: &ReleaseId) -> (Pods, Table) {
    let found = release::pods_of(&model.cluster, id);
    // Pod names go into `kubectl logs` and the like: never cut.
    let mut table =
        Table::new(&["NAME", "ROLE", "READY", "STATUS", "RESTARTS", "AGE", "NODE"]).keep_whole(0);
    for (p, role) in &found {
        table.push(vec![
            p.key.name.clone(),
            role.word().to_string(),
            format!("{}/{}", p.ready, p.total),
            p.status_text(),
            p.restarts.to_string(),
            or_dash(p.created_ms.map(|t| age(model.now_ms, t))),
            or_dash(p.node.clone()),
        ]);
    }
    let doc = Pods {
        release: name_of(id),
        pods: found
            .iter()
            .map(|(p, role)| PodRow {
                name: p.key.name.clone(),
                role: role.word(),
                ready: p.ready,
                containers: p.total,
                status: p.status_text(),
                phase: p.phase.clone(),
                restarts: p.restarts,
                last_reason: p.last_reason.clone(),
                node: p.node.clone(),
                hash: p.hash.clone(),
                created: p.created_ms.and_then(timestamp),
            })
            .collect(),
    };
    (doc, table)
}

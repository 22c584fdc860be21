//! One changing command through the dashboard's action layer: permission (asking the cluster
//! when the model does not know), the plan, the confirmation, the Lease, the send, the end.

use super::super::Outcome as Ended;
use super::super::session::Session;
use super::confirm::{self, Ask};
use super::report::{self, End};
use crate::cli::ActArgs;
use crate::effects::{CiDriver, ControlSetup, ci_act, ci_outcome, host_name};
use crate::integrations::kube::actions as kube_actions;
use crate::integrations::rest::ActError;
use quarterdeck_core::Model;
use quarterdeck_core::control::{
    Expect, LeaseAnswer, Op, Outcome, Params, Request, Subject, needs, prepare, refusal,
};

/// Runs `op` on `subject` as confirmed by `args`, and ends the command.
pub async fn run(
    session: &Session,
    mut model: Model,
    op: Op,
    subject: Subject,
    params: Params,
    args: &ActArgs,
) -> Ended {
    let format = args.out.output;
    // Not permitted, or no plan: refused before anything is asked or sent.
    let prepared = match permission(session, &mut model, op, &subject).await {
        Err(why) => Err(why),
        Ok(()) => prepare(&mut model, op, subject.clone(), params.clone())
            .map_err(|e| format!("{}: {e}", op.verb())),
    };
    let (request, plan) = match prepared {
        Ok(p) => p,
        Err(why) => {
            let refused = End {
                request: unplanned(&model, op, subject, params),
                plan: Vec::new(),
                before: String::new(),
                outcome: Some(Outcome::Refused { why }),
                dry_run: args.dry_run,
                auth: false,
            };
            return report::finish(session, refused, format).await;
        }
    };
    report::show_plan(&plan.lines, format);
    let end = |outcome, auth| End {
        request: request.clone(),
        plan: plan.lines.clone(),
        before: plan.before.clone(),
        outcome,
        dry_run: args.dry_run,
        auth,
    };
    if !args.dry_run {
        let name = subject.short_name();
        let protected = model.control.policies.protected(&model.target.context);
        match confirm::needed(args, protected, &name, confirm::terminal()) {
            Ask::Confirmed => {}
            Ask::Refused(why) => {
                return report::finish(session, end(Some(Outcome::Refused { why }), false), format)
                    .await;
            }
            ask => {
                if !confirm::prompt(ask, name).await {
                    return report::finish(session, end(None, false), format).await;
                }
            }
        }
    }
    let lease = if args.dry_run {
        None
    } else {
        match Lease::take(session, &model, &request).await {
            Ok(l) => l,
            Err(why) => {
                return report::finish(session, end(Some(Outcome::Refused { why }), false), format)
                    .await;
            }
        }
    };
    let (outcome, auth) = send(session, &request, args.dry_run).await;
    if let Some(l) = lease {
        l.give_back(session).await;
    }
    report::finish(session, end(Some(outcome), auth), format).await
}

/// The TUI's permission check; when the model has no answer yet, the cluster is asked the
/// same questions and the check made again.
async fn permission(
    session: &Session,
    model: &mut Model,
    op: Op,
    subject: &Subject,
) -> Result<(), String> {
    if let Some(answer) = refusal(model, op, subject) {
        return answer;
    }
    if let Subject::Workload(id) = subject {
        let keys = needs(&model.target.context, id, op);
        for (key, access) in kube_actions::check_access(&session.client, &keys).await {
            model.control.access.insert(key, access);
        }
    }
    refusal(model, op, subject).unwrap_or_else(|| {
        Err(format!(
            "{}: the permission could not be checked; nothing was done",
            op.verb()
        ))
    })
}

/// The request a refusal before any plan is journaled with: what was asked, on what.
fn unplanned(model: &Model, op: Op, subject: Subject, params: Params) -> Request {
    Request {
        id: 0,
        context: model.target.context.clone(),
        op,
        subject,
        params,
        expect: Expect::Ci,
        shown: Vec::new(),
    }
}

/// Sends the request as the dashboard's driver does: cluster subjects through the kube
/// actions (with `dryRun=All` on a dry run), CI subjects through the driver's CI calls (not
/// at all on a dry run: the CI APIs have no dry run). Answers the outcome and whether it
/// failed on rejected credentials.
async fn send(session: &Session, request: &Request, dry_run: bool) -> (Outcome, bool) {
    if let Subject::Workload(_) = &request.subject {
        let outcome =
            kube_actions::act_with(&session.client, request, &session.user, dry_run).await;
        let auth = matches!(&outcome, Outcome::Failed { error } if error.contains("Unauthorized"));
        return (outcome, auth);
    }
    if dry_run {
        let after = "nothing sent (the CI API has no dry run)".to_string();
        return (Outcome::Done { after }, false);
    }
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let clients = CiDriver::new(session.ci.clone(), tx).clients();
    let result = ci_act(&clients, request).await;
    let auth = matches!(result, Err(ActError::Http { status: 401, .. }));
    (ci_outcome(request, result), auth)
}

/// The coordination Lease held while sending, as the dashboard holds it.
struct Lease {
    namespace: String,
    name: String,
    holder: String,
}

impl Lease {
    /// Takes the Lease on the request's subject. `Ok(None)` when Leases cannot be used here
    /// (said on stderr, and the action goes on, as in the dashboard); `Err` when someone
    /// else is acting.
    async fn take(
        session: &Session,
        model: &Model,
        request: &Request,
    ) -> Result<Option<Self>, String> {
        let Some(namespace) = lease_namespace(model, &request.subject) else {
            return Ok(None);
        };
        let holder = ControlSetup {
            journal: None,
            webhook: None,
            user: session.user.clone(),
            host: host_name(),
        }
        .holder();
        let name = request.subject.lease_name();
        let answer = kube_actions::take(
            &session.client,
            &namespace,
            &name,
            &holder,
            request.op.verb(),
            &request.subject.short_name(),
        )
        .await;
        match answer {
            LeaseAnswer::Held => Ok(Some(Self {
                namespace,
                name,
                holder,
            })),
            LeaseAnswer::HeldBy(info) => Err(format!(
                "{} is about to {} {}; wait until they are done",
                info.holder, info.action, info.target
            )),
            LeaseAnswer::Unavailable(why) => {
                eprintln!(
                    "quarterdeck: Leases unavailable ({why}); other operators will not see this action"
                );
                Ok(None)
            }
        }
    }

    /// Gives the Lease back (a failure only delays others until it expires).
    async fn give_back(self, session: &Session) {
        if let Err(e) =
            kube_actions::release(&session.client, &self.namespace, &self.name, &self.holder).await
        {
            eprintln!("quarterdeck: cannot give the Lease {} back: {e}", self.name);
        }
    }
}

/// The namespace whose Lease coordinates `subject`: a workload's own; a gate's release's.
fn lease_namespace(model: &Model, subject: &Subject) -> Option<String> {
    match subject {
        Subject::Workload(id) => Some(id.key.namespace.clone()),
        Subject::Gate(gid) => {
            let gate = model.ci.all_gates().into_iter().find(|g| &g.id == gid)?;
            let key = gate.release.as_ref()?;
            model
                .ci
                .links
                .iter()
                .find(|(_, l)| &l.key == key)
                .map(|(id, _)| id.key.namespace.clone())
        }
        Subject::Run { .. } | Subject::Job { .. } => None,
    }
}

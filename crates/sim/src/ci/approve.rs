//! `POST /sim/ci/approve`: someone else approves a waiting deployment gate, as a colleague
//! would in GitHub's or GitLab's web page — not through the API token's user, so nothing of it
//! is the token user's doing. On GitLab the approved manual job is played too. The run then
//! moves on by itself and its deploy step sets the image in the simulated cluster; the answer
//! names that image so a drill can make it misbehave.
//!
//! `{"provider":"github","project":"acme/orders-api","environment":"staging","user":"maria.chen"}`
//! (`user` defaults to `maria.chen`). Answers the run, who approved and what it will deploy:
//! `{"run": ID, "user": LOGIN, "deploys": [{"namespace","name","image"}]}`; 400 when no gate of
//! that environment waits or the user may not approve it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::engine::Engine;
use super::model::{Provider, User};
use super::run::JobState;
use super::seeds::build::{dev, lena, maria, sam, you};
use crate::Sim;

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"message": msg.into()})),
    )
        .into_response()
}

/// Approves the newest gate of the environment waiting in the project, as `user`.
pub(crate) async fn approve(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("body must be JSON");
    };
    let Some(provider) = Provider::parse(body["provider"].as_str().unwrap_or("github")) else {
        return bad("provider must be github or gitlab");
    };
    let login = body["user"].as_str().unwrap_or("maria.chen");
    let Some(user) = [you(), maria(), dev(), sam(), lena()]
        .into_iter()
        .find(|u| u.login == login)
    else {
        return bad(format!("no such user {login:?}"));
    };
    let Some(env_name) = body["environment"].as_str() else {
        return bad("environment is required");
    };
    let path = body["project"].as_str().unwrap_or("");
    let mut world = sim.world();
    let now = world.clock.now_ms;
    let engine = &mut world.ci.engine;
    let Some(project) = engine.project_by_path(provider, path) else {
        return bad("no such project");
    };
    let Some(env) = project.environment(env_name) else {
        return bad("no such environment");
    };
    let (env_id, targets) = (env.id, env.targets.clone());
    let Some((run_id, job_id, dep_id)) = waiting(engine, project.id, env_id) else {
        return bad(format!("no gate of {env_name} waits in {path}"));
    };
    let done = match provider {
        Provider::GitHub => engine
            .review(run_id, &[env_id], &user, true, "Approved", now)
            .map(|_| ()),
        Provider::GitLab => engine
            .approve_deployment(dep_id, &user, true, "", now)
            .and_then(|()| played(engine, job_id, &user, now)),
    };
    if let Err(e) = done {
        return bad(format!("{login} cannot approve: {e}"));
    }
    let tag = engine
        .runs
        .get(&run_id)
        .map(|r| r.start.image_tag.clone())
        .unwrap_or_default();
    let deploys: Vec<Value> = targets
        .iter()
        .map(|t| json!({"namespace": t.namespace, "name": t.name, "image": format!("{}:{tag}", t.image_repo)}))
        .collect();
    axum::Json(json!({"run": run_id, "user": user.login, "deploys": deploys})).into_response()
}

/// The newest run of the project with a job held at the environment's gate: (run, job,
/// deployment).
fn waiting(engine: &Engine, project: u64, env: u64) -> Option<(u64, u64, u64)> {
    engine
        .runs
        .values()
        .filter(|r| r.project == project)
        .flat_map(|r| {
            engine
                .current_jobs(r.id)
                .into_iter()
                .map(move |j| (r.id, j))
        })
        .filter_map(|(run, j)| {
            let job = engine.jobs.get(&j)?;
            let dep = engine.deployments.get(&job.deployment?)?;
            let held = matches!(job.state, JobState::Waiting | JobState::Manual);
            (held && dep.environment == env).then_some((run, j, dep.id))
        })
        .max()
}

/// GitLab: the approved manual job is played by the approver.
fn played(
    engine: &mut Engine,
    job: u64,
    user: &User,
    now: i64,
) -> Result<(), super::actions::ActionError> {
    let manual = engine
        .jobs
        .get(&job)
        .is_some_and(|j| j.state == JobState::Manual);
    if manual {
        engine.play(job, user.clone(), now)?;
    }
    Ok(())
}

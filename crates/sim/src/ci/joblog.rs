//! Job logs, written as time passes: each step's lines are spread over its duration and only
//! lines whose time has come are shown. GitHub logs carry a timestamp on every line and
//! `##[group]` markers; GitLab traces carry `section_start:`/`section_end:` markers. Both have
//! ANSI colour. The text derives from the job's seed, so the same job always reads the same.

use chrono::DateTime;

use super::engine::Engine;
use super::model::{JobSpec, Provider, StepSpec};
use super::run::{Job, StepRun, StepState};
use crate::rng::Rng;

/// The job's log as of `now`. GitHub shows finished steps only; GitLab the live trace.
pub(crate) fn render(engine: &Engine, job: &Job, now: i64) -> String {
    let Some(run) = engine.runs.get(&job.run_id) else {
        return String::new();
    };
    let Some((project, wf)) = engine.workflow_of(run) else {
        return String::new();
    };
    let Some(spec) = wf.jobs.get(job.spec) else {
        return String::new();
    };
    let ctx = Ctx {
        repo: &project.path,
        sha: &run.start.sha,
        title: &run.start.title,
        branch: &run.start.branch,
        spec,
        job,
    };
    let mut out = Vec::new();
    for (i, step) in job.steps.iter().enumerate() {
        let Some(start) = step.started_ms else {
            continue;
        };
        let finished = step.finished_ms.is_some_and(|f| f <= now);
        if project.provider == Provider::GitHub && !finished {
            break;
        }
        let mut rng = Rng::new(job.log_seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
        let lines = match project.provider {
            Provider::GitHub => github_step(&ctx, step, &mut rng),
            Provider::GitLab => gitlab_step(&ctx, step, &mut rng),
        };
        let span = step.finished_ms.unwrap_or(start + step.planned_ms) - start;
        let n = lines.len().max(1) as i64;
        for (k, text) in lines.into_iter().enumerate() {
            let at = start + span * k as i64 / n;
            if at > now {
                break;
            }
            out.push((at, rng.range(0, 10_000), text));
        }
    }
    let mut text = String::new();
    for (at, sub, line) in out {
        if project.provider == Provider::GitHub {
            text.push_str(&stamp(at, sub));
            text.push(' ');
        }
        text.push_str(&line);
        text.push('\n');
    }
    if project.provider == Provider::GitLab && job.state.finished() && job.finished_ms <= Some(now)
    {
        text.push_str(&gitlab_footer(job));
    }
    text
}

struct Ctx<'a> {
    repo: &'a str,
    sha: &'a str,
    title: &'a str,
    branch: &'a str,
    spec: &'a JobSpec,
    job: &'a Job,
}

/// `2026-11-22T03:22:44.1234567Z`: GitHub writes seven fractional digits.
fn stamp(ms: i64, sub: u64) -> String {
    let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    format!(
        "{}.{:03}{:04}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        ms.rem_euclid(1000),
        sub
    )
}

fn github_step(ctx: &Ctx, step: &StepRun, rng: &mut Rng) -> Vec<String> {
    let failed = step.state == StepState::Failed;
    match step.spec.and_then(|i| ctx.spec.steps.get(i)) {
        None if step.name == "Set up job" => vec![
            "Current runner version: '2.329.0'".into(),
            "##[group]Operating System".into(),
            "Ubuntu".into(),
            "24.04.3".into(),
            "LTS".into(),
            "##[endgroup]".into(),
            "##[group]Runner Image".into(),
            "Image: ubuntu-24.04".into(),
            "Version: 20251112.124.1".into(),
            "##[endgroup]".into(),
            "##[group]GITHUB_TOKEN Permissions".into(),
            "Actions: write".into(),
            "Contents: read".into(),
            "Deployments: write".into(),
            "##[endgroup]".into(),
            "Secret source: Actions".into(),
            "Prepare workflow directory".into(),
            "Prepare all required actions".into(),
            format!("Complete job name: {}", ctx.job.name),
        ],
        None => vec!["Cleaning up orphan processes".into()],
        Some(s) => {
            let mut lines = Vec::new();
            match &s.uses {
                Some(action) => {
                    lines.push(format!("##[group]Run {action}"));
                    lines.push("with:".into());
                    lines.push(format!("  repository: {}", ctx.repo));
                    lines.push("##[endgroup]".into());
                }
                None => {
                    let first = s.run.first().cloned().unwrap_or_default();
                    lines.push(format!("##[group]Run {first}"));
                    for cmd in &s.run {
                        lines.push(format!("\x1b[36;1m{cmd}\x1b[0m"));
                    }
                    lines.push("shell: /usr/bin/bash -e {0}".into());
                    lines.push("##[endgroup]".into());
                }
            }
            lines.extend(output(ctx, s, failed, rng));
            if failed {
                lines.push("##[error]Process completed with exit code 1.".into());
            }
            lines
        }
    }
}

fn gitlab_step(ctx: &Ctx, step: &StepRun, rng: &mut Rng) -> Vec<String> {
    let failed = step.state == StepState::Failed;
    let start_s = step.started_ms.unwrap_or(0) / 1000;
    let end_s = step
        .finished_ms
        .unwrap_or(step.started_ms.unwrap_or(0) + step.planned_ms)
        / 1000;
    let open = |name: &str, title: &str| {
        format!("section_start:{start_s}:{name}\r\x1b[0K\x1b[0K\x1b[36;1m{title}\x1b[0;m")
    };
    let close = |name: &str| format!("section_end:{end_s}:{name}\r\x1b[0K");
    let spec_steps = ctx.spec.steps.len();
    match step
        .spec
        .and_then(|i| ctx.spec.steps.get(i).map(|s| (i, s)))
    {
        None if step.name == "prepare_executor" => vec![
            "\x1b[0KRunning with gitlab-runner 17.5.3 (12030cf4)\x1b[0;m".into(),
            format!(
                "\x1b[0K  on shared-runners-{} {:08x}, system ID: s_{:012x}\x1b[0;m",
                ctx.job.runner,
                rng.next_u64() as u32,
                rng.next_u64() & 0xffff_ffff_ffff
            ),
            open(
                "prepare_executor",
                "Preparing the \"docker+machine\" executor",
            ),
            format!(
                "\x1b[0KUsing Docker executor with image {} ...\x1b[0;m",
                ctx.spec.image
            ),
            format!("\x1b[0KPulling docker image {} ...\x1b[0;m", ctx.spec.image),
            close("prepare_executor"),
        ],
        None if step.name == "get_sources" => vec![
            open("get_sources", "Getting source from Git repository"),
            "\x1b[32;1mFetching changes with git depth set to 20...\x1b[0;m".into(),
            format!(
                "Initialized empty Git repository in /builds/{}/.git/",
                ctx.repo
            ),
            format!(
                "\x1b[32;1mChecking out {} as detached HEAD (ref is {})...\x1b[0;m",
                short(ctx.sha),
                ctx.branch
            ),
            "\x1b[32;1mSkipping Git submodules setup\x1b[0;m".into(),
            close("get_sources"),
        ],
        None => vec![
            open(
                "cleanup_file_variables",
                "Cleaning up project directory and file based variables",
            ),
            close("cleanup_file_variables"),
        ],
        Some((i, s)) => {
            let mut lines = Vec::new();
            if i == 0 {
                lines.push(open(
                    "step_script",
                    "Executing \"step_script\" stage of the job script",
                ));
            }
            for cmd in &s.run {
                lines.push(format!("\x1b[32;1m$ {cmd}\x1b[0;m"));
            }
            lines.extend(output(ctx, s, failed, rng));
            if i + 1 == spec_steps || failed {
                lines.push(close("step_script"));
            }
            lines
        }
    }
}

fn gitlab_footer(job: &Job) -> String {
    match job.state {
        super::run::JobState::Success => "\x1b[32;1mJob succeeded\x1b[0;m\n".into(),
        super::run::JobState::Canceled => "\x1b[31;1mERROR: Job failed: canceled\x1b[0;m\n".into(),
        _ if job.failure_reason.as_deref() == Some("deployment_rejected") => {
            "\x1b[31;1mERROR: Job failed: deployment rejected\x1b[0;m\n".into()
        }
        _ => "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n".into(),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}

/// What a step prints, chosen by what it runs.
fn output(ctx: &Ctx, s: &StepSpec, failed: bool, rng: &mut Rng) -> Vec<String> {
    let what = format!(
        "{} {} {}",
        s.name,
        s.uses.clone().unwrap_or_default(),
        s.run.join(" ")
    )
    .to_lowercase();
    let mut out = Vec::new();
    let any = |keys: &[&str]| keys.iter().any(|k| what.contains(k));
    if s.deploys {
        out.push("Deploying…".into());
        match &ctx.job.deploy_note {
            Some(note) => out.push(note.clone()),
            None => out.push("\x1b[33mwaiting for the cluster\x1b[0m".into()),
        }
    } else if what.contains("checkout") {
        out.push(format!("Syncing repository: {}", ctx.repo));
        out.push("Fetching the repository".into());
        out.push(format!(
            "HEAD is now at {} {}",
            &ctx.sha[..7.min(ctx.sha.len())],
            ctx.title
        ));
    } else if any(&["setup-python", "setup-node"]) {
        out.push("Successfully set up CPython (3.12.7)".into());
    } else if any(&["setup-buildx", "setup-qemu"]) {
        out.push("Docker info".into());
        out.push("Buildx version: github.com/docker/buildx v0.19.2".into());
    } else if any(&["login-action", "docker login"]) {
        out.push("Login Succeeded!".into());
    } else if any(&["pytest", "contract tests", "unit tests"]) {
        test_output(&mut out, failed, rng);
    } else if any(&[
        "ruff",
        "flake8",
        "black",
        "lint",
        "mypy",
        "isort",
        "pylint",
        "pre-commit",
    ]) {
        if failed {
            out.push("app/handlers.py:41:5: F401 [*] `typing.Any` imported but unused".into());
            out.push("\x1b[31mFound 1 error.\x1b[0m".into());
        } else {
            out.push("All checks passed!".into());
            out.push(format!(
                "Success: no issues found in {} source files",
                rng.range(40, 200)
            ));
        }
    } else if any(&["docker build", "build-push", "docker push", "build api"]) {
        build_output(&mut out, rng);
    } else if any(&[
        "trivy",
        "bandit",
        "safety",
        "scan",
        "security",
        "trufflehog",
        "sbom",
        "sarif",
    ]) {
        out.push(format!(
            "Total: {} (UNKNOWN: 0, LOW: {}, MEDIUM: {}, HIGH: 0, CRITICAL: {})",
            rng.range(0, 9),
            rng.range(0, 5),
            rng.range(0, 3),
            u8::from(failed)
        ));
    } else if any(&["k6", "locust", "perf", "benchmark", "load"]) {
        out.push(format!(
            "http_req_duration: avg={}ms p(95)={}ms",
            rng.range(8, 30),
            rng.range(30, 60)
        ));
        out.push(format!(
            "http_reqs: {} {}/s",
            rng.range(2000, 9000),
            rng.range(40, 160)
        ));
    } else {
        out.push(format!("{} finished", s.name));
    }
    if failed && out.iter().all(|l| !l.contains("\x1b[31")) {
        out.push("\x1b[31mError: command exited with status 1\x1b[0m".into());
    }
    out
}

fn test_output(out: &mut Vec<String>, failed: bool, rng: &mut Rng) {
    let n = rng.range(40, 320);
    for k in 0..rng.range(4, 9) {
        out.push(format!(
            "tests/unit/test_{}.py::test_case_{k} \x1b[32mPASSED\x1b[0m [{:>3}%]",
            ["orders", "features", "api", "models", "events"][k as usize % 5],
            (k + 1) * 11
        ));
    }
    let secs = format!("{}.{:02}s", rng.range(8, 90), rng.range(0, 100));
    if failed {
        out.push(
            "tests/unit/test_api.py::test_idempotent_retry \x1b[31mFAILED\x1b[0m [ 97%]".into(),
        );
        out.push("E       AssertionError: expected status 201, got 409".into());
        out.push(format!(
            "\x1b[31m==== 1 failed, {} passed in {secs} ====\x1b[0m",
            n - 1
        ));
    } else {
        out.push(format!("\x1b[32m==== {n} passed in {secs} ====\x1b[0m"));
    }
}

fn build_output(out: &mut Vec<String>, rng: &mut Rng) {
    let cmds = [
        "COPY requirements.txt .",
        "RUN pip install -r requirements.txt",
        "COPY . .",
        "RUN python -m compileall src",
    ];
    let n = rng.range(4, 8);
    for k in 1..=n {
        out.push(format!("#{k} [{k}/{n}] {}", cmds[k as usize % cmds.len()]));
        out.push(format!(
            "#{k} DONE {}.{}s",
            rng.range(0, 40),
            rng.range(0, 10)
        ));
    }
    out.push(format!("#{} exporting to image", n + 1));
    out.push(format!(
        "#{} writing image sha256:{:016x}{:016x} done",
        n + 1,
        rng.next_u64(),
        rng.next_u64()
    ));
}

//! Small builders that keep the seed definitions readable: one line per step, one expression
//! per job.

use crate::ci::model::{Cond, Environment, JobSpec, Reviewer, StepSpec, Target, User};

/// The user every API token acts as.
pub(crate) fn you() -> User {
    User::new(1, "alex.morgan", "Alex Morgan")
}

/// Colleagues who push, review and play jobs in the seeded history.
pub(crate) fn maria() -> User {
    User::new(2, "maria.chen", "Maria Chen")
}

/// A developer.
pub(crate) fn dev() -> User {
    User::new(3, "dev.patel", "Dev Patel")
}

/// Another developer.
pub(crate) fn sam() -> User {
    User::new(4, "sam.okafor", "Sam Okafor")
}

/// The ML lead.
pub(crate) fn lena() -> User {
    User::new(5, "lena.fischer", "Lena Fischer")
}

/// The release managers team: you and Maria.
pub(crate) fn release_managers() -> Reviewer {
    Reviewer {
        team: true,
        id: 9001,
        login: "release-managers".into(),
        members: vec![1, 2],
        required_approvals: 1,
    }
}

/// The ML leads team: Lena only, so you cannot approve its gates.
pub(crate) fn ml_leads() -> Reviewer {
    Reviewer {
        team: true,
        id: 9002,
        login: "ml-leads".into(),
        members: vec![5],
        required_approvals: 1,
    }
}

/// Everyone in the seeded world, the token's user first.
pub(crate) fn users() -> [User; 5] {
    [you(), maria(), dev(), sam(), lena()]
}

/// The seeded groups (GitHub teams, GitLab groups).
pub(crate) fn groups() -> [Reviewer; 2] {
    [release_managers(), ml_leads()]
}

/// One user as a reviewer.
pub(crate) fn reviewer(u: &User) -> Reviewer {
    Reviewer {
        team: false,
        id: u.id,
        login: u.login.clone(),
        members: vec![u.id],
        required_approvals: 1,
    }
}

/// A `uses:` step.
pub(crate) fn uses(name: &str, action: &str, secs: u32) -> StepSpec {
    StepSpec {
        name: name.into(),
        uses: Some(action.into()),
        run: Vec::new(),
        secs,
        deploys: false,
    }
}

/// A `run:` step (or a group of GitLab script lines).
pub(crate) fn run(name: &str, cmds: &[&str], secs: u32) -> StepSpec {
    StepSpec {
        name: name.into(),
        uses: None,
        run: cmds.iter().map(|c| c.to_string()).collect(),
        secs,
        deploys: false,
    }
}

/// A step that sets the environment's workloads to the run's image when it starts.
pub(crate) fn deploy(name: &str, cmds: &[&str], secs: u32) -> StepSpec {
    StepSpec {
        deploys: true,
        ..run(name, cmds, secs)
    }
}

/// `actions/checkout@v4`.
pub(crate) fn checkout() -> StepSpec {
    uses("Run actions/checkout@v4", "actions/checkout@v4", 2)
}

/// A job with defaults: no needs, runs always, never fails on its own.
pub(crate) fn job(key: &str, name: &str, stage: &str, steps: Vec<StepSpec>) -> JobSpec {
    JobSpec {
        key: key.into(),
        name: name.into(),
        stage: stage.into(),
        needs: Vec::new(),
        matrix: Vec::new(),
        parallel: 0,
        steps,
        manual: false,
        allow_failure: false,
        environment: None,
        fail_chance: 0.0,
        when: Cond::Always,
        image: "ubuntu-24.04".into(),
    }
}

/// Chainable settings for seed jobs.
pub(crate) trait JobExt {
    /// Jobs that must succeed first.
    fn needs(self, keys: &[&str]) -> Self;
    /// One job per value.
    fn matrix(self, values: &[&str]) -> Self;
    /// `parallel: n`.
    fn parallel(self, n: u32) -> Self;
    /// Deploys to this environment.
    fn env(self, name: &str) -> Self;
    /// `when: manual`; `blocking` is `allow_failure: false`.
    fn manual(self, blocking: bool) -> Self;
    /// Chance of failing in random runs.
    fn fails(self, p: f64) -> Self;
    /// When it runs.
    fn when(self, c: Cond) -> Self;
    /// Runner image.
    fn image(self, image: &str) -> Self;
}

impl JobExt for JobSpec {
    fn needs(mut self, keys: &[&str]) -> Self {
        self.needs = keys.iter().map(|k| k.to_string()).collect();
        self
    }
    fn matrix(mut self, values: &[&str]) -> Self {
        self.matrix = values.iter().map(|k| k.to_string()).collect();
        self
    }
    fn parallel(mut self, n: u32) -> Self {
        self.parallel = n;
        self
    }
    fn env(mut self, name: &str) -> Self {
        self.environment = Some(name.into());
        self
    }
    fn manual(mut self, blocking: bool) -> Self {
        self.manual = true;
        self.allow_failure = !blocking;
        self
    }
    fn fails(mut self, p: f64) -> Self {
        self.fail_chance = p;
        self
    }
    fn when(mut self, c: Cond) -> Self {
        self.when = c;
        self
    }
    fn image(mut self, image: &str) -> Self {
        self.image = image.into();
        self
    }
}

/// An environment without protection or cluster targets.
pub(crate) fn environment(id: u64, name: &str, url: &str, tier: &'static str) -> Environment {
    Environment {
        id,
        name: name.into(),
        url: url.into(),
        tier,
        reviewers: Vec::new(),
        prevent_self_review: false,
        wait_timer_min: 0,
        targets: Vec::new(),
    }
}

/// A cluster workload.
pub(crate) fn target(namespace: &str, name: &str, repo: &str) -> Target {
    Target {
        namespace: namespace.into(),
        name: name.into(),
        image_repo: repo.into(),
    }
}

/// For GitLab: a job without explicit `needs` waits for every job of the earlier stages.
pub(crate) fn stage_needs(stages: &[&str], jobs: &mut [JobSpec]) {
    let order = |s: &str| stages.iter().position(|x| *x == s).unwrap_or(0);
    let all: Vec<(usize, String)> = jobs
        .iter()
        .map(|j| (order(&j.stage), j.key.clone()))
        .collect();
    for j in jobs.iter_mut() {
        if j.needs.is_empty() {
            let mine = order(&j.stage);
            j.needs = all
                .iter()
                .filter(|(o, _)| *o < mine)
                .map(|(_, k)| k.clone())
                .collect();
        }
    }
}

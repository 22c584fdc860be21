//! What a CI project is made of, independent of the provider that serves it: workflows (a
//! GitLab project has one, its `.gitlab-ci.yml`), jobs with steps, needs, matrices and manual
//! gates, and environments with their protection rules and the cluster workloads they deploy to.

/// Which API serves a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Provider {
    /// GitHub Actions, served under `/github`.
    GitHub,
    /// GitLab CI, served under `/gitlab/api/v4`.
    GitLab,
}

impl Provider {
    /// The lower-case name used by the control API.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
        }
    }

    /// Parses `github` / `gitlab`.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "github" => Some(Provider::GitHub),
            "gitlab" => Some(Provider::GitLab),
            _ => None,
        }
    }
}

/// A person or bot acting on the CI system.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    /// Numeric id.
    pub(crate) id: u64,
    /// Login (GitHub) or username (GitLab).
    pub(crate) login: String,
    /// Display name.
    pub(crate) name: String,
}

impl User {
    /// A user with this id, login and display name.
    pub(crate) fn new(id: u64, login: &str, name: &str) -> Self {
        Self {
            id,
            login: login.to_string(),
            name: name.to_string(),
        }
    }
}

/// A required reviewer of an environment: one user, or a team of users.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reviewer {
    /// True for a team, false for a single user.
    pub(crate) team: bool,
    /// User or team id.
    pub(crate) id: u64,
    /// Login or team slug.
    pub(crate) login: String,
    /// Ids of the users who may review through this entry (the user itself, or team members).
    pub(crate) members: Vec<u64>,
    /// GitLab: the approvals this rule needs (every rule of an environment must be met).
    /// GitHub has no count: one required reviewer's approval is enough.
    pub(crate) required_approvals: u32,
}

/// A cluster workload an environment deploys to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    /// Namespace of the Deployment or Rollout.
    pub(crate) namespace: String,
    /// Its name.
    pub(crate) name: String,
    /// Image repository; the run's tag is appended.
    pub(crate) image_repo: String,
}

/// A deployment environment and its protection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Environment {
    /// Numeric id.
    pub(crate) id: u64,
    /// Name (`staging`, `production`, …).
    pub(crate) name: String,
    /// Where the deployed service answers.
    pub(crate) url: String,
    /// GitLab tier (`development`, `staging`, `production`).
    pub(crate) tier: &'static str,
    /// Required reviewers (GitHub) or approvers (GitLab); empty means no approval gate.
    pub(crate) reviewers: Vec<Reviewer>,
    /// GitHub: the triggering actor may not approve their own run.
    pub(crate) prevent_self_review: bool,
    /// GitHub wait timer in minutes.
    pub(crate) wait_timer_min: u32,
    /// Workloads in the simulated cluster that a deploy to this environment sets the image of.
    pub(crate) targets: Vec<Target>,
}

impl Environment {
    /// Whether a deploy here stops for a human (reviewers or a wait timer).
    pub(crate) fn gated(&self) -> bool {
        !self.reviewers.is_empty() || self.wait_timer_min > 0
    }

    /// GitLab: the approvals needed in all, as `required_approval_count` sums them.
    pub(crate) fn required_approvals(&self) -> u32 {
        self.reviewers.iter().map(|r| r.required_approvals).sum()
    }

    /// GitLab: whether every approval rule has its count among the users who approved (an
    /// approval counts for each rule its author belongs to).
    pub(crate) fn rules_met(&self, approved_by: &[u64]) -> bool {
        self.reviewers
            .iter()
            .all(|r| approvals_for(r, approved_by) >= r.required_approvals)
    }

    /// Whether `user` is one of the required reviewers.
    pub(crate) fn can_review(&self, user: u64) -> bool {
        self.reviewers.iter().any(|r| r.members.contains(&user))
    }
}

/// How many of the users who approved count for this rule.
pub(crate) fn approvals_for(rule: &Reviewer, approved_by: &[u64]) -> u32 {
    let n = approved_by
        .iter()
        .filter(|u| rule.members.contains(u))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// When a job runs at all (the `if:` / `rules:` / `only:` of the definition).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    /// Always.
    Always,
    /// Only on this branch.
    Branch(String),
    /// Only for tag refs.
    Tag,
    /// On this branch or for a tag.
    BranchOrTag(String),
    /// Only when the run was dispatched with this `environment` input.
    Input(String),
}

/// One step of a job: a `uses:` action or a `run:` script.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepSpec {
    /// Display name.
    pub(crate) name: String,
    /// The action used (`actions/checkout@v4`), if any.
    pub(crate) uses: Option<String>,
    /// Shell commands, for `run:` steps and GitLab scripts.
    pub(crate) run: Vec<String>,
    /// Typical duration in seconds.
    pub(crate) secs: u32,
    /// This step sets the image of the environment's targets when it starts.
    pub(crate) deploys: bool,
}

/// A job of a workflow before expansion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobSpec {
    /// The job's key in the file (`needs` refer to it).
    pub(crate) key: String,
    /// Display name.
    pub(crate) name: String,
    /// GitLab stage (GitHub: informational).
    pub(crate) stage: String,
    /// Keys of jobs that must succeed first.
    pub(crate) needs: Vec<String>,
    /// Matrix values: one job per value.
    pub(crate) matrix: Vec<String>,
    /// GitLab `parallel: N`: N numbered jobs.
    pub(crate) parallel: u32,
    /// Steps.
    pub(crate) steps: Vec<StepSpec>,
    /// Waits for someone to play it (GitLab `when: manual`).
    pub(crate) manual: bool,
    /// A failure does not fail the pipeline.
    pub(crate) allow_failure: bool,
    /// Environment name the job deploys to.
    pub(crate) environment: Option<String>,
    /// Chance that a run of this job fails, for runs that fail at random.
    pub(crate) fail_chance: f64,
    /// When the job runs.
    pub(crate) when: Cond,
    /// Image of the runner (GitLab `image:`), shown in logs.
    pub(crate) image: String,
}

/// A workflow file (GitHub) or the pipeline definition (GitLab).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Workflow {
    /// Numeric id.
    pub(crate) id: u64,
    /// Display name.
    pub(crate) name: String,
    /// Path in the repository (`.github/workflows/ci.yml`).
    pub(crate) path: String,
    /// Jobs in file order.
    pub(crate) jobs: Vec<JobSpec>,
}

impl Workflow {
    /// The file name (`ci.yml`), which the API accepts in place of the id.
    pub(crate) fn file(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// A repository with CI.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Project {
    /// Numeric id (GitLab project id, GitHub repository id).
    pub(crate) id: u64,
    /// Served by.
    pub(crate) provider: Provider,
    /// `owner/repo` or `group/project`.
    pub(crate) path: String,
    /// Short description.
    pub(crate) description: String,
    /// Default branch.
    pub(crate) default_branch: String,
    /// Workflows.
    pub(crate) workflows: Vec<Workflow>,
    /// Environments.
    pub(crate) environments: Vec<Environment>,
    /// GitLab stage order.
    pub(crate) stages: Vec<String>,
    /// Creation time in Unix ms.
    pub(crate) created_ms: i64,
}

impl Project {
    /// The repository or project name (last path segment).
    pub(crate) fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The owner or group (everything before the last segment).
    pub(crate) fn owner(&self) -> &str {
        self.path.rsplit_once('/').map(|(o, _)| o).unwrap_or("")
    }

    /// An environment by name.
    pub(crate) fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// A workflow by id.
    pub(crate) fn workflow(&self, id: u64) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.id == id)
    }
}

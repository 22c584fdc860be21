//! The simulated world: the store, the clock, the seeded randomness, pod logs and faults.
//! Everything that changes with time is behind one lock owned by [`super::Sim`]; HTTP handlers
//! and the clock driver take it briefly and never across an await.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};

use super::logs::PodLogs;
use super::rng::Rng;
use super::store::Store;

/// Simulated time advances in steps of this many milliseconds; controllers run once per step,
/// so the same seed and the same total advance give the same states however time was driven.
pub(crate) const STEP_MS: i64 = 100;

/// How a released version behaves once its pods run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Behaviour {
    /// Pods crash shortly after start and go into CrashLoopBackOff.
    pub(crate) crash_loop: bool,
    /// Containers run but never pass readiness.
    pub(crate) fail_readiness: bool,
    /// The image cannot be pulled (ImagePullBackOff).
    pub(crate) image_pull_error: bool,
    /// The container is killed for memory (OOMKilled) instead of crashing normally.
    pub(crate) oom: bool,
    /// Share of requests answered with a 5xx, 0..1.
    pub(crate) error_rate: f64,
    /// Typical latency in milliseconds (the p50 the logs and metrics report).
    pub(crate) latency_ms: f64,
    /// Logs include terminal escape sequences that try to drive the viewer's terminal.
    pub(crate) hostile_logs: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            crash_loop: false,
            fail_readiness: false,
            image_pull_error: false,
            oom: false,
            error_rate: 0.002,
            latency_ms: 18.0,
            hostile_logs: false,
        }
    }
}

/// The simulated clock.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Simulated now, in Unix milliseconds.
    pub now_ms: i64,
    /// When frozen, only explicit advances move time.
    pub(crate) frozen: bool,
    /// Simulated seconds per real second while not frozen.
    pub(crate) speed: f64,
    carry_ms: f64,
}

impl Clock {
    /// A clock at `now_ms`, running at `speed`.
    pub(crate) fn new(now_ms: i64, speed: f64) -> Self {
        Self {
            now_ms,
            frozen: false,
            speed,
            carry_ms: 0.0,
        }
    }

    /// Simulated now as RFC 3339 with second precision (what `creationTimestamp` carries).
    pub fn rfc3339(&self) -> String {
        fmt_time(self.now_ms)
    }
}

/// Unix milliseconds as RFC 3339, seconds precision, `Z`.
pub(crate) fn fmt_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Unix milliseconds as RFC 3339 with nanoseconds, `Z`.
pub(crate) fn fmt_time_nanos(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Parses an RFC 3339 time to Unix milliseconds.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Injected failures.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer the next `n` Kubernetes requests with this status code.
    pub fail_next: Option<(u16, u32)>,
    /// Delay added to every Kubernetes request, in milliseconds.
    pub(crate) latency_ms: u64,
    /// Pods (namespace, name) whose log streams send nothing until released.
    pub(crate) stalled_logs: BTreeSet<(String, String)>,
    /// How the webhook sink answers.
    pub(crate) webhook: super::webhook::Fault,
    /// The Kubernetes API is down until then (`/sim/outage`).
    pub(crate) outage: Option<super::outage::Outage>,
}

/// Everything that makes up the simulated world.
pub struct World {
    /// The objects.
    pub store: Store,
    /// Simulated time.
    pub clock: Clock,
    /// Seeded randomness; the only source of chance in the world.
    pub(crate) rng: Rng,
    /// The seed the world was built from.
    pub(crate) seed: u64,
    /// Container logs.
    pub logs: PodLogs,
    /// Injected failures.
    pub faults: Faults,
    /// How each image (full reference, `repo:tag`) behaves; unknown images behave well.
    pub(crate) behaviours: BTreeMap<String, Behaviour>,
    /// Answer the next `n` Prometheus requests with this status code.
    pub(crate) prometheus_fail_next: Option<(u16, u32)>,
    /// Bumped whenever a behaviour changes, so running pods re-read theirs at once.
    pub(crate) behaviour_epoch: u64,
    /// Controller state kept beside the store.
    pub(crate) ctl: super::controllers::State,
    /// CI projects, runs and jobs (GitHub Actions and GitLab CI).
    pub ci: super::ci::CiWorld,
    /// Verbs denied to the simulator's user.
    pub(crate) permissions: super::permissions::Permissions,
    /// What the webhook sink received.
    pub(crate) webhook: super::webhook::Received,
}

impl World {
    /// An empty world at `now_ms`.
    pub(crate) fn new(seed: u64, now_ms: i64, speed: f64) -> Self {
        Self {
            store: Store::new(seed),
            clock: Clock::new(now_ms, speed),
            rng: Rng::new(seed),
            seed,
            logs: PodLogs::default(),
            faults: Faults::default(),
            behaviours: BTreeMap::new(),
            behaviour_epoch: 0,
            prometheus_fail_next: None,
            ctl: super::controllers::State::default(),
            ci: super::ci::CiWorld::new(seed),
            permissions: Default::default(),
            webhook: Default::default(),
        }
    }

    /// The behaviour of an image.
    pub(crate) fn behaviour(&self, image: &str) -> Behaviour {
        self.behaviours.get(image).cloned().unwrap_or_default()
    }

    /// Changes how an image behaves, for new and running pods alike.
    pub(crate) fn set_behaviour(&mut self, image: &str, behaviour: Behaviour) {
        self.behaviours.insert(image.to_string(), behaviour);
        self.behaviour_epoch += 1;
    }

    /// Moves simulated time forward by `ms`, running the controllers once per [`STEP_MS`].
    pub(crate) fn advance(&mut self, ms: f64) {
        self.clock.carry_ms += ms.max(0.0);
        while self.clock.carry_ms >= STEP_MS as f64 {
            self.clock.carry_ms -= STEP_MS as f64;
            self.clock.now_ms += STEP_MS;
            super::controllers::step(self);
            super::ci::step(self);
        }
    }
}

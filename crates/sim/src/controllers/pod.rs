//! The kubelet and scheduler of the simulated cluster: every pod moves through scheduling,
//! image pull, start, readiness, crashes with growing back-off, and graceful termination, on
//! simulated time. Timing state lives in [`PodSim`] beside the store; the pod object in the
//! store is re-rendered from it whenever something visible changes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::events::{self, Involved, Source};
use super::obj;
use super::pod_status;
use crate::loggen;
use crate::logs::{LogKey, LogLine};
use crate::prometheus::{PodMetrics, observe};
use crate::resources::ids;
use crate::rng::{hash_str, mix};
use crate::world::{Behaviour, World, fmt_time};

/// Longest kubelet back-off between restarts, in seconds.
const MAX_BACKOFF_S: i64 = 300;
/// How often a failing readiness probe reports, in milliseconds.
const PROBE_PERIOD_MS: i64 = 10_000;

/// What one container is doing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CState {
    /// Pulling its image and creating the container until the given time.
    Creating {
        /// When the pull finishes.
        until: i64,
    },
    /// The pull failed; `backoff` once kubelet has given up for a while.
    PullError {
        /// ImagePullBackOff rather than ErrImagePull.
        backoff: bool,
        /// When the next attempt starts.
        until: i64,
    },
    /// Running since `since`.
    Running {
        /// Start of this instance.
        since: i64,
        /// When readiness passes, if it ever does.
        ready_at: Option<i64>,
        /// When this instance crashes, if it does.
        crash_at: Option<i64>,
        /// Next failing-probe report, when readiness fails.
        probe_at: Option<i64>,
        /// Readiness passed.
        ready: bool,
    },
    /// Crashed and waiting out the back-off until the restart.
    BackOff {
        /// When it restarts.
        until: i64,
        /// The back-off in seconds, as the waiting message says.
        seconds: i64,
    },
}

/// The last terminated instance of a container.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Terminated {
    /// Exit code.
    pub(crate) exit_code: i64,
    /// `Error` or `OOMKilled`.
    pub(crate) reason: &'static str,
    /// Start of that instance.
    pub(crate) started_ms: i64,
    /// When it ended.
    pub(crate) finished_ms: i64,
    /// Its container id.
    pub(crate) container_id: String,
}

/// One container of a simulated pod.
#[derive(Debug, Clone)]
pub(crate) struct Ctr {
    /// Container name.
    pub(crate) name: String,
    /// Image reference.
    pub(crate) image: String,
    /// The version's behaviour, refreshed now and then.
    pub(crate) behaviour: Behaviour,
    /// Restarts so far.
    pub(crate) restarts: u32,
    /// Crashes (and failed pulls) so far, for the back-off.
    pub(crate) failures: u32,
    /// Current state.
    pub(crate) state: CState,
    /// The previous instance, after a crash.
    pub(crate) last: Option<Terminated>,
    /// Has it ever started.
    pub(crate) started_once: bool,
    /// Log lines per simulated second.
    pub(crate) log_rate: f64,
}

/// The kubelet's view of one pod.
#[derive(Debug, Clone)]
pub(crate) struct PodSim {
    /// Pod uid.
    pub(crate) uid: String,
    /// Hash of the controller owner's uid (0 when unowned), for cheap grouping.
    pub(crate) owner: u64,
    /// Creation time.
    pub(crate) created_ms: i64,
    /// When scheduled, once it is.
    pub(crate) scheduled_ms: Option<i64>,
    /// Node name, once scheduled.
    pub(crate) node: String,
    /// Node IP.
    pub(crate) host_ip: String,
    /// Pod IP.
    pub(crate) pod_ip: String,
    /// Containers.
    pub(crate) containers: Vec<Ctr>,
    /// Since when the pod is Ready.
    pub(crate) ready_ms: Option<i64>,
    /// When ContainersReady/Ready last changed.
    pub(crate) ready_changed_ms: i64,
    /// Graceful deletion ends at this time.
    pub(crate) deleting_until: Option<i64>,
    /// Per-pod seed for delays and log style.
    pub(crate) seed: u64,
    /// The world's behaviour epoch the containers' behaviours were last read at.
    pub(crate) behaviour_epoch: u64,
    /// What the simulated Prometheus needs to compute this pod's series.
    pub(crate) metrics: PodMetrics,
}

impl PodSim {
    /// Not being deleted.
    pub(crate) fn active(&self) -> bool {
        self.deleting_until.is_none()
    }

    /// Every container passed readiness.
    pub(crate) fn ready(&self) -> bool {
        self.ready_ms.is_some()
    }

    /// Ready for at least `min_ready_s`.
    pub(crate) fn available(&self, min_ready_s: i64, now_ms: i64) -> bool {
        self.ready_ms
            .is_some_and(|t| now_ms - t >= min_ready_s * 1000)
    }

    /// Simulated phase: `Pending` until every container started once.
    pub(crate) fn phase(&self) -> &'static str {
        if self.containers.iter().all(|c| c.started_once) {
            "Running"
        } else {
            "Pending"
        }
    }

    fn next_ms(&self) -> i64 {
        let mut next = i64::MAX;
        if self.scheduled_ms.is_none() {
            next = self.created_ms + 200 + (self.seed % 600) as i64;
        }
        if let Some(t) = self.deleting_until {
            next = next.min(t);
        }
        for c in &self.containers {
            let t = match &c.state {
                CState::Creating { until } | CState::PullError { until, .. } => *until,
                CState::BackOff { until, .. } => *until,
                CState::Running {
                    ready_at,
                    crash_at,
                    probe_at,
                    ready,
                    ..
                } => {
                    let r = if *ready { None } else { *ready_at };
                    [r, *crash_at, *probe_at]
                        .into_iter()
                        .flatten()
                        .min()
                        .unwrap_or(i64::MAX)
                }
            };
            next = next.min(t);
        }
        next
    }
}

/// Starts tracking a pod object (created by a controller, the API or a scenario).
pub(crate) fn adopt(world: &mut World, pod: &Value) {
    let key = (obj::namespace(pod).to_string(), obj::name(pod).to_string());
    let seed = mix(hash_str(obj::uid(pod)) ^ world.seed);
    let containers = pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .enumerate()
                .map(|(i, c)| {
                    let image = obj::str_at(c, "/image").to_string();
                    Ctr {
                        name: obj::str_at(c, "/name").to_string(),
                        behaviour: world.behaviour(&image),
                        image,
                        restarts: 0,
                        failures: 0,
                        state: CState::Creating { until: i64::MAX },
                        last: None,
                        started_once: false,
                        log_rate: 1.0 + ((seed >> (8 * i)) % 5) as f64,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let sim = PodSim {
        uid: obj::uid(pod).to_string(),
        owner: obj::controller_uid(pod).map(hash_str).unwrap_or(0),
        created_ms: world.clock.now_ms,
        scheduled_ms: None,
        node: String::new(),
        host_ip: String::new(),
        pod_ip: String::new(),
        containers,
        ready_ms: None,
        ready_changed_ms: world.clock.now_ms,
        deleting_until: None,
        seed,
        behaviour_epoch: world.behaviour_epoch,
        metrics: PodMetrics::new(pod),
    };
    world.ctl.pods.insert(key, sim);
}

/// Starts the graceful deletion of a pod: `deletionTimestamp` now, gone a few seconds later.
pub(crate) fn terminate(world: &mut World, namespace: &str, name: &str) {
    let now = world.clock.now_ms;
    let grace = 1500 + world.rng.range(0, 2500) as i64;
    let Some(sim) = world
        .ctl
        .pods
        .get_mut(&(namespace.to_string(), name.to_string()))
    else {
        return;
    };
    if sim.deleting_until.is_some() {
        return;
    }
    sim.deleting_until = Some(now + grace);
    observe(sim, now);
    let ts = fmt_time(now);
    let host = sim.node.clone();
    let ctrs: Vec<String> = sim.containers.iter().map(|c| c.name.clone()).collect();
    let pod = world.store.modify(ids::PODS, namespace, name, |p| {
        p["metadata"]["deletionTimestamp"] = json!(ts);
        p["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    });
    if let Some(pod) = pod {
        for c in ctrs {
            let mut inv = Involved::of(&pod);
            inv.field_path = Some(format!("spec.containers{{{c}}}"));
            inv.host = Some(host.clone()).filter(|h| !h.is_empty());
            events::record(
                world,
                Source::Kubelet,
                &inv,
                false,
                "Killing",
                &format!("Stopping container {c}"),
            );
        }
    }
}

/// One step of every pod: notice pods created or deleted through the API, move the ones whose
/// time has come, and let running containers write their logs.
pub(crate) fn sync_all(world: &mut World) {
    reconcile_with_store(world);
    let now = world.clock.now_ms;
    let mut pods = std::mem::take(&mut world.ctl.pods);
    let mut gone = Vec::new();
    for (key, sim) in pods.iter_mut() {
        // A version marked bad while running shows at once in both its logs and its metrics.
        if sim.behaviour_epoch != world.behaviour_epoch {
            sim.behaviour_epoch = world.behaviour_epoch;
            for c in &mut sim.containers {
                c.behaviour = world.behaviour(&c.image);
            }
            observe(sim, now);
        }
        if sim.next_ms() <= now {
            if advance(world, key, sim) {
                gone.push(key.clone());
                continue;
            }
            observe(sim, now);
            let status = pod_status::render(sim, key);
            let node = sim.node.clone();
            world.store.modify(ids::PODS, &key.0, &key.1, |p| {
                if !node.is_empty() {
                    p["spec"]["nodeName"] = json!(node);
                }
                p["status"] = status;
            });
        }
        write_logs(world, key, sim);
    }
    for key in gone {
        pods.remove(&key);
    }
    world.ctl.pods = pods;
}

/// Finds pods that appeared, vanished or were marked for deletion through the API.
fn reconcile_with_store(world: &mut World) {
    let mut fresh = Vec::new();
    let mut stale = Vec::new();
    let mut deleting = Vec::new();
    {
        let mut side = world.ctl.pods.iter().peekable();
        for v in world.store.list(ids::PODS, None) {
            let k = (obj::namespace(v), obj::name(v));
            while let Some(((ns, n), _)) = side.peek() {
                if (ns.as_str(), n.as_str()) < k {
                    stale.push((ns.clone(), n.clone()));
                    side.next();
                } else {
                    break;
                }
            }
            match side.peek() {
                Some(((ns, n), sim)) if (ns.as_str(), n.as_str()) == k => {
                    if sim.uid != obj::uid(v) {
                        stale.push((ns.clone(), n.clone()));
                        fresh.push(v.clone());
                    } else if sim.deleting_until.is_none()
                        && v["metadata"].get("deletionTimestamp").is_some()
                    {
                        deleting.push((ns.clone(), n.clone()));
                    }
                    side.next();
                }
                _ => fresh.push(v.clone()),
            }
        }
        stale.extend(side.map(|(k, _)| k.clone()));
    }
    for (ns, n) in stale {
        world.ctl.pods.remove(&(ns.clone(), n.clone()));
        world.logs.remove_pod(&ns, &n);
    }
    for v in fresh {
        adopt(world, &v);
    }
    for (ns, n) in deleting {
        terminate(world, &ns, &n);
    }
}

fn involved(key: &(String, String), sim: &PodSim, ctr: Option<&str>) -> Involved {
    Involved {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: key.0.clone(),
        name: key.1.clone(),
        uid: sim.uid.clone(),
        field_path: ctr.map(|c| format!("spec.containers{{{c}}}")),
        host: Some(sim.node.clone()).filter(|h| !h.is_empty()),
    }
}

/// Moves a due pod; true when it is gone for good.
fn advance(world: &mut World, key: &(String, String), sim: &mut PodSim) -> bool {
    let now = world.clock.now_ms;
    if sim.deleting_until.is_some_and(|until| now >= until) {
        let _ = world.store.delete(ids::PODS, &key.0, &key.1);
        world.logs.remove_pod(&key.0, &key.1);
        return true;
    }
    if sim.scheduled_ms.is_none() {
        schedule(world, key, sim);
        return false;
    }
    for i in 0..sim.containers.len() {
        advance_container(world, key, sim, i);
    }
    let all_ready = sim
        .containers
        .iter()
        .all(|c| matches!(c.state, CState::Running { ready: true, .. }));
    if all_ready != sim.ready_ms.is_some() {
        sim.ready_ms = all_ready.then_some(now);
        sim.ready_changed_ms = now;
    }
    false
}

fn schedule(world: &mut World, key: &(String, String), sim: &mut PodSim) {
    let now = world.clock.now_ms;
    let nodes: Vec<(String, String)> = world
        .store
        .list(ids::NODES, None)
        .map(|n| {
            let ip = n["status"]["addresses"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
                .map(|x| obj::str_at(x, "/address").to_string())
                .unwrap_or_else(|| "10.0.0.10".into());
            (obj::name(n).to_string(), ip)
        })
        .collect();
    let idx = if nodes.is_empty() {
        0
    } else {
        world.rng.range(0, nodes.len() as u64) as usize
    };
    let (node, host_ip) = nodes
        .get(idx)
        .cloned()
        .unwrap_or_else(|| ("node-1".into(), "10.0.0.10".into()));
    sim.scheduled_ms = Some(now);
    sim.node = node.clone();
    sim.host_ip = host_ip;
    // Each node owns 10.244.<idx>.0/24, as a pod CIDR does; addresses are handed out in turn
    // so no two live pods share one.
    let handed = world.ctl.pod_ips.entry(idx).or_insert(0);
    sim.pod_ip = format!("10.244.{}.{}", idx, 2 + *handed % 252);
    *handed += 1;
    let inv = involved(key, sim, None);
    events::record(
        world,
        Source::Scheduler,
        &Involved { host: None, ..inv },
        false,
        "Scheduled",
        &format!("Successfully assigned {}/{} to {node}", key.0, key.1),
    );
    for i in 0..sim.containers.len() {
        start_pull(world, key, sim, i);
    }
}

fn start_pull(world: &mut World, key: &(String, String), sim: &mut PodSim, i: usize) {
    let pull = 1200 + world.rng.range(0, 2800) as i64;
    let now = world.clock.now_ms;
    let c = &mut sim.containers[i];
    c.state = CState::Creating { until: now + pull };
    let msg = format!("Pulling image \"{}\"", c.image);
    let name = c.name.clone();
    let inv = involved(key, sim, Some(&name));
    events::record(world, Source::Kubelet, &inv, false, "Pulling", &msg);
}

fn backoff_seconds(failures: u32) -> i64 {
    (10i64 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF_S)
}

fn advance_container(world: &mut World, key: &(String, String), sim: &mut PodSim, i: usize) {
    let now = world.clock.now_ms;
    let c = sim.containers[i].clone();
    let inv = involved(key, sim, Some(&c.name));
    match c.state {
        CState::Creating { until } if now >= until => {
            if c.behaviour.image_pull_error {
                let ctr = &mut sim.containers[i];
                ctr.failures += 1;
                ctr.state = CState::PullError {
                    backoff: false,
                    until: now + 2000,
                };
                let reason = format!(
                    "Failed to pull image \"{0}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": not found",
                    c.image
                );
                events::record(world, Source::Kubelet, &inv, true, "Failed", &reason);
                events::record(
                    world,
                    Source::Kubelet,
                    &inv,
                    true,
                    "Failed",
                    "Error: ErrImagePull",
                );
            } else {
                let msg = if c.started_once {
                    format!("Container image \"{}\" already present on machine", c.image)
                } else {
                    let took = (until - now + 1200 + (sim.seed % 2800) as i64) as f64 / 1000.0;
                    format!(
                        "Successfully pulled image \"{}\" in {took:.3}s ({took:.3}s including waiting). Image size: {} bytes.",
                        c.image,
                        40_000_000 + hash_str(&c.image) % 90_000_000
                    )
                };
                events::record(world, Source::Kubelet, &inv, false, "Pulled", &msg);
                start_container(world, key, sim, i);
            }
        }
        CState::PullError { backoff, until } if now >= until => {
            if backoff {
                start_pull(world, key, sim, i);
            } else {
                let secs = backoff_seconds(c.failures);
                sim.containers[i].state = CState::PullError {
                    backoff: true,
                    until: now + secs * 1000,
                };
                let msg = format!("Back-off pulling image \"{}\"", c.image);
                events::record(world, Source::Kubelet, &inv, false, "BackOff", &msg);
                events::record(
                    world,
                    Source::Kubelet,
                    &inv,
                    true,
                    "Failed",
                    "Error: ImagePullBackOff",
                );
            }
        }
        CState::BackOff { until, .. } if now >= until => {
            let log_key = LogKey {
                namespace: key.0.clone(),
                pod: key.1.clone(),
                container: c.name.clone(),
            };
            world.logs.restart(&log_key);
            sim.containers[i].restarts += 1;
            let msg = format!("Container image \"{}\" already present on machine", c.image);
            events::record(world, Source::Kubelet, &inv, false, "Pulled", &msg);
            start_container(world, key, sim, i);
        }
        CState::Running {
            since,
            ready_at,
            crash_at,
            probe_at,
            ready,
        } => {
            if crash_at.is_some_and(|t| now >= t) {
                crash(world, key, sim, i, since);
                return;
            }
            let mut state = sim.containers[i].state.clone();
            if !ready && ready_at.is_some_and(|t| now >= t) {
                state = CState::Running {
                    since,
                    ready_at,
                    crash_at,
                    probe_at,
                    ready: true,
                };
            } else if let Some(t) = probe_at.filter(|t| now >= *t) {
                events::record(
                    world,
                    Source::Kubelet,
                    &inv,
                    true,
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503",
                );
                state = CState::Running {
                    since,
                    ready_at,
                    crash_at,
                    probe_at: Some(t + PROBE_PERIOD_MS),
                    ready,
                };
            }
            sim.containers[i].state = state;
        }
        _ => {}
    }
}

fn start_container(world: &mut World, key: &(String, String), sim: &mut PodSim, i: usize) {
    let now = world.clock.now_ms;
    let readiness = 2500 + world.rng.range(0, 4500) as i64;
    let crash_after = 2000 + world.rng.range(0, 3000) as i64;
    let c = &mut sim.containers[i];
    let b = c.behaviour.clone();
    c.started_once = true;
    c.state = CState::Running {
        since: now,
        ready_at: (!b.fail_readiness && !b.crash_loop).then_some(now + readiness),
        crash_at: b.crash_loop.then_some(now + crash_after),
        probe_at: (b.fail_readiness && !b.crash_loop).then_some(now + readiness),
        ready: false,
    };
    let name = c.name.clone();
    let image = c.image.clone();
    let inv = involved(key, sim, Some(&name));
    events::record(
        world,
        Source::Kubelet,
        &inv,
        false,
        "Created",
        &format!("Created container: {name}"),
    );
    events::record(
        world,
        Source::Kubelet,
        &inv,
        false,
        "Started",
        &format!("Started container {name}"),
    );
    let log_key = LogKey {
        namespace: key.0.clone(),
        pod: key.1.clone(),
        container: name,
    };
    for text in loggen::startup(&mut world.rng, &image, &b, sim.seed, now) {
        world.logs.append(
            log_key.clone(),
            LogLine {
                time_ms: now,
                text: text.into(),
            },
        );
    }
}

fn crash(world: &mut World, key: &(String, String), sim: &mut PodSim, i: usize, since: i64) {
    let now = world.clock.now_ms;
    let c = &mut sim.containers[i];
    c.failures += 1;
    let secs = backoff_seconds(c.failures);
    let (exit_code, reason) = if c.behaviour.oom {
        (137, "OOMKilled")
    } else {
        (1, "Error")
    };
    c.last = Some(Terminated {
        exit_code,
        reason,
        started_ms: since,
        finished_ms: now,
        container_id: pod_status::container_id(&sim.uid, &c.name, c.restarts),
    });
    c.state = CState::BackOff {
        until: now + secs * 1000,
        seconds: secs,
    };
    let name = c.name.clone();
    let oom = c.behaviour.oom;
    let log_key = LogKey {
        namespace: key.0.clone(),
        pod: key.1.clone(),
        container: name.clone(),
    };
    for text in loggen::crash(&mut world.rng, oom, now) {
        world.logs.append(
            log_key.clone(),
            LogLine {
                time_ms: now,
                text: text.into(),
            },
        );
    }
    let inv = involved(key, sim, Some(&name));
    let msg = format!(
        "Back-off restarting failed container {name} in pod {}_{}({})",
        key.1, key.0, sim.uid
    );
    events::record(world, Source::Kubelet, &inv, true, "BackOff", &msg);
}

fn write_logs(world: &mut World, key: &(String, String), sim: &PodSim) {
    if sim.deleting_until.is_some() {
        return;
    }
    let now = world.clock.now_ms;
    for c in &sim.containers {
        if !matches!(c.state, CState::Running { .. }) {
            continue;
        }
        // A rate of r lines per second is r/10 chances per 100 ms step.
        if !world.rng.chance(c.log_rate / 10.0) {
            continue;
        }
        let lines = loggen::lines(&mut world.rng, &c.image, &c.behaviour, sim.seed, now);
        let log_key = LogKey {
            namespace: key.0.clone(),
            pod: key.1.clone(),
            container: c.name.clone(),
        };
        for text in lines {
            world.logs.append(
                log_key.clone(),
                LogLine {
                    time_ms: now,
                    text: text.into(),
                },
            );
        }
    }
}

/// Every tracked pod, by (namespace, name).
pub(crate) type PodTable = BTreeMap<(String, String), PodSim>;

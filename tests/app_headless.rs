//! The event loop without a terminal: a `TestBackend` for the screen, `Msg`s sent through the
//! loop's channel, frames read back as text. The first tests use a fake effect sink and the
//! sample world; the last runs the real driver against the simulator and switches context.
//!
//! Every wait is for a frame that satisfies a condition, with a deadline; nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quarterdeck::app::EventLoop;
use quarterdeck::config::Theme;
use quarterdeck::effects::ControlSetup;
use quarterdeck::terminal::SignalEvent;
use quarterdeck_core::{Model, Msg, sample};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use support::harness::{Harness, PATIENCE, Recorded, Recorder};
use tokio::sync::{mpsc, watch};

/// The sample world's five releases, every source live.
fn showcase() -> Model {
    sample::model_with(sample::showcase_objects(), 160, 48).0
}

/// Whether `name` appears anywhere in the frame.
fn shows(frame: &str, name: &str) -> bool {
    frame.lines().any(|l| l.contains(name))
}

/// The names in the Releases pane's rows (the focused pane, so its border is heavy).
fn release_rows(frame: &str) -> Vec<String> {
    frame
        .lines()
        .filter_map(|l| l.strip_prefix("┃› ").or_else(|| l.strip_prefix("┃  ")))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|word| word.starts_with(char::is_alphanumeric))
        .map(str::to_string)
        .collect()
}

const RELEASES: [&str; 5] = [
    "orders-api",
    "feature-store",
    "customer-intelligence",
    "producer",
    "order-generation",
];

#[tokio::test]
async fn typing_a_filter_narrows_the_rows() {
    let (effects, _asked) = mpsc::unbounded_channel();
    let mut app = Harness::start(
        showcase(),
        Recorded(effects),
        mpsc::unbounded_channel(),
        (160, 48),
    );
    let all = app
        .frame("every release", |f| release_rows(f).len() == RELEASES.len())
        .await;
    for name in RELEASES {
        assert!(release_rows(&all).iter().any(|r| r == name), "{all}");
    }
    // The filter applies as it is typed.
    app.keys("/intel");
    let typed = app
        .frame("the typed filter", |f| f.contains("/intel█"))
        .await;
    assert_eq!(release_rows(&typed), ["customer-intelligence"], "{typed}");
    // Enter closes the prompt and keeps the filter.
    app.keys("\r");
    let kept = app
        .frame("the prompt closed", |f| !f.contains("enter keep"))
        .await;
    assert_eq!(release_rows(&kept), ["customer-intelligence"], "{kept}");
}

#[tokio::test]
async fn q_quits_with_0_and_drops_the_effect_sink() {
    let (effects, mut asked) = mpsc::unbounded_channel();
    let mut app = Harness::start(
        showcase(),
        Recorded(effects),
        mpsc::unbounded_channel(),
        (160, 48),
    );
    app.frame("every release", |f| RELEASES.iter().all(|r| shows(f, r)))
        .await;
    app.keys("q");
    let code = tokio::time::timeout(PATIENCE, &mut app.task)
        .await
        .expect("the loop did not end")
        .unwrap()
        .unwrap();
    assert_eq!(code, 0);
    // The sink is gone with the loop: its channel ends once what it was asked is read.
    tokio::time::timeout(PATIENCE, async { while asked.recv().await.is_some() {} })
        .await
        .expect("the effect sink outlived the loop");
}

#[tokio::test]
async fn a_terminating_signal_ends_the_loop_with_its_code() {
    let (effects, _asked) = mpsc::unbounded_channel();
    let (signals_tx, signals) = mpsc::channel(1);
    let (tx, rx) = mpsc::unbounded_channel();
    let (latest, _frames) = watch::channel(String::new());
    let (_size, size) = watch::channel((80, 24));
    let event_loop = EventLoop {
        model: showcase(),
        theme: Theme::load("default", None).unwrap(),
        terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(),
        screen: Recorder {
            latest,
            all: Default::default(),
            size,
        },
        effects: Recorded(effects),
        messages: rx,
        signals,
    };
    let task = tokio::spawn(event_loop.run());
    signals_tx.send(SignalEvent::Terminate).await.unwrap();
    let code = tokio::time::timeout(PATIENCE, task)
        .await
        .expect("the loop did not end")
        .unwrap()
        .unwrap();
    assert_eq!(code, 143);
    drop(tx);
}

#[tokio::test]
async fn a_resize_redraws_at_the_new_size() {
    let (effects, _asked) = mpsc::unbounded_channel();
    let mut app = Harness::start(
        showcase(),
        Recorded(effects),
        mpsc::unbounded_channel(),
        (160, 48),
    );
    let wide = app
        .frame("every release", |f| RELEASES.iter().all(|r| shows(f, r)))
        .await;
    assert_eq!(wide.lines().count(), 48);
    app.size.send_replace((70, 20));
    app.send(Msg::Resized {
        width: 70,
        height: 20,
    });
    let narrow = app
        .frame("a 70×20 frame", |f| f.lines().count() == 20)
        .await;
    assert!(narrow.lines().all(|l| l.chars().count() == 70), "{narrow}");
    assert!(shows(&narrow, "orders-api"), "{narrow}");
    assert!(narrow.contains("⎈ prod-eu-west"), "{narrow}");
}

/// The kubeconfig of the simulator with a second context whose server nobody listens on.
fn two_contexts(fx: &support::Fixture, namespace: &str) -> std::path::PathBuf {
    let written = std::fs::read_to_string(&fx.handle.kubeconfig).unwrap();
    let ca = written
        .lines()
        .find_map(|l| l.trim().strip_prefix("certificate-authority-data: "))
        .unwrap();
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: first\n\
         clusters:\n\
         - name: sim\n  cluster:\n    server: {sim}\n    certificate-authority-data: {ca}\n\
         - name: nowhere\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: {ca}\n\
         contexts:\n\
         - name: first\n  context:\n    cluster: sim\n    user: u\n    namespace: {namespace}\n\
         - name: unreachable\n  context:\n    cluster: nowhere\n    user: u\n    namespace: {namespace}\n\
         users:\n- name: u\n  user:\n    token: {token}\n",
        sim = written
            .lines()
            .find_map(|l| l.trim().strip_prefix("server: "))
            .unwrap(),
        token = fx.handle.token,
    );
    let path = fx.handle.kubeconfig.with_file_name("two-contexts");
    std::fs::write(&path, text).unwrap();
    path
}

/// The issue's acceptance test: `:ctx` to a context that cannot be reached shows the error,
/// the first context keeps updating, and nothing of it is ever shown under the second name.
#[test]
fn a_failed_context_switch_keeps_the_first_context_working() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let fx = support::Fixture::start();
    let ns = "qd-ctx";
    fx.seed(ns);
    let path = two_contexts(&fx, ns);
    let mut app = support::harness::dashboard(&fx, &path, ns, |_| ControlSetup::from_env());
    let rt = &fx.rt;
    let first = rt.block_on(app.frame("the first context's release", |f| {
        f.contains("⎈ first") && shows(f, "web") && f.contains("deploy ●")
    }));
    assert!(shows(&first, "checkout"), "{first}");

    app.keys(":ctx unreachable\r");
    let failed = rt.block_on(app.frame("the failed switch", |f| {
        f.contains("cannot switch to context unreachable")
    }));
    assert!(failed.contains("127.0.0.1:1"), "{failed}");
    assert!(failed.contains("still on first"), "{failed}");
    assert!(failed.contains("⎈ first"), "{failed}");
    assert!(shows(&failed, "web"), "{failed}");

    // The first context keeps updating: a new Deployment appears.
    fx.create(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        json!({"metadata": {"name": "late-arrival", "labels": {"app": "late"}},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "late"}},
            "template": {"metadata": {"labels": {"app": "late"}},
              "spec": {"containers": [{"name": "app", "image": "shop/late:1"}]}}}}),
    );
    let later = rt.block_on(app.frame("the new deployment", |f| shows(f, "late-arrival")));
    assert!(later.contains("⎈ first"), "{later}");

    app.keys("q");
    let code = rt
        .block_on(async { tokio::time::timeout(PATIENCE, &mut app.task).await })
        .expect("the loop did not end")
        .unwrap()
        .unwrap();
    assert_eq!(code, 0);
    let frames = app.all.lock().unwrap();
    assert!(
        frames.iter().all(|f| !f.contains("⎈ unreachable")),
        "a frame showed the second context's name"
    );
}

/// An effect sink whose watches send on a queue of their own, as the real driver's do.
struct OwnWorld {
    recorded: Recorded,
    world: Option<mpsc::UnboundedReceiver<Msg>>,
}

impl quarterdeck::effects::EffectSink for OwnWorld {
    fn perform(&mut self, effect: quarterdeck_core::Effect) {
        self.recorded.perform(effect);
    }

    fn take_world(&mut self) -> Option<mpsc::UnboundedReceiver<Msg>> {
        self.world.take()
    }
}

/// The watches' own queue is read at the world's pace: a stream of pod changes is drawn four
/// times a second and its last change is on screen within a world frame of it, although
/// nothing else wakes the loop; a key in between is drawn at once. Tokio's paused clock makes
/// the counts exact on any machine.
#[tokio::test(start_paused = true)]
async fn the_watches_queue_is_read_four_times_a_second_and_its_last_message_is_drawn() {
    use quarterdeck::frame_pace::{FRAME, WORLD_FRAME};
    use quarterdeck_core::WatchEvent;
    use quarterdeck_core::cluster::Object;
    use tokio::time::{Duration, Instant, sleep};

    let model = showcase();
    let (key, _) = model.pods.rows.first().cloned().unwrap();
    let pod = model.cluster.pods[&key].clone();
    let (effects, _asked) = mpsc::unbounded_channel();
    let (world, world_rx) = mpsc::unbounded_channel();
    let sink = OwnWorld {
        recorded: Recorded(effects),
        world: Some(world_rx),
    };
    let mut app = Harness::start(model, sink, mpsc::unbounded_channel(), (250, 60));
    app.frame("every release", |f| release_rows(f).len() == RELEASES.len())
        .await;
    let restart = |n: u32| {
        let mut p = pod.clone();
        p.restarts = n;
        Msg::Watch(WatchEvent::Apply(Object::Pod(p)))
    };
    let before = app.all.lock().unwrap().len();
    let start = Instant::now();
    for n in 1001..=1200 {
        world.send(restart(n)).unwrap();
        sleep(Duration::from_millis(5)).await;
    }
    let sent = Instant::now();
    app.frame("the last restart", |f| f.contains(" 1200 "))
        .await;
    assert!(
        sent.elapsed() <= WORLD_FRAME + FRAME,
        "the last change waited {:?}",
        sent.elapsed()
    );
    let seconds = start.elapsed().as_secs_f64();
    let frames = app.all.lock().unwrap().len() - before;
    assert!(
        frames as f64 <= seconds * 4.0 + 2.0,
        "{frames} frames in {seconds} s of watch events"
    );
    assert!(frames >= 3, "the pane followed the restarts: {frames}");
    // After a quiet while, one change is read and drawn at once.
    sleep(Duration::from_secs(2)).await;
    let sent = Instant::now();
    world.send(restart(1300)).unwrap();
    app.frame("the change after a quiet while", |f| f.contains(" 1300 "))
        .await;
    assert!(sent.elapsed() <= FRAME, "{:?}", sent.elapsed());
    // A change right after that read waits for the pause, and nothing else wakes the loop.
    world.send(restart(1301)).unwrap();
    let sent = Instant::now();
    app.frame("the change during the pause", |f| f.contains(" 1301 "))
        .await;
    assert!(sent.elapsed() <= WORLD_FRAME, "{:?}", sent.elapsed());
    // A key is drawn at once, whatever the watches' queue holds.
    world.send(restart(1302)).unwrap();
    let asked = Instant::now();
    app.keys("?");
    app.frame("the help overlay", |f| f.contains("esc closes"))
        .await;
    assert!(asked.elapsed() <= FRAME, "{:?}", asked.elapsed());
}

/// A rollout moves hundreds of pods: frames of what the watches saw wait for more of the same
/// (four a second at most), while a key is drawn in the next frame. Time is tokio's paused
/// clock, so the counts are exact on any machine.
#[tokio::test(start_paused = true)]
async fn watch_events_draw_four_frames_a_second_and_a_key_draws_at_once() {
    use quarterdeck_core::WatchEvent;
    use quarterdeck_core::cluster::Object;
    use tokio::time::{Duration, Instant, sleep};

    let model = showcase();
    let (key, _) = model.pods.rows.first().cloned().unwrap();
    let pod = model.cluster.pods[&key].clone();
    let (effects, _asked) = mpsc::unbounded_channel();
    // Wide enough for the Pods pane's RESTARTS column.
    let mut app = Harness::start(
        model,
        Recorded(effects),
        mpsc::unbounded_channel(),
        (250, 60),
    );
    app.frame("every release", |f| release_rows(f).len() == RELEASES.len())
        .await;
    let before = app.all.lock().unwrap().len();
    // One second of a pod restarting every 5 ms: each event changes the Pods pane.
    let start = Instant::now();
    for restarts in 1001..=1200 {
        let mut p = pod.clone();
        p.restarts = restarts;
        app.send(Msg::Watch(WatchEvent::Apply(Object::Pod(p))));
        sleep(Duration::from_millis(5)).await;
    }
    let seconds = start.elapsed().as_secs_f64();
    app.frame("the last restart", |f| f.contains(" 1200 "))
        .await;
    let frames = app.all.lock().unwrap().len() - before;
    assert!(
        frames as f64 <= seconds * 4.0 + 2.0,
        "{frames} frames in {seconds} s of watch events"
    );
    assert!(
        frames >= 3,
        "the pane followed the restarts: {frames} frames"
    );
    // A key in the middle of such a stream is drawn within one ~60 fps frame.
    let mut p = pod.clone();
    p.restarts = 1201;
    app.send(Msg::Watch(WatchEvent::Apply(Object::Pod(p))));
    let asked = Instant::now();
    app.keys("?");
    app.frame("the help overlay", |f| f.contains("esc closes"))
        .await;
    assert!(
        asked.elapsed() <= Duration::from_millis(20),
        "{:?}",
        asked.elapsed()
    );
}

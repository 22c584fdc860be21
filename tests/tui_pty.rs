//! The real binary in a pseudo-terminal: `quarterdeck demo` against its embedded simulator,
//! read back through a vt100 parser. Every wait polls the parsed screen until a condition
//! holds or a timeout passes; nothing sleeps for a fixed time to let the world move.
//!
//! The demo writes its simulator's control API address and token to `--control-file`, so
//! these tests start rollouts, freeze the clock and inject faults over plain HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "pty/mod.rs"]
mod pty;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pty::{FRAME_START, Tui, count};

/// Longest wait for something to show: a deadline for a busy machine, never a timing goal
/// (the start-up time is measured by benchmarks).
const WAIT: Duration = Duration::from_secs(40);

/// "actual N% · desired M%" from the Rollout pane.
fn weight_text(screen: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|l| l.contains("actual ") && l.contains("desired "))?;
    let start = line.find("actual ")?;
    let rest = &line[start..];
    let end = rest.find('│').unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

fn minute_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 60
}

#[test]
fn demo_end_to_end() {
    let mut tui = Tui::demo(&[]);

    // The five seed systems of the default world (a name wider than its column loses
    // segments from its middle: `globeco-order-…-service`).
    let seeds = [
        "feature-store",
        "globeco-order-",
        "customer-intelligence",
        "producer",
        "consumer",
        "orders-api",
    ];
    let screen = tui.wait_for("the seed releases", WAIT, |s| {
        seeds.iter().all(|name| s.contains(name))
    });
    assert!(screen.contains("deploy ●"), "{screen}");

    // Select orders-api through the filter: its pods, then its log lines.
    tui.select("orders-api");
    tui.wait_for("orders-api pods", WAIT, |s| {
        s.contains("Rollout · orders-api")
            && s.lines()
                .filter(|l| l.contains("│› orders-api-") || l.contains("│  orders-api-"))
                .count()
                >= 2
    });
    // Its namespace's events: across all namespaces the Events watch follows the selection.
    tui.wait_for("orders-api events", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("rollout/orders-api") || l.contains("pod/orders-api-"))
    });
    tui.wait_for("orders-api log lines", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("││stable ") || l.contains("││canary ") || l.contains("┃┃stable "))
    });
    assert!(
        weight_text(&tui.screen()).is_some(),
        "the canary shows a weight"
    );

    // A new image through the simulator: the canary restarts on the new revision, and as the
    // (sped-up) clock moves it through its steps the weight on screen changes.
    tui.control(
        "/sim/rollout",
        r#"{"namespace":"orders","name":"orders-api","image":"ghcr.io/acme/orders-api:9.9.9"}"#,
    );
    let started = tui.wait_for("the new revision", WAIT, |s| {
        s.contains("orders-api:9.9.9") && weight_text(s).is_some()
    });
    let first = weight_text(&started).unwrap();
    tui.control("/sim/clock", r#"{"speed":10}"#);
    let moved = tui.wait_for("the weight to change", WAIT, |s| {
        weight_text(s).is_some_and(|w| w != first)
    });
    assert_ne!(weight_text(&moved).unwrap(), first);

    // Every watch dropped and the API answering 500 for a while (kube-rs retries 503s by itself): stale, then live again
    // without a key press.
    tui.control(
        "/sim/faults",
        r#"{"drop_watches":true,"fail_next":{"status":500,"count":25}}"#,
    );
    tui.wait_for("the stale marker", WAIT, |s| s.contains("stale"));
    let recovered = tui.wait_for("recovery", WAIT, |s| {
        !s.contains("stale") && s.contains("deploy ●") && s.contains("rollouts ●")
    });
    assert!(recovered.contains("orders-api"));

    // With the simulated clock frozen nothing changes, so nothing is drawn. GitLab answers
    // no conditional requests, so its pollers keep spending budget on a frozen world; a
    // budget too large for that to move the whole percent on screen keeps the screen still.
    tui.control(
        "/sim/ci/budget",
        r#"{"provider":"gitlab","remaining":100000000,"limit":100000000}"#,
    );
    tui.control("/sim/clock", r#"{"frozen":true}"#);
    // The fault above also broke log streams and watches other than the two checked: each
    // comes back on its own backoff, and coming back is a change worth a frame. Idle starts
    // once every source is live and no log stream is reconnecting.
    tui.wait_for("every source live again", WAIT, |s| {
        let live = ["deploy", "rs", "pods", "rollouts", "events", "ar"]
            .iter()
            .all(|k| s.contains(&format!("{k} ●")));
        (live || s.contains("all live ●")) && !s.contains("stale") && !s.contains("reconnecting (")
    });
    let quiet = Duration::from_millis(1500);
    let mut idle = false;
    for _ in 0..10 {
        // Wait for the last changes (in-flight log lines, events) to be drawn.
        let start = tui.frames();
        let minute = minute_now();
        let deadline = Instant::now() + quiet;
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Relative ages change at minute boundaries; that frame is legitimate.
        if tui.frames() == start && minute_now() == minute {
            idle = true;
            break;
        }
    }
    assert!(idle, "the dashboard kept drawing with a frozen world");
    let start = tui.frames();
    let minute = minute_now();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if minute_now() == minute {
        assert_eq!(tui.frames(), start, "frames drawn while nothing changed");
    }

    // q quits with 0 and gives the terminal back.
    tui.keys("q");
    let status = tui.wait_exit(WAIT);
    assert!(status.success(), "exit status {status:?}");
    let deadline = Instant::now() + WAIT;
    loop {
        let raw = tui.raw.lock().unwrap().clone();
        let last_frame = raw
            .windows(FRAME_START.len())
            .rposition(|w| w == FRAME_START)
            .unwrap_or(0);
        let tail = &raw[last_frame..];
        if count(tail, b"\x1b[?1049l") > 0 && count(tail, b"\x1b[?25h") > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no alternate-screen leave / cursor show after the last frame: {:?}",
            String::from_utf8_lossy(&tail[tail.len().saturating_sub(200)..])
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn hostile_log_lines_stay_inert() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/hostile-logs.toml"
    );
    let mut tui = Tui::demo(&["--scenario", scenario, "-n", "demo"]);
    tui.wait_for("the releases", WAIT, |s| {
        s.contains("terminal-chaos") && s.contains("calm-service")
    });
    let frames_before = tui.raw.lock().unwrap().len();
    tui.select("terminal-chaos");
    let markers = [
        "session expired",
        "title changed",
        "bell storm",
        "overwrote the previous line",
        "clipboard write",
        "ALTERNATE SCREEN",
        "click me",
        "device control string",
        "returnoverwrite",
    ];
    let screen = tui.wait_for("hostile lines on screen", WAIT, |s| {
        markers.iter().filter(|m| s.contains(*m)).count() >= 3
    });
    // The frame is intact: the status bar is still on the last row and the title row first.
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows.first().unwrap().contains("Releases"), "{screen}");
    assert!(
        rows.iter().any(|r| r.contains("⎈ quarterdeck-sim")),
        "{screen}"
    );
    // Nothing the pods wrote reached the terminal as a control sequence.
    let raw = tui.raw.lock().unwrap()[frames_before..].to_vec();
    assert_eq!(
        count(&raw, b"\x1b]"),
        0,
        "an OSC sequence reached the terminal"
    );
    assert_eq!(count(&raw, b"\x07"), 0, "a bell reached the terminal");
    assert_eq!(
        count(&raw, b"\x1b[2J"),
        0,
        "a clear-screen reached the terminal"
    );
    assert_eq!(count(&raw, b"\x1bP"), 0, "a DCS reached the terminal");
    tui.keys("q");
    assert!(tui.wait_exit(WAIT).success());
}

#[test]
fn unreachable_api_is_explained_and_sigterm_restores_the_terminal() {
    // A kubeconfig pointing at a port nobody listens on.
    let dirs = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = dirs.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: nowhere\n  context:\n    cluster: c\n    user: u\n    namespace: shop\nusers:\n- name: u\n  user:\n    token: not-a-real-token\n"
        ),
    )
    .unwrap();
    let path = kubeconfig.display().to_string();
    let mut tui = Tui::spawn(&["--kubeconfig", &path], dirs);
    let screen = tui.wait_for("the unreachable message", WAIT, |s| {
        s.contains("Cannot reach the API server of context nowhere")
    });
    assert!(screen.contains("stale"), "{screen}");
    assert!(
        screen.contains("│ shop │"),
        "the context's namespace is watched: {screen}"
    );
    assert!(!screen.contains("not-a-real-token"));

    // ctrl-z gives the terminal back and stops the process. A pty without a job-control
    // shell discards the stop (the process group is orphaned), so the dashboard comes straight
    // back and repaints everything; SIGCONT, as after `fg`, also repaints everything.
    let mark = tui.raw.lock().unwrap().len();
    tui.keys("\x1a");
    tui.wait_output(
        "the terminal given back on ctrl-z",
        mark,
        b"\x1b[?1049l\x1b[?25h",
        WAIT,
    );
    tui.wait_output("the alternate screen again", mark, b"\x1b[?1049h", WAIT);
    tui.wait_output("a full repaint after ctrl-z", mark, b"\x1b[2J", WAIT);
    tui.wait_for("the repainted screen", WAIT, |s| {
        s.contains("Cannot reach the API server")
    });
    let mark = tui.raw.lock().unwrap().len();
    tui.signal("CONT");
    tui.wait_output("a full repaint after SIGCONT", mark, b"\x1b[2J", WAIT);
    tui.wait_for("the repainted screen", WAIT, |s| {
        s.contains("Cannot reach the API server") && s.contains("nowhere")
    });

    let mark = tui.raw.lock().unwrap().len();
    tui.signal("TERM");
    let status = tui.wait_exit(WAIT);
    assert_eq!(status.exit_code(), 143, "{status:?}");
    tui.wait_output("the alternate screen left", mark, b"\x1b[?1049l", WAIT);
    tui.wait_output("the cursor shown", mark, b"\x1b[?25h", WAIT);
}

/// Seconds of a ticking age label (`45s`, `3m05s`, `1h02m`) in the gate row for `needle`.
fn gate_age(screen: &str, needle: &str) -> Option<u64> {
    let line = screen.lines().find(|l| l.contains(needle))?;
    let label = line.split("waiting ").nth(1)?.split_whitespace().next()?;
    let (mut total, mut num) = (0u64, 0u64);
    for c in label.chars() {
        match c {
            '0'..='9' => num = num * 10 + u64::from(c.to_digit(10)?),
            'h' => (total, num) = (total + num * 3600, 0),
            'm' => (total, num) = (total + num * 60, 0),
            's' => (total, num) = (total + num, 0),
            _ => return None,
        }
    }
    Some(total)
}

#[test]
fn ci_pipelines_and_gates_in_the_demo() {
    // A frozen world moves only when the test says so.
    let mut tui = Tui::demo(&["--frozen"]);
    tui.wait_for("the seed releases", WAIT, |s| {
        s.contains("orders-api") && s.contains("feature-store")
    });
    // The orders-api run reaches its staging environment's gate 5 simulated seconds in.
    tui.control("/sim/clock", r#"{"advance_seconds":10}"#);
    tui.select("orders-api");
    tui.keys("c");
    let pipeline = tui.wait_for("the orders-api run waiting at staging", WAIT, |s| {
        s.contains("Pipeline orders/orders-api") && s.contains("‖ deploy-staging")
    });
    assert!(pipeline.contains("waiting"), "{pipeline}");
    assert!(pipeline.contains("GitHub acme/orders-api"), "{pipeline}");

    // The gates inbox lists it, and its age grows with the simulated clock.
    let gate = "approval · acme/orders-api › staging";
    tui.keys("g");
    tui.wait_for("the staging gate", WAIT, |s| {
        s.contains("┏ Gates") && gate_age(s, gate).is_some()
    });
    // The newest gate is last, and may show only its head at the pane's foot: the cursor
    // brings it whole into view.
    tui.keys("G");
    let first = tui.wait_for("the staging gate under the cursor", WAIT, |s| {
        s.lines().any(|l| l.contains('▸') && l.contains(gate))
    });
    assert!(first.contains("you may approve"), "{first}");
    assert!(
        first.contains("approving will deploy orders-api@"),
        "{first}"
    );
    let before = gate_age(&first, gate).unwrap();
    tui.control("/sim/clock", r#"{"advance_seconds":90}"#);
    let later = tui.wait_for("the gate's age to grow", WAIT, |s| {
        gate_age(s, gate).is_some_and(|a| a >= before + 90)
    });
    assert!(gate_age(&later, gate).unwrap() >= before + 90);

    // feature-store's GitLab pipeline waits on its manual production job.
    // esc alone (followed at once by another key it would read as alt-…).
    tui.keys("\x1b");
    tui.wait_for("the inbox to close", WAIT, |s| !s.contains("┏ Gates"));
    tui.keys("\x15/feature-store\rjc");
    let gitlab = tui.wait_for("feature-store's manual job", WAIT, |s| {
        s.contains("GitLab bnpl/feature-store") && s.contains("▶ deploy:production")
    });
    assert!(gitlab.contains("manual"), "{gitlab}");
}

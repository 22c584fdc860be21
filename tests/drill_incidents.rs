//! The drill incidents that need the world asserted over HTTP: someone else approves
//! orders-api's staging gate onto a bad image, then the Kubernetes API answers 503 for a
//! minute. The drill runs headless in-process against a simulator the test can read, with the
//! scripted responder (which acts through the same commands a user runs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use quarterdeck::cli::DrillArgs;
use quarterdeck::drill::{self, responder::ResponderKind, world::World};
use serde_json::Value;

const NAME: &str = "someone_elses_approval_and_an_api_outage_are_survived_and_not_charged";

/// The responder's commands find the state and config directories in the environment, the
/// process's: the test plays the drill in a child of this test binary that has them.
#[test]
fn someone_elses_approval_and_an_api_outage_are_survived_and_not_charged() {
    let Some(state) = std::env::var_os("QUARTERDECK_DRILL_TEST_STATE") else {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env("QUARTERDECK_DRILL_TEST_STATE", dir.path().join("state"))
            .env("QUARTERDECK_STATE_DIR", dir.path().join("state"))
            .env("QUARTERDECK_CONFIG_DIR", dir.path().join("config"))
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
        return;
    };
    let state = std::path::PathBuf::from(state);
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let handle = quarterdeck_sim::start(quarterdeck_sim::SimConfig {
            seed: 3,
            frozen: true,
            start_ms: Some(drill::HEADLESS_START_MS),
            ..Default::default()
        })
        .await
        .unwrap();
        let base = handle.base_url();
        let world = World::new(base.clone(), handle.token.clone());
        let chosen = drill::definition::all(None)
            .unwrap()
            .into_iter()
            .find(|d| d.name == "orders-gate-approved")
            .unwrap();
        let args = DrillArgs {
            name: Some(chosen.name.clone()),
            seed: 3,
            list: false,
            hints: false,
            report: None,
            responder: Some(ResponderKind::Scripted),
            speed: 1.0,
        };
        drill::prepare_world(&world, &chosen).await.unwrap();
        let code = drill::headless(
            chosen,
            &args,
            ResponderKind::Scripted,
            world,
            &handle.kubeconfig,
        )
        .await
        .unwrap();

        let results = std::fs::read_to_string(state.join("drills.jsonl")).unwrap();
        let card: Value = serde_json::from_str(results.lines().last().unwrap()).unwrap();
        assert_eq!(card["verdict"], "pass", "{card:#}");
        assert_eq!(code, 0);
        assert_eq!(card["collateral"], serde_json::json!([]), "{card:#}");

        let http = reqwest::Client::new();
        let get = |path: String| {
            let req = http.get(format!("{base}{path}")).bearer_auth(&handle.token);
            async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
        };

        // The outage happened: the Kubernetes API answered 503s.
        let stats = get("/sim/stats".into()).await;
        let unavailable: u64 = stats["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["api"] == "kubernetes" && r["status"] == 503)
            .map(|r| r["count"].as_u64().unwrap())
            .sum();
        assert!(unavailable > 0, "no 503 was served: {stats:#}");

        // Maria approved the staging gate, over GitHub's API; the user approved nothing.
        let runs = get("/github/repos/acme/orders-api/actions/runs?per_page=5".into()).await;
        let mut approvers = Vec::new();
        for run in runs["workflow_runs"].as_array().unwrap() {
            let approvals = get(format!(
                "/github/repos/acme/orders-api/actions/runs/{}/approvals",
                run["id"]
            ))
            .await;
            for a in approvals.as_array().unwrap() {
                approvers.push((
                    a["user"]["login"].as_str().unwrap().to_string(),
                    a["environments"][0]["name"].as_str().unwrap().to_string(),
                    a["state"].as_str().unwrap().to_string(),
                ));
            }
        }
        assert!(
            approvers.contains(&("maria.chen".into(), "staging".into(), "approved".into())),
            "{approvers:?}"
        );
        let journal = std::fs::read_to_string(state.join("journal.jsonl")).unwrap();
        assert!(!journal.contains("\"action\":\"approve\""), "{journal}");
        assert!(journal.contains("\"action\":\"abort\""), "{journal}");

        // The approved deploy reached the cluster, and the abort sent all traffic back to
        // the stable revision.
        let rollout =
            get("/apis/argoproj.io/v1alpha1/namespaces/orders/rollouts/orders-api".into()).await;
        assert_eq!(rollout["status"]["abort"], true, "{rollout:#}");
        let approved_image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap();
        assert_ne!(approved_image, "ghcr.io/acme/orders-api:sha-f03c8b1");
        let incidents = card["incidents"].to_string();
        assert!(incidents.contains("maria.chen approves"), "{incidents}");
        assert!(incidents.contains("answers 503"), "{incidents}");
        handle.stop().await;
    });
}

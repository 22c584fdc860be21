//! kube-rs 5 against the simulator: watchers (list-watch and streaming lists) through dropped
//! watches and expired RVs, log streams, conflicts, aggregated discovery, scale; and bad input
//! answered with Status objects over raw HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Client, Discovery};
use serde_json::json;
use support::Fixture;

const NS: &str = "qd-kube";

async fn client(fx: &Fixture) -> Client {
    // Both rustls providers are linked (ring through kube, aws-lc through reqwest), so the
    // process must pick one before kube builds its TLS config.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let kc = Kubeconfig::read_from(&fx.handle.kubeconfig).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(cfg).unwrap()
}

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}}))
    .unwrap()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Runs a watcher in `cfg` mode: waits for InitDone, creates a pod, waits for its Apply.
async fn watcher_sees_changes(fx: &Fixture, cfg: watcher::Config, name: &str) {
    let pods: Api<Pod> = Api::namespaced(client(fx).await, NS);
    let mut events = watcher(pods.clone(), cfg).boxed();
    let mut init = Vec::new();
    within("InitDone", async {
        loop {
            match events.try_next().await.unwrap().unwrap() {
                watcher::Event::InitApply(p) => init.push(p.metadata.name.unwrap()),
                watcher::Event::InitDone => break,
                _ => {}
            }
        }
    })
    .await;
    assert!(
        init.contains(&"web-6d4f8b9c7-abcde".to_string()),
        "{init:?}"
    );
    pods.create(&PostParams::default(), &pod(name))
        .await
        .unwrap();
    within("the new pod", async {
        loop {
            if let watcher::Event::Apply(p) = events.try_next().await.unwrap().unwrap()
                && p.metadata.name.as_deref() == Some(name)
            {
                break;
            }
        }
    })
    .await;
}

#[test]
fn watchers_list_watch_and_streaming_lists() {
    let fx = Fixture::start();
    fx.seed(NS);
    fx.rt.block_on(async {
        watcher_sees_changes(&fx, watcher::Config::default(), "new-a").await;
        watcher_sees_changes(&fx, watcher::Config::default().streaming_lists(), "new-b").await;
    });
}

/// Names and RVs of the pods in the simulator's store.
fn truth(fx: &Fixture) -> Vec<(String, String)> {
    let world = fx.handle.sim.world();
    let mut v: Vec<(String, String)> = world
        .store
        .list(quarterdeck_sim::resources::ids::PODS, Some(NS))
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Waits until the reflector holds exactly the store's pods, with the same RVs.
async fn settle(fx: &Fixture, reader: &reflector::Store<Pod>) {
    let mut mine = Vec::new();
    for _ in 0..200 {
        mine = reader
            .state()
            .iter()
            .map(|p| {
                (
                    p.metadata.name.clone().unwrap(),
                    p.metadata.resource_version.clone().unwrap(),
                )
            })
            .collect::<Vec<_>>();
        mine.sort();
        if mine == truth(fx) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("reflector holds {mine:?}, the store {:?}", truth(fx));
}

#[test]
fn reflector_recovers_from_dropped_watches_and_expired_rvs() {
    let fx = Fixture::start();
    fx.seed(NS);
    fx.rt.block_on(async {
        let pods: Api<Pod> = Api::namespaced(client(&fx).await, NS);
        let (reader, writer) = reflector::store::<Pod>();
        let stream = reflector(writer, watcher(pods.clone(), watcher::Config::default()))
            .default_backoff()
            .applied_objects();
        let task = tokio::spawn(stream.for_each(|_| async {}));
        reader.wait_until_ready().await.unwrap();
        settle(&fx, &reader).await;

        // Dropped watches: the watcher resumes from its RV and sees what came after.
        fx.handle.sim.drop_watches.send_modify(|g| *g += 1);
        pods.create(&PostParams::default(), &pod("after-drop")).await.unwrap();
        settle(&fx, &reader).await;

        // Expired RVs: changes the open watch never delivers, then history is compacted, so
        // the resume gets an in-stream 410 and the watcher must re-list.
        {
            let mut world = fx.handle.sim.world();
            fx.handle.sim.drop_watches.send_modify(|g| *g += 1);
            let now = world.clock.rfc3339();
            world
                .store
                .create(
                    quarterdeck_sim::resources::ids::PODS,
                    json!({"metadata": {"name": "during-compaction", "namespace": NS}, "spec": {"containers": []}}),
                    &now,
                )
                .unwrap();
            world
                .store
                .delete(quarterdeck_sim::resources::ids::PODS, NS, "after-drop")
                .unwrap();
            world.store.compact();
        }
        settle(&fx, &reader).await;
        let names: Vec<String> = truth(&fx).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"during-compaction".to_string()) && !names.contains(&"after-drop".to_string()));
        task.abort();
    });
}

#[test]
fn logs_conflicts_discovery_and_scale() {
    let fx = Fixture::start();
    fx.seed(NS);
    fx.rt.block_on(async {
        let c = client(&fx).await;
        let pods: Api<Pod> = Api::namespaced(c.clone(), NS);
        let lp = LogParams {
            follow: true,
            ..Default::default()
        };
        let mut lines = pods
            .log_stream("web-6d4f8b9c7-abcde", &lp)
            .await
            .unwrap()
            .lines();
        for i in 1..=5 {
            let l = within("a snapshot line", lines.try_next())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(l, format!("GET /orders/{i} 200 12ms"));
        }
        fx.log(
            NS,
            "web-6d4f8b9c7-abcde",
            "app",
            "appended after follow began",
        );
        let l = within("the appended line", lines.try_next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l, "appended after follow began");

        let deploys: Api<Deployment> = Api::namespaced(c.clone(), NS);
        let d = deploys.get("web").await.unwrap();
        let stale = d.metadata.resource_version.clone().unwrap();
        deploys
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"x": "1"}}})),
            )
            .await
            .unwrap();
        let err = deploys
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(
                    json!({"metadata": {"resourceVersion": stale, "labels": {"x": "2"}}}),
                ),
            )
            .await
            .unwrap_err();
        match err {
            kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
            other => panic!("expected a 409, got {other:?}"),
        }

        let discovery = Discovery::new(c.clone()).run_aggregated().await.unwrap();
        let argo = discovery
            .get("argoproj.io")
            .expect("argoproj.io discovered");
        let (ar, caps) = argo
            .recommended_resources()
            .into_iter()
            .find(|(ar, _)| ar.plural == "rollouts")
            .expect("rollouts discovered");
        assert_eq!(ar.kind, "Rollout");
        assert!(
            caps.subresources
                .iter()
                .any(|(s, _)| s.plural == "rollouts/scale" || s.plural == "scale"),
            "{:?}",
            caps.subresources
        );

        let scale = deploys.get_scale("web").await.unwrap();
        assert_eq!(scale.spec.unwrap().replicas, Some(2));
        let scaled = deploys
            .patch_scale(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": 4}})),
            )
            .await
            .unwrap();
        assert_eq!(scaled.spec.unwrap().replicas, Some(4));
        assert_eq!(deploys.get("web").await.unwrap().spec.replicas, Some(4));
    });
}

#[test]
fn scale_prints_a_selector_with_expressions_as_the_api_server_does() {
    let fx = Fixture::start();
    fx.create("/api/v1/namespaces", json!({"metadata": {"name": NS}}));
    fx.create(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments"),
        json!({"metadata": {"name": "picky"},
          "spec": {"replicas": 1,
            "selector": {"matchLabels": {"tier": "web"}, "matchExpressions": [
              {"key": "env", "operator": "In", "values": ["prod", "eu"]},
              {"key": "app", "operator": "Exists"}]},
            "template": {"metadata": {"labels": {"tier": "web", "env": "prod", "app": "shop"}},
              "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}}}}),
    );
    fx.rt.block_on(async {
        let deploys: Api<Deployment> = Api::namespaced(client(&fx).await, NS);
        let scale = deploys.get_scale("picky").await.unwrap();
        // As the API server prints it: requirements sorted by key, set values sorted.
        let selector = scale.status.unwrap().selector;
        assert_eq!(selector.as_deref(), Some("app,env in (eu,prod),tier=web"));
    });
}

#[test]
fn bad_input_gets_status_errors() {
    let fx = Fixture::start();
    fx.seed(NS);
    let pods = format!("/api/v1/namespaces/{NS}/pods");
    let cases: Vec<(&str, String, &str, &str, u16, &str)> = vec![
        (
            "POST",
            pods.clone(),
            "application/json",
            "{not json",
            400,
            "BadRequest",
        ),
        ("GET", "/api/v1/widgets".into(), "", "", 404, "NotFound"),
        (
            "GET",
            format!("{pods}?labelSelector=app%3D%3Dwe%20b"),
            "",
            "",
            400,
            "BadRequest",
        ),
        (
            "PATCH",
            format!("{pods}/nope"),
            "application/merge-patch+json",
            "{}",
            404,
            "NotFound",
        ),
        (
            "PATCH",
            format!("{pods}/multi"),
            "text/plain",
            "{}",
            415,
            "UnsupportedMediaType",
        ),
        (
            "PATCH",
            format!("{pods}/multi"),
            "application/apply-patch+yaml",
            "{}",
            422,
            "Invalid",
        ),
        (
            "GET",
            format!("{pods}/multi/log"),
            "",
            "",
            400,
            "BadRequest",
        ),
        (
            "GET",
            format!("{pods}?watch=1&sendInitialEvents=true"),
            "",
            "",
            422,
            "Invalid",
        ),
    ];
    for (method, path, ct, body, code, reason) in cases {
        let (got, status) = fx.send(method, &path, ct, body);
        assert_eq!(
            (got, status["kind"].as_str(), status["reason"].as_str()),
            (code, Some("Status"), Some(reason)),
            "{method} {path}: {status}"
        );
        let (ok, version) = fx.send("GET", "/version", "", "");
        assert_eq!((ok, version["minor"].as_str()), (200, Some("32")));
    }
    let (_, multi) = fx.send("GET", &format!("{pods}/multi/log"), "", "");
    assert_eq!(
        multi["message"],
        "a container name must be specified for pod multi, choose one of: [a b]"
    );

    // A wrong token is refused with a Status too.
    let resp = fx.rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/api/v1/namespaces", fx.handle.base_url()))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
    });
    assert_eq!(resp.status().as_u16(), 401);

    // Injected faults: the next two requests fail with 429 + Retry-After, then service resumes.
    fx.handle.sim.world().faults.fail_next = Some((429, 2));
    for _ in 0..2 {
        let (code, status) = fx.send("GET", &pods, "", "");
        assert_eq!(
            (code, status["reason"].as_str()),
            (429, Some("TooManyRequests"))
        );
    }
    assert_eq!(fx.send("GET", &pods, "", "").0, 200);

    // An expired continue token is a 410.
    let (_, page) = fx.send("GET", &format!("{pods}?limit=1"), "", "");
    let token = page["metadata"]["continue"].as_str().unwrap().to_string();
    fx.create(
        &pods,
        json!({"metadata": {"name": "bump"}, "spec": {"containers": []}}),
    );
    fx.handle.sim.world().store.compact();
    let (code, status) = fx.send("GET", &format!("{pods}?limit=1&continue={token}"), "", "");
    assert_eq!((code, status["reason"].as_str()), (410, Some("Expired")));
}

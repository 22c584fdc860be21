//! The real kubectl 1.32 against the simulator: reads, tables, describe, discovery, patches,
//! scale, logs (also followed) and watches. Skips loudly when kubectl.1.32 is not installed
//! (fails under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::Fixture;
use support::kubectl::Kubectl;

const NS: &str = "qd-kubectl";

/// Waits (up to 20 s) for a line containing `needle`; returns every line read until then.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.contains(needle);
                seen.push(line);
                if hit {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no line containing {needle:?}; saw {seen:#?}");
}

/// Header words of a table's first line.
fn header(out: &str) -> Vec<String> {
    out.lines()
        .next()
        .unwrap_or_default()
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn row<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("no row {name} in\n{out}"))
        .split_whitespace()
        .collect()
}

/// kubectl against a simulator seeded with this file's namespace.
fn setup() -> Option<(Fixture, Kubectl)> {
    let (fx, k) = support::kubectl::setup()?;
    fx.seed(NS);
    Some((fx, k.with_request_timeout("20s")))
}

#[test]
fn kubectl_reads_tables_and_discovery() {
    let Some((_fx, k)) = setup() else { return };

    let version = k.ok(&["version"]);
    assert!(version.contains("Server Version: v1.32."), "{version}");

    let versions = k.ok(&["api-versions"]);
    for gv in [
        "apps/v1",
        "argoproj.io/v1alpha1",
        "authorization.k8s.io/v1",
        "v1",
    ] {
        assert!(
            versions.lines().any(|l| l == gv),
            "{gv} missing in\n{versions}"
        );
    }
    let resources = k.ok(&["api-resources"]);
    assert_eq!(
        header(&resources),
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    assert_eq!(
        row(&resources, "rollouts"),
        ["rollouts", "ro", "argoproj.io/v1alpha1", "true", "Rollout"]
    );
    assert_eq!(row(&resources, "pods"), ["pods", "po", "v1", "true", "Pod"]);

    let ns = k.ok(&["get", "ns"]);
    assert_eq!(header(&ns), ["NAME", "STATUS", "AGE"]);
    assert_eq!(row(&ns, NS)[1], "Active");

    let nodes = k.ok(&["get", "nodes"]);
    assert_eq!(
        header(&nodes),
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    );
    assert_eq!(
        row(&nodes, &format!("{NS}-node")),
        [
            &format!("{NS}-node") as &str,
            "Ready",
            "worker",
            "5m",
            "v1.32.4"
        ]
    );

    let all = k.ok(&["get", "deploy,rs,pods", "-A"]);
    assert!(
        all.contains("READY   UP-TO-DATE   AVAILABLE   AGE"),
        "deployment header in\n{all}"
    );
    assert!(all.contains("DESIRED   CURRENT   READY   AGE"), "{all}");
    assert!(all.contains("READY   STATUS"), "{all}");
    assert_eq!(
        row(&all, "deployment.apps/web"),
        [NS, "deployment.apps/web", "1/2", "2", "1", "5m"]
    );
    assert_eq!(
        row(&all, "replicaset.apps/web-6d4f8b9c7"),
        [NS, "replicaset.apps/web-6d4f8b9c7", "2", "2", "1", "5m"]
    );
    assert_eq!(
        row(&all, "pod/web-6d4f8b9c7-fghij"),
        [
            NS,
            "pod/web-6d4f8b9c7-fghij",
            "0/1",
            "CrashLoopBackOff",
            "3",
            "(45s",
            "ago)",
            "5m"
        ]
    );

    let wide = k.ok(&["get", "pods", "-n", NS, "-o", "wide"]);
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    assert_eq!(
        row(&wide, "web-6d4f8b9c7-abcde"),
        [
            "web-6d4f8b9c7-abcde",
            "1/1",
            "Running",
            "0",
            "5m",
            "10.244.1.17",
            "qd-kubectl-node",
            "<none>",
            "<none>"
        ]
    );

    let json: Value =
        serde_json::from_str(&k.ok(&["get", "pod", "web-6d4f8b9c7-abcde", "-n", NS, "-o", "json"]))
            .unwrap();
    assert_eq!(json["kind"], "Pod");
    assert_eq!(json["metadata"]["name"], "web-6d4f8b9c7-abcde");
    let yaml = k.ok(&["get", "pod", "web-6d4f8b9c7-abcde", "-n", NS, "-o", "yaml"]);
    assert!(
        yaml.contains("name: web-6d4f8b9c7-abcde") && yaml.contains("podIP: 10.244.1.17"),
        "{yaml}"
    );

    let describe = k.ok(&["describe", "pod", "web-6d4f8b9c7-abcde", "-n", NS]);
    assert!(
        describe.contains("Controlled By:  ReplicaSet/web-6d4f8b9c7"),
        "{describe}"
    );
    assert!(
        describe.contains("Pulled"),
        "the pod's event is listed:\n{describe}"
    );
    let describe = k.ok(&["describe", "deploy", "web", "-n", NS]);
    assert!(
        describe.contains("Replicas:") && describe.contains("NewReplicaSet:"),
        "{describe}"
    );

    let ro = k.ok(&["get", "rollouts.argoproj.io", "-A"]);
    assert_eq!(
        header(&ro),
        [
            "NAMESPACE",
            "NAME",
            "DESIRED",
            "CURRENT",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE"
        ]
    );
    assert_eq!(
        row(&ro, "checkout"),
        [NS, "checkout", "3", "3", "1", "3", "5m"]
    );
    assert!(k.ok(&["get", "ro", "-n", NS]).contains("checkout"));
    assert_eq!(k.ok(&["auth", "can-i", "patch", "rollouts"]).trim(), "yes");

    let labelled = k.ok(&["get", "pods", "-n", NS, "-l", "app=web", "-o", "name"]);
    assert_eq!(
        labelled.lines().collect::<Vec<_>>(),
        ["pod/web-6d4f8b9c7-abcde", "pod/web-6d4f8b9c7-fghij"]
    );
    let not_in = k.ok(&[
        "get",
        "pods",
        "-n",
        NS,
        "-l",
        "app notin (web)",
        "-o",
        "name",
    ]);
    assert_eq!(not_in.trim(), "pod/multi");
    let by_field = k.ok(&[
        "get",
        "pods",
        "-n",
        NS,
        "--field-selector",
        "metadata.name=multi",
        "-o",
        "name",
    ]);
    assert_eq!(by_field.trim(), "pod/multi");

    let chunked = k.ok(&["get", "pods", "-n", NS, "--chunk-size=1"]);
    assert_eq!(
        chunked.lines().filter(|l| l.starts_with("NAME")).count(),
        1,
        "{chunked}"
    );
    assert_eq!(
        chunked.lines().count(),
        4,
        "header and three pods:\n{chunked}"
    );

    let events = k.ok(&["get", "events", "-n", NS]);
    assert_eq!(
        header(&events),
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    assert!(events.contains("pod/web-6d4f8b9c7-abcde"), "{events}");

    let missing = k.fails(&["get", "pod", "nope", "-n", NS]);
    assert!(
        missing.contains("Error from server (NotFound): pods \"nope\" not found"),
        "{missing}"
    );
}

#[test]
fn kubectl_writes_patches_and_scale() {
    let Some((_fx, k)) = setup() else { return };
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-n",
        NS,
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"patched":"merge"}}}"#,
    ]);
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-n",
        NS,
        "--type",
        "json",
        "-p",
        r#"[{"op":"add","path":"/metadata/labels/json","value":"yes"}]"#,
    ]);
    k.ok(&["patch", "deploy", "web", "-n", NS, "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"shop/web:1.5.0"}]}}}}"#]);
    let d: Value =
        serde_json::from_str(&k.ok(&["get", "deploy", "web", "-n", NS, "-o", "json"])).unwrap();
    assert_eq!(
        d["metadata"]["labels"],
        json!({"app": "web", "patched": "merge", "json": "yes"})
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"],
        json!([{"name": "app", "image": "shop/web:1.5.0"}]),
        "strategic merge kept the container list merged by name"
    );
    assert_eq!(
        d["metadata"]["generation"], 2,
        "only the template change bumped the generation"
    );

    let strategic = k.fails(&[
        "patch",
        "ro",
        "checkout",
        "-n",
        NS,
        "--type",
        "strategic",
        "-p",
        r#"{"spec":{"paused":true}}"#,
    ]);
    assert!(
        strategic.contains("not supported by argoproj.io/v1alpha1, Kind=Rollout"),
        "{strategic}"
    );
    let merge = k.ok(&[
        "patch",
        "ro",
        "checkout",
        "-n",
        NS,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"paused":true}}"#,
    ]);
    assert!(
        merge.contains("rollout.argoproj.io/checkout patched"),
        "{merge}"
    );

    let scaled = k.ok(&["scale", "deploy", "web", "-n", NS, "--replicas=5"]);
    assert!(scaled.contains("deployment.apps/web scaled"), "{scaled}");
    let replicas = k.ok(&[
        "get",
        "deploy",
        "web",
        "-n",
        NS,
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(replicas, "5");
    k.ok(&["scale", "ro", "checkout", "-n", NS, "--replicas=4"]);
    assert_eq!(
        k.ok(&[
            "get",
            "ro",
            "checkout",
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.replicas}"
        ]),
        "4"
    );

    let deleted = k.ok(&["delete", "deploy", "web", "-n", NS]);
    assert!(
        deleted.contains("deployment.apps \"web\" deleted"),
        "{deleted}"
    );
    let left = k.ok(&["get", "rs,pods", "-n", NS, "-o", "name"]);
    assert_eq!(
        left.trim(),
        "pod/multi",
        "dependents were garbage-collected"
    );
}

#[test]
fn kubectl_logs_and_watch() {
    let Some((fx, k)) = setup() else { return };
    let pod = "web-6d4f8b9c7-abcde";
    let all = k.ok(&["logs", pod, "-n", NS]);
    assert_eq!(all.lines().count(), 5, "{all}");
    assert_eq!(all.lines().next(), Some("GET /orders/1 200 12ms"));
    let tail = k.ok(&["logs", pod, "-n", NS, "--tail=3", "--timestamps"]);
    assert_eq!(
        tail.lines().collect::<Vec<_>>(),
        [
            "2026-11-22T03:20:00.000000000Z GET /orders/3 200 12ms",
            "2026-11-22T03:20:00.000000000Z GET /orders/4 200 12ms",
            "2026-11-22T03:20:00.000000000Z GET /orders/5 200 12ms",
        ]
    );
    // kubectl picks the first container itself (the server's 400 is tested in sim_kube_rs).
    let multi = k.run(&["logs", "multi", "-n", NS, "--tail=1"]);
    let stderr = String::from_utf8_lossy(&multi.stderr);
    assert!(multi.status.success(), "{stderr}");
    assert!(
        stderr.contains("Defaulted container \"a\" out of: a, b"),
        "{stderr}"
    );
    let prev = k.fails(&["logs", pod, "-n", NS, "--previous"]);
    assert!(
        prev.contains("previous terminated container \"app\" in pod"),
        "{prev}"
    );

    let (mut follow, lines) = k.spawn(&["logs", "-f", pod, "-n", NS]);
    wait_for(&lines, "GET /orders/5 ");
    fx.log(NS, pod, "app", "POST /checkout 201 31ms");
    wait_for(&lines, "POST /checkout 201 31ms");
    follow.kill().unwrap();
    follow.wait().unwrap();

    // `logs deploy/X` resolves the Deployment's selector to one of its pods and streams it
    // like a pod's log; both pods get the same lines, whichever kubectl picks.
    let web = ["web-6d4f8b9c7-abcde", "web-6d4f8b9c7-fghij"];
    for p in web {
        fx.log(NS, p, "app", "GET /cart/9 200 3ms");
    }
    let by_deploy = k.run(&["logs", "deploy/web", "-n", NS, "--tail=1"]);
    let stderr = String::from_utf8_lossy(&by_deploy.stderr);
    assert!(by_deploy.status.success(), "{stderr}");
    assert!(
        web.iter()
            .any(|p| stderr.contains(&format!("using pod/{p}"))),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&by_deploy.stdout).trim(),
        "GET /cart/9 200 3ms"
    );
    let (mut follow, lines) = k.spawn(&["logs", "-f", "deploy/web", "-n", NS]);
    wait_for(&lines, "GET /cart/9 200 3ms");
    for p in web {
        fx.log(NS, p, "app", "DELETE /cart/9 204 4ms");
    }
    wait_for(&lines, "DELETE /cart/9 204 4ms");
    follow.kill().unwrap();
    follow.wait().unwrap();

    let (mut watch, lines) = k.spawn(&["get", "pods", "-n", NS, "-w"]);
    wait_for(&lines, "multi");
    let (code, _) = fx.send(
        "PATCH",
        &format!("/api/v1/namespaces/{NS}/pods/multi/status"),
        "application/merge-patch+json",
        r#"{"status":{"phase":"Failed","reason":"Evicted"}}"#,
    );
    assert_eq!(code, 200);
    let seen = wait_for(&lines, "Evicted");
    assert!(seen.last().unwrap().starts_with("multi "), "{seen:?}");
    watch.kill().unwrap();
    watch.wait().unwrap();
}

/// Marks a seeded pod Ready, so it counts as a ready endpoint.
fn make_ready(fx: &Fixture, pod: &str) {
    let (code, body) = fx.send(
        "PATCH",
        &format!("/api/v1/namespaces/{NS}/pods/{pod}/status"),
        "application/merge-patch+json",
        r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
    );
    assert_eq!(code, 200, "{body}");
}

#[test]
fn kubectl_cluster_surface() {
    let Some((fx, k)) = setup() else { return };

    for endpoint in ["/healthz", "/livez", "/readyz"] {
        assert_eq!(k.ok(&["get", "--raw", endpoint]), "ok");
    }
    let verbose = k.ok(&["get", "--raw", "/readyz?verbose"]);
    assert!(verbose.starts_with("[+]ping ok\n"), "{verbose}");
    assert!(verbose.ends_with("readyz check passed\n"), "{verbose}");
    assert_eq!(k.ok(&["get", "--raw", "/livez/ping"]), "ok");

    let whoami = k.ok(&["auth", "whoami"]);
    assert_eq!(header(&whoami), ["ATTRIBUTE", "VALUE"]);
    assert!(
        whoami.contains("[system:masters system:authenticated]"),
        "{whoami}"
    );
    let rules = k.ok(&["auth", "can-i", "--list", "-n", NS]);
    assert_eq!(row(&rules, "*.*"), ["*.*", "[]", "[]", "[*]"], "{rules}");

    // Every namespace gets what the controllers of a real cluster create in it.
    let defaults = k.ok(&["get", "sa,cm", "-n", NS]);
    assert_eq!(row(&defaults, "serviceaccount/default")[1], "0");
    assert_eq!(row(&defaults, "configmap/kube-root-ca.crt")[1], "1");
    assert!(
        defaults.contains("NAME                         DATA   AGE"),
        "{defaults}"
    );

    // Endpoints follow the Service selector and pod readiness.
    make_ready(&fx, "web-6d4f8b9c7-abcde");
    let ep = k.ok(&["get", "endpoints", "-n", NS]);
    assert_eq!(header(&ep), ["NAME", "ENDPOINTS", "AGE"]);
    assert_eq!(row(&ep, "web"), ["web", "10.244.1.17:80", "5m"]);
    let ep: Value =
        serde_json::from_str(&k.ok(&["get", "ep", "web", "-n", NS, "-o", "json"])).unwrap();
    assert_eq!(
        ep["subsets"][0]["notReadyAddresses"][0]["ip"],
        "10.244.1.18"
    );
    assert_eq!(
        ep["subsets"][0]["addresses"][0]["targetRef"]["name"],
        "web-6d4f8b9c7-abcde"
    );

    // Kinds the world does not use list as empty, with kubectl's usual message.
    for kind in [
        "secrets",
        "pvc",
        "ingress",
        "limitranges",
        "resourcequotas",
        "pdb",
        "hpa",
        "cronjobs",
        "jobs",
        "statefulsets",
        "daemonsets",
    ] {
        let out = k.run(&["get", kind, "-n", NS]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "get {kind}: {stderr}");
        assert!(
            stderr.contains("No resources found in qd-kubectl namespace."),
            "{kind}: {stderr}"
        );
    }
    let sc = k.ok(&["get", "sc"]);
    assert_eq!(
        header(&sc),
        [
            "NAME",
            "PROVISIONER",
            "RECLAIMPOLICY",
            "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION",
            "AGE"
        ]
    );
    assert!(
        sc.contains("standard-rwo (default)   pd.csi.storage.gke.io"),
        "{sc}"
    );
    for kind in ["pv", "ingressclasses"] {
        let out = k.run(&["get", kind]);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("No resources found"),
            "{kind}"
        );
    }
    let events = k.ok(&["get", "events.events.k8s.io", "-n", NS]);
    assert_eq!(
        header(&events),
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    assert!(events.contains("pod/web-6d4f8b9c7-abcde"), "{events}");
    let ev: Value = serde_json::from_str(&k.ok(&[
        "get",
        "events.v1.events.k8s.io",
        "web-6d4f8b9c7-abcde.1",
        "-n",
        NS,
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(ev["regarding"]["name"], "web-6d4f8b9c7-abcde");
    assert_eq!(
        ev["note"],
        "Container image \"shop/web:1.4.2\" already present on machine"
    );
    let crds = k.ok(&["get", "crd"]);
    assert_eq!(header(&crds), ["NAME", "CREATED AT"]);
    assert!(crds.contains("rollouts.argoproj.io"), "{crds}");
    let cols = k.ok(&[
        "get",
        "crd",
        "rollouts.argoproj.io",
        "-o",
        "jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}",
    ]);
    assert_eq!(cols, "Desired Current Up-to-date Available Age");

    // A Secret and a Job created by hand print with their real columns.
    fx.create(
        &format!("/api/v1/namespaces/{NS}/secrets"),
        json!({"metadata": {"name": "creds"}, "type": "kubernetes.io/basic-auth",
            "data": {"username": "YQ==", "password": "Yg=="}}),
    );
    let secrets = k.ok(&["get", "secrets", "-n", NS]);
    assert_eq!(
        row(&secrets, "creds"),
        ["creds", "kubernetes.io/basic-auth", "2", "0s"]
    );
    fx.create(
        &format!("/apis/batch/v1/namespaces/{NS}/jobs"),
        json!({"metadata": {"name": "migrate", "creationTimestamp": "2026-11-22T03:15:00Z"},
            "spec": {"completions": 1, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "m", "image": "shop/migrate:1"}]}}},
            "status": {"succeeded": 1, "startTime": "2026-11-22T03:15:00Z", "completionTime": "2026-11-22T03:15:42Z",
                "conditions": [{"type": "Complete", "status": "True"}]}}),
    );
    let jobs = k.ok(&["get", "jobs", "-n", NS]);
    assert_eq!(
        header(&jobs),
        ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    );
    assert_eq!(
        row(&jobs, "migrate"),
        ["migrate", "Complete", "1/1", "42s", "5m"]
    );

    let resources = k.ok(&["api-resources"]);
    for (name, line) in [
        ("endpoints", ["endpoints", "ep", "v1", "true", "Endpoints"]),
        (
            "cronjobs",
            ["cronjobs", "cj", "batch/v1", "true", "CronJob"],
        ),
        (
            "horizontalpodautoscalers",
            [
                "horizontalpodautoscalers",
                "hpa",
                "autoscaling/v2",
                "true",
                "HorizontalPodAutoscaler",
            ],
        ),
    ] {
        assert_eq!(row(&resources, name), line);
    }

    // Nodes: wide columns, and describe lists the pods scheduled there.
    let wide = k.ok(&["get", "nodes", "-o", "wide"]);
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME"
        ]
    );
    let node = k.ok(&["describe", "node", &format!("{NS}-node")]);
    assert!(
        node.contains("Non-terminated Pods:          (2 in total)"),
        "{node}"
    );
    assert!(node.contains("Allocated resources:"), "{node}");
}

#[test]
fn kubectl_explain_and_apply() {
    let Some((fx, k)) = setup() else { return };
    let pods = k.ok(&["explain", "pods"]);
    assert!(
        pods.starts_with("KIND:       Pod\nVERSION:    v1\n"),
        "{pods}"
    );
    assert!(pods.contains("  spec\t<PodSpec>\n"), "{pods}");
    assert!(
        pods.contains("  metadata\t<ObjectMeta>\n"),
        "not required: {pods}"
    );
    let containers = k.ok(&["explain", "pods.spec.containers"]);
    assert!(
        containers.contains("FIELD: containers <[]Container>"),
        "{containers}"
    );
    assert!(containers.contains("  image\t<string>"), "{containers}");
    let strategy = k.ok(&["explain", "deployments.spec.strategy"]);
    assert!(
        strategy.contains("  rollingUpdate\t<RollingUpdateDeployment>"),
        "{strategy}"
    );
    let rollouts = k.ok(&["explain", "rollouts.spec.strategy.canary"]);
    assert!(
        rollouts.contains("GROUP:      argoproj.io\nKIND:       Rollout"),
        "{rollouts}"
    );
    assert!(rollouts.contains("  steps\t<[]Object>"), "{rollouts}");

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("demo.yaml");
    let write = |image: &str, env_b: &str| {
        let yaml = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\n  namespace: {NS}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: demo}}\n  template:\n    metadata:\n      labels: {{app: demo}}\n    spec:\n      containers:\n      - name: app\n        image: {image}\n        env: [{{name: A, value: \"1\"}}, {{name: B, value: \"{env_b}\"}}]\n"
        );
        std::fs::write(&manifest, yaml).unwrap();
    };
    let file = manifest.to_str().unwrap();
    write("nginx:1.27", "2");
    assert!(
        k.ok(&["create", "-f", file])
            .contains("deployment.apps/demo created")
    );
    write("nginx:1.28", "3");
    let applied = k.run(&["apply", "-f", file]);
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(applied.status.success(), "{stderr}");
    assert!(!stderr.contains("error calculating patch"), "{stderr}");
    let d: Value =
        serde_json::from_str(&k.ok(&["get", "deploy", "demo", "-n", NS, "-o", "json"])).unwrap();
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.28"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}])
    );
    write("nginx:1.29", "3");
    let ssa = k.ok(&["apply", "--server-side", "-f", file]);
    assert!(
        ssa.contains("deployment.apps/demo serverside-applied"),
        "{ssa}"
    );
    assert_eq!(
        k.ok(&[
            "get",
            "deploy",
            "demo",
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "nginx:1.29"
    );

    // The OpenAPI index points at hashed, cacheable documents.
    let (code, index) = fx.send("GET", "/openapi/v3", "application/json", "");
    assert_eq!(code, 200);
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
    let (code, doc) = fx.send("GET", url, "application/json", "");
    assert_eq!(code, 200);
    assert_eq!(
        doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "version": "v1", "kind": "Deployment"}])
    );
}

#[test]
fn watch_tables_carry_column_definitions_once() {
    let Some((fx, _k)) = setup() else { return };
    let url = format!(
        "{}/api/v1/namespaces/{NS}/pods?watch=1&timeoutSeconds=1",
        fx.handle.base_url()
    );
    let text = fx.rt.block_on(async {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(&fx.handle.token)
            .header("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{text}");
    assert!(events[0]["object"]["columnDefinitions"].is_array());
    for e in &events[1..] {
        assert_eq!(e["object"]["kind"], "Table");
        assert!(e["object"]["columnDefinitions"].is_null(), "{e}");
        assert_eq!(e["object"]["rows"].as_array().map(Vec::len), Some(1));
    }
}

#[test]
fn kubectl_lists_analysis_templates_and_runs() {
    let Some((fx, k)) = setup() else { return };
    // Let the default world's canaries reach their background analysis.
    fx.advance(60.0);
    let out = k.ok(&["get", "analysistemplates,analysisruns", "-A"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("NAMESPACE") && l.contains("STATUS")),
        "{out}"
    );
    assert!(
        out.contains("analysisrun.argoproj.io/feature-store-"),
        "{out}"
    );
    let cluster = k.ok(&["get", "clusteranalysistemplates"]);
    assert_eq!(header(&cluster), ["NAME", "AGE"]);
    assert_eq!(row(&cluster, "error-rate")[0], "error-rate");
    assert_eq!(row(&cluster, "latency-p95")[0], "latency-p95");
    let resources = k.ok(&["api-resources", "--api-group=argoproj.io"]);
    assert_eq!(
        row(&resources, "clusteranalysistemplates"),
        [
            "clusteranalysistemplates",
            "argoproj.io/v1alpha1",
            "false",
            "ClusterAnalysisTemplate"
        ]
    );
}

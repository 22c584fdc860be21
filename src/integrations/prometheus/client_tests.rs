//! How every answer reads: data, or one message that says what to do and holds no secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn client(auth: Option<Auth>) -> PromClient {
    PromClient::new("https://admin:hunter2@prom.example.com/prefix/", auth).unwrap()
}

fn err(status: u16, html: bool, body: &str) -> String {
    let c = client(Some(Auth::Bearer(Token::new("tok-123", TOKEN_VAR))));
    let e = c
        .read(StatusCode::from_u16(status).unwrap(), html, None, body)
        .unwrap_err()
        .to_string();
    assert!(!e.contains("hunter2") && !e.contains("tok-123"), "{e}");
    e
}

#[test]
fn each_error_shape_reads_as_one_clear_message() {
    assert_eq!(
        err(
            400,
            false,
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:8: parse error: unclosed left parenthesis"}"#
        ),
        "the query is not valid PromQL: invalid parameter \"query\": 1:8: parse error: unclosed left parenthesis; fix it in config.toml"
    );
    assert!(
        err(
            422,
            false,
            r#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}"#
        )
        .starts_with("Prometheus could not run the query: many-to-many matching not allowed")
    );
    assert!(
        err(
            503,
            false,
            r#"{"status":"error","errorType":"timeout","error":"query timed out in query execution"}"#
        )
        .starts_with("Prometheus gave up on the query: query timed out")
    );
    assert_eq!(
        err(401, false, "Unauthorized\n"),
        "Prometheus at https://***@prom.example.com/prefix wants credentials (401): check PROMETHEUS_TOKEN"
    );
    assert!(err(403, true, "<html>forbidden</html>").contains("(403): check PROMETHEUS_TOKEN"));
    assert!(err(404, false, "404 page not found\n").contains("path prefix"));
    assert!(err(502, true, "<html><body>Bad Gateway</body></html>").contains("HTML page (502)"));
    assert!(err(200, false, "<!DOCTYPE html><title>Grafana</title>").contains("HTML page (200)"));
    assert!(err(200, false, "{\"status\":").contains("not its API"));
    assert_eq!(
        err(500, false, "upstream connect error tok-123\n"),
        "Prometheus at https://***@prom.example.com/prefix failed (500): upstream connect error ***; it is asked again shortly"
    );
}

#[test]
fn a_429_waits_as_long_as_asked() {
    let c = client(None);
    let e = c
        .read(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            Some(7_000),
            "slow down",
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            PromError::RateLimited {
                retry_after_ms: 7_000,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("slow down (429); waiting 7s"), "{e}");
    assert_eq!(retry_after("12", 0), Some(12_000));
    assert_eq!(
        retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30_000),
        Some(30_000)
    );
    assert_eq!(retry_after("soon", 0), None);
}

#[test]
fn hints_name_the_variables_to_set() {
    let none = PromClient::new("http://prom:9090", None).unwrap();
    let e = none
        .read(StatusCode::UNAUTHORIZED, false, None, "")
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("set PROMETHEUS_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD"),
        "{e}"
    );
    let in_url = client(None)
        .read(StatusCode::UNAUTHORIZED, false, None, "")
        .unwrap_err()
        .to_string();
    assert!(
        in_url.ends_with("check the user and password in the prometheus URL"),
        "{in_url}"
    );
}

#[test]
fn a_success_reads_as_data() {
    let a = client(None)
        .read(
            StatusCode::OK,
            false,
            None,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
        )
        .unwrap();
    assert_eq!(a.data, super::answer::Data::Vector(Vec::new()));
}

#[test]
fn credentials_come_from_the_environment() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        Auth::from_lookup(env(&[(TOKEN_VAR, "t"), (USERNAME_VAR, "u")])),
        Some(Auth::Bearer(Token::new("t", TOKEN_VAR)))
    );
    assert_eq!(
        Auth::from_lookup(env(&[(USERNAME_VAR, "u"), (PASSWORD_VAR, "p")])),
        Some(Auth::Basic {
            username: "u".into(),
            password: Token::new("p", PASSWORD_VAR)
        })
    );
    assert_eq!(Auth::from_lookup(env(&[(USERNAME_VAR, "u")])), None);
    let debug = format!(
        "{:?}",
        client(Auth::from_lookup(env(&[(TOKEN_VAR, "sekrit")])))
    );
    assert!(
        !debug.contains("sekrit") && !debug.contains("hunter2"),
        "{debug}"
    );
}

#[test]
fn times_are_float_seconds() {
    assert_eq!(secs(1_700_000_000_000), "1700000000");
    assert_eq!(secs(1_700_000_000_050), "1700000000.050");
    assert_eq!(secs(15_000), "15");
}

//! Real-shaped answers of `/api/v1/query` and `/api/v1/query_range`, every result shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn ok(body: &str) -> Answer {
    parse(body).unwrap().unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_vector_with_labels_and_special_values() {
    let a = ok(
        r#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"api"},"value":[1735689600.123,"0.0042"]},
        {"metric":{"job":"idle"},"value":[1735689600.123,"NaN"]},
        {"metric":{"job":"hot"},"value":[1735689600.123,"+Inf"]},
        {"metric":{"job":"cold"},"value":[1735689600.123,"-Inf"]}]}}"#,
    );
    let Data::Vector(series) = a.data else {
        panic!("{:?}", a.data)
    };
    assert_eq!(
        series[0].metric,
        labels(&[("__name__", "up"), ("job", "api")])
    );
    assert_eq!(
        series[0].points,
        vec![Point {
            at_ms: 1_735_689_600_123,
            value: Some(0.0042)
        }]
    );
    assert_eq!(series[1].points[0].value, None);
    assert_eq!(series[2].points[0].value, Some(f64::INFINITY));
    assert_eq!(series[3].points[0].value, Some(f64::NEG_INFINITY));
    assert!(a.warnings.is_empty() && a.infos.is_empty());
}

#[test]
fn a_matrix_keeps_its_points_in_order() {
    let a = ok(
        r#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"rollouts_pod_template_hash":"abc"},"values":[[1700000000,"1"],[1700000015,"NaN"],[1700000030.5,"2.5e-1"]]}]}}"#,
    );
    assert_eq!(
        a.data,
        Data::Matrix(vec![Series {
            metric: labels(&[("rollouts_pod_template_hash", "abc")]),
            points: vec![
                Point {
                    at_ms: 1_700_000_000_000,
                    value: Some(1.0)
                },
                Point {
                    at_ms: 1_700_000_015_000,
                    value: None
                },
                Point {
                    at_ms: 1_700_000_030_500,
                    value: Some(0.25)
                },
            ],
        }])
    );
}

#[test]
fn scalar_and_string() {
    assert_eq!(
        ok(r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.001,"42"]}}"#)
            .data,
        Data::Scalar(Point {
            at_ms: 1_700_000_000_001,
            value: Some(42.0)
        })
    );
    assert_eq!(
        ok(r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}"#)
            .data,
        Data::String {
            at_ms: 1_700_000_000_000,
            value: "hello".into()
        }
    );
}

#[test]
fn an_empty_result_is_a_success_and_warnings_and_infos_are_kept() {
    let a = ok(
        r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["result may be incomplete"],"infos":["PromQL info: metric might not be a counter"]}"#,
    );
    assert_eq!(a.data, Data::Vector(Vec::new()));
    assert_eq!(a.warnings, vec!["result may be incomplete".to_string()]);
    assert_eq!(
        a.infos,
        vec!["PromQL info: metric might not be a counter".to_string()]
    );
    assert_eq!(
        ok(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#).data,
        Data::Matrix(Vec::new())
    );
}

#[test]
fn an_error_envelope_keeps_its_type_message_and_partial_data() {
    let e = parse(
        r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \")\""}"#,
    )
    .unwrap()
    .unwrap_err();
    assert_eq!(e.error_type, "bad_data");
    assert_eq!(e.error, "1:5: parse error: unexpected \")\"");
    assert_eq!(e.partial, None);
    let e = parse(
        r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"3"]}]},"warnings":["partial"]}"#,
    )
    .unwrap()
    .unwrap_err();
    let partial = e.partial.unwrap();
    assert_eq!(partial.warnings, vec!["partial".to_string()]);
    assert!(matches!(partial.data, Data::Vector(ref s) if s.len() == 1));
}

#[test]
fn what_is_not_an_envelope_says_why() {
    assert!(parse("<html><body>502 Bad Gateway</body></html>").is_err());
    assert!(parse(r#"{"status":"success"}"#).is_err());
    assert!(parse(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x1"]}]}}"#).is_err());
    assert!(parse(r#"{"status":"success","data":{"resultType":"tensor","result":[]}}"#).is_err());
}

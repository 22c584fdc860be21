//! Permission before offering: one SelfSubjectAccessReview per question.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use super::super::client::innermost;
use quarterdeck_core::control::{Access, AccessKey};

/// Asks the API server each question; an error answers `Denied("cannot check: …")`, so an
/// action is never offered on a guess.
pub async fn check_access(client: &kube::Client, keys: &[AccessKey]) -> Vec<(AccessKey, Access)> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let access = match api.create(&PostParams::default(), &review(key)).await {
            Ok(answer) => answer_of(&answer),
            Err(kube::Error::Api(s)) => Access::Denied(format!("cannot check: {}", s.message)),
            Err(e) => Access::Denied(format!("cannot check: {}", innermost(&e))),
        };
        out.push((key.clone(), access));
    }
    out
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The review asking `key`.
fn review(key: &AccessKey) -> SelfSubjectAccessReview {
    SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: non_empty(&key.namespace),
                verb: Some(key.verb.clone()),
                group: Some(key.group.clone()),
                resource: Some(key.resource.clone()),
                subresource: non_empty(&key.subresource),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    }
}

fn answer_of(r: &SelfSubjectAccessReview) -> Access {
    match &r.status {
        Some(s) if s.allowed => Access::Allowed,
        Some(s) => Access::Denied(
            s.reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "RBAC denies it".into()),
        ),
        None => Access::Denied("cannot check: the review came back without an answer".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_review_asks_exactly_the_key() {
        let key = AccessKey {
            context: "kind".into(),
            namespace: "bnpl".into(),
            group: "argoproj.io".into(),
            resource: "rollouts".into(),
            subresource: "status".into(),
            verb: "patch".into(),
        };
        let v = serde_json::to_value(review(&key)).unwrap();
        assert_eq!(
            v["spec"]["resourceAttributes"],
            json!({"namespace": "bnpl", "verb": "patch", "group": "argoproj.io",
                "resource": "rollouts", "subresource": "status"})
        );
    }

    #[test]
    fn a_denial_without_a_reason_says_rbac() {
        let r: SelfSubjectAccessReview =
            serde_json::from_value(json!({"spec": {}, "status": {"allowed": false}})).unwrap();
        assert_eq!(answer_of(&r), Access::Denied("RBAC denies it".into()));
        let r: SelfSubjectAccessReview =
            serde_json::from_value(json!({"spec": {}, "status": {"allowed": true}})).unwrap();
        assert_eq!(answer_of(&r), Access::Allowed);
    }
}

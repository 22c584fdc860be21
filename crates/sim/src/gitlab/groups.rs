//! GitLab groups' members under `/groups/:id/members[/all][/:user_id]`: what a client reads to
//! tell whether its user belongs to the group an approval rule names. The seeded groups have
//! no subgroups, so direct and inherited members (`/all`) are the same.

use axum::http::Method;
use serde_json::{Value, json};

use super::GlError;
use super::json as gl;
use super::routes::{Res, list, ok};
use crate::ci::http::Req;
use crate::ci::model::Reviewer;
use crate::ci::seeds::build as people;

/// The access level of a group's members (Developer).
const MEMBER_LEVEL: u32 = 30;

/// Answers a path below `/groups/:id` (by id or URL-encoded path).
pub(super) fn route(req: &Req, id: &str, rest: &[&str]) -> Res {
    if req.method != Method::GET {
        return Err(GlError::no_route());
    }
    let members: fn(&Reviewer, &str) -> Vec<Value> = |g, web| {
        people::users()
            .iter()
            .filter(|u| g.members.contains(&u.id))
            .map(|u| member(u, web))
            .collect()
    };
    let group = people::groups()
        .into_iter()
        .find(|g| id.parse::<u64>().map_or(g.login == id, |n| n == g.id));
    match rest {
        ["members"] | ["members", "all"] => {
            let group = group.ok_or_else(|| GlError::not_found("Group"))?;
            list(req, members(&group, &req.origin))
        }
        ["members", user] | ["members", "all", user] => {
            let group = group.ok_or_else(|| GlError::not_found("Group"))?;
            let user = user.parse::<u64>().ok();
            people::users()
                .iter()
                .find(|u| Some(u.id) == user && group.members.contains(&u.id))
                .map_or_else(
                    || Err(GlError::not_found("")),
                    |u| ok(member(u, &req.origin)),
                )
        }
        _ => Err(GlError::no_route()),
    }
}

/// A group member as the members API answers.
fn member(u: &crate::ci::model::User, web: &str) -> Value {
    let mut v = gl::user(u, web);
    v["access_level"] = json!(MEMBER_LEVEL);
    v["membership_state"] = json!("active");
    v["expires_at"] = Value::Null;
    v
}

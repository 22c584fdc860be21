//! WATCH: newline-delimited events over a chunked body. The initial state (synthetic ADDED or
//! the history after a resourceVersion) is read under the same world lock as the broadcast
//! subscription is taken, so no change is lost or sent twice.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;

use super::super::Sim;
use super::super::resources::ResId;
use super::super::status::ApiError;
use super::super::store::{Change, ChangeKind, key_of};
use super::Call;
use super::list::Filter;
use super::negotiate::Shape;
use super::table::{self, Include};
use super::views;

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

/// How an event's object is rendered.
struct Render {
    res: ResId,
    table: bool,
    include: Include,
    /// Whether a Table with column definitions went out already: the real server sends them
    /// with the first event only (kubectl prints the header once).
    headers_sent: bool,
}

impl Render {
    fn event(&mut self, kind: &str, obj: &Value, now_ms: i64) -> Bytes {
        let object = if self.table {
            let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
            let headers = !self.headers_sent;
            self.headers_sent = true;
            table::table_with(self.res, &[obj], now_ms, self.include, meta, headers)
        } else {
            obj.clone()
        };
        line(kind, &object)
    }
}

/// One event on the wire, its fields in the API server's order.
#[derive(serde::Serialize)]
struct WireEvent<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    object: &'a Value,
}

/// An event's line: `type` before `object`, as the API server (Go) writes it. A client can
/// then decode the object straight into its type; with `object` first, serde buffers the
/// whole object to read the tag (a `json!` map sorts its keys, so it cannot be used here).
fn line(kind: &str, object: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(&WireEvent { kind, object }).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn bookmark(res: ResId, rv: u64, initial_end: bool) -> Bytes {
    let def = res.def();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        "BOOKMARK",
        &json!({"kind": def.kind, "apiVersion": def.api_version(), "metadata": meta}),
    )
}

/// `GET …/{plural}?watch=1`.
pub(crate) fn serve(call: &Call) -> Result<Response, ApiError> {
    let q = &call.query;
    let filter = Filter::from_call(call)?;
    let res = call.target.res;
    let send_initial = q.get("sendInitialEvents").map(|v| v == "true" || v == "1");
    if send_initial.is_some() && q.get("resourceVersionMatch") != Some("NotOlderThan") {
        return Err(ApiError::invalid(
            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
        ));
    }
    let bookmarks = q.flag("allowWatchBookmarks");
    let deadline = q
        .int("timeoutSeconds")?
        .filter(|s| *s > 0)
        .map(|s| Instant::now() + Duration::from_secs(s as u64));
    let resume_rv = match q.non_empty("resourceVersion").filter(|rv| *rv != "0") {
        Some(rv) if send_initial != Some(true) => Some(
            rv.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
        ),
        _ => None,
    };
    let mut render = Render {
        res,
        table: call.shape == Shape::Table,
        include: Include::from_query(q),
        headers_sent: false,
    };
    let view = views::is_view(res);
    let drops = call.sim.drop_watches.subscribe();

    let mut initial = Vec::new();
    let mut in_view = HashSet::new();
    let (start_rv, expired, changes, tracker) = {
        let world = call.sim.world();
        let store = &world.store;
        let now = world.clock.now_ms;
        let mut expired = false;
        let computed = if view {
            views::objects(store, res, filter.namespace.as_deref())
        } else {
            Vec::new()
        };
        let current = || -> Box<dyn Iterator<Item = &Value> + '_> {
            if view {
                Box::new(computed.iter())
            } else {
                Box::new(store.list(res, filter.namespace.as_deref()))
            }
        };
        let tracker = views::Tracker::new(store, res, filter.namespace.as_deref());
        match resume_rv {
            None => {
                for obj in current().filter(|o| filter.matches(o)) {
                    initial.push(render.event("ADDED", obj, now));
                }
                if send_initial == Some(true) {
                    initial.push(bookmark(res, store.current_rv(), true));
                }
            }
            Some(rv) => match store.changes_since(rv) {
                Ok(history) if view => {
                    for (kind, obj) in views::replay(store, res, &history) {
                        if filter.matches(&obj) {
                            initial.push(render.event(kind.as_str(), &obj, now));
                        }
                    }
                }
                Ok(history) => {
                    for c in history
                        .iter()
                        .filter(|c| c.res == res && filter.matches(&c.object))
                    {
                        initial.push(render.event(c.kind.as_str(), &c.object, now));
                    }
                }
                Err(e) => {
                    expired = true;
                    let status =
                        ApiError::expired(format!("too old resource version: {rv} ({})", e.oldest));
                    initial.push(line("ERROR", &status.to_status()));
                }
            },
        }
        in_view.extend(current().filter(|o| filter.matches(o)).map(key_of));
        (store.current_rv(), expired, store.subscribe(), tracker)
    };

    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let pump = Pump {
        sim: call.sim.clone(),
        render,
        filter,
        in_view,
        bookmarks,
        deadline,
        last_rv: start_rv,
        tracker,
    };
    tokio::spawn(pump.run(tx, initial, expired, changes, drops));
    let body = Body::from_stream(ReceiverStream::new(rx).map(Ok::<_, Infallible>));
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

struct Pump {
    sim: Arc<Sim>,
    render: Render,
    filter: Filter,
    /// Objects the client currently sees as matching, so one that stops matching the selector
    /// can be sent as DELETED (and one that starts matching as ADDED), like the real server.
    in_view: HashSet<(String, String)>,
    bookmarks: bool,
    deadline: Option<Instant>,
    last_rv: u64,
    /// For view kinds: what was sent, to turn source changes into view events.
    tracker: views::Tracker,
}

impl Pump {
    async fn run(
        mut self,
        tx: mpsc::Sender<Bytes>,
        initial: Vec<Bytes>,
        expired: bool,
        mut changes: broadcast::Receiver<Arc<Change>>,
        mut drops: watch::Receiver<u64>,
    ) {
        for b in initial {
            if tx.send(b).await.is_err() {
                return;
            }
        }
        if expired {
            return;
        }
        let mut tick = tokio::time::interval_at(Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY);
        let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
        let deadline = self.deadline.unwrap_or(far);
        loop {
            // Biased: a dropped-watches fault wins over changes that are ready at the same
            // moment, so the client resumes from before them.
            let out = tokio::select! {
                biased;
                _ = tx.closed() => return,
                _ = drops.changed() => return,
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tick.tick(), if self.bookmarks => vec![bookmark(self.render.res, self.last_rv, false)],
                msg = changes.recv() => match msg {
                    Ok(change) => self.on_change(&change),
                    // A watcher that fell behind is closed; clients resume from their last RV.
                    Err(_) => return,
                },
            };
            for bytes in out {
                if tx.send(bytes).await.is_err() {
                    return;
                }
            }
        }
    }

    fn on_change(&mut self, change: &Change) -> Vec<Bytes> {
        if change.rv <= self.last_rv {
            return Vec::new();
        }
        self.last_rv = change.rv;
        let res = self.render.res;
        if views::is_view(res) {
            let updates = {
                let world = self.sim.world();
                self.tracker.changes(
                    &world.store,
                    res,
                    change.res,
                    &change.object,
                    change.kind,
                    change.rv,
                )
            };
            return updates
                .iter()
                .filter_map(|(kind, obj)| self.emit(*kind, obj))
                .collect();
        }
        if change.res != res {
            return Vec::new();
        }
        self.emit(change.kind, &change.object).into_iter().collect()
    }

    /// The event for one changed object, judged against what the client has in view.
    fn emit(&mut self, change_kind: ChangeKind, object: &Value) -> Option<Bytes> {
        let key = key_of(object);
        let matches = self.filter.matches(object);
        let was = self.in_view.contains(&key);
        let kind = match (change_kind, was, matches) {
            (ChangeKind::Deleted, false, false) | (_, false, false) => return None,
            (ChangeKind::Deleted, _, _) | (_, true, false) => "DELETED",
            (ChangeKind::Added, _, true) | (_, false, true) => "ADDED",
            (_, true, true) => "MODIFIED",
        };
        if kind == "DELETED" {
            self.in_view.remove(&key);
        } else {
            self.in_view.insert(key);
        }
        let now = if self.render.table {
            self.sim.world().clock.now_ms
        } else {
            0
        };
        Some(self.render.event(kind, object, now))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_its_type_before_its_object_as_the_api_server_does() {
        let object = json!({"kind": "Pod", "metadata": {"name": "a"}});
        let wire = line("MODIFIED", &object);
        let text = std::str::from_utf8(&wire).unwrap();
        assert!(
            text.starts_with(r#"{"type":"MODIFIED","object":{"#),
            "{text}"
        );
        assert!(text.ends_with("}\n"), "{text}");
        let back: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(back["object"], object);
    }
}

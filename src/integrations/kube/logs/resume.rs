//! What a resumed log stream skips: `sinceTime` has second resolution, so a reconnect replays
//! the last second; lines are matched by their nanosecond timestamp and how many times that
//! timestamp occurred, so a replay is skipped and no first delivery ever is.

use std::collections::BTreeMap;

use k8s_openapi::jiff::Timestamp;

const SECOND: i64 = 1_000_000_000;

/// Per timestamp: lines delivered, and lines read on the current connection.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    delivered: u32,
    read: u32,
}

/// Remembers what was delivered within the second a resume replays.
#[derive(Debug, Default)]
pub struct Resume {
    /// Timestamp of the newest delivered line, Unix nanoseconds.
    last_ns: Option<i64>,
    /// Counts for every timestamp from the start of `last_ns`'s second on.
    counts: BTreeMap<i64, Counts>,
}

impl Resume {
    /// Whether any timestamped line was delivered (a resume, not a first request).
    pub fn started(&self) -> bool {
        self.last_ns.is_some()
    }

    /// `sinceTime` for the next request: the start of the second of the newest line.
    pub fn since(&self) -> Option<Timestamp> {
        Timestamp::from_second(self.last_ns?.div_euclid(SECOND)).ok()
    }

    /// A new connection starts: it replays from [`Resume::since`].
    pub fn reconnect(&mut self) {
        for c in self.counts.values_mut() {
            c.read = 0;
        }
    }

    /// Whether a line read with timestamp `time_ns` is new (and records it if so): the k-th
    /// line of a timestamp on this connection is a replay when k lines of it were delivered.
    pub fn admit(&mut self, time_ns: Option<i64>) -> bool {
        let Some(t) = time_ns else {
            return true;
        };
        let c = self.counts.entry(t).or_default();
        c.read += 1;
        if c.read <= c.delivered {
            return false;
        }
        c.delivered += 1;
        match self.last_ns {
            Some(last) if t <= last => {}
            Some(last) if t.div_euclid(SECOND) == last.div_euclid(SECOND) => self.last_ns = Some(t),
            _ => {
                // A new second: what came before it will not be replayed any more.
                self.last_ns = Some(t);
                self.counts = self.counts.split_off(&(t.div_euclid(SECOND) * SECOND));
            }
        }
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const T: i64 = 10 * SECOND;

    #[test]
    fn identical_timestamps_are_counted_not_merged() {
        let mut r = Resume::default();
        for _ in 0..5 {
            assert!(r.admit(Some(T + 1)), "every first delivery goes through");
        }
        r.reconnect();
        for _ in 0..5 {
            assert!(!r.admit(Some(T + 1)), "the replay is skipped");
        }
        assert!(
            r.admit(Some(T + 1)),
            "a sixth line at the same instant is new"
        );
    }

    #[test]
    fn a_resume_skips_exactly_the_replayed_second() {
        let mut r = Resume::default();
        assert!(!r.started());
        assert!(r.admit(Some(T - 5)));
        assert!(r.admit(Some(T + 100)));
        assert!(r.admit(Some(T + 400)));
        assert_eq!(r.since().unwrap().as_second(), 10);
        r.reconnect();
        assert!(!r.admit(Some(T + 100)));
        assert!(!r.admit(Some(T + 400)));
        assert!(r.admit(Some(T + 400)), "same instant, new line");
        assert!(r.admit(Some(T + SECOND)));
        assert!(
            r.admit(Some(T - 7)),
            "an earlier-stamped first delivery is kept"
        );
        assert!(r.admit(None), "no timestamp is always shown");
    }
}

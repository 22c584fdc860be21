//! When the event loop draws: every pane at most every 16 ms after a key or an answer, at
//! most every 250 ms for what the watches saw, and the Logs pane alone every 8 ms for log
//! lines, even while a change of the world waits. And when it reads what the watches saw: at
//! the same pace, so a rollout's hundreds of pod changes a second wake it four times, not
//! hundreds.

use std::time::Duration;

use tokio::time::Instant;

use quarterdeck_core::Redraw;

/// Shortest time between two frames (~60 per second).
pub const FRAME: Duration = Duration::from_millis(16);
/// Shortest time between two frames that draw only the Logs pane (~120 per second): such a
/// frame costs one pane, and a line read waits at most this long to be shown.
pub const LOGS_FRAME: Duration = Duration::from_millis(8);
/// Shortest time between two frames when only the watches changed something (4 per
/// second, as fast as anyone reads a table that moves; k9s redraws every 2 s): a rollout
/// moves hundreds of pods, and every frame draws the whole dashboard.
pub const WORLD_FRAME: Duration = Duration::from_millis(250);
/// When the next frame is due, and what it draws. Log lines are drawn every `LOGS_FRAME`
/// even while a change of the world waits for its `WORLD_FRAME`: the Logs pane alone, the
/// other panes at the world's pace.
#[derive(Debug)]
pub struct Due {
    /// The most any change since the last whole frame asks for: `Nothing`, `World` or `All`.
    whole: Redraw,
    /// Log lines arrived since the last frame.
    logs: bool,
    /// The last frame of any kind.
    last: Instant,
    /// The last frame of every pane.
    last_whole: Instant,
}

impl Due {
    /// Nothing due; the first frame was drawn at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            whole: Redraw::Nothing,
            logs: false,
            last: now,
            last_whole: now,
        }
    }

    /// Records what one message changed.
    pub fn wants(&mut self, redraw: Redraw) {
        match redraw {
            Redraw::Nothing => {}
            Redraw::Logs => self.logs = true,
            Redraw::World | Redraw::All => self.whole = self.whole.max(redraw),
        }
    }

    /// When every pane is due, if a change asks for it.
    fn whole_at(&self) -> Option<Instant> {
        match self.whole {
            Redraw::All => Some(self.last + FRAME),
            Redraw::World => Some(self.last_whole + WORLD_FRAME),
            Redraw::Nothing | Redraw::Logs => None,
        }
    }

    /// When the next frame is due; `None` when nothing changed.
    pub fn next(&self) -> Option<Instant> {
        let logs = self.logs.then(|| self.last + LOGS_FRAME);
        match (self.whole_at(), logs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The frame to draw at `now`, if one is due.
    pub fn now(&self, now: Instant) -> Option<Redraw> {
        if self.whole_at().is_some_and(|at| now >= at) {
            Some(self.whole)
        } else if self.logs && now >= self.last + LOGS_FRAME {
            Some(Redraw::Logs)
        } else {
            None
        }
    }

    /// After a frame that drew `drew`: every pane (`All`), the Logs pane alone (`Logs`), or
    /// nothing that reached the screen (`Nothing`: the Logs pane is not on screen).
    pub fn drawn(&mut self, drew: Redraw, now: Instant) {
        self.logs = false;
        if drew >= Redraw::World {
            self.whole = Redraw::Nothing;
            self.last_whole = now;
        }
        if drew != Redraw::Nothing {
            self.last = now;
        }
    }
}

/// When the event loop reads the watches' messages. After a quiet while the first one is read
/// at once; while they keep coming, the loop leaves them queued for `WORLD_FRAME` after each
/// read and then takes all of them: nothing wakes it in between, and what they change waits
/// no longer than a frame of the world would anyway. Messages that ask for a frame at once
/// (the first lists, a lost watch's new list) keep the reads open.
#[derive(Debug, Default)]
pub struct WorldReads {
    /// Until when the messages are left queued, after a read.
    paused_until: Option<Instant>,
}

impl WorldReads {
    /// Whether the loop waits on the queue (and is woken by its next message).
    pub fn open(&self) -> bool {
        self.paused_until.is_none()
    }

    /// When the queue is to be read again, while its reads are paused.
    pub fn next(&self) -> Option<Instant> {
        self.paused_until
    }

    /// Whether the pause is over at `now`: the queue is read whether or not anything came.
    pub fn due(&self, now: Instant) -> bool {
        self.paused_until.is_some_and(|at| now >= at)
    }

    /// After a read at `now` that took `count` messages, the most any of them asked to draw
    /// being `redraw`; `more` when the read stopped at its limit with messages left.
    pub fn read(&mut self, count: usize, redraw: Redraw, more: bool, now: Instant) {
        self.paused_until = (count > 0 && redraw < Redraw::All && !more).then(|| now + WORLD_FRAME);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watches_messages_are_read_at_once_after_a_quiet_while_then_at_the_worlds_pace() {
        let t0 = Instant::now();
        let mut reads = WorldReads::default();
        assert!(reads.open());
        assert_eq!(reads.next(), None, "nothing to wake for while nothing came");
        reads.read(3, Redraw::World, false, t0);
        assert!(!reads.open(), "the next messages wait");
        assert_eq!(reads.next(), Some(t0 + WORLD_FRAME));
        assert!(!reads.due(t0 + FRAME));
        assert!(reads.due(t0 + WORLD_FRAME));
        reads.read(0, Redraw::Nothing, false, t0 + WORLD_FRAME);
        assert!(
            reads.open(),
            "nothing came during the pause: the next one is read at once"
        );
    }

    #[test]
    fn messages_that_change_nothing_on_screen_wait_too() {
        let t0 = Instant::now();
        let mut reads = WorldReads::default();
        reads.read(40, Redraw::Nothing, false, t0);
        assert_eq!(reads.next(), Some(t0 + WORLD_FRAME));
    }

    #[test]
    fn a_new_list_or_a_read_cut_at_its_limit_keeps_the_reads_open() {
        let t0 = Instant::now();
        let mut reads = WorldReads::default();
        reads.read(1, Redraw::All, false, t0);
        assert!(reads.open(), "the first lists are drawn as they come");
        reads.read(4_096, Redraw::World, true, t0);
        assert!(
            reads.open(),
            "messages left behind are read in the next round"
        );
    }

    #[test]
    fn log_lines_are_drawn_alone_while_the_world_waits_for_its_frame() {
        let t0 = Instant::now();
        let mut due = Due::new(t0);
        due.wants(Redraw::World);
        due.wants(Redraw::Logs);
        assert_eq!(due.next(), Some(t0 + LOGS_FRAME));
        assert_eq!(due.now(t0 + LOGS_FRAME), Some(Redraw::Logs));
        // Lines keep coming every logs frame: they never push the world's frame back.
        let mut t = t0;
        while t + LOGS_FRAME < t0 + WORLD_FRAME {
            t += LOGS_FRAME;
            assert_eq!(due.now(t), Some(Redraw::Logs), "at {:?}", t - t0);
            due.drawn(Redraw::Logs, t);
            due.wants(Redraw::Logs);
        }
        assert_eq!(due.next(), Some(t + LOGS_FRAME).min(Some(t0 + WORLD_FRAME)));
        assert_eq!(due.now(t0 + WORLD_FRAME), Some(Redraw::World));
        due.drawn(Redraw::All, t0 + WORLD_FRAME);
        assert_eq!(due.next(), None, "the whole frame drew the lines too");
    }

    #[test]
    fn a_key_draws_in_the_next_frame_and_a_world_change_waits_for_its_own() {
        let t0 = Instant::now();
        let mut due = Due::new(t0);
        due.wants(Redraw::World);
        assert_eq!(due.now(t0 + FRAME), None);
        assert_eq!(due.next(), Some(t0 + WORLD_FRAME));
        due.wants(Redraw::All);
        assert_eq!(due.now(t0 + FRAME), Some(Redraw::All));
        due.drawn(Redraw::All, t0 + FRAME);
        due.wants(Redraw::World);
        assert_eq!(due.next(), Some(t0 + FRAME + WORLD_FRAME));
    }

    #[test]
    fn after_a_quiet_while_a_world_change_is_drawn_in_the_next_frame() {
        let t0 = Instant::now();
        let mut due = Due::new(t0);
        let later = t0 + Duration::from_secs(5);
        due.wants(Redraw::World);
        assert_eq!(due.now(later), Some(Redraw::World));
    }

    #[test]
    fn a_logs_frame_drawn_whole_under_an_overlay_draws_the_waiting_world_too() {
        let t0 = Instant::now();
        let mut due = Due::new(t0);
        due.wants(Redraw::World);
        due.wants(Redraw::Logs);
        assert_eq!(due.now(t0 + LOGS_FRAME), Some(Redraw::Logs));
        // A dialog covers the Logs pane: the frame drew every pane.
        due.drawn(Redraw::All, t0 + LOGS_FRAME);
        assert_eq!(due.next(), None, "nothing waits any more");
    }

    #[test]
    fn lines_for_a_pane_not_on_screen_draw_nothing_and_keep_no_frame_due() {
        let t0 = Instant::now();
        let mut due = Due::new(t0);
        due.wants(Redraw::Logs);
        due.drawn(Redraw::Nothing, t0 + LOGS_FRAME);
        assert_eq!(due.next(), None);
        due.wants(Redraw::Logs);
        assert_eq!(
            due.now(t0 + LOGS_FRAME),
            Some(Redraw::Logs),
            "the last frame is older"
        );
    }
}

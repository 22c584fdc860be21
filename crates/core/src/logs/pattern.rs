//! The three regexes of the Logs pane, stern's `--include`, `--exclude` and `--highlight`.

/// Which regex the Logs pane's prompt edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogPattern {
    /// `/`: only lines that match are shown.
    #[default]
    Include,
    /// `!`: lines that match are hidden.
    Exclude,
    /// Matches are marked and `n`/`N` jump between them; every line stays.
    Highlight,
}

impl LogPattern {
    /// What the prompt and the pane title put in front of the pattern.
    pub fn symbol(self) -> &'static str {
        match self {
            LogPattern::Include => "/",
            LogPattern::Exclude => "!",
            LogPattern::Highlight => "hl:",
        }
    }
}

/// A stable palette slot for a pod name (FNV-1a), so a pod keeps its colour whatever order
/// its stream started in, across restarts of the pane and of Quarterdeck.
pub fn colour_slot(name: &str) -> usize {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    // Fold the high bits in: palettes are short and the low bits of FNV vary least.
    (hash ^ (hash >> 32)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_keeps_its_slot_and_neighbours_differ() {
        assert_eq!(colour_slot("web-7d9f-abcde"), colour_slot("web-7d9f-abcde"));
        // Pods of one ReplicaSet differ only in their last characters.
        let slots: std::collections::BTreeSet<usize> =
            ["web-7d9f-abcde", "web-7d9f-fghij", "web-7d9f-klmno"]
                .iter()
                .map(|n| colour_slot(n) % 8)
                .collect();
        assert!(slots.len() >= 2, "{slots:?}");
    }
}

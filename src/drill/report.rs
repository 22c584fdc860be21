//! `--report FILE.md`: the drill as a Markdown incident timeline — what broke, when it was
//! noticed, what was done, when the world was healthy again — and the verdict.

use super::definition::Drill;
use super::scorecard::{Scorecard, clock};

/// The Markdown report of a finished drill.
pub fn markdown(drill: &Drill, card: &Scorecard) -> String {
    let mut rows: Vec<(f64, String)> = card
        .incidents
        .iter()
        .map(|e| (e.at_s, format!("incident: {}", e.what)))
        .collect();
    rows.extend(card.actions.iter().map(|a| {
        (
            a.at_s,
            format!("{} {} by {} — {}", a.action, a.target, a.by, a.outcome()),
        )
    }));
    let from_trouble = |t: Option<f64>| t.zip(card.trouble_at_s).map(|(d, s)| d + s);
    if let Some(t) = from_trouble(card.detect_s) {
        rows.push((t, "detected".into()));
    }
    if let Some(t) = from_trouble(card.mitigate_s) {
        rows.push((
            t,
            "mitigated: serving a good revision, metrics under the thresholds".into(),
        ));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let opt = |t: Option<f64>| t.map_or_else(|| "—".to_string(), clock);
    let mut out = format!(
        "# Drill {}: {}\n\nSeed {}, responder {}, started {}.\n\n**Verdict: {}**{}\n\n",
        drill.name,
        drill.title,
        card.seed,
        card.responder,
        card.started,
        card.verdict.to_uppercase(),
        if card.reasons.is_empty() {
            String::new()
        } else {
            format!(" — {}", card.reasons.join("; "))
        }
    );
    out.push_str("| | time | target |\n|---|---|---|\n");
    out.push_str(&format!(
        "| time to detect | {} | {} |\n| time to mitigate | {} | {} |\n| collateral actions | {} | 0 |\n\n",
        opt(card.detect_s),
        clock(card.detect_target_s),
        opt(card.mitigate_s),
        clock(card.mitigate_target_s),
        card.collateral.len()
    ));
    out.push_str("## Timeline\n\n| at | what |\n|---|---|\n");
    for (t, what) in rows {
        out.push_str(&format!(
            "| {} | {} |\n",
            clock(t),
            what.replace('|', "\\|")
        ));
    }
    if !card.collateral.is_empty() {
        out.push_str("\n## Collateral\n\n");
        for c in &card.collateral {
            out.push_str(&format!("- {c}\n"));
        }
    }
    out
}

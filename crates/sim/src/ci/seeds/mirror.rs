//! Mirrors of the seed projects, so that a scenario can link many CI projects per provider
//! (the pollers' API budget is measured at 20): each mirror is a seed under another path and
//! id, replays the seed's history, and deploys to workloads of its own name.

use crate::ci::model::{Project, Provider};

/// Keeps mirror ids and environment ids clear of the seeds' (which differ by less than this).
const ID_STRIDE: u64 = 1_000_000;

/// The mirrors that bring each provider to `per_provider` projects, each with the id of the
/// seed it copies: the provider's seeds in turn, the n-th copy of `group/name` being
/// `group/name-n` (n from 2) deploying to `namespace/workload-n`.
pub(crate) fn mirrors(seeds: &[Project], per_provider: usize) -> Vec<(u64, Project)> {
    let mut out = Vec::new();
    for provider in [Provider::GitHub, Provider::GitLab] {
        let of: Vec<&Project> = seeds.iter().filter(|p| p.provider == provider).collect();
        for i in of.len()..per_provider {
            let Some(seed) = of.get(i % of.len().max(1)) else {
                break;
            };
            let n = (i / of.len()) as u64 + 1;
            out.push((seed.id, mirror(seed, n)));
        }
    }
    out
}

fn mirror(seed: &Project, n: u64) -> Project {
    let mut p = seed.clone();
    p.id = seed.id + n * ID_STRIDE;
    p.path = format!("{}-{n}", seed.path);
    for env in &mut p.environments {
        env.id += n * ID_STRIDE;
        for t in &mut env.targets {
            t.name = format!("{}-{n}", t.name);
        }
    }
    p
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ci::seeds::{github, gitlab};

    #[test]
    fn mirrors_fill_each_provider_up_to_the_count_with_distinct_paths() {
        let seeds = vec![
            github::orders_api(0),
            gitlab::feature_store(0),
            gitlab::observability(0),
        ];
        let m = mirrors(&seeds, 5);
        let paths: Vec<&str> = m.iter().map(|(_, p)| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "acme/orders-api-2",
                "acme/orders-api-3",
                "acme/orders-api-4",
                "acme/orders-api-5",
                "bnpl/feature-store-2",
                "acme/observability-stack-2",
                "bnpl/feature-store-3",
            ]
        );
        let fs3 = &m[6].1;
        assert_eq!(m[6].0, 4211);
        assert_eq!(fs3.id, 4211 + 3 * ID_STRIDE);
        let target = &fs3.environment("production").unwrap().targets[0];
        assert_eq!(
            (target.namespace.as_str(), target.name.as_str()),
            ("bnpl", "feature-store-3")
        );
        assert!(mirrors(&seeds, 0).is_empty());
    }
}

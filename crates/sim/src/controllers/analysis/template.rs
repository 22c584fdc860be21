//! From a Rollout's analysis reference to an AnalysisRun, as Argo's `rollout/analysis.go` and
//! `utils/analysis/helpers.go` build one: the templates' metrics concatenated, their args
//! resolved from the reference (`value`, `valueFrom.podTemplateHashValue`), labels, owner and
//! revision annotation. `{{args.NAME}}` stays in `spec.metrics` and is substituted at
//! measurement time, as Argo does.

use serde_json::{Value, json};

use crate::controllers::obj;
use crate::controllers::rollout::{Ctx, HASH_LABEL, REVISION};
use crate::resources::ids;
use crate::world::{World, fmt_time};

/// Why a run exists, with the labels Argo gives each kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RunType {
    /// A canary step's analysis (its index).
    Step(usize),
    /// `strategy.canary.analysis`, running beside the steps.
    Background,
}

impl RunType {
    fn label(self) -> &'static str {
        match self {
            RunType::Step(_) => "Step",
            RunType::Background => "Background",
        }
    }
}

/// The templates' combined spec, or why they cannot be used.
fn resolve(world: &World, ns: &str, analysis: &Value, ctx: &Ctx) -> Result<Value, String> {
    let mut metrics = Vec::new();
    let mut wanted: Vec<String> = Vec::new();
    for t in analysis["templates"].as_array().into_iter().flatten() {
        let cluster = obj::bool_at(t, "/clusterScope");
        let (name, res, kind, tns) = match (
            t["templateName"].as_str(),
            t["clusterTemplateName"].as_str(),
        ) {
            (Some(n), _) if !cluster => (n, ids::ANALYSISTEMPLATES, "AnalysisTemplate", ns),
            (Some(n), _) | (None, Some(n)) => (
                n,
                ids::CLUSTERANALYSISTEMPLATES,
                "ClusterAnalysisTemplate",
                "",
            ),
            (None, None) => return Err("analysis template reference without a name".into()),
        };
        let tpl = world
            .store
            .get(res, tns, name)
            .ok_or_else(|| format!("{kind}.argoproj.io \"{name}\" not found"))?;
        metrics.extend(
            tpl["spec"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        for a in tpl["spec"]["args"].as_array().into_iter().flatten() {
            let n = obj::str_at(a, "/name").to_string();
            if !wanted.contains(&n) {
                wanted.push(n);
            }
        }
    }
    let mut args = Vec::new();
    for name in &wanted {
        let value = arg_value(analysis, name, ctx)
            .or_else(|| template_default(world, ns, analysis, name))
            .ok_or_else(|| format!("args.{name} was not resolved"))?;
        args.push(json!({"name": name, "value": value}));
    }
    Ok(json!({"metrics": metrics, "args": args}))
}

/// A template's default for an arg the reference does not set.
fn template_default(world: &World, ns: &str, analysis: &Value, name: &str) -> Option<String> {
    analysis["templates"].as_array()?.iter().find_map(|t| {
        let (res, tns, n) =
            if obj::bool_at(t, "/clusterScope") || t.get("clusterTemplateName").is_some() {
                let n = t["templateName"]
                    .as_str()
                    .or(t["clusterTemplateName"].as_str())?;
                (ids::CLUSTERANALYSISTEMPLATES, "", n)
            } else {
                (ids::ANALYSISTEMPLATES, ns, t["templateName"].as_str()?)
            };
        let tpl = world.store.get(res, tns, n)?;
        tpl["spec"]["args"]
            .as_array()?
            .iter()
            .find(|a| a["name"] == name)?["value"]
            .as_str()
            .map(str::to_string)
    })
}

/// The reference's value for an arg: literal, or the latest/stable pod-template hash.
fn arg_value(analysis: &Value, name: &str, ctx: &Ctx) -> Option<String> {
    let a = analysis["args"]
        .as_array()?
        .iter()
        .find(|a| a["name"] == name)?;
    if let Some(v) = a["value"].as_str() {
        return Some(v.to_string());
    }
    match a["valueFrom"]["podTemplateHashValue"].as_str()? {
        "Latest" => Some(ctx.hash.clone()),
        "Stable" => Some(ctx.stable()),
        _ => None,
    }
}

/// Builds and stores the run `name` for this analysis reference; a reference that cannot be
/// resolved still gets a run, in phase Error with the reason, so the Rollout sees it fail.
pub(crate) fn create(
    world: &mut World,
    ctx: &Ctx,
    analysis: &Value,
    kind: RunType,
    name: &str,
) -> Option<Value> {
    let ns = obj::namespace(&ctx.ro).to_string();
    let now = fmt_time(ctx.now);
    let mut labels = json!({HASH_LABEL: ctx.hash, "rollout-type": kind.label()});
    if let RunType::Step(i) = kind {
        labels["step-index"] = json!(i.to_string());
    }
    let (spec, status) = match resolve(world, &ns, analysis, ctx) {
        Ok(spec) => (
            spec,
            json!({"phase": "Running", "startedAt": now, "metricResults": []}),
        ),
        Err(e) => (
            json!({"metrics": []}),
            json!({"phase": "Error", "message": e, "startedAt": now, "completedAt": now}),
        ),
    };
    let run = json!({
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": labels,
            "annotations": {REVISION: ctx.revision.to_string()},
            "ownerReferences": [obj::owner_ref(&ctx.ro)],
        },
        "spec": spec,
        "status": status,
    });
    world.store.create(ids::ANALYSISRUNS, run, &now).ok()
}

/// Substitutes `{{args.NAME}}` (spaces allowed inside the braces) with the run's arg values.
pub(crate) fn substitute(text: &str, args: &Value) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = after[..end].trim();
        let value = key
            .strip_prefix("args.")
            .and_then(|n| args.as_array()?.iter().find(|a| a["name"] == n)?["value"].as_str());
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_substituted_with_or_without_spaces() {
        let args = json!([{"name": "hash", "value": "abc"}, {"name": "ns", "value": "shop"}]);
        assert_eq!(
            substitute("x{h=\"{{args.hash}}\",n=\"{{ args.ns }}\"}", &args),
            "x{h=\"abc\",n=\"shop\"}"
        );
        assert_eq!(substitute("{{args.other}} {{", &args), "{{args.other}} {{");
    }
}

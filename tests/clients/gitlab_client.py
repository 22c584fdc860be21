"""python-gitlab against the simulated GitLab: projects by path, pipelines with pagination,
jobs, traces, environments, deployments with approvals, protected environments — parsed as
python-gitlab parses them, with either of GitLab's token headers.

Usage: gitlab_client.py BASE_URL TOKEN. Prints one JSON object of what it saw; any error
python-gitlab raises ends the script with a traceback and a non-zero exit.
"""

import json
import sys

import gitlab


def main(base: str, token: str) -> None:
    gl = gitlab.Gitlab(f"{base}/gitlab", private_token=token, per_page=5, retry_transient_errors=False)
    seen = {}
    project = gl.projects.get("bnpl/feature-store")
    seen["project"] = project.path_with_namespace
    # Past the first page: python-gitlab follows the Link header.
    pipelines = list(project.pipelines.list(iterator=True))
    seen["pipelines_listed"] = len(pipelines)
    latest = project.pipelines.get(pipelines[0].id)
    seen["pipeline_status"] = latest.status
    jobs = latest.jobs.list(get_all=True)
    seen["jobs"] = sorted({j.status for j in jobs})
    done = next((j for j in jobs if j.status in ("success", "failed")), None)
    if done is not None:
        seen["trace_bytes"] = len(project.jobs.get(done.id, lazy=True).trace())
    seen["environments"] = sorted(e.name for e in project.environments.list(get_all=True))
    blocked = project.deployments.list(status="blocked", get_all=True)
    seen["blocked"] = [
        {
            "environment": d.environment["name"],
            "pending_approval_count": d.pending_approval_count,
            "rules": [r["required_approvals"] for r in d.approval_summary["rules"]],
        }
        for d in blocked
    ]
    protected = project.protected_environments.get("production")
    seen["required_approval_count"] = protected.required_approval_count
    bearer = gitlab.Gitlab(f"{base}/gitlab", oauth_token=token, retry_transient_errors=False)
    seen["bearer_project"] = bearer.projects.get("bnpl/feature-store").id
    try:
        gitlab.Gitlab(f"{base}/gitlab", private_token="nope").projects.get("bnpl/feature-store")
        seen["bad_token"] = "accepted"
    except gitlab.exceptions.GitlabAuthenticationError as e:
        seen["bad_token"] = e.response_code
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""PyGithub against the simulated GitHub: the calls a release tool makes, as PyGithub makes
them (its `Authorization: token …` scheme, its URL handling, pagination and parsing).

Usage: github_client.py BASE_URL TOKEN. Prints one JSON object of what it saw; any error
PyGithub raises ends the script with a traceback and a non-zero exit.
"""

import json
import sys

import github
from github import Auth, Github


def main(base: str, token: str) -> None:
    gh = Github(base_url=f"{base}/github", auth=Auth.Token(token), per_page=5, retry=None)
    seen = {"login": gh.get_user().login}
    repo = gh.get_repo("acme/orders-api")
    seen["repo"] = repo.full_name
    runs = repo.get_workflow_runs()
    seen["runs_total"] = runs.totalCount
    # Past the first page: PyGithub follows the Link header.
    listed = [r for _, r in zip(range(12), runs)]
    seen["runs_listed"] = len(listed)
    run = listed[0]
    seen["run_status"] = run.status
    jobs = list(run.jobs())
    seen["jobs"] = [{"name": j.name, "status": j.status, "conclusion": j.conclusion} for j in jobs]
    seen["steps"] = sum(len(j.steps) for j in jobs)
    seen["environments"] = sorted(e.name for e in repo.get_environments())
    seen["workflows"] = sorted(w.path for w in repo.get_workflows())
    seen["rate_remaining"] = gh.get_rate_limit().resources.core.remaining
    try:
        gh_bad = Github(base_url=f"{base}/github", auth=Auth.Token("nope"), retry=None)
        gh_bad.get_repo("acme/orders-api")
        seen["bad_token"] = "accepted"
    except github.BadCredentialsException as e:
        seen["bad_token"] = e.status
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

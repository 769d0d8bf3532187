#!/usr/bin/env bash
# Finds the plan that was reviewed for the merge request a push to the default branch merged,
# so the apply job applies that plan and nothing else: the saved JSON plan of the
# birdhouse-plan job of the merge request's pipeline for its last commit. Refuses (exit 3) when
# the push merged no merge request, when the merged files differ from the files that plan was
# made of (the branch was behind, or changed after its plan ran), or when no such plan exists.
#
#   reviewed-plan.sh OUT_FILE
#
# Environment (CI_* are GitLab's predefined variables):
#   GITLAB_API_TOKEN   a project access token with the `api` scope (read_api is enough here)
#   CI_API_V4_URL      REST API base URL, e.g. https://gitlab.com/api/v4
#   CI_PROJECT_ID      the project's numeric id
#   CI_COMMIT_SHA      the pushed commit
#   TENANTS            the desired-state directory (default tenants)
#
# Prints the merge request's URL on stdout. Needs bash, curl, jq and git (GIT_DEPTH 0).
set -euo pipefail

out=${1:?usage: reviewed-plan.sh OUT_FILE}
: "${GITLAB_API_TOKEN:?GITLAB_API_TOKEN is not set (a project access token with api scope)}"
: "${CI_API_V4_URL:?CI_API_V4_URL is not set}"
: "${CI_PROJECT_ID:?CI_PROJECT_ID is not set}"
: "${CI_COMMIT_SHA:?CI_COMMIT_SHA is not set}"
tenants=${TENANTS:-tenants}
project="/projects/$CI_PROJECT_ID"

# gitlab PATH [CURL_ARGS…]: one GET; prints the response body; fails on HTTP errors.
gitlab() {
  curl --silent --show-error --fail-with-body \
    --header @<(printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_API_TOKEN") "${@:2}" "$CI_API_V4_URL$1"
}

refuse() {
  echo "birdhouse apply: nothing applied: $*" >&2
  exit 3
}

requests=$(gitlab "$project/repository/commits/$CI_COMMIT_SHA/merge_requests")
request=$(jq -c 'map(select(.state == "merged")) | first // empty' <<<"$requests")
if [ -z "$request" ]; then
  refuse "commit $CI_COMMIT_SHA merged no merge request, so no plan of it was reviewed." \
    "Merge changes through a merge request, or apply the files as they are with Run pipeline."
fi
iid=$(jq -r '.iid' <<<"$request")
head=$(jq -r '.sha' <<<"$request")
url=$(jq -r '.web_url // empty' <<<"$request")

# The files merged must be the files the plan was made of.
git fetch --quiet origin "$head" 2>/dev/null || true
if ! git diff --quiet "$head" "$CI_COMMIT_SHA" -- "$tenants"; then
  refuse "the files merged in $CI_COMMIT_SHA differ from those of !$iid's last commit" \
    "($head), which its plan was made of: the branch was behind, or changed after its plan." \
    "Re-plan (rebase, merge again) or apply by hand."
fi

# The newest pipeline of that commit, and its birdhouse-plan job's saved plan.
pipelines=$(gitlab "$project/merge_requests/$iid/pipelines")
pipeline=$(jq -r --arg head "$head" 'map(select(.sha == $head)) | first | .id // empty' <<<"$pipelines")
job=""
if [ -n "$pipeline" ]; then
  jobs=$(gitlab "$project/pipelines/$pipeline/jobs?per_page=100")
  job=$(jq -r 'map(select(.name == "birdhouse-plan")) | first | .id // empty' <<<"$jobs")
fi
if [ -z "$job" ] || ! gitlab "$project/jobs/$job/artifacts/plan.json" --output "$out" 2>/dev/null; then
  refuse "no saved plan of !$iid's last commit ($head) was found: its plan job did not finish," \
    "or the artifact expired. Re-run the plan, or apply by hand."
fi
echo "the reviewed plan of !$iid ($head) is in $out" >&2
echo "$url"

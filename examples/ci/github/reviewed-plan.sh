#!/usr/bin/env bash
# Finds the plan that was reviewed for the pull request a push to the default branch merged,
# so the apply job applies that plan and nothing else: the saved JSON plan the pull request's
# plan job uploaded for its last commit. Refuses (exit 3, a message in the job summary) when the
# push merged no pull request, when the merged files differ from the files that plan was made
# of (the branch was behind, or changed after its plan ran), or when no such plan exists.
#
#   reviewed-plan.sh OUT_FILE
#
# Writes the plan to OUT_FILE, and `number` and `url` of the pull request to GITHUB_OUTPUT.
#
# Environment (set by GitHub Actions):
#   GITHUB_TOKEN        token that may read pull requests and actions (the workflow's own)
#   GITHUB_REPOSITORY   owner/name
#   GITHUB_SHA          the pushed commit
#   GITHUB_API_URL      REST API base URL (default https://api.github.com)
#   TENANTS             the desired-state directory (default tenants)
#
# Needs bash, curl, jq, git (a checkout with history: fetch-depth 0) and unzip.
set -euo pipefail

out=${1:?usage: reviewed-plan.sh OUT_FILE}
: "${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set (owner/name)}"
: "${GITHUB_SHA:?GITHUB_SHA is not set}"
api=${GITHUB_API_URL:-https://api.github.com}
tenants=${TENANTS:-tenants}

# github METHOD PATH: one REST call; prints the response body; fails on HTTP errors.
github() {
  curl --silent --show-error --fail-with-body --location --request "$1" \
    --header 'Accept: application/vnd.github+json' \
    --header 'X-GitHub-Api-Version: 2022-11-28' \
    --header @<(printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN") "${@:3}" "$api$2"
}

refuse() {
  echo "::error title=birdhouse apply::$*"
  {
    echo "## birdhouse apply: nothing applied"
    echo
    echo "$*"
  } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  exit 3
}

pulls=$(github GET "/repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls")
pull=$(jq -c 'map(select(.merged_at != null)) | first // empty' <<<"$pulls")
if [ -z "$pull" ]; then
  refuse "commit $GITHUB_SHA merged no pull request, so no plan of it was reviewed. Merge" \
    "changes through a pull request, or apply the files as they are with Run workflow."
fi
number=$(jq -r '.number' <<<"$pull")
head=$(jq -r '.head.sha' <<<"$pull")
url=$(jq -r '.html_url // empty' <<<"$pull")
{
  echo "number=$number"
  echo "url=$url"
} >>"${GITHUB_OUTPUT:-/dev/null}"

# The files merged must be the files the plan was made of.
git fetch --quiet origin "$head" 2>/dev/null || true
if ! git diff --quiet "$head" "$GITHUB_SHA" -- "$tenants"; then
  refuse "the files merged in $GITHUB_SHA differ from those of #$number's last commit" \
    "($head), which its plan was made of: the branch was behind, or changed after its plan." \
    "Nothing is applied: re-plan (update the branch, merge again) or apply by hand."
fi

# The plan job's artifact for that commit (the newest, if the job ran more than once).
artifacts=$(github GET "/repos/$GITHUB_REPOSITORY/actions/artifacts?name=birdhouse-plan-$number&per_page=100")
download=$(jq -r --arg head "$head" '.artifacts
  | map(select((.expired | not) and .workflow_run.head_sha == $head))
  | sort_by(.created_at) | last | .archive_download_url // empty' <<<"$artifacts")
if [ -z "$download" ]; then
  refuse "no saved plan of #$number's last commit ($head) was found: its plan job did not" \
    "finish, or the artifact expired. Nothing is applied: re-run the plan, or apply by hand."
fi
archive=$(mktemp)
trap 'rm -f "$archive"' EXIT
github GET "${download#"$api"}" --output "$archive"
unzip -p "$archive" plan.json >"$out"
echo "the reviewed plan of #$number ($head) is in $out"

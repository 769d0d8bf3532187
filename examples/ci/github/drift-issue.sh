#!/usr/bin/env bash
# Keeps one issue that says whether the live tenants have drifted from the files: opened the
# first time a scheduled plan finds changes, its body replaced by each later plan that still
# finds them (never a second issue), and closed, with a comment, by the first plan that finds
# none. The issue is found by its label and a hidden HTML marker on the first line of its body.
#
#   drift-issue.sh BODY_FILE EXIT_CODE
#
# EXIT_CODE is `birdhouse plan --detailed-exitcode`'s: 2 (drift) opens or updates the issue,
# 0 (no drift) closes it, anything else (the plan failed) leaves it as it is.
#
# Environment (the first three are set by GitHub Actions):
#   GITHUB_TOKEN        token allowed to write issues (the workflow's own token)
#   GITHUB_REPOSITORY   owner/name
#   GITHUB_API_URL      REST API base URL (default https://api.github.com)
#   RUN_URL             the run's page, linked from the issue (optional)
#   DRIFT_LABEL         the label of the issue (default birdhouse-drift)
#
# Needs bash, curl and jq. The token is handed to curl on a file descriptor, never on its
# command line; nothing here prints it.
set -euo pipefail

body_file=${1:?usage: drift-issue.sh BODY_FILE EXIT_CODE}
exit_code=${2:?usage: drift-issue.sh BODY_FILE EXIT_CODE}
: "${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set (owner/name)}"
api=${GITHUB_API_URL:-https://api.github.com}
label=${DRIFT_LABEL:-birdhouse-drift}
marker="<!-- birdhouse-drift -->"
run=${RUN_URL:+ ([run]($RUN_URL))}

# github METHOD PATH [JSON_FILE]: one REST call; prints the response body; fails on HTTP errors
# with GitHub's message on stderr.
github() {
  local method=$1 path=$2 data=${3:-}
  local args=(--silent --show-error --fail-with-body --request "$method"
    --header 'Accept: application/vnd.github+json'
    --header 'X-GitHub-Api-Version: 2022-11-28')
  if [ -n "$data" ]; then
    args+=(--header 'Content-Type: application/json' --data-binary "@$data")
  fi
  curl "${args[@]}" --header @<(printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN") "$api$path"
}

case "$exit_code" in
  0 | 2) ;;
  *)
    echo "the plan failed (exit $exit_code): the drift issue is left as it is"
    exit 0
    ;;
esac

# The open issue with the label whose body starts with the marker, page by page.
existing=""
page=1
while [ -z "$existing" ]; do
  issues=$(github GET "/repos/$GITHUB_REPOSITORY/issues?state=open&labels=$label&per_page=100&page=$page")
  existing=$(jq -r --arg marker "$marker" \
    'map(select(.pull_request == null and (.body // "" | startswith($marker))))
     | first | .number // empty' <<<"$issues")
  if [ "$(jq 'length' <<<"$issues")" -lt 100 ]; then break; fi
  page=$((page + 1))
done

payload=$(mktemp)
trap 'rm -f "$payload"' EXIT

if [ "$exit_code" = 0 ]; then
  if [ -z "$existing" ]; then
    echo "no drift, and no drift issue open"
    exit 0
  fi
  jq -n --arg body "No drift any more: every tenant matches the files$run. Closing." \
    '{body: $body}' >"$payload"
  github POST "/repos/$GITHUB_REPOSITORY/issues/$existing/comments" "$payload" >/dev/null
  jq -n '{state: "closed", state_reason: "completed"}' >"$payload"
  github PATCH "/repos/$GITHUB_REPOSITORY/issues/$existing" "$payload" >/dev/null
  echo "closed the drift issue #$existing"
  exit 0
fi

# Drift: the plan is the issue's body, under the marker and a line saying when it was seen.
# An issue body holds at most 65,536 characters; the Markdown plan stays under 65,000.
jq --raw-input --slurp --arg marker "$marker" --arg drift_label "$label" \
  --arg seen "Live tenants differ from the files, as of $(date -u '+%Y-%m-%d %H:%M UTC')$run. Apply the files (or change them to match) and the next check closes this issue." \
  '{title: "birdhouse: live tenants differ from the files",
    body: ($marker + "\n" + $seen + "\n\n" + .[0:64000]),
    labels: [$drift_label]}' <"$body_file" >"$payload"
if [ -n "$existing" ]; then
  github PATCH "/repos/$GITHUB_REPOSITORY/issues/$existing" "$payload" >/dev/null
  echo "updated the drift issue #$existing"
else
  number=$(github POST "/repos/$GITHUB_REPOSITORY/issues" "$payload" | jq -r '.number')
  echo "opened the drift issue #$number"
fi

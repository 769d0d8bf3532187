#!/usr/bin/env bash
# Keeps one issue that says whether the live tenants have drifted from the files: opened the
# first time a scheduled plan finds changes, its description replaced by each later plan that
# still finds them (never a second issue), and closed, with a note, by the first plan that
# finds none. The issue is found by its label and a hidden HTML marker on the first line of
# its description.
#
#   drift-issue.sh BODY_FILE EXIT_CODE
#
# EXIT_CODE is `birdhouse plan --detailed-exitcode`'s: 2 (drift) opens or updates the issue,
# 0 (no drift) closes it, anything else (the plan failed) leaves it as it is.
#
# Environment (CI_* are GitLab's predefined variables):
#   GITLAB_API_TOKEN   a project access token with the `api` scope (role Reporter or more)
#   CI_API_V4_URL      REST API base URL, e.g. https://gitlab.com/api/v4
#   CI_PROJECT_ID      the project's numeric id
#   CI_PIPELINE_URL    the pipeline's page, linked from the issue (optional)
#   DRIFT_LABEL        the label of the issue (default birdhouse-drift)
#
# Needs bash, curl and jq. The token is handed to curl on a file descriptor, never on its
# command line; nothing here prints it.
set -euo pipefail

body_file=${1:?usage: drift-issue.sh BODY_FILE EXIT_CODE}
exit_code=${2:?usage: drift-issue.sh BODY_FILE EXIT_CODE}
: "${GITLAB_API_TOKEN:?GITLAB_API_TOKEN is not set (a project access token with api scope)}"
: "${CI_API_V4_URL:?CI_API_V4_URL is not set}"
: "${CI_PROJECT_ID:?CI_PROJECT_ID is not set}"
label=${DRIFT_LABEL:-birdhouse-drift}
marker="<!-- birdhouse-drift -->"
issues="/projects/$CI_PROJECT_ID/issues"
run=${CI_PIPELINE_URL:+ ([pipeline]($CI_PIPELINE_URL))}

# gitlab METHOD PATH [JSON_FILE]: one REST call; prints the response body; fails on HTTP errors
# with GitLab's message on stderr.
gitlab() {
  local method=$1 path=$2 data=${3:-}
  local args=(--silent --show-error --fail-with-body --request "$method")
  if [ -n "$data" ]; then
    args+=(--header 'Content-Type: application/json' --data-binary "@$data")
  fi
  curl "${args[@]}" --header @<(printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_API_TOKEN") "$CI_API_V4_URL$path"
}

case "$exit_code" in
  0 | 2) ;;
  *)
    echo "the plan failed (exit $exit_code): the drift issue is left as it is"
    exit 0
    ;;
esac

# The open issue with the label whose description starts with the marker, page by page.
existing=""
page=1
while [ -z "$existing" ]; do
  found=$(gitlab GET "$issues?state=opened&labels=$label&per_page=100&page=$page")
  existing=$(jq -r --arg marker "$marker" \
    'map(select(.description // "" | startswith($marker))) | first | .iid // empty' <<<"$found")
  if [ "$(jq 'length' <<<"$found")" -lt 100 ]; then break; fi
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
  gitlab POST "$issues/$existing/notes" "$payload" >/dev/null
  jq -n '{state_event: "close"}' >"$payload"
  gitlab PUT "$issues/$existing" "$payload" >/dev/null
  echo "closed the drift issue #$existing"
  exit 0
fi

# Drift: the plan is the issue's description, under the marker and a line saying when it was
# seen. The Markdown plan stays under 65,000 characters; GitLab allows far more.
jq --raw-input --slurp --arg marker "$marker" --arg drift_label "$label" \
  --arg seen "Live tenants differ from the files, as of $(date -u '+%Y-%m-%d %H:%M UTC')$run. Apply the files (or change them to match) and the next check closes this issue." \
  '{title: "birdhouse: live tenants differ from the files",
    description: ($marker + "\n" + $seen + "\n\n" + .),
    labels: $drift_label}' <"$body_file" >"$payload"
if [ -n "$existing" ]; then
  gitlab PUT "$issues/$existing" "$payload" >/dev/null
  echo "updated the drift issue #$existing"
else
  iid=$(gitlab POST "$issues" "$payload" | jq -r '.iid')
  echo "opened the drift issue #$iid"
fi

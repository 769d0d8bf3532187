#!/usr/bin/env bash
# Posts BODY_FILE as the one birdhouse note of a merge request: the first run creates it, every
# later run edits it in place, so a merge request never collects a note per push. The note is
# found by a hidden HTML marker on its first line.
#
#   mr-note.sh BODY_FILE
#
# Environment (CI_* are GitLab's predefined variables in merge-request pipelines):
#   GITLAB_API_TOKEN       a project access token with the `api` scope (role Reporter or more),
#                          stored as a masked CI/CD variable; CI_JOB_TOKEN cannot write notes
#   CI_API_V4_URL          REST API base URL, e.g. https://gitlab.com/api/v4
#   CI_PROJECT_ID          the project's numeric id
#   CI_MERGE_REQUEST_IID   the merge request's number in the project
#   NOTE_MARKER            the marker (default "<!-- birdhouse-plan -->")
#
# Needs bash, curl and jq. The token is handed to curl on a file descriptor, never on its
# command line, so it stays out of process lists; nothing here prints it.
set -euo pipefail

body_file=${1:?usage: mr-note.sh BODY_FILE}
: "${GITLAB_API_TOKEN:?GITLAB_API_TOKEN is not set (a project access token with api scope)}"
: "${CI_API_V4_URL:?CI_API_V4_URL is not set}"
: "${CI_PROJECT_ID:?CI_PROJECT_ID is not set}"
: "${CI_MERGE_REQUEST_IID:?CI_MERGE_REQUEST_IID is not set: run in a merge-request pipeline}"
marker=${NOTE_MARKER:-<!-- birdhouse-plan -->}
notes="/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"

# gitlab METHOD PATH [JSON_FILE]: one REST call; prints the response body; fails on HTTP errors
# with GitLab's message on stderr.
gitlab() {
  local method=$1 path=$2 data=${3:-}
  local args=(--silent --show-error --fail-with-body --request "$method")
  if [ -n "$data" ]; then
    args+=(--header 'Content-Type: application/json' --data-binary "@$data")
  fi
  # The token goes through a file descriptor made right here: a process substitution lives
  # only as long as the command it is written in.
  curl "${args[@]}" --header @<(printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_API_TOKEN") "$CI_API_V4_URL$path"
}

# The oldest user note (not a system note such as "added 1 commit") whose body starts with the
# marker, page by page (100 per page, the most the API gives), stopping at the first short page.
existing=""
page=1
while [ -z "$existing" ]; do
  page_notes=$(gitlab GET "$notes?sort=asc&order_by=created_at&per_page=100&page=$page")
  existing=$(jq -r --arg marker "$marker" \
    'map(select((.system | not) and (.body // "" | startswith($marker)))) | first | .id // empty' \
    <<<"$page_notes")
  if [ "$(jq 'length' <<<"$page_notes")" -lt 100 ]; then break; fi
  page=$((page + 1))
done

payload=$(mktemp)
trap 'rm -f "$payload"' EXIT
jq --raw-input --slurp --arg marker "$marker" '{body: ($marker + "\n" + .)}' \
  <"$body_file" >"$payload"

if [ -n "$existing" ]; then
  gitlab PUT "$notes/$existing" "$payload" >/dev/null
  echo "updated the birdhouse note $existing"
else
  id=$(gitlab POST "$notes" "$payload" | jq -r '.id // empty')
  echo "created the birdhouse note ${id:-}"
fi

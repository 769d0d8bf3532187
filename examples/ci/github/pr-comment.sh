#!/usr/bin/env bash
# Posts BODY_FILE as the one birdhouse comment of a pull request: the first run creates it,
# every later run edits it in place, so a pull request never collects a comment per push.
# The comment is found by a hidden HTML marker on its first line.
#
#   pr-comment.sh BODY_FILE
#
# Environment (the first three are set by GitHub Actions):
#   GITHUB_TOKEN        token allowed to write pull-request comments (the workflow's own token)
#   GITHUB_REPOSITORY   owner/name
#   GITHUB_API_URL      REST API base URL (default https://api.github.com; GitHub Enterprise
#                       Server sets its own)
#   PR_NUMBER           the pull request's number
#   COMMENT_MARKER      the marker (default "<!-- birdhouse-plan -->"); give each workflow that
#                       comments on the same pull request its own
#
# Needs bash, curl and jq (all on GitHub's hosted runners). The token is handed to curl on a
# file descriptor, never on its command line, so it stays out of process lists; nothing here
# prints it.
set -euo pipefail

body_file=${1:?usage: pr-comment.sh BODY_FILE}
: "${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set (owner/name)}"
: "${PR_NUMBER:?PR_NUMBER is not set}"
api=${GITHUB_API_URL:-https://api.github.com}
marker=${COMMENT_MARKER:-<!-- birdhouse-plan -->}

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
  # The token goes through a file descriptor made right here: a process substitution lives
  # only as long as the command it is written in.
  curl "${args[@]}" --header @<(printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN") "$api$path"
}

# The oldest comment whose body starts with the marker, page by page (100 per page, the most
# the API gives), stopping at the first short page.
existing=""
page=1
while [ -z "$existing" ]; do
  comments=$(github GET "/repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments?per_page=100&page=$page")
  existing=$(jq -r --arg marker "$marker" \
    'map(select(.body // "" | startswith($marker))) | first | .id // empty' <<<"$comments")
  if [ "$(jq 'length' <<<"$comments")" -lt 100 ]; then break; fi
  page=$((page + 1))
done

payload=$(mktemp)
trap 'rm -f "$payload"' EXIT
jq --raw-input --slurp --arg marker "$marker" '{body: ($marker + "\n" + .)}' \
  <"$body_file" >"$payload"

if [ -n "$existing" ]; then
  url=$(github PATCH "/repos/$GITHUB_REPOSITORY/issues/comments/$existing" "$payload" |
    jq -r '.html_url // empty')
  echo "updated the birdhouse comment ${url:-$existing}"
else
  url=$(github POST "/repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" "$payload" |
    jq -r '.html_url // empty')
  echo "created the birdhouse comment ${url:-}"
fi

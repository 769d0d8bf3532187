//! A stand-in for the parts of GitHub's and GitLab's REST APIs that the comment scripts use:
//! list, create and edit the comments of one pull request (GitHub) or the notes of one merge
//! request (GitLab); the reviewed-plan scripts: the pull / merge request a commit merged, and
//! the saved plan its plan job kept for its last commit (an artifact); and the drift scripts: list the open issues with a label, open one, edit
//! its body, comment on it and close it. It keeps the comments, checks the token, pages lists as the real APIs do
//! (`per_page`, `page`) and records every call, so a test can assert what the scripts did and
//! that they left exactly one birdhouse comment.
//!
//! A plain HTTP/1.1 server on a loopback port, one connection at a time (curl makes one call at
//! a time), answering with `Connection: close`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};

/// Which API the stand-in speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `GET/POST /repos/{repo}/issues/{number}/comments`, `PATCH
    /// /repos/{repo}/issues/comments/{id}`, `Authorization: Bearer`.
    GitHub,
    /// `GET/POST /api/v4/projects/{id}/merge_requests/{iid}/notes`, `PUT …/notes/{id}`,
    /// `PRIVATE-TOKEN`.
    GitLab,
}

/// The repository (GitHub) or project id (GitLab) the stand-in serves.
pub(crate) const GITHUB_REPOSITORY: &str = "northwind/tenants";
pub(crate) const GITLAB_PROJECT_ID: &str = "42";
/// The pull request's number and the merge request's iid.
pub(crate) const REQUEST_NUMBER: u64 = 7;

/// A comment or note as the stand-in keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    pub(crate) body: String,
    /// A GitLab system note ("added 1 commit"), which the script must never edit.
    pub(crate) system: bool,
}

/// One request the stand-in answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) method: String,
    /// The path without the query.
    pub(crate) path: String,
    pub(crate) status: u16,
}

/// An issue as the stand-in keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    /// GitHub's `number`, GitLab's `iid`.
    pub(crate) number: u64,
    pub(crate) title: String,
    /// GitHub's `body`, GitLab's `description`.
    pub(crate) body: String,
    pub(crate) labels: Vec<String>,
    pub(crate) open: bool,
    /// The comments (GitHub) or notes (GitLab) on it.
    pub(crate) comments: Vec<String>,
}

/// A plan job's saved plan, as the forge keeps the artifact of the job that ran for `head`.
#[derive(Debug, Clone)]
struct SavedPlan {
    head: String,
    json: Vec<u8>,
}

#[derive(Debug)]
struct State {
    flavor: Flavor,
    token: String,
    /// The stand-in's own base URL, for the download links it hands out.
    url: String,
    comments: Vec<Comment>,
    issues: Vec<Issue>,
    /// Merge commit → the head commit of the request it merged.
    merges: Vec<(String, String)>,
    plans: Vec<SavedPlan>,
    calls: Vec<Call>,
    next_id: u64,
}

/// A running stand-in; dropping it stops the server.
pub(crate) struct Forge {
    url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Forge {
    /// Starts a stand-in that accepts `token`, with `seeded` comments already on the request
    /// (more than a page of them, so finding the birdhouse comment needs the second page).
    pub(crate) fn start(flavor: Flavor, token: &str, seeded: Vec<Comment>) -> Forge {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the forge stand-in");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let next_id = seeded.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        let state = Arc::new(Mutex::new(State {
            flavor,
            token: token.to_owned(),
            url: url.clone(),
            comments: seeded,
            issues: Vec::new(),
            merges: Vec::new(),
            plans: Vec::new(),
            calls: Vec::new(),
            next_id,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &state);
                    }
                }
            })
        };
        Forge {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: GitHub's `GITHUB_API_URL`; GitLab's `CI_API_V4_URL` is this
    /// plus `/api/v4`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Every comment and note now on the request, oldest first.
    pub(crate) fn comments(&self) -> Vec<Comment> {
        self.state.lock().expect("forge state").comments.clone()
    }

    /// Every call so far, in order.
    /// The plan job of the request ran for `head` and kept `json` as its artifact.
    pub(crate) fn keep_plan(&self, head: &str, json: &str) {
        self.state.lock().unwrap().plans.push(SavedPlan {
            head: head.to_owned(),
            json: json.as_bytes().to_vec(),
        });
    }

    /// `merge` (a commit of the default branch) merged the request, whose last commit was
    /// `head`.
    pub(crate) fn merged(&self, merge: &str, head: &str) {
        self.state
            .lock()
            .unwrap()
            .merges
            .push((merge.to_owned(), head.to_owned()));
    }

    pub(crate) fn issues(&self) -> Vec<Issue> {
        self.state.lock().unwrap().issues.clone()
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.state.lock().expect("forge state").calls.clone()
    }
}

impl Drop for Forge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `n` comments written by people, one of them quoting the marker (not at its start, so it
/// must not be taken for the birdhouse comment).
pub(crate) fn people_comments(n: u64, marker: &str) -> Vec<Comment> {
    (1..=n)
        .map(|id| Comment {
            id,
            body: if id == 3 {
                format!("> {marker}\n> the bot's comment, quoted: this is not it")
            } else {
                format!("LGTM #{id}")
            },
            system: false,
        })
        .collect()
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let (status, text, content_type) = {
        let mut state = state.lock().expect("forge state");
        let reviewed = authorised(&state, &request)
            .then(|| route_reviews(&state, &request))
            .flatten();
        let (status, text, content_type) = reviewed.unwrap_or_else(|| {
            let (status, body) = route(&mut state, &request);
            (status, body.to_string().into_bytes(), "application/json")
        });
        state.calls.push(Call {
            method: request.method.clone(),
            path: request.path.clone(),
            status,
        });
        (status, text, content_type)
    };
    let reason = match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        text.len()
    );
    let _ = stream.write_all(&text);
}

fn authorised(state: &State, request: &Request) -> bool {
    match state.flavor {
        Flavor::GitHub => {
            request.headers.get("authorization") == Some(&format!("Bearer {}", state.token))
        }
        Flavor::GitLab => request.headers.get("private-token") == Some(&state.token),
    }
}

/// What the reviewed-plan scripts read: which request a commit merged, and the saved plans of
/// its plan jobs. `None` for any other path.
fn route_reviews(state: &State, request: &Request) -> Option<(u16, Vec<u8>, &'static str)> {
    if request.method != "GET" {
        return None;
    }
    let json = |value: Value| Some((200, value.to_string().into_bytes(), "application/json"));
    let head_of = |merge: &str| {
        state
            .merges
            .iter()
            .find(|(m, _)| m == merge)
            .map(|(_, head)| head.clone())
    };
    let plan = |index: &str| {
        index
            .parse::<usize>()
            .ok()
            .and_then(|i| state.plans.get(i.checked_sub(1)?))
    };
    match state.flavor {
        Flavor::GitHub => {
            let rest = request
                .path
                .strip_prefix(&format!("/repos/{GITHUB_REPOSITORY}/"))?;
            let segments: Vec<&str> = rest.split('/').collect();
            match segments.as_slice() {
                ["commits", sha, "pulls"] => json(Value::Array(
                    head_of(sha)
                        .map(|head| {
                            json!({"number": REQUEST_NUMBER, "merged_at": "2026-12-01T09:00:00Z",
                                   "head": {"sha": head},
                                   "html_url": format!("https://github.example/{GITHUB_REPOSITORY}/pull/{REQUEST_NUMBER}")})
                        })
                        .into_iter()
                        .collect(),
                )),
                ["actions", "artifacts"] => {
                    let name = format!("birdhouse-plan-{REQUEST_NUMBER}");
                    let listed = request.query.get("name").is_none_or(|n| *n == name);
                    let artifacts: Vec<Value> = state
                        .plans
                        .iter()
                        .enumerate()
                        .filter(|_| listed)
                        .map(|(i, plan)| {
                            json!({"id": i + 1, "name": name, "expired": false,
                                   "created_at": format!("2026-12-01T08:{:02}:00Z", i % 60),
                                   "archive_download_url": format!(
                                       "{}/repos/{GITHUB_REPOSITORY}/actions/artifacts/{}/zip",
                                       state.url, i + 1),
                                   "workflow_run": {"head_sha": plan.head}})
                        })
                        .collect();
                    json(json!({"total_count": artifacts.len(), "artifacts": artifacts}))
                }
                ["actions", "artifacts", id, "zip"] => {
                    Some((200, zip_of_plan(&plan(id)?.json), "application/zip"))
                }
                _ => None,
            }
        }
        Flavor::GitLab => {
            let rest = request
                .path
                .strip_prefix(&format!("/api/v4/projects/{GITLAB_PROJECT_ID}/"))?;
            let segments: Vec<&str> = rest.split('/').collect();
            match segments.as_slice() {
                ["repository", "commits", sha, "merge_requests"] => json(Value::Array(
                    head_of(sha)
                        .map(|head| {
                            json!({"iid": REQUEST_NUMBER, "state": "merged", "sha": head,
                                   "web_url": format!("https://gitlab.example/northwind/tenants/-/merge_requests/{REQUEST_NUMBER}")})
                        })
                        .into_iter()
                        .collect(),
                )),
                ["merge_requests", _, "pipelines"] => json(Value::Array(
                    // Newest first, as GitLab lists them.
                    state
                        .plans
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, plan)| json!({"id": i + 1, "sha": plan.head, "status": "success"}))
                        .collect(),
                )),
                ["pipelines", id, "jobs"] => json(json!([
                    {"id": 1000 + id.parse::<usize>().ok()?, "name": "birdhouse-plan", "status": "success"}
                ])),
                ["jobs", id, "artifacts", "plan.json"] => {
                    let index = id.parse::<usize>().ok()?.checked_sub(1000)?;
                    let plan = plan(&index.to_string())?;
                    Some((200, plan.json.clone(), "application/json"))
                }
                _ => None,
            }
        }
    }
}

/// The artifact as GitHub serves it: a zip archive holding `plan.json` (made with Python's
/// zipfile, which every machine that runs these tests has).
fn zip_of_plan(json: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, json).expect("write the plan");
    let archive = dir.path().join("artifact.zip");
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').write(sys.argv[2], 'plan.json')",
        ])
        .arg(&archive)
        .arg(&plan)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "zipping the artifact");
    std::fs::read(&archive).expect("read the zip")
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    if headers
        .get("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some(Request {
        method,
        path: path.to_owned(),
        query,
        headers,
        body,
    })
}

fn route(state: &mut State, request: &Request) -> (u16, Value) {
    if !authorised(state, request) {
        return (401, json!({"message": "Bad credentials"}));
    }
    let (list_path, item_prefix) = match state.flavor {
        Flavor::GitHub => (
            format!("/repos/{GITHUB_REPOSITORY}/issues/{REQUEST_NUMBER}/comments"),
            format!("/repos/{GITHUB_REPOSITORY}/issues/comments/"),
        ),
        Flavor::GitLab => {
            let notes = format!(
                "/api/v4/projects/{GITLAB_PROJECT_ID}/merge_requests/{REQUEST_NUMBER}/notes"
            );
            (notes.clone(), format!("{notes}/"))
        }
    };
    if let Some(answer) = route_issues(state, request) {
        return answer;
    }
    if request.path == list_path && request.method == "GET" {
        let (per_page, page) = paging(request);
        let items: Vec<Value> = state
            .comments
            .iter()
            .skip(per_page * (page.max(1) - 1))
            .take(per_page)
            .map(|c| to_json(state.flavor, c))
            .collect();
        return (200, Value::Array(items));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return (404, json!({"message": "Not Found"}));
    };
    let Some(text) = body.get("body").and_then(Value::as_str) else {
        return (400, json!({"message": "body is missing"}));
    };
    if request.path == list_path && request.method == "POST" {
        let comment = Comment {
            id: state.next_id,
            body: text.to_owned(),
            system: false,
        };
        state.next_id += 1;
        let answer = to_json(state.flavor, &comment);
        state.comments.push(comment);
        return (201, answer);
    }
    if let Some(id) = request.path.strip_prefix(&item_prefix)
        && request.method == edit_method(state.flavor)
    {
        let flavor = state.flavor;
        if let Some(comment) = state
            .comments
            .iter_mut()
            .find(|c| id.parse() == Ok(c.id) && !c.system)
        {
            text.clone_into(&mut comment.body);
            return (200, to_json(flavor, comment));
        }
    }
    (404, json!({"message": "Not Found"}))
}

/// The issue endpoints of both flavours, or `None` for another path.
fn route_issues(state: &mut State, request: &Request) -> Option<(u16, Value)> {
    let base = match state.flavor {
        Flavor::GitHub => format!("/repos/{GITHUB_REPOSITORY}/issues"),
        Flavor::GitLab => format!("/api/v4/projects/{GITLAB_PROJECT_ID}/issues"),
    };
    let rest = request.path.strip_prefix(&base)?;
    let flavor = state.flavor;
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let body_key = match flavor {
        Flavor::GitHub => "body",
        Flavor::GitLab => "description",
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", [""]) => {
            let open_state = match flavor {
                Flavor::GitHub => "open",
                Flavor::GitLab => "opened",
            };
            let wanted_open = request.query.get("state").map(String::as_str) == Some(open_state);
            let label = request.query.get("labels").cloned().unwrap_or_default();
            let (per_page, page) = paging(request);
            let items: Vec<Value> = state
                .issues
                .iter()
                .filter(|i| i.open == wanted_open)
                .filter(|i| label.is_empty() || i.labels.contains(&label))
                .skip(per_page * (page.max(1) - 1))
                .take(per_page)
                .map(|i| issue_json(flavor, i))
                .collect();
            Some((200, Value::Array(items)))
        }
        ("POST", [""]) => {
            let labels = match flavor {
                Flavor::GitHub => body["labels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Flavor::GitLab => text("labels")
                    .map(|l| l.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
            };
            let issue = Issue {
                number: state.next_id,
                title: text("title").unwrap_or_default(),
                body: text(body_key).unwrap_or_default(),
                labels,
                open: true,
                comments: Vec::new(),
            };
            state.next_id += 1;
            let answer = issue_json(flavor, &issue);
            state.issues.push(issue);
            Some((201, answer))
        }
        (method, [number]) if method == edit_method(flavor) => {
            let issue = state
                .issues
                .iter_mut()
                .find(|i| number.parse() == Ok(i.number))?;
            if let Some(new_body) = text(body_key) {
                issue.body = new_body;
            }
            if let Some(title) = text("title") {
                issue.title = title;
            }
            let closes = match flavor {
                Flavor::GitHub => text("state").as_deref() == Some("closed"),
                Flavor::GitLab => text("state_event").as_deref() == Some("close"),
            };
            if closes {
                issue.open = false;
            }
            Some((200, issue_json(flavor, issue)))
        }
        ("POST", [number, "comments" | "notes"]) => {
            let issue = state
                .issues
                .iter_mut()
                .find(|i| number.parse() == Ok(i.number))?;
            issue.comments.push(text("body").unwrap_or_default());
            Some((201, json!({"id": issue.comments.len()})))
        }
        _ => None,
    }
}

/// `per_page` (30 when absent, as both APIs default) and `page` (from 1) of a list request.
fn paging(request: &Request) -> (usize, usize) {
    let number = |key: &str, default: usize| {
        request
            .query
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (number("per_page", 30), number("page", 1))
}

fn edit_method(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::GitHub => "PATCH",
        Flavor::GitLab => "PUT",
    }
}

fn issue_json(flavor: Flavor, issue: &Issue) -> Value {
    match flavor {
        Flavor::GitHub => json!({
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": if issue.open { "open" } else { "closed" },
            "labels": issue.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        }),
        Flavor::GitLab => json!({
            "iid": issue.number,
            "title": issue.title,
            "description": issue.body,
            "state": if issue.open { "opened" } else { "closed" },
            "labels": issue.labels,
        }),
    }
}

fn to_json(flavor: Flavor, comment: &Comment) -> Value {
    match flavor {
        Flavor::GitHub => json!({
            "id": comment.id,
            "body": comment.body,
            "html_url": format!(
                "https://github.example/{GITHUB_REPOSITORY}/pull/{REQUEST_NUMBER}#issuecomment-{}",
                comment.id
            ),
            "user": {"login": "github-actions[bot]"},
        }),
        Flavor::GitLab => json!({
            "id": comment.id,
            "body": comment.body,
            "system": comment.system,
            "author": {"username": "project_42_bot"},
        }),
    }
}

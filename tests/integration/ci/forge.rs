//! A stand-in for the parts of GitHub's and GitLab's REST APIs that the comment scripts use:
//! list, create and edit the comments of one pull request (GitHub) or the notes of one merge
//! request (GitLab). It keeps the comments, checks the token, pages lists as the real APIs do
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

#[derive(Debug)]
struct State {
    flavor: Flavor,
    token: String,
    comments: Vec<Comment>,
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
            comments: seeded,
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
    let (status, body) = {
        let mut state = state.lock().expect("forge state");
        let (status, body) = route(&mut state, &request);
        state.calls.push(Call {
            method: request.method.clone(),
            path: request.path.clone(),
            status,
        });
        (status, body)
    };
    let text = body.to_string();
    let reason = match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{text}",
        text.len()
    );
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
    let authorised = match state.flavor {
        Flavor::GitHub => {
            request.headers.get("authorization") == Some(&format!("Bearer {}", state.token))
        }
        Flavor::GitLab => request.headers.get("private-token") == Some(&state.token),
    };
    if !authorised {
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
    let edit_method = match state.flavor {
        Flavor::GitHub => "PATCH",
        Flavor::GitLab => "PUT",
    };
    if request.path == list_path && request.method == "GET" {
        let per_page: usize = request
            .query
            .get("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30);
        let page: usize = request
            .query
            .get("page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
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
        && request.method == edit_method
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

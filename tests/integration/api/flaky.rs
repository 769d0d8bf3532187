//! A loopback HTTP/1.1 server that reads each request completely, then drops the first few
//! connections without answering: the one fault httpmock cannot produce. The request has
//! reached the server when it drops, so a POST's outcome is truly unknown to the client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(super) struct Server {
    /// Base URL, `http://127.0.0.1:<port>`.
    pub(super) url: String,
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// Drops the first `drops` connections, then answers `200` with `body` (JSON).
    pub(super) fn start(drops: usize, body: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        // The thread ends with the test process; it only ever blocks in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = counter.fetch_add(1, Ordering::SeqCst);
                if read_request(&stream).is_err() {
                    continue;
                }
                if seen >= drops {
                    let _ = answer(stream, body);
                }
                // Otherwise the stream is dropped here: the connection closes unanswered.
            }
        });
        Self { url, connections }
    }

    /// Connections accepted so far.
    pub(super) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)
}

fn answer(mut stream: TcpStream, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

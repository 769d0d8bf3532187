//! A loopback HTTP/1.1 server whose answer never ends: `200`, chunked, no `Content-Length`,
//! then JSON-looking chunks until the client hangs up. Only a client that stops reading at its
//! limit gets through a request to it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) struct Server {
    /// Base URL, `http://127.0.0.1:<port>`.
    pub(super) url: String,
    sent: Arc<AtomicU64>,
}

impl Server {
    pub(super) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        // The thread ends with the test process; it only ever blocks in accept or a write.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = answer_forever(stream, &counter);
            }
        });
        Self { url, sent }
    }

    /// Body bytes written so far, over all connections.
    pub(super) fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

/// Writes chunks until the client closes the connection (the write then fails).
fn answer_forever(mut stream: TcpStream, sent: &AtomicU64) -> std::io::Result<()> {
    let mut reader = BufReader::new(&stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
    }
    stream.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
    )?;
    let chunk = format!("[{}", "{\"id\":\"g\"},".repeat(6_000));
    loop {
        write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len())?;
        sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
    }
}

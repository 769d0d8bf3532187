//! A loopback HTTPS/1.1 server whose certificate comes from a private test CA, so a test can
//! show what a self-hosted server with such a certificate looks like to birdhouse.
//!
//! `tls/ca.pem` is the CA (its key was thrown away after signing); `tls/server.pem` and
//! `tls/server.key` are the server's certificate for `127.0.0.1` and `localhost` (valid until
//! 2126) and its key, which protects nothing but this test.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA's certificate.
pub(super) fn ca_pem() -> PathBuf {
    fixture("ca.pem")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/api/tls")
        .join(name)
}

pub(super) struct Server {
    /// Base URL, `https://127.0.0.1:<port>`.
    pub(super) url: String,
    handshakes: Arc<AtomicUsize>,
}

impl Server {
    /// Answers every request that gets through the handshake with `200` and `body` (JSON).
    pub(super) fn start(body: &'static str) -> Self {
        let certificates = CertificateDer::pem_file_iter(fixture("server.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(certificates, key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counter = handshakes.clone();
        // The thread ends with the test process; it only ever blocks in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = serve(&config, stream, body);
            }
        });
        Self { url, handshakes }
    }

    /// TLS handshakes begun so far (one per connection).
    pub(super) fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

/// Handshakes, reads one request's head and answers it; a refused handshake ends here with
/// the client's alert as the error.
fn serve(config: &Arc<rustls::ServerConfig>, stream: TcpStream, body: &str) -> std::io::Result<()> {
    let connection =
        rustls::ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let mut reader = BufReader::new(&mut tls);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
    }
    write!(
        tls,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )?;
    tls.flush()?;
    tls.conn.send_close_notify();
    tls.flush()
}

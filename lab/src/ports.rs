//! Free ports for NetBird servers.
//!
//! A NetBird server binds its ports itself, on all interfaces, so the lab can only pick ports
//! that are free right now and hand their numbers over. Each pick binds port 0 on the wildcard
//! address (the same address the server will bind), and a process-wide set keeps two servers
//! started at the same moment from being handed the same number. Another program can still
//! take a port in between; [`crate::instance`] retries with fresh ports when a server exits
//! early.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Every port handed out by this process, never handed out twice.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// The ports one NetBird server listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerPorts {
    /// HTTP API, gRPC, embedded IdP, relay (TCP).
    pub listen: u16,
    /// Prometheus metrics (TCP).
    pub metrics: u16,
    /// `GET /health` (TCP).
    pub healthcheck: u16,
    /// STUN (UDP).
    pub stun: u16,
}

impl ServerPorts {
    /// Picks four ports that are free now and were not handed out before.
    pub fn pick() -> Result<Self> {
        Ok(Self {
            listen: pick_tcp()?,
            metrics: pick_tcp()?,
            healthcheck: pick_tcp()?,
            stun: pick_udp()?,
        })
    }
}

/// A TCP port that is free on every interface now.
pub fn pick_tcp() -> Result<u16> {
    pick(|| {
        Ok(TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))?
            .local_addr()?
            .port())
    })
}

/// A UDP port that is free on every interface now.
pub fn pick_udp() -> Result<u16> {
    pick(|| {
        Ok(UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?
            .local_addr()?
            .port())
    })
}

fn pick(mut bind: impl FnMut() -> std::io::Result<u16>) -> Result<u16> {
    for _ in 0..100 {
        let port = bind().context("binding a free port")?;
        let mut guard = HANDED_OUT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.get_or_insert_with(HashSet::new).insert(port) {
            return Ok(port);
        }
    }
    anyhow::bail!("no fresh free port after 100 tries")
}

#[cfg(test)]
mod tests {
    use super::ServerPorts;

    #[test]
    fn picks_distinct_ports() {
        let a = ServerPorts::pick().unwrap();
        let b = ServerPorts::pick().unwrap();
        let tcp = [
            a.listen,
            a.metrics,
            a.healthcheck,
            b.listen,
            b.metrics,
            b.healthcheck,
        ];
        for (i, p) in tcp.iter().enumerate() {
            assert!(!tcp[i + 1..].contains(p), "port {p} handed out twice");
        }
        assert_ne!(a.stun, b.stun);
    }
}

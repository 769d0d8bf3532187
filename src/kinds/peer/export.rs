//! Peers as a file would hold them: only a peer with a switch on (a peer with everything off,
//! as a setup key enrols it, needs no entry), with the switches that are on.

use super::document::PeerDoc;
use crate::kinds::Kind;
use crate::kinds::kit::export::{Exporter, at};

impl Exporter<'_> {
    pub(crate) fn peers(&mut self) -> Vec<PeerDoc> {
        let mut docs = Vec::new();
        for (name, peer) in &self.source.objects.peers {
            if self.withheld(Kind::Peer, name) {
                continue;
            }
            let on = |flag: Option<bool>| flag.filter(|on| *on);
            let doc = PeerDoc {
                name: at(name.clone()),
                ssh_enabled: on(peer.ssh_enabled),
                login_expiration_enabled: on(peer.login_expiration_enabled),
                inactivity_expiration_enabled: on(peer.inactivity_expiration_enabled),
                approval_required: on(peer.approval_required),
                path: String::new(),
            };
            let any = doc.ssh_enabled.is_some()
                || doc.login_expiration_enabled.is_some()
                || doc.inactivity_expiration_enabled.is_some()
                || doc.approval_required.is_some();
            if any {
                docs.push(doc);
            }
        }
        docs
    }
}

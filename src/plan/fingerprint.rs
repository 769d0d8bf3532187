//! The fingerprint of a live snapshot: sha256 of its canonical JSON. The snapshot is built from
//! ordered maps and sets only, so the same live state always gives the same bytes; apply
//! compares fingerprints to refuse a saved plan whose tenant changed since.

use sha2::{Digest, Sha256};

use crate::live::Snapshot;

/// `sha256:<hex>` of the snapshot.
pub fn fingerprint(snapshot: &Snapshot) -> String {
    // The JSON goes straight into the hash: the same bytes as a buffer would hold, without
    // the tens of kilobytes a tenant's snapshot takes.
    let mut hasher = Sha256::new();
    serde_json::to_writer(HashWriter(&mut hasher), snapshot)
        .expect("invariant: snapshots serialise to JSON");
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// Feeds what is written into a hash.
struct HashWriter<'h>(&'h mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use crate::kinds::Group;
    use crate::live::Snapshot;

    #[test]
    fn same_state_same_fingerprint_any_change_moves_it() {
        let mut a = Snapshot::default();
        a.objects.groups.insert(
            "b".into(),
            Group {
                name: "b".into(),
                peers: None,
            },
        );
        a.objects.groups.insert(
            "a".into(),
            Group {
                name: "a".into(),
                peers: None,
            },
        );
        let mut b = Snapshot::default();
        b.objects.groups.insert(
            "a".into(),
            Group {
                name: "a".into(),
                peers: None,
            },
        );
        b.objects.groups.insert(
            "b".into(),
            Group {
                name: "b".into(),
                peers: None,
            },
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.ids.insert(
            crate::live::ObjectKey::new(crate::kinds::Kind::Group, "a"),
            "id2".into(),
        );
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&a).starts_with("sha256:"));
    }

    /// Saved plans carry fingerprints: hashing while serialising must give what hashing the
    /// whole JSON gave.
    #[test]
    fn the_fingerprint_is_the_sha256_of_the_snapshot_json() {
        use sha2::{Digest, Sha256};
        let mut snapshot = Snapshot::default();
        snapshot.objects.groups.insert(
            "ops \"team\"".into(),
            Group {
                name: "ops \"team\"".into(),
                peers: Some(["peer-1".to_owned()].into()),
            },
        );
        let json = serde_json::to_vec(&snapshot).unwrap();
        assert_eq!(
            fingerprint(&snapshot),
            format!("sha256:{}", hex::encode(Sha256::digest(&json)))
        );
    }
}

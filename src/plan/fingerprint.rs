//! The fingerprint of a live snapshot: sha256 of its canonical JSON. The snapshot is built from
//! ordered maps and sets only, so the same live state always gives the same bytes; apply
//! compares fingerprints to refuse a saved plan whose tenant changed since.

use sha2::{Digest, Sha256};

use crate::live::Snapshot;

/// `sha256:<hex>` of the snapshot.
pub fn fingerprint(snapshot: &Snapshot) -> String {
    let canonical = serde_json::to_vec(snapshot).expect("invariant: snapshots serialise to JSON");
    format!("sha256:{}", hex::encode(Sha256::digest(&canonical)))
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
}

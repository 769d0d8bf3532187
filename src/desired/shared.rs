//! `export --baselines`: objects written identically in two or more exported tenants move into
//! a baseline those tenants name, so the files say once what the tenants share. Each set of
//! tenants that share objects gets one baseline (`common` when it is every tenant, `shared-1`,
//! `shared-2`... otherwise, the largest sets first). Resolving the files gives every tenant the
//! same objects as before (a baseline's objects are merged in, and no object is both in a
//! baseline and in the tenant), so planning the export right away is still empty.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::desired::document::{Document, FORMAT_VERSION, NamedList, Objects};
use crate::desired::export::at;

/// Moves the objects `documents` (one tenant each) share into baselines, naming them in each
/// tenant; returns the baselines (empty when nothing is shared).
pub(crate) fn share_baselines(documents: &mut [&mut Document]) -> NamedList<Objects> {
    // Which tenants hold each object, exactly as written.
    let mut holders: BTreeMap<Key, BTreeSet<usize>> = BTreeMap::new();
    for (index, document) in documents.iter().enumerate() {
        for tenant in &document.tenants {
            for key in keys(&tenant.objects) {
                holders.entry(key).or_default().insert(index);
            }
        }
    }
    let mut by_tenants: BTreeMap<BTreeSet<usize>, BTreeSet<Key>> = BTreeMap::new();
    for (key, tenants) in holders {
        if tenants.len() > 1 {
            by_tenants.entry(tenants).or_default().insert(key);
        }
    }
    // The largest sets first, then in tenant order: the same input, the same names.
    let mut groups: Vec<(BTreeSet<usize>, BTreeSet<Key>)> = by_tenants.into_iter().collect();
    groups.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));

    let mut baselines = NamedList::default();
    let mut numbered = 0;
    for (tenants, shared) in groups {
        let name = if tenants.len() == documents.len() {
            "common".to_owned()
        } else {
            numbered += 1;
            format!("shared-{numbered}")
        };
        let first = *tenants
            .iter()
            .next()
            .expect("invariant: two or more tenants");
        let objects = take(documents[first], &shared);
        for index in tenants.iter().skip(1) {
            take(documents[*index], &shared);
        }
        for index in &tenants {
            for tenant in &mut documents[*index].tenants {
                tenant.baselines.push(at(name.clone()));
            }
        }
        baselines.0.push((at(name), objects));
    }
    baselines
}

/// A file of just these baselines.
pub(crate) fn baselines_document(baselines: NamedList<Objects>) -> Document {
    Document {
        version: at(FORMAT_VERSION),
        baselines,
        tenants: Vec::new(),
    }
}

/// An object as written, with the list it is in: the same key is the same object.
type Key = (Field, String);

/// The list an object is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Groups,
    SetupKeys,
    Networks,
    Users,
    Policies,
}

/// An object as written: the same text is the same object.
fn text<T: Serialize>(object: &T) -> String {
    serde_json::to_string(object).expect("invariant: documents serialise to JSON")
}

fn keys(objects: &Objects) -> Vec<Key> {
    let mut keys = Vec::new();
    keys.extend(objects.groups.iter().map(|o| (Field::Groups, text(o))));
    keys.extend(
        objects
            .setup_keys
            .iter()
            .map(|o| (Field::SetupKeys, text(o))),
    );
    keys.extend(objects.networks.iter().map(|o| (Field::Networks, text(o))));
    keys.extend(objects.users.iter().map(|o| (Field::Users, text(o))));
    keys.extend(objects.policies.iter().map(|o| (Field::Policies, text(o))));
    keys
}

/// Removes the `shared` objects from the document's tenant and returns them.
fn take(document: &mut Document, shared: &BTreeSet<Key>) -> Objects {
    fn split<T: Serialize>(list: &mut Vec<T>, field: Field, shared: &BTreeSet<Key>) -> Vec<T> {
        let (taken, kept): (Vec<T>, Vec<T>) = std::mem::take(list)
            .into_iter()
            .partition(|o| shared.contains(&(field, text(o))));
        *list = kept;
        taken
    }
    let mut taken = Objects::default();
    for tenant in &mut document.tenants {
        let objects = &mut tenant.objects;
        taken.groups = split(&mut objects.groups, Field::Groups, shared);
        taken.setup_keys = split(&mut objects.setup_keys, Field::SetupKeys, shared);
        taken.networks = split(&mut objects.networks, Field::Networks, shared);
        taken.users = split(&mut objects.users, Field::Users, shared);
        taken.policies = split(&mut objects.policies, Field::Policies, shared);
    }
    taken
}

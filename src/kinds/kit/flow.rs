//! How a person writes short lists: on one line (`[devs, servers]`), ports as numbers and
//! ranges as strings (`[443, "8000-8100"]`). Only export writes documents; reading ignores this.

use serde::{Serialize, Serializer};
use serde_saphyr::FlowSeq;

use crate::diag::Located;
use crate::kinds::PortRange;

pub(crate) fn list<S: Serializer, T: Serialize>(
    items: &[T],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    FlowSeq(items).serialize(serializer)
}

#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes the field as it is"
)]
pub(crate) fn optional_list<S: Serializer, T: Serialize>(
    items: &Option<Vec<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match items {
        Some(items) => list(items, serializer),
        None => serializer.serialize_none(),
    }
}

/// A port as a number, a range as its text.
#[derive(Serialize)]
#[serde(untagged)]
enum Port {
    Single(u16),
    Range(String),
}

#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes the field as it is"
)]
pub(crate) fn ports<S: Serializer>(
    ports: &Option<Vec<Located<PortRange>>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let Some(ports) = ports else {
        return serializer.serialize_none();
    };
    let written: Vec<Port> = ports
        .iter()
        .map(|port| {
            let port = port.value;
            if port.is_single() {
                Port::Single(port.start)
            } else {
                Port::Range(String::from(port))
            }
        })
        .collect();
    list(&written, serializer)
}

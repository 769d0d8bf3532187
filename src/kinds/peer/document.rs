//! The file format of this kind: `peers:`, existing peers by name and the settings managed.

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::Located;
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{boolean, optional, required, string};

/// An existing peer's settings; birdhouse never creates or deletes a peer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeerDoc {
    /// The peer's name, as the dashboard lists it (it must exist).
    pub name: Located<String>,
    /// Run NetBird SSH on the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_enabled: Option<bool>,
    /// Log the peer out when the account's login expiration runs out (only peers a user
    /// added by logging in; NetBird refuses it for peers added with a setup key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_expiration_enabled: Option<bool>,
    /// Log the peer out after the account's inactivity expiration (likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_expiration_enabled: Option<bool>,
    /// Hold the peer until approved (NetBird Cloud; the open-source server ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_required: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

pub(crate) fn decode(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<PeerDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let ssh_enabled = optional(reader, &mut fields, "ssh_enabled", boolean);
    let login_expiration_enabled =
        optional(reader, &mut fields, "login_expiration_enabled", boolean);
    let inactivity_expiration_enabled = optional(
        reader,
        &mut fields,
        "inactivity_expiration_enabled",
        boolean,
    );
    let approval_required = optional(reader, &mut fields, "approval_required", boolean);
    fields.finish(reader);
    Some(PeerDoc {
        name: name?,
        ssh_enabled,
        login_expiration_enabled,
        inactivity_expiration_enabled,
        approval_required,
        path: path.to_owned(),
    })
}

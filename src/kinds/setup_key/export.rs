//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::SetupKeyDoc;
use crate::kinds::kit::export::{Exporter, at};
use crate::kinds::{ExpiresIn, Kind, SetupKeyType};

impl Exporter<'_> {
    pub(crate) fn setup_keys(&mut self) -> Vec<SetupKeyDoc> {
        let mut docs = Vec::new();
        for (name, key) in &self.source.objects.setup_keys {
            if self.withheld(Kind::SetupKey, name) {
                continue;
            }
            let auto_groups = self.optional_group_refs(
                key.auto_groups.as_ref(),
                false,
                &format!("setup key {name:?}: auto_groups"),
            );
            let never = self.source.never_expiring_keys.contains(name);
            docs.push(SetupKeyDoc {
                name: at(name.clone()),
                key_type: at(key.key_type),
                expires_in: never.then(|| at(ExpiresIn::Never)),
                usage_limit: key
                    .usage_limit
                    .filter(|limit| key.key_type == SetupKeyType::Reusable && *limit != 0),
                ephemeral: key.ephemeral.filter(|flag| *flag),
                allow_extra_dns_labels: key.allow_extra_dns_labels.filter(|flag| *flag),
                auto_groups,
                revoked: key.revoked.filter(|flag| *flag),
                path: String::new(),
            });
        }
        docs
    }
}

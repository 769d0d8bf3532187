//! The DNS settings as a file would hold them: written only when some group is listed (an
//! empty list is what every new account has).

use super::document::DnsSettingsDoc;
use crate::kinds::kit::export::Exporter;

impl Exporter<'_> {
    pub(crate) fn dns_settings(&mut self) -> Option<DnsSettingsDoc> {
        let settings = self.source.objects.dns_settings.values().next()?;
        let groups = self.optional_group_refs(
            settings.disabled_management_groups.as_ref(),
            true,
            "DNS settings: disabled_management_groups",
        )?;
        Some(DnsSettingsDoc {
            disabled_management_groups: Some(groups),
            path: String::new(),
        })
    }
}

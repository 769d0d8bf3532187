//! DNS: nameserver groups are created, replaced in place (a PUT sends every field) and
//! deleted by name; the DNS settings are only ever updated, as a whole; zones are written on
//! their own and their records one call each after them (they need the zone's id), and a
//! zone's delete takes its records with it.

use crate::apply::{ApplyError, Executor};
use crate::kinds::{DnsSettings, DnsZone, Kind, NameserverGroup};
use crate::plan::ZoneRecord;

impl Executor<'_> {
    pub(super) async fn create_nameserver_group(
        &mut self,
        group: &NameserverGroup,
    ) -> Result<(), ApplyError> {
        let name = group.name.as_str();
        let body = crate::kinds::nameserver_group::request::nameserver_group(group, &self.state)?;
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("nameserver group {name:?}"),
                || Box::pin(client.create_nameserver_group(&body)),
                || {
                    Box::pin(async move {
                        let groups = client.list_nameserver_groups().await?;
                        Ok(groups.into_iter().find(|g| g.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_nameserver_group(created);
        Ok(())
    }

    pub(super) async fn update_nameserver_group(
        &mut self,
        group: &NameserverGroup,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NameserverGroup, &group.name)?;
        let body = crate::kinds::nameserver_group::request::nameserver_group(group, &self.state)?;
        let answer = self.client.update_nameserver_group(&id, &body).await?;
        self.state.put_nameserver_group(answer);
        Ok(())
    }

    pub(super) async fn delete_nameserver_group(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NameserverGroup, name)?;
        self.client.delete_nameserver_group(&id).await?;
        self.state.remove_nameserver_group(name, &id);
        Ok(())
    }

    pub(super) async fn update_dns_settings(
        &mut self,
        settings: &DnsSettings,
    ) -> Result<(), ApplyError> {
        let body = crate::kinds::dns_settings::request::dns_settings(settings, &self.state)?;
        let answer = self.client.update_dns_settings(&body).await?;
        self.state.wire.dns_settings = Some(answer);
        Ok(())
    }
}

impl Executor<'_> {
    pub(super) async fn create_dns_zone(&mut self, zone: &DnsZone) -> Result<(), ApplyError> {
        let domain = zone.domain.as_str();
        let body = crate::kinds::dns_zone::request::zone(zone, &self.state)?;
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("DNS zone {domain:?}"),
                || Box::pin(client.create_dns_zone(&body)),
                || {
                    Box::pin(async move {
                        let zones = client.list_dns_zones().await?;
                        Ok(zones.into_iter().find(|z| z.domain == domain))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_dns_zone(created);
        Ok(())
    }

    pub(super) async fn update_dns_zone(&mut self, zone: &DnsZone) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::DnsZone, &zone.domain)?;
        let body = crate::kinds::dns_zone::request::zone(zone, &self.state)?;
        let answer = self.client.update_dns_zone(&id, &body).await?;
        self.state.put_dns_zone(answer);
        Ok(())
    }

    pub(super) async fn delete_dns_zone(&mut self, domain: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::DnsZone, domain)?;
        self.client.delete_dns_zone(&id).await?;
        self.state.remove_dns_zone(domain, &id);
        Ok(())
    }

    pub(super) async fn create_dns_record(
        &mut self,
        key: &str,
        child: &ZoneRecord,
    ) -> Result<(), ApplyError> {
        let zone_id = self.state.id(Kind::DnsZone, &child.zone)?;
        let body = crate::kinds::dns_zone::request::record(&child.record);
        let client = &self.client;
        let (zid, wanted) = (zone_id.as_str(), &body);
        let created = self
            .create_or_find(
                &format!("DNS record {key:?}"),
                || Box::pin(client.create_dns_record(zid, wanted)),
                || {
                    Box::pin(async move {
                        let records = client.list_dns_records(zid).await?;
                        Ok(records.into_iter().find(|r| {
                            r.name == wanted.name
                                && r.record_type == wanted.record_type
                                && r.content == wanted.content
                        }))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_dns_record(&zone_id, key, created);
        Ok(())
    }

    pub(super) async fn update_dns_record(
        &mut self,
        key: &str,
        child: &ZoneRecord,
    ) -> Result<(), ApplyError> {
        let zone_id = self.state.id(Kind::DnsZone, &child.zone)?;
        let id = self.state.id(Kind::DnsRecord, key)?;
        let body = crate::kinds::dns_zone::request::record(&child.record);
        let answer = self.client.update_dns_record(&zone_id, &id, &body).await?;
        self.state.put_dns_record(&zone_id, key, answer);
        Ok(())
    }

    pub(super) async fn delete_dns_record(
        &mut self,
        key: &str,
        zone: &str,
    ) -> Result<(), ApplyError> {
        let zone_id = self.state.id(Kind::DnsZone, zone)?;
        let id = self.state.id(Kind::DnsRecord, key)?;
        self.client.delete_dns_record(&zone_id, &id).await?;
        self.state.remove_dns_record(&zone_id, key, &id);
        Ok(())
    }
}

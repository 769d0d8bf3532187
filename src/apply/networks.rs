//! Networks, their resources and their routers.
//!
//! A resource cannot change network, and its name is unique across the tenant, so moving it is
//! a delete then a create; policies outside the plan that pointed at the old resource are
//! pointed at the new one. A router is always created enabled (the POST ignores `enabled`), so
//! a disabled one takes a second write; if that write fails, the next plan shows it as an
//! update.

use crate::apply::{ApplyError, Executor, to_wire};
use crate::kinds::wire;
use crate::kinds::{Kind, Resource, Router};
use crate::plan::{NetworkChild, NetworkHeader};

impl Executor<'_> {
    pub(super) async fn create_network(
        &mut self,
        network: &NetworkHeader,
    ) -> Result<(), ApplyError> {
        let body = to_wire::network(&network.name, network.description.as_ref());
        let client = &self.client;
        let name = network.name.as_str();
        let created = self
            .create_or_find(
                &format!("network {name:?}"),
                || Box::pin(client.create_network(&body)),
                || {
                    Box::pin(async move {
                        let networks = client.list_networks().await?;
                        Ok(networks.into_iter().find(|n| n.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_network(created);
        Ok(())
    }

    pub(super) async fn update_network(
        &mut self,
        network: &NetworkHeader,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Network, &network.name)?;
        // An omitted description would be cleared by the PUT: echo the live one.
        let live = self
            .state
            .wire
            .networks
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.description.clone());
        let description = network.description.clone().or(live);
        let body = to_wire::network(&network.name, description.as_ref());
        let answer = self.client.update_network(&id, &body).await?;
        self.state.put_network(answer);
        Ok(())
    }

    pub(super) async fn delete_network(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Network, name)?;
        self.client.delete_network(&id).await?;
        self.state.remove_network(name, &id);
        Ok(())
    }

    pub(super) async fn create_resource(
        &mut self,
        network: &str,
        resource: &Resource,
    ) -> Result<String, ApplyError> {
        let network_id = self.state.id(Kind::Network, network)?;
        let body = to_wire::resource(resource, &self.state)?;
        let client = &self.client;
        let name = resource.name.as_str();
        let nid = network_id.as_str();
        let created = self
            .create_or_find(
                &format!("network resource {name:?}"),
                || Box::pin(client.create_network_resource(nid, &body)),
                || {
                    Box::pin(async move {
                        let resources = client.list_resources_of_network(nid).await?;
                        Ok(resources.into_iter().find(|r| r.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        let id = created.id.clone();
        self.state.put_resource(&network_id, created);
        Ok(id)
    }

    pub(super) async fn update_resource(
        &mut self,
        network: &str,
        resource: &Resource,
    ) -> Result<(), ApplyError> {
        let network_id = self.state.id(Kind::Network, network)?;
        let id = self.state.id(Kind::NetworkResource, &resource.name)?;
        let mut body = to_wire::resource(resource, &self.state)?;
        if body.description.is_none() {
            body.description = self
                .state
                .wire
                .resources
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.description.clone());
        }
        let answer = self
            .client
            .update_network_resource(&network_id, &id, &body)
            .await?;
        self.state.put_resource(&network_id, answer);
        Ok(())
    }

    /// Moves a resource to another network: delete, create. The policies that targeted it are
    /// pointed at the new one by changes of their own, or by their own write.
    pub(super) async fn replace_resource(
        &mut self,
        old_network: &str,
        new: &NetworkChild<Resource>,
    ) -> Result<(), ApplyError> {
        let name = &new.object.name;
        let old_id = self.state.id(Kind::NetworkResource, name)?;
        self.delete_resource(old_network, name).await?;
        let new_id = self.create_resource(&new.network, &new.object).await?;
        self.moved_resources.insert(old_id, new_id);
        Ok(())
    }

    pub(super) async fn delete_resource(
        &mut self,
        network: &str,
        name: &str,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NetworkResource, name)?;
        let network_id = match self.state.network_of_resource(&id) {
            Some(n) => n.id.clone(),
            None => self.state.id(Kind::Network, network)?,
        };
        self.client
            .delete_network_resource(&network_id, &id)
            .await?;
        self.state.remove_resource(name, &id);
        Ok(())
    }

    pub(super) async fn create_router(
        &mut self,
        key: &str,
        router: &NetworkChild<Router>,
    ) -> Result<(), ApplyError> {
        let network_id = self.state.id(Kind::Network, &router.network)?;
        let body = to_wire::router(&router.object, &self.state)?;
        let client = &self.client;
        let (nid, wanted) = (network_id.as_str(), &body);
        let created = self
            .create_or_find(
                &format!("network router {key:?}"),
                || Box::pin(client.create_network_router(nid, wanted)),
                || {
                    Box::pin(async move {
                        let routers = client.list_routers_of_network(nid).await?;
                        Ok(routers.into_iter().find(|r| same_target(r, wanted)))
                    })
                },
            )
            .await?
            .into_inner();
        // A router the files want disabled is disabled by the plan's next change (a POST
        // creates it enabled).
        self.state.put_router(&network_id, key, created);
        Ok(())
    }

    /// Updates a router in place; `was` is its key before (it differs from `key` when the
    /// router is pointed at other peers).
    pub(super) async fn update_router(
        &mut self,
        was: &str,
        key: &str,
        router: &NetworkChild<Router>,
    ) -> Result<(), ApplyError> {
        let network_id = self.state.id(Kind::Network, &router.network)?;
        let id = self.state.id(Kind::NetworkRouter, was)?;
        let body = to_wire::router(&router.object, &self.state)?;
        let answer = self
            .client
            .update_network_router(&network_id, &id, &body)
            .await?;
        if was != key {
            self.state.forget_id(Kind::NetworkRouter, was);
        }
        self.state.put_router(&network_id, key, answer);
        Ok(())
    }

    pub(super) async fn delete_router(
        &mut self,
        network: &str,
        key: &str,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NetworkRouter, key)?;
        let network_id = match self.state.network_of_router(&id) {
            Some(n) => n.id.clone(),
            None => self.state.id(Kind::Network, network)?,
        };
        self.client.delete_network_router(&network_id, &id).await?;
        self.state.remove_router(key, &id);
        Ok(())
    }
}

/// Whether a live router routes through what `body` asks for (the identity of a router).
fn same_target(router: &wire::NetworkRouter, body: &wire::NetworkRouterRequest) -> bool {
    match (&body.peer, &body.peer_groups) {
        (Some(peer), _) => router.peer.as_deref() == Some(peer.as_str()),
        (None, Some(groups)) => {
            let mut want = groups.clone();
            let mut have = router.peer_groups.clone();
            want.sort();
            have.sort();
            want == have && router.peer.as_deref().is_none_or(str::is_empty)
        }
        (None, None) => false,
    }
}

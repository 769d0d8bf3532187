//! Routes: created, replaced in place (a PUT sends every field) and deleted by their network
//! identifier. Routes reference groups only, so they are created after the groups they name
//! and deleted before a group delete (detached or refused by the plan).

use crate::apply::{ApplyError, Executor};
use crate::kinds::{Kind, Route};

impl Executor<'_> {
    pub(super) async fn create_route(&mut self, route: &Route) -> Result<(), ApplyError> {
        let network_id = route.network_id.as_str();
        let body = crate::kinds::route::request::route(route, &self.state)?;
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("route {network_id:?}"),
                || Box::pin(client.create_route(&body)),
                || {
                    Box::pin(async move {
                        let routes = client.list_routes().await?;
                        Ok(routes.into_iter().find(|r| r.network_id == network_id))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_route(created);
        Ok(())
    }

    pub(super) async fn update_route(&mut self, route: &Route) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Route, &route.network_id)?;
        let body = crate::kinds::route::request::route(route, &self.state)?;
        let answer = self.client.update_route(&id, &body).await?;
        self.state.put_route(answer);
        Ok(())
    }

    pub(super) async fn delete_route(&mut self, network_id: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Route, network_id)?;
        self.client.delete_route(&id).await?;
        self.state.remove_route(network_id, &id);
        Ok(())
    }
}

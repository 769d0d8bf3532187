//! The run's own token: when it expires, and rotating it.
//!
//! NetBird cannot be asked which token a request carries, but it stamps a token's `last_used`
//! on every request it authenticates (v0.77.1 `auth_middleware` → `MarkPATUsed`, before the
//! handler runs). So after one `GET /api/users/current`, the token in use is the user's token
//! with the newest `last_used`. Two tokens of the user used within [`SAME_USE`] of each other
//! cannot be told apart: then the expiry is not reported, and rotation deletes nothing unless
//! told which token to replace.

use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};

use crate::api::{ApiError, Client, TenantClient};
use crate::engine::Engine;
use crate::kinds::user::days_between;
use crate::kinds::wire::{PersonalAccessToken, PersonalAccessTokenRequest};
use crate::secret::Secret;

/// Tokens expiring within this many days are warned about on every plan.
pub const WARN_WITHIN_DAYS: i64 = 14;

/// Two uses closer than this cannot tell which token a run carries.
const SAME_USE: Duration = Duration::from_secs(2);

/// The token a run authenticates with, and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInUse {
    /// The token's user.
    pub user_id: String,
    /// The token's id.
    pub token_id: String,
    /// The token's name.
    pub name: String,
    /// Its expiry (RFC 3339), as the server stores it.
    pub expires: String,
    /// Whole days until it expires (negative once it has).
    pub days_left: i64,
}

impl TokenInUse {
    /// Whether the expiry is worth a warning.
    pub fn expires_soon(&self) -> bool {
        self.days_left <= WARN_WITHIN_DAYS
    }
}

/// What the token's user is allowed, as far as the server says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRole {
    /// A user with this role (`owner`, `admin`, `auditor`…).
    Role(String),
    /// A service user: the server does not let it read its own user, so not its role either.
    ServiceUser,
}

/// Whose token `token rotate` replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOwner {
    /// The run's own user (`--user current`).
    Current,
    /// A user of the token's own account by id (a service user's token, say).
    Id(String),
}

/// What `token rotate` makes.
#[derive(Debug, Clone)]
pub struct RotateRequest {
    /// Whose token.
    pub owner: TokenOwner,
    /// The new token's name.
    pub name: String,
    /// Its lifetime in days (1 to 365).
    pub expires_in_days: u32,
    /// The token to delete once the new one is proven and written; `None`: the run's own token
    /// for [`TokenOwner::Current`], the user's only token otherwise.
    pub replace: Option<String>,
    /// Keep the old token.
    pub keep_old: bool,
}

/// What `token rotate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The user.
    pub user_id: String,
    /// The new token's id and name.
    pub new_id: String,
    /// The new token's name.
    pub new_name: String,
    /// Its expiry (RFC 3339).
    pub expires: String,
    /// The old token deleted, by id and name.
    pub deleted: Option<(String, String)>,
}

impl Engine {
    /// The token this run carries and when it expires: two calls in the token's own account,
    /// under the run's budget. `None` when the server cannot tell (see the module's doc).
    pub fn token_in_use(&self) -> anyhow::Result<Option<TokenInUse>> {
        self.block_on(token_in_use(&self.client().tenant(None)))
    }

    /// The role of the token's own user (`auditor`, `admin`…): one call. A service user's
    /// token may not read its own user (v0.77.1 `GetCurrentUserInfo` refuses service users
    /// with 403), which says what it is: [`TokenRole::ServiceUser`].
    pub fn token_role(&self) -> anyhow::Result<TokenRole> {
        match self.block_on(self.client().tenant(None).current_user()) {
            Ok(user) => Ok(TokenRole::Role(user.role)),
            Err(ApiError::Forbidden { .. }) => Ok(TokenRole::ServiceUser),
            Err(error) => Err(anyhow::Error::new(error).context("reading the token's own user")),
        }
    }

    /// Creates a new token for `request.owner`, proves it works with a client made by
    /// `connect_with`, hands it to `keep` (which writes it where the user asked), and only then
    /// deletes the old token. A token that `keep` could not keep is deleted again.
    pub fn rotate_token(
        &self,
        request: &RotateRequest,
        connect_with: impl FnOnce(Secret<String>) -> anyhow::Result<Client>,
        keep: impl FnOnce(&Secret<String>) -> anyhow::Result<()>,
    ) -> anyhow::Result<Rotated> {
        self.block_on(rotate(
            &self.client().tenant(None),
            request,
            connect_with,
            keep,
        ))
    }
}

async fn token_in_use(own: &TenantClient) -> anyhow::Result<Option<TokenInUse>> {
    let user = own
        .current_user()
        .await
        .context("reading the token's own user")?;
    let tokens = own
        .list_tokens(&user.id)
        .await
        .context("listing the token's own user's tokens")?;
    Ok(newest_used(&tokens).map(|token| in_use(&user.id, token, SystemTime::now())))
}

/// The token used last, when no other was used within [`SAME_USE`] of it.
fn newest_used(tokens: &[PersonalAccessToken]) -> Option<&PersonalAccessToken> {
    let mut used: Vec<(SystemTime, &PersonalAccessToken)> = tokens
        .iter()
        .filter_map(|t| {
            let at = humantime::parse_rfc3339_weak(t.last_used.as_deref()?).ok()?;
            Some((at, t))
        })
        .collect();
    used.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    match used.as_slice() {
        [(_, only)] => Some(only),
        [(newest, token), (next, _), ..] => {
            let apart = newest.duration_since(*next).unwrap_or_default();
            (apart >= SAME_USE).then_some(*token)
        }
        [] => None,
    }
}

fn in_use(user_id: &str, token: &PersonalAccessToken, now: SystemTime) -> TokenInUse {
    let days_left = humantime::parse_rfc3339_weak(&token.expiration_date)
        .ok()
        .map_or(i64::MAX, |expires| days_between(now, expires));
    TokenInUse {
        user_id: user_id.to_owned(),
        token_id: token.id.clone(),
        name: token.name.clone(),
        expires: token.expiration_date.clone(),
        days_left,
    }
}

async fn rotate(
    own: &TenantClient,
    request: &RotateRequest,
    connect_with: impl FnOnce(Secret<String>) -> anyhow::Result<Client>,
    keep: impl FnOnce(&Secret<String>) -> anyhow::Result<()>,
) -> anyhow::Result<Rotated> {
    let current = match own.current_user().await {
        Ok(user) => user,
        Err(error @ ApiError::Forbidden { .. }) => {
            return Err(anyhow::Error::new(error).context(
                "this token is a service user's, and NetBird lets no service user read its own \
                 user: rotate a service user's token with an admin's token and --user <the \
                 service user's id>",
            ));
        }
        Err(error) => return Err(anyhow::Error::new(error).context("reading the token's own user")),
    };
    let user_id = match &request.owner {
        TokenOwner::Current => current.id.clone(),
        TokenOwner::Id(id) => id.clone(),
    };
    let tokens = own
        .list_tokens(&user_id)
        .await
        .with_context(|| format!("listing the tokens of user {user_id}"))?;
    // Which token goes is settled before anything is created, so a refusal changes nothing.
    let old = if request.keep_old {
        None
    } else {
        Some(old_token(request, &user_id, &current.id, &tokens)?)
    };
    let created = own
        .create_token(
            &user_id,
            &PersonalAccessTokenRequest {
                name: request.name.clone(),
                expires_in: request.expires_in_days,
            },
        )
        .await
        .with_context(|| format!("creating a token for user {user_id}"))?;
    let new = created.personal_access_token;
    let proven = prove(connect_with, created.plain_token.clone(), &user_id).await;
    let kept = proven.and_then(|()| keep(&created.plain_token));
    if let Err(error) = kept {
        let undone = own.delete_token(&user_id, &new.id).await;
        return Err(match undone {
            Ok(()) => error.context(format!(
                "the new token {:?} was deleted again; the old token is unchanged",
                new.name
            )),
            Err(delete) => error.context(format!(
                "the new token {:?} (id {}) could not be deleted again ({delete}); delete it by \
                 hand; the old token is unchanged",
                new.name, new.id
            )),
        });
    }
    let deleted = match old {
        Some(old) => {
            own.delete_token(&user_id, &old.id).await.with_context(|| {
                format!(
                    "the new token is written and works, but the old token {:?} (id {}) could \
                     not be deleted; delete it by hand",
                    old.name, old.id
                )
            })?;
            Some((old.id.clone(), old.name.clone()))
        }
        None => None,
    };
    Ok(Rotated {
        user_id,
        new_id: new.id,
        new_name: new.name,
        expires: new.expiration_date,
        deleted,
    })
}

/// The token rotation replaces: the one named by `--replace`, else the run's own token (for
/// the current user) or the user's only token.
fn old_token<'t>(
    request: &RotateRequest,
    user_id: &str,
    current_user: &str,
    tokens: &'t [PersonalAccessToken],
) -> anyhow::Result<&'t PersonalAccessToken> {
    if let Some(wanted) = &request.replace {
        return tokens
            .iter()
            .find(|t| &t.id == wanted || &t.name == wanted)
            .with_context(|| {
                format!("user {user_id} has no token {wanted:?} (give its id or name to --replace)")
            });
    }
    if user_id == current_user {
        return newest_used(tokens).context(
            "cannot tell which of this user's tokens the run carries (two were used at the same \
             moment); name the one to delete with --replace ID, or keep it with --keep-old",
        );
    }
    match tokens {
        [only] => Ok(only),
        [] => bail!(
            "user {user_id} has no token to replace; create one with --keep-old, which deletes \
             nothing"
        ),
        _ => bail!(
            "user {user_id} has {} tokens; name the one to delete with --replace ID, or keep \
             them all with --keep-old",
            tokens.len()
        ),
    }
}

/// The new token reaches the API as the same user (a service user's, that it reaches its
/// account at all).
async fn prove(
    connect_with: impl FnOnce(Secret<String>) -> anyhow::Result<Client>,
    token: Secret<String>,
    user_id: &str,
) -> anyhow::Result<()> {
    let client = connect_with(token)?;
    let own = client.tenant(None);
    match own.current_user().await {
        Ok(user) if user.id == user_id => Ok(()),
        Ok(user) => bail!("the new token acts as user {}, not {user_id}", user.id),
        // A service user may not read its own user: that it reads its account proves the token.
        Err(ApiError::Forbidden { .. }) => own
            .list_accounts()
            .await
            .map(drop)
            .map_err(anyhow::Error::new)
            .context("the new token does not work"),
        Err(error) => Err(anyhow::Error::new(error).context("the new token does not work")),
    }
}

#[cfg(test)]
mod tests {
    use super::newest_used;
    use crate::kinds::wire::PersonalAccessToken;

    fn token(id: &str, last_used: Option<&str>) -> PersonalAccessToken {
        PersonalAccessToken {
            id: id.into(),
            name: id.into(),
            expiration_date: "2027-01-01T00:00:00Z".into(),
            created_by: String::new(),
            created_at: String::new(),
            last_used: last_used.map(Into::into),
        }
    }

    #[test]
    fn the_token_in_use_is_the_one_used_last_unless_another_was_used_at_the_same_moment() {
        let tokens = [
            token("old", Some("2026-11-01T10:00:00Z")),
            token("ours", Some("2026-12-01T10:00:00.5Z")),
            token("never", None),
        ];
        assert_eq!(newest_used(&tokens).unwrap().id, "ours");
        let tied = [
            token("a", Some("2026-12-01T10:00:00Z")),
            token("b", Some("2026-12-01T10:00:01Z")),
        ];
        assert!(
            newest_used(&tied).is_none(),
            "within two seconds: cannot tell"
        );
        assert!(newest_used(&[token("never", None)]).is_none());
    }
}

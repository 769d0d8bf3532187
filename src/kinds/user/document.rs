//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Fields, Node, Reader};
use crate::kinds::kit::read::{
    boolean, exactly_one_of, optional, plain_string, required, role, string, strings,
};
use crate::kinds::user::DAY;
use crate::kinds::{Role, Seconds};

/// A user entry: a regular user by `email`, or a service user by `service` name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum UserDoc {
    /// A regular user.
    Regular(RegularUserDoc),
    /// A service user.
    Service(ServiceUserDoc),
}

/// A regular user, invited when missing.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegularUserDoc {
    /// The user's email (compared case-insensitively).
    pub email: Located<String>,
    /// Display name for the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role: admin, user, network_admin, billing_admin or auditor (owner is never assigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Located<Role>>,
    /// Groups the user's peers join.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// Block the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A service user, for automation.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceUserDoc {
    /// The service user's name.
    pub service: Located<String>,
    /// Role: admin, user, network_admin, billing_admin or auditor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Located<Role>>,
    /// Groups the service user's peers join.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// A token to create with the service user; its secret goes only to `--secrets-out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A personal access token for a new service user.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// The decoder wants exactly one of the two spellings of the lifetime, and so does the schema.
#[schemars(extend("oneOf" = [
    {"required": ["expires_in"]},
    {"required": ["expires_in_days"]}
]))]
pub(crate) struct TokenDoc {
    /// The token's name.
    pub name: String,
    /// Its lifetime, in whole days from 1d to 365d (`90d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<Seconds>,
    /// Its lifetime in days, 1 to 365 (the older spelling of `expires_in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 365))]
    pub expires_in_days: Option<u16>,
    /// Make a new token (and delete the old one) once the live one expires within this long
    /// (`14d`), or has expired. Left out: a token is made only when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_before: Option<Seconds>,
}

impl TokenDoc {
    /// The lifetime in days, whichever spelling the file used.
    pub(crate) fn days(&self) -> Option<u16> {
        self.expires_in_days.or_else(|| whole(self.expires_in))
    }

    /// The rotation window in days.
    pub(crate) fn rotate_before_days(&self) -> Option<u16> {
        whole(self.rotate_before)
    }
}

/// A whole-days duration (as `whole_days` accepts) in days.
fn whole(duration: Option<Seconds>) -> Option<u16> {
    duration.and_then(|s| u16::try_from(s.0 / DAY).ok())
}

/// A duration of whole days from `min_days` to `max_days`.
fn whole_days(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
    (min_days, max_days): (u64, u64),
) -> Option<Seconds> {
    let parsed: Located<Seconds> =
        reader.parsed(node, path, "a number of days such as 90d", false)?;
    let seconds = parsed.value.0;
    if !seconds.is_multiple_of(DAY) || !(min_days..=max_days).contains(&(seconds / DAY)) {
        reader.report(
            Diagnostic::at(
                parsed.span,
                path,
                format!("{} is not allowed", parsed.value),
            )
            .expected(format!("whole days from {min_days}d to {max_days}d")),
        );
        return None;
    }
    Some(parsed.value)
}

/// Decodes one entry of the list; `None` when it is not usable.
pub(crate) fn decode(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<UserDoc> {
    let mut fields = reader.mapping(node, path)?;
    let doc = match (fields.has("email"), fields.has("service")) {
        (true, true) => {
            reader.report(
                Diagnostic::at(
                    fields.span(),
                    path,
                    "an entry has both `email` and `service`",
                )
                .expected("`email` for a user or `service` for a service user"),
            );
            None
        }
        (false, false) => {
            reader.report(
                Diagnostic::at(
                    fields.span(),
                    path,
                    "a user entry needs `email` or `service`",
                )
                .expected("`email` for a user or `service` for a service user"),
            );
            None
        }
        (true, false) => regular_user(reader, &mut fields).map(UserDoc::Regular),
        (false, true) => service_user(reader, &mut fields).map(UserDoc::Service),
    };
    fields.finish(reader);
    doc
}

fn regular_user(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Option<RegularUserDoc> {
    let email = required(reader, fields, "email", |reader, node, path| {
        let email = reader.string(node, path)?;
        if !is_email(&email.value) {
            reader.report(
                Diagnostic::at(
                    node.span,
                    path,
                    format!("{:?} is not an email address", email.value),
                )
                .expected("name@domain"),
            );
            return None;
        }
        Some(email)
    });
    let name = optional(reader, fields, "name", plain_string);
    let role = optional(reader, fields, "role", role);
    let auto_groups = optional(reader, fields, "auto_groups", strings);
    let blocked = optional(reader, fields, "blocked", boolean);
    Some(RegularUserDoc {
        email: email?,
        name,
        role,
        auto_groups,
        blocked,
        path: fields.path().to_owned(),
    })
}

fn is_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !text.chars().any(char::is_whitespace)
}

fn service_user(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Option<ServiceUserDoc> {
    let service = required(reader, fields, "service", string);
    let role = optional(reader, fields, "role", role);
    let auto_groups = optional(reader, fields, "auto_groups", strings);
    let token = optional(reader, fields, "token", |reader, node, path| {
        let mut fields = reader.mapping(node, path)?;
        let name = required(reader, &mut fields, "name", plain_string);
        let expires_in = optional(reader, &mut fields, "expires_in", |reader, node, path| {
            whole_days(reader, node, path, (1, 365))
        });
        let expires_in_days = optional(
            reader,
            &mut fields,
            "expires_in_days",
            |reader, node, path| reader.integer(node, path, 1, 365),
        );
        let rotate_before = optional(
            reader,
            &mut fields,
            "rotate_before",
            |reader, node, path| whole_days(reader, node, path, (1, 364)),
        );
        exactly_one_of(reader, &fields, "token", "expires_in", "expires_in_days");
        let span = fields.span();
        fields.finish(reader);
        let doc = TokenDoc {
            name: name?,
            expires_in,
            expires_in_days,
            rotate_before,
        };
        if let (Some(days), Some(before)) = (doc.days(), doc.rotate_before_days())
            && before >= days
        {
            reader.report(
                Diagnostic::at(
                    span,
                    format!("{path}.rotate_before"),
                    format!("{before}d is not shorter than the token's lifetime"),
                )
                .expected("a window shorter than expires_in (else every plan makes a new token)"),
            );
        }
        doc.days()?;
        Some(doc)
    });
    Some(ServiceUserDoc {
        service: service?,
        role,
        auto_groups,
        token,
        path: fields.path().to_owned(),
    })
}

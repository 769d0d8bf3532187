//! The small readers every kind's decoder is written with: a field that may be left out, one
//! that must be there, and the value shapes most fields have.

use crate::diag::{Diagnostic, Located};
use crate::kinds::Role;
use crate::kinds::kit::node::{Fields, Node, Reader};

pub(crate) fn optional<T>(
    reader: &mut Reader<'_>,
    fields: &mut Fields<'_>,
    key: &'static str,
    read: impl FnOnce(&mut Reader<'_>, &Located<Node>, &str) -> Option<T>,
) -> Option<T> {
    // The path is made only for a field that is there: most optional fields are not.
    let node = fields.take(key)?;
    read(reader, node, &fields.child(key))
}

pub(crate) fn required<T>(
    reader: &mut Reader<'_>,
    fields: &mut Fields<'_>,
    key: &'static str,
    read: impl FnOnce(&mut Reader<'_>, &Located<Node>, &str) -> Option<T>,
) -> Option<T> {
    let node = fields.require(reader, key)?;
    read(reader, node, &fields.child(key))
}

pub(crate) fn string(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Located<String>> {
    reader.string(node, path)
}

pub(crate) fn plain_string(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<String> {
    reader.string(node, path).map(|s| s.value)
}

pub(crate) fn boolean(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<bool> {
    reader.bool(node, path)
}

pub(crate) fn strings(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Vec<Located<String>>> {
    reader.strings(node, path)
}

pub(crate) fn role(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Located<Role>> {
    reader.choice(node, path, "role", &Role::NAMES)
}

/// A list of group names that must hold at least one (a field NetBird refuses empty).
pub(crate) fn required_groups(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Vec<Located<String>>> {
    let items = reader.strings(node, path)?;
    if items.is_empty() {
        reader.report(Diagnostic::at(node.span, path, "empty list").expected("at least one group"));
        return None;
    }
    Some(items)
}

/// A string of 1 to `max` characters (NetBird counts runes); `what` names it in the message.
pub(crate) fn bounded_string(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
    what: &str,
    max: usize,
) -> Option<Located<String>> {
    let text = reader.string(node, path)?;
    let chars = text.value.chars().count();
    if chars == 0 || chars > max {
        reader.report(
            Diagnostic::at(
                text.span,
                path,
                format!("the {what} has {chars} characters"),
            )
            .expected(format!("1 to {max} characters")),
        );
        return None;
    }
    Some(text)
}

/// Checks that a `what` entry has exactly one of the keys `a` and `b` (a route's `network` or
/// `domains`, a router's `peer` or `peer_groups`), reporting both or neither at the entry.
pub(crate) fn exactly_one_of(
    reader: &mut Reader<'_>,
    fields: &Fields<'_>,
    what: &str,
    a: &str,
    b: &str,
) {
    let problem = match (fields.has(a), fields.has(b)) {
        (true, true) => format!("a {what} has both `{a}` and `{b}`"),
        (false, false) => format!("a {what} needs `{a}` or `{b}`"),
        _ => return,
    };
    reader.report(
        Diagnostic::at(fields.span(), fields.path(), problem).expected("exactly one of them"),
    );
}

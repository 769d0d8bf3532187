//! A mapping whose keys are names the file chooses (baselines by name, a rule's authorized
//! groups), kept in document order with the span of every name.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::diag::Located;
use crate::kinds::kit::node::{Node, Reader};

/// A mapping from names to values that keeps document order and the span of every name.
#[derive(Debug, Clone)]
pub(crate) struct NamedList<T>(pub Vec<(Located<String>, T)>);

impl<T> Default for NamedList<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> NamedList<T> {
    /// True when there are no entries.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for NamedList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (&name.value, value)))
    }
}

impl<T: JsonSchema> JsonSchema for NamedList<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("NamedList_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        BTreeMap::<String, T>::json_schema(generator)
    }
}

/// Reads a mapping of names to values, each value with `item` (at the path `path.name`).
pub(crate) fn named_list<T>(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
    mut item: impl FnMut(&mut Reader<'_>, &Located<Node>, &str) -> Option<T>,
) -> Option<NamedList<T>> {
    let Node::Map(entries) = &node.value else {
        reader.mapping(node, path)?;
        return None;
    };
    let mut list = Vec::new();
    for (key, value) in entries {
        let Some(name) = reader.string(key, path) else {
            continue;
        };
        let child = format!("{path}.{}", name.value);
        if let Some(value) = item(reader, value, &child) {
            list.push((name, value));
        }
    }
    Some(NamedList(list))
}

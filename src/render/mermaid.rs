//! A Mermaid flowchart of who can reach what in one tenant after its policy changes, for the
//! Markdown plan: groups and network resources are nodes, each rule's source → destination pair
//! is an edge labelled with the policy, protocol and ports, and every edge says what the plan
//! does to it (added, changed, removed, or unchanged within a changed policy). GitHub and GitLab
//! render ```` ```mermaid ```` fences in comments, so reviewers see the access change as a
//! picture beside the change list.
//!
//! Only the changed policies are drawn: a [`TenantPlan`] holds the before and after of the
//! policies it changes and nothing of the ones it leaves alone, so the diagram says so rather
//! than pretending to be the tenant's whole access graph. Drawing every policy would need the
//! tenant's full desired policy set in the plan (a plan-format change, not a renderer's call).
//!
//! Pure: builds a string. Every name goes into a quoted label with Mermaid's entity codes for
//! the characters that could end the label, the edge text or the Markdown fence, and node ids
//! are generated (`n1`, `n2`, …), so no tenant's naming can break the diagram's syntax.

use std::fmt::Write as _;

use crate::kinds::{Action as RuleAction, Destination, Kind, Policy, ResourceRef, RuleResource};
use crate::plan::{Action, Object, TenantPlan};

/// Edges past which a flowchart stops being readable in a comment; larger ones are left out
/// with a note (the change list above them still says everything).
pub(super) const MAX_EDGES: usize = 60;

/// Bytes past which a diagram is left out with a note, so that long names cannot turn one
/// tenant's picture into a large share of the comment's 65,000-byte budget.
pub(super) const MAX_BYTES: usize = 8_000;

/// Link colours: GitHub's Primer green, amber and red, legible on light and dark themes.
const ADDED_STYLE: &str = "stroke:#1a7f37,stroke-width:2px";
const CHANGED_STYLE: &str = "stroke:#bf8700,stroke-width:2px";
const REMOVED_STYLE: &str = "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5";

/// The diagram of `tenant`'s policy changes as a Markdown fragment (a one-line legend and the
/// fence), the note that replaces it when it is too large, or `None` when no policy changes
/// or the changed policies connect nothing (a disabled policy created, say).
pub(super) fn block(tenant: &TenantPlan) -> Option<String> {
    let graph = Graph::of(tenant);
    if graph.edges.is_empty() {
        return None;
    }
    if graph.edges.len() > MAX_EDGES {
        return Some(format!(
            "_Access diagram omitted: the changed policies make {} edges, more than the {} \
             that draw legibly; the changes above list them all._\n\n",
            graph.edges.len(),
            MAX_EDGES
        ));
    }
    let chart = graph.flowchart();
    if chart.len() > MAX_BYTES {
        return Some(format!(
            "_Access diagram omitted: it would take {} characters, more than the {} allowed \
             per tenant; the changes above list every policy._\n\n",
            chart.len(),
            MAX_BYTES
        ));
    }
    Some(format!(
        "**Who can reach what after this change** (changed policies only; unchanged policies \
         are not drawn). Green: added, amber: changed, red dashed: removed; an ✕ end is a drop \
         rule, a two-headed arrow goes both ways.\n\n```mermaid\n{chart}```\n\n"
    ))
}

/// A node: a group, or a network resource.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Group(String),
    Resource(ResourceRef),
    Peer(String),
}

impl Node {
    fn of(target: &RuleResource) -> Node {
        match target {
            RuleResource::Network(target) => Node::Resource(target.clone()),
            RuleResource::Peer(peer) => Node::Peer(peer.clone()),
        }
    }
}

/// What the plan does to an edge.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Added,
    /// Same endpoints in the same policy, different protocol, ports, action or direction;
    /// holds the old description for the label.
    Changed {
        was: String,
    },
    /// In a changed policy, but this pair's access stays as it was.
    Unchanged,
    Removed,
}

/// How a rule lets traffic through, as far as the diagram shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Access {
    drop: bool,
    both_ways: bool,
    /// `tcp 22, 443`, `all`, `drop icmp`.
    text: String,
}

#[derive(Debug)]
struct Edge {
    from: usize,
    to: usize,
    policy: String,
    access: Access,
    state: State,
}

/// The nodes (in order of first appearance, which numbers their ids) and edges of one tenant.
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

impl Graph {
    fn of(tenant: &TenantPlan) -> Graph {
        let mut graph = Graph::default();
        for change in tenant.changes.iter().filter(|c| c.kind == Kind::Policy) {
            let before = policy_of(change.before.as_ref());
            let after = policy_of(change.after.as_ref());
            let (before, after) = match change.action {
                Action::Create => (Vec::new(), pairs(after)),
                Action::Delete => (pairs(before), Vec::new()),
                Action::Update | Action::Replace => (pairs(before), pairs(after)),
            };
            graph.add_policy(&change.name, before, after);
        }
        graph
    }

    /// Matches the policy's pairs before and after by their endpoints.
    fn add_policy(&mut self, policy: &str, before: Vec<Pair>, after: Vec<Pair>) {
        let mut before: Vec<Option<Pair>> = before.into_iter().map(Some).collect();
        for pair in after {
            let old = before
                .iter_mut()
                .find(|old| {
                    old.as_ref()
                        .is_some_and(|old| old.from == pair.from && old.to == pair.to)
                })
                .and_then(Option::take);
            let state = match old {
                None => State::Added,
                Some(old) if old.access == pair.access => State::Unchanged,
                Some(old) => State::Changed {
                    was: was(&old.access, &pair.access),
                },
            };
            self.add_edge(policy, pair, state);
        }
        for old in before.into_iter().flatten() {
            self.add_edge(policy, old, State::Removed);
        }
    }

    fn add_edge(&mut self, policy: &str, pair: Pair, state: State) {
        let from = self.node(pair.from);
        let to = self.node(pair.to);
        self.edges.push(Edge {
            from,
            to,
            policy: policy.to_owned(),
            access: pair.access,
            state,
        });
    }

    /// The index of `node`, adding it on first sight.
    fn node(&mut self, node: Node) -> usize {
        if let Some(index) = self.nodes.iter().position(|n| *n == node) {
            return index;
        }
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The flowchart source, ending in a newline.
    fn flowchart(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (index, node) in self.nodes.iter().enumerate() {
            // Groups are rounded, resources are cylinders, so the two read apart at a glance.
            let _ = match node {
                Node::Group(name) => writeln!(out, "  n{}([\"{}\"])", index + 1, label(name)),
                Node::Resource(target) => writeln!(
                    out,
                    "  n{}[(\"{}\")]",
                    index + 1,
                    label(&format!("{}/{}", target.network, target.resource))
                ),
                // Peers are hexagons.
                Node::Peer(name) => writeln!(out, "  n{}{{{{\"{}\"}}}}", index + 1, label(name)),
            };
        }
        let mut styled: [(Vec<usize>, &str); 3] = [
            (Vec::new(), ADDED_STYLE),
            (Vec::new(), CHANGED_STYLE),
            (Vec::new(), REMOVED_STYLE),
        ];
        for (index, edge) in self.edges.iter().enumerate() {
            let _ = writeln!(
                out,
                "  n{} {}|\"{}\"| n{}",
                edge.from + 1,
                arrow(edge),
                label(&edge_text(edge)),
                edge.to + 1
            );
            match edge.state {
                State::Added => styled[0].0.push(index),
                State::Changed { .. } => styled[1].0.push(index),
                State::Removed => styled[2].0.push(index),
                State::Unchanged => {}
            }
        }
        // linkStyle counts edges from 0 in the order they are declared above.
        for (indices, style) in styled {
            if !indices.is_empty() {
                let list: Vec<String> = indices.iter().map(ToString::to_string).collect();
                let _ = writeln!(out, "  linkStyle {} {style}", list.join(","));
            }
        }
        out
    }
}

/// One source → destination pair of a rule.
#[derive(Debug)]
struct Pair {
    from: Node,
    to: Node,
    access: Access,
}

fn policy_of(object: Option<&Object>) -> Option<&Policy> {
    match object {
        Some(Object::Policy(policy)) => Some(policy),
        _ => None,
    }
}

/// The pairs a policy connects. A disabled policy or rule grants nothing, so it has none: a
/// policy switched off shows its edges as removed, which is what it does to access.
fn pairs(policy: Option<&Policy>) -> Vec<Pair> {
    let Some(policy) = policy else {
        return Vec::new();
    };
    if policy.enabled == Some(false) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for rule in policy.rules.iter().filter(|r| r.enabled != Some(false)) {
        let mut text = String::new();
        if rule.action == RuleAction::Drop {
            text.push_str("drop ");
        }
        text.push_str(rule.protocol.as_str());
        if !rule.ports.is_empty() {
            let ports: Vec<String> = rule.ports.iter().map(ToString::to_string).collect();
            let _ = write!(text, " {}", ports.join(", "));
        }
        let access = Access {
            drop: rule.action == RuleAction::Drop,
            both_ways: rule.bidirectional == Some(true),
            text,
        };
        let destinations: Vec<Node> = match &rule.destination {
            Destination::Groups(groups) => groups.iter().cloned().map(Node::Group).collect(),
            Destination::Resource(target) => vec![Node::of(target)],
        };
        let sources: Vec<Node> = match &rule.source_resource {
            Some(target) => vec![Node::of(target)],
            None => rule.sources.iter().cloned().map(Node::Group).collect(),
        };
        for source in &sources {
            for destination in &destinations {
                out.push(Pair {
                    from: source.clone(),
                    to: destination.clone(),
                    access: access.clone(),
                });
            }
        }
    }
    out
}

/// What a changed edge was, in the words of its label: the old protocol and ports, or only the
/// direction when that is all that changed.
fn was(old: &Access, new: &Access) -> String {
    if old.text != new.text {
        old.text.clone()
    } else if old.both_ways {
        "both ways".to_owned()
    } else if new.both_ways {
        "one way".to_owned()
    } else {
        old.text.clone()
    }
}

/// `+ admins-ssh: tcp 22, 443`, `~ admins-ssh: tcp 22, 443 (was tcp 22)`, `- legacy: all`:
/// the same marks as the change list, so the picture reads without colour too.
fn edge_text(edge: &Edge) -> String {
    let body = format!("{}: {}", edge.policy, edge.access.text);
    match &edge.state {
        State::Added => format!("+ {body}"),
        State::Changed { was } => format!("~ {body} (was {was})"),
        State::Unchanged => body,
        State::Removed => format!("- {body}"),
    }
}

/// The link between two nodes: dashed when removed, a cross end for a drop rule, two heads
/// when the rule goes both ways.
fn arrow(edge: &Edge) -> &'static str {
    let removed = edge.state == State::Removed;
    match (removed, edge.access.drop, edge.access.both_ways) {
        (false, false, false) => "-->",
        (false, false, true) => "<-->",
        (false, true, false) => "--x",
        (false, true, true) => "x--x",
        (true, false, false) => "-.->",
        (true, false, true) => "<-.->",
        (true, true, false) => "-.-x",
        (true, true, true) => "x-.-x",
    }
}

/// Text for inside a quoted Mermaid label. Mermaid decodes `#<number>;` entity codes, so the
/// characters that could end the label (`"`), the edge text (`|`), start an entity (`#`), open
/// HTML (`<`, `>`, `&`) or close the Markdown fence (`` ` ``) are written that way; line breaks
/// and other control characters become spaces.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '#' | '|' | '<' | '>' | '&' | '`' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_cannot_end_the_label_the_edge_or_the_fence() {
        assert_eq!(
            label("a\"b|c#d<e>f&g`h\ni"),
            "a#34;b#124;c#35;d#60;e#62;f#38;g#96;h i"
        );
        assert_eq!(label("Zahnärzte"), "Zahnärzte");
    }
}

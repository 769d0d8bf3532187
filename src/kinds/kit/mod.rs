//! The kit a kind is written with: the located YAML tree and its reader (decoding, every
//! problem located), the readers of common value shapes, and how documents are written back
//! (export). Nothing here knows a kind.

pub(crate) mod equality;
pub(crate) mod export;
pub(crate) mod flow;
pub(crate) mod ids;
pub(crate) mod named;
pub(crate) mod names;
pub(crate) mod node;
pub(crate) mod read;
pub(crate) mod references;
pub(crate) mod yaml;

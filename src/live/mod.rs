//! Snapshots of live tenants, built from `api` list calls and converted to the model.

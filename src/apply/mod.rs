//! A plan → API calls, in dependency order, tenant by tenant.

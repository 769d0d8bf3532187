//! Pure: no I/O, no async. Turns desired and live tenants into a plan of changes.

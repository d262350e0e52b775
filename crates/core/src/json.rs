//! A minimal, allocation-free JSON scanner for flat packet objects.

//! Test support for promcast.

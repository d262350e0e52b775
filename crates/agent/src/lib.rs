//! promcast-agent (work in progress).

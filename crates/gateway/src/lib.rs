//! promcast gateway library.

//! `/prometheus/api/v1/…`.

//! One folder per external system: a client, pure conversions to model types, the sources
//! that turn its events into `Msg`s, and the actions it performs.

pub mod github;
pub mod gitlab;
pub mod kube;
pub mod prometheus;
pub mod rest;

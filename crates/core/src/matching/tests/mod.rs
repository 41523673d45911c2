//! Behaviour tests for the matching engine, one file per concern.

mod properties;
mod rules;
mod scoring;
mod suggesting;

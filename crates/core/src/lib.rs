//! Linli's rules, shared by the browser app and the server.
//!
//! Linli (邻里) matches volunteers with elder-care and community-education tasks in Chinese
//! villages and city districts. Everything that both sides must agree on lives here: the domain
//! model ([`model`], re-exported at the crate root), its validation rules, and a deterministic
//! demo-village generator ([`demo`]).
//!
//! The same code is compiled natively for the server and to `wasm32-unknown-unknown` for the
//! Leptos app, so this crate must **never depend on web, network, database or clock crates**. It
//! never reads the current time or an OS random source: callers pass dates in, and randomness
//! comes from the seeded [`rng::SplitMix64`], so output is identical on every platform.

pub mod assign;
pub mod beneficiary_csv;
pub mod campaign;
pub mod demo;
pub mod figures;
pub mod ics;
pub mod ledger;
pub mod matching;
pub mod model;
pub mod reports;
pub mod rng;
pub mod sync;

pub use model::*;

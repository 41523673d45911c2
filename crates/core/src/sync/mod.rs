//! Offline-first sync, the rules half: every change is a named [`Mutation`] with typed
//! arguments, applied by [`apply`] to a [`Store`] — optimistically in the browser on its local
//! copy, authoritatively on the server inside one database transaction. Both run this same code,
//! so a phone and the server can only disagree about *facts* the phone did not have (someone
//! else took the last place), never about *rules*.
//!
//! The design follows Replicache's push/pull model: devices number their mutations, the server
//! applies each exactly once in order and answers with a patch of what this user may now see.
//! Clocks are never trusted for ordering; the server's order decides (e.g. the waiting list).
//! Wire types are in [`protocol`]; who may see which record is [`visibility`].

mod apply;
mod mutation;
pub mod protocol;
mod record;
mod replica;
mod store;
pub mod visibility;

#[cfg(test)]
mod tests;

pub use apply::{apply, Actor, ApplyError, Outcome, RejectCode, Rejection, Role};
pub use mutation::Mutation;
pub use record::{
    service_key, Places, Record, RecordError, RecordKind, Roster, RosterEntry, Signup, SignupStatus,
};
pub use replica::{PendingMutation, Replica};
pub use store::{MemoryStore, Store, StoreError};

pub mod coordinator;
pub mod home;
pub mod join;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod schedule;
pub mod volunteer;

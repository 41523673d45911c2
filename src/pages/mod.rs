pub mod coordinator;
pub mod home;
pub mod not_found;
pub mod volunteer;

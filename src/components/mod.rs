pub mod messages;
pub mod notices;
pub mod qr;
pub mod reminders;
pub mod top_bar;
pub mod update_banner;

pub mod notices;
pub mod top_bar;
pub mod update_banner;

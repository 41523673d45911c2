//! The sync-status indicator's model: what the top bar says about the connection and the queue.

use crate::i18n::{Lang, Msg};

/// What the user needs to know before trusting what they see: is this phone online, and is any
/// of their own work still waiting to reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub online: bool,
    /// Changes made on this device that the server has not confirmed yet.
    pub pending: usize,
}

/// The three states the indicator can show; the CSS colours them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    Online,
    Offline,
    Pending,
}

impl SyncStatus {
    pub fn indicator(self) -> Indicator {
        if !self.online {
            Indicator::Offline
        } else if self.pending > 0 {
            Indicator::Pending
        } else {
            Indicator::Online
        }
    }

    /// The indicator's text. Offline wins over pending: when offline nothing can sync anyway,
    /// and the count is still given so the user knows their work is kept.
    pub fn label(self, lang: Lang) -> String {
        let pending = match self.pending {
            0 => String::new(),
            n => format!("{n} {}", Msg::StatusPending.text(lang)),
        };
        match (self.indicator(), pending.is_empty()) {
            (Indicator::Online, _) => Msg::StatusOnline.text(lang).to_owned(),
            (Indicator::Pending, _) => pending,
            (Indicator::Offline, true) => Msg::StatusOffline.text(lang).to_owned(),
            (Indicator::Offline, false) => {
                format!("{} · {pending}", Msg::StatusOffline.text(lang))
            }
        }
    }
}

impl Indicator {
    /// Stable name for CSS classes and tests (`data-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Online => "online",
            Indicator::Offline => "offline",
            Indicator::Pending => "pending",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_is_shown_even_with_pending_changes_and_keeps_the_count() {
        let status = SyncStatus {
            online: false,
            pending: 3,
        };
        assert_eq!(status.indicator(), Indicator::Offline);
        assert_eq!(status.label(Lang::Zh), "离线 · 3 项待同步");
        assert_eq!(status.label(Lang::En), "Offline · 3 pending");
    }

    #[test]
    fn online_with_queue_shows_pending_count() {
        let status = SyncStatus {
            online: true,
            pending: 2,
        };
        assert_eq!(status.indicator(), Indicator::Pending);
        assert_eq!(status.label(Lang::En), "2 pending");
    }

    #[test]
    fn online_and_empty_queue_says_online() {
        let status = SyncStatus {
            online: true,
            pending: 0,
        };
        assert_eq!(status.label(Lang::Zh), "在线");
        assert_eq!(
            SyncStatus {
                online: false,
                pending: 0
            }
            .label(Lang::En),
            "Offline"
        );
    }
}

//! The sync-status indicator's model: what the top bar says about the connection and the queue.

use crate::i18n::{Lang, Msg};

/// What the user needs to know before trusting what they see: is this phone online, is any of
/// their own work still waiting to reach the server, and when did it last sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub online: bool,
    /// Changes made on this device that the server has not confirmed yet.
    pub pending: usize,
    /// A sync request is under way.
    pub syncing: bool,
    /// Local time (hour, minute) of the last successful sync, if any this session.
    pub last_synced: Option<(u32, u32)>,
}

/// The states the indicator can show; the CSS colours them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    Online,
    Offline,
    Syncing,
    Pending,
}

impl SyncStatus {
    pub fn indicator(self) -> Indicator {
        if !self.online {
            Indicator::Offline
        } else if self.syncing {
            Indicator::Syncing
        } else if self.pending > 0 {
            Indicator::Pending
        } else {
            Indicator::Online
        }
    }

    /// The indicator's text. Offline wins: when offline nothing can sync anyway, and the count
    /// is still given so the user knows their work is kept.
    pub fn label(self, lang: Lang) -> String {
        let pending = match self.pending {
            0 => String::new(),
            n => format!("{n} {}", Msg::StatusPending.text(lang)),
        };
        match (self.indicator(), pending.is_empty()) {
            (Indicator::Offline, true) => Msg::StatusOffline.text(lang).to_owned(),
            (Indicator::Offline, false) => {
                format!("{} · {pending}", Msg::StatusOffline.text(lang))
            }
            (Indicator::Syncing, _) => Msg::StatusSyncing.text(lang).to_owned(),
            (Indicator::Pending, _) => pending,
            (Indicator::Online, _) => match self.last_synced {
                Some((h, m)) => format!("{} {h:02}:{m:02}", Msg::StatusSynced.text(lang)),
                None => Msg::StatusOnline.text(lang).to_owned(),
            },
        }
    }
}

impl Indicator {
    /// Stable name for CSS classes and tests (`data-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Online => "online",
            Indicator::Offline => "offline",
            Indicator::Syncing => "syncing",
            Indicator::Pending => "pending",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(online: bool, pending: usize) -> SyncStatus {
        SyncStatus {
            online,
            pending,
            ..Default::default()
        }
    }

    #[test]
    fn offline_is_shown_even_with_pending_changes_and_keeps_the_count() {
        let s = status(false, 3);
        assert_eq!(s.indicator(), Indicator::Offline);
        assert_eq!(s.label(Lang::Zh), "离线 · 3 项待同步");
        assert_eq!(s.label(Lang::En), "Offline · 3 pending");
        assert_eq!(status(false, 0).label(Lang::En), "Offline");
    }

    #[test]
    fn online_with_queue_shows_pending_count_and_syncing_wins_while_it_runs() {
        assert_eq!(status(true, 2).indicator(), Indicator::Pending);
        assert_eq!(status(true, 2).label(Lang::En), "2 pending");
        let running = SyncStatus {
            syncing: true,
            ..status(true, 2)
        };
        assert_eq!(running.label(Lang::Zh), "同步中…");
    }

    #[test]
    fn online_says_when_it_last_synced() {
        assert_eq!(status(true, 0).label(Lang::Zh), "在线");
        let synced = SyncStatus {
            last_synced: Some((9, 5)),
            ..status(true, 0)
        };
        assert_eq!(synced.label(Lang::Zh), "已同步 09:05");
        assert_eq!(synced.label(Lang::En), "Synced 09:05");
    }
}

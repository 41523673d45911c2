//! The app's two languages. Every visible string is a `Msg`, so a missing translation is a
//! compile error rather than a Chinese word left on an English screen.

use serde::{Deserialize, Serialize};

/// The user's language. Chinese is the default: most volunteers and coordinators read it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP 47 tag, used for `<html lang>` and for storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a stored tag; anything unknown (or nothing) falls back to Chinese.
    pub fn from_tag(tag: Option<&str>) -> Lang {
        match tag {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The other language, for the one-button switch in the top bar.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// Every string the app shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    AppName,
    Tagline,
    NavHome,
    NavVolunteer,
    NavCoordinator,
    /// The label of the switch names the language it switches *to*, in that language.
    SwitchLanguage,
    SwitchLanguageLabel,
    StatusOnline,
    StatusOffline,
    StatusPending,
    HomeTitle,
    HomeIntro,
    HomeVolunteerCard,
    HomeVolunteerCardBody,
    HomeCoordinatorCard,
    HomeCoordinatorCardBody,
    HomeOfflineNote,
    VolunteerTitle,
    VolunteerEmpty,
    CoordinatorTitle,
    CoordinatorEmpty,
    NotFoundTitle,
    NotFoundBody,
    BackHome,
    UpdateReady,
    UpdateReload,
}

impl Msg {
    pub fn text(self, lang: Lang) -> &'static str {
        use Msg::*;
        match lang {
            Lang::Zh => match self {
                AppName => "邻里",
                Tagline => "村居志愿服务",
                NavHome => "首页",
                NavVolunteer => "志愿者",
                NavCoordinator => "协调员",
                SwitchLanguage => "English",
                SwitchLanguageLabel => "Switch to English",
                StatusOnline => "在线",
                StatusOffline => "离线",
                StatusPending => "项待同步",
                HomeTitle => "邻里守望，服务到家",
                HomeIntro => "报名志愿服务、接收关爱老人和社区教育任务、记录服务时长。没有信号也能用，联网后自动同步。",
                HomeVolunteerCard => "我是志愿者",
                HomeVolunteerCardBody => "查看适合我的任务，报名、签到、签退。",
                HomeCoordinatorCard => "我是协调员",
                HomeCoordinatorCardBody => "登记服务对象，发布任务，安排合适的人。",
                HomeOfflineNote => "本应用可安装到手机桌面，离线时照常打开。",
                VolunteerTitle => "志愿者",
                VolunteerEmpty => "加入本村志愿队后，适合您的任务会显示在这里。",
                CoordinatorTitle => "协调员工作台",
                CoordinatorEmpty => "登录后，本村的服务对象、任务和排班会显示在这里。",
                NotFoundTitle => "找不到这个页面",
                NotFoundBody => "链接可能有误或已失效。",
                BackHome => "返回首页",
                UpdateReady => "新版本已准备好。",
                UpdateReload => "重新加载以更新",
            },
            Lang::En => match self {
                AppName => "Linli",
                Tagline => "Village volunteer service",
                NavHome => "Home",
                NavVolunteer => "Volunteer",
                NavCoordinator => "Coordinator",
                SwitchLanguage => "中文",
                SwitchLanguageLabel => "切换到中文",
                StatusOnline => "Online",
                StatusOffline => "Offline",
                StatusPending => "pending",
                HomeTitle => "Neighbours helping neighbours",
                HomeIntro => "Sign up to volunteer, take on elder-care and community-education tasks, and keep a record of your service. Works with no signal and syncs when you are back online.",
                HomeVolunteerCard => "I volunteer",
                HomeVolunteerCardBody => "See the tasks that suit me, sign up, check in and out.",
                HomeCoordinatorCard => "I coordinate",
                HomeCoordinatorCardBody => "Register the people we serve, post tasks, send the right people.",
                HomeOfflineNote => "Install this app on your phone's home screen; it opens even when offline.",
                VolunteerTitle => "Volunteer",
                VolunteerEmpty => "Once you join your village's volunteer team, the tasks that suit you appear here.",
                CoordinatorTitle => "Coordinator's workspace",
                CoordinatorEmpty => "Once you sign in, your village's beneficiaries, tasks and plans appear here.",
                NotFoundTitle => "Page not found",
                NotFoundBody => "The link may be wrong or out of date.",
                BackHome => "Back to home",
                UpdateReady => "A new version is ready.",
                UpdateReload => "Reload to update",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Msg] = &[
        Msg::AppName,
        Msg::Tagline,
        Msg::NavHome,
        Msg::NavVolunteer,
        Msg::NavCoordinator,
        Msg::StatusOnline,
        Msg::StatusOffline,
        Msg::StatusPending,
        Msg::HomeTitle,
        Msg::HomeIntro,
        Msg::HomeVolunteerCard,
        Msg::HomeVolunteerCardBody,
        Msg::HomeCoordinatorCard,
        Msg::HomeCoordinatorCardBody,
        Msg::HomeOfflineNote,
        Msg::VolunteerTitle,
        Msg::VolunteerEmpty,
        Msg::CoordinatorTitle,
        Msg::CoordinatorEmpty,
        Msg::NotFoundTitle,
        Msg::NotFoundBody,
        Msg::BackHome,
        Msg::UpdateReady,
        Msg::UpdateReload,
    ];

    fn has_han(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn english_strings_have_no_chinese_and_chinese_strings_do() {
        for msg in ALL {
            assert!(
                !has_han(msg.text(Lang::En)),
                "{msg:?} has Chinese in English"
            );
            assert!(
                has_han(msg.text(Lang::Zh)),
                "{msg:?} is not translated to Chinese"
            );
        }
    }

    #[test]
    fn language_switch_label_is_written_in_the_target_language() {
        assert_eq!(Msg::SwitchLanguage.text(Lang::Zh), "English");
        assert!(has_han(Msg::SwitchLanguage.text(Lang::En)));
    }

    #[test]
    fn stored_tag_round_trips_and_unknown_falls_back_to_chinese() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(Lang::from_tag(Some(lang.tag())), lang);
        }
        assert_eq!(Lang::from_tag(None), Lang::Zh);
        assert_eq!(Lang::from_tag(Some("fr")), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
    }
}

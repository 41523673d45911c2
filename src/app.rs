//! The shell: language and connection state shared by every page, and the routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::notices::Notices;
use crate::components::top_bar::TopBar;
use crate::components::update_banner::UpdateBanner;
use crate::i18n::{Lang, Msg};
use crate::pages::approvals::Approvals;
use crate::pages::beneficiaries::Beneficiaries;
use crate::pages::board::BoardPage;
use crate::pages::coordinator::{Coordinator, CoordinatorTask};
use crate::pages::credits::Credits;
use crate::pages::devices::Devices;
use crate::pages::family::FamilyConfirm;
use crate::pages::figures::Figures;
use crate::pages::new_task::{NewCampaign, NewTask};
use crate::pages::plan::Plan;
use crate::pages::reports::Reports;
use crate::pages::volunteers::Volunteers;
use crate::pages::{
    home::Home, join::Join, login::Login, not_found::NotFound, profile::Profile,
    schedule::Schedule, service::Service, task::VolunteerTask, volunteer::Volunteer,
};
use crate::status::SyncStatus;
use crate::sync::SyncEngine;

/// Where the chosen language is remembered on this device.
const LANG_KEY: &str = "linli.lang";
/// Where the large-text choice is remembered on this device ("1" on, "0" off).
const LARGE_TEXT_KEY: &str = "linli.large_text";

/// The app-wide state every component can read from context.
#[derive(Clone, Copy)]
pub struct Shell {
    pub lang: RwSignal<Lang>,
    pub status: RwSignal<SyncStatus>,
    /// Large-text mode for older eyes (the top bar's toggle).
    pub large_text: RwSignal<bool>,
}

/// A reactive translation of `msg` in the current language.
pub fn tr(msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = expect_context::<Shell>().lang;
    move || msg.text(lang.get())
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn stored_lang() -> Lang {
    let tag = local_storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten());
    Lang::from_tag(tag.as_deref())
}

fn stored_large_text() -> bool {
    let value = local_storage().and_then(|s| s.get_item(LARGE_TEXT_KEY).ok().flatten());
    value.as_deref() == Some("1")
}

#[component]
pub fn App() -> impl IntoView {
    let shell = Shell {
        lang: RwSignal::new(stored_lang()),
        large_text: RwSignal::new(stored_large_text()),
        status: RwSignal::new(SyncStatus {
            online: window().navigator().on_line(),
            ..SyncStatus::default()
        }),
    };
    provide_context(shell);
    let engine = SyncEngine::start(shell.status);
    provide_context(engine);
    provide_context(crate::pages::join::JoinQueue::start(engine));

    // Keep <html lang> and the stored choice in step with the switch. Storage may be full or
    // disabled (private mode); then the choice simply lasts for this visit.
    Effect::new(move |_| {
        let lang = shell.lang.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(LANG_KEY, lang.tag());
        }
        document().set_title(&format!(
            "{} · {}",
            Msg::AppName.text(lang),
            Msg::Tagline.text(lang)
        ));
    });
    // Large text: a class on <html> makes every rem-based size grow (style/main.css); stored like
    // the language. Other classes on <html> are kept.
    Effect::new(move |_| {
        let on = shell.large_text.get();
        if let Some(root) = document().document_element() {
            let classes = crate::components::top_bar::with_class(
                &root.class_name(),
                crate::components::top_bar::LARGE_TEXT_CLASS,
                on,
            );
            root.set_class_name(&classes);
        }
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(LARGE_TEXT_KEY, if on { "1" } else { "0" });
        }
    });

    let _ = window_event_listener(leptos::ev::online, move |_| {
        shell.status.update(|s| s.online = true)
    });
    let _ = window_event_listener(leptos::ev::offline, move |_| {
        shell.status.update(|s| s.online = false)
    });

    let (update_ready, set_update_ready) = signal(false);
    crate::pwa::register(set_update_ready);

    view! {
        <Router>
            <TopBar/>
            <UpdateBanner ready=update_ready/>
            <Notices/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/volunteer") view=Volunteer/>
                    <Route path=path!("/volunteer/profile") view=Profile/>
                    <Route path=path!("/volunteer/schedule") view=Schedule/>
                    <Route path=path!("/volunteer/task/:id") view=VolunteerTask/>
                    <Route path=path!("/volunteer/service") view=Service/>
                    <Route path=path!("/volunteer/credits") view=Credits/>
                    <Route path=path!("/coordinator") view=Coordinator/>
                    <Route path=path!("/coordinator/task/:id") view=CoordinatorTask/>
                    <Route path=path!("/coordinator/beneficiaries") view=Beneficiaries/>
                    <Route path=path!("/coordinator/plan") view=Plan/>
                    <Route path=path!("/coordinator/approvals") view=Approvals/>
                    <Route path=path!("/coordinator/board") view=BoardPage/>
                    <Route path=path!("/coordinator/devices") view=Devices/>
                    <Route path=path!("/coordinator/new-task") view=NewTask/>
                    <Route path=path!("/coordinator/campaign") view=NewCampaign/>
                    <Route path=path!("/coordinator/volunteers") view=Volunteers/>
                    <Route path=path!("/coordinator/reports") view=Reports/>
                    // Public: anyone with the village's link, no account (not in CoordinatorOnly).
                    <Route path=path!("/v/:village/figures") view=Figures/>
                    <Route path=path!("/join") view=Join/>
                    <Route path=path!("/confirm") view=FamilyConfirm/>
                    <Route path=path!("/login") view=Login/>
                </Routes>
            </main>
        </Router>
    }
}

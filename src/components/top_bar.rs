//! The bar on every page: name, navigation, language switch and the sync indicator.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::{tr, Shell};
use crate::i18n::Msg;

#[component]
pub fn TopBar() -> impl IntoView {
    let shell = expect_context::<Shell>();
    let lang = shell.lang;
    let status = shell.status;
    view! {
        <header class="top-bar">
            <A href="/" attr:class="brand">
                <span class="brand-name">{tr(Msg::AppName)}</span>
                <span class="brand-tagline">{tr(Msg::Tagline)}</span>
            </A>
            <span
                class="sync-status"
                data-testid="sync-status"
                data-state=move || status.get().indicator().as_str()
                role="status"
                aria-live="polite"
            >
                {move || status.get().label(lang.get())}
            </span>
            <button
                type="button"
                class="lang-switch"
                data-testid="lang-switch"
                lang=move || lang.get().other().tag()
                aria-label=tr(Msg::SwitchLanguageLabel)
                on:click=move |_| lang.update(|l| *l = l.other())
            >
                {tr(Msg::SwitchLanguage)}
            </button>
            <nav class="main-nav">
                <A href="/" exact=true>{tr(Msg::NavHome)}</A>
                <A href="/volunteer">{tr(Msg::NavVolunteer)}</A>
                <A href="/coordinator">{tr(Msg::NavCoordinator)}</A>
            </nav>
        </header>
    }
}

//! The bar on every page: name, navigation, large-text and language switches, and the sync
//! indicator.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::{tr, Shell};
use crate::i18n::Msg;

/// The class on `<html>` that turns on large text (see the end of style/main.css).
pub const LARGE_TEXT_CLASS: &str = "large-text";

/// `classes` (an element's class attribute) with `class` present or absent, other classes kept
/// in order. Plain string work, so it needs no extra browser API and is tested natively.
pub fn with_class(classes: &str, class: &str, on: bool) -> String {
    let mut kept: Vec<&str> = classes.split_whitespace().filter(|c| *c != class).collect();
    if on {
        kept.push(class);
    }
    kept.join(" ")
}

#[component]
pub fn TopBar() -> impl IntoView {
    let shell = expect_context::<Shell>();
    let lang = shell.lang;
    let status = shell.status;
    let large_text = shell.large_text;
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
            // A toggle: its name stays the same and aria-pressed says whether it is on.
            <button
                type="button"
                class="text-size"
                data-testid="large-text"
                aria-pressed=move || large_text.get().to_string()
                aria-label=tr(Msg::LargeTextLabel)
                on:click=move |_| large_text.update(|on| *on = !*on)
            >
                {tr(Msg::LargeText)}
            </button>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_text_class_is_added_once_and_removed_without_touching_others() {
        assert_eq!(with_class("", LARGE_TEXT_CLASS, true), "large-text");
        assert_eq!(
            with_class("a large-text b", LARGE_TEXT_CLASS, true),
            "a b large-text"
        );
        assert_eq!(with_class(" a  large-text ", LARGE_TEXT_CLASS, false), "a");
        assert_eq!(with_class("", LARGE_TEXT_CLASS, false), "");
    }
}

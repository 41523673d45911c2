//! Linli's browser app: a Leptos client-side-rendered PWA. The rules live in `linli-core`; this
//! crate is the view over them, plus what only a browser has (storage, service worker, network).

mod api;
mod app;
mod clock;
mod components;
mod files;
mod i18n;
mod pages;
mod pwa;
mod status;
mod sync;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

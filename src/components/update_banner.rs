//! Offers "reload to update" once a new version of the app has installed in the background.

use leptos::prelude::*;

use crate::app::tr;
use crate::i18n::Msg;

#[component]
pub fn UpdateBanner(ready: ReadSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || ready.get()>
            <div class="update-banner" role="alert" data-testid="update-banner">
                <span>{tr(Msg::UpdateReady)}</span>
                <button type="button" on:click=move |_| crate::pwa::apply_update()>
                    {tr(Msg::UpdateReload)}
                </button>
            </div>
        </Show>
    }
}

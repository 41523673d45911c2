use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::tr;
use crate::i18n::Msg;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="not-found" data-testid="not-found">
            <h1>{tr(Msg::NotFoundTitle)}</h1>
            <p>{tr(Msg::NotFoundBody)}</p>
            <A href="/">{tr(Msg::BackHome)}</A>
        </section>
    }
}

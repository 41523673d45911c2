use leptos::prelude::*;

use crate::app::tr;
use crate::i18n::Msg;

#[component]
pub fn Coordinator() -> impl IntoView {
    view! {
        <section class="area coordinator">
            <h1>{tr(Msg::CoordinatorTitle)}</h1>
            <p class="empty">{tr(Msg::CoordinatorEmpty)}</p>
        </section>
    }
}

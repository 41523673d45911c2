use leptos::prelude::*;

use crate::app::tr;
use crate::i18n::Msg;

#[component]
pub fn Volunteer() -> impl IntoView {
    view! {
        <section class="area volunteer">
            <h1>{tr(Msg::VolunteerTitle)}</h1>
            <p class="empty">{tr(Msg::VolunteerEmpty)}</p>
        </section>
    }
}

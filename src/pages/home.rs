use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::tr;
use crate::i18n::Msg;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="home">
            <h1>{tr(Msg::HomeTitle)}</h1>
            <p class="lead">{tr(Msg::HomeIntro)}</p>
            <div class="cards">
                <A href="/volunteer" attr:class="card">
                    <h2>{tr(Msg::HomeVolunteerCard)}</h2>
                    <p>{tr(Msg::HomeVolunteerCardBody)}</p>
                </A>
                <A href="/coordinator" attr:class="card">
                    <h2>{tr(Msg::HomeCoordinatorCard)}</h2>
                    <p>{tr(Msg::HomeCoordinatorCardBody)}</p>
                </A>
            </div>
            <p class="note">{tr(Msg::HomeOfflineNote)}</p>
        </section>
    }
}

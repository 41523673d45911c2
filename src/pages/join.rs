//! Joining a village's volunteer team with an invite code (from the link `/join#CODE`, a QR
//! code, or typed in).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use linli_core::model::{VillageId, VolunteerId};
use linli_core::sync::protocol::JoinRequest;
use linli_core::sync::{Actor, Role};

use crate::api::{self, ApiFailure};
use crate::app::{tr, Shell};
use crate::i18n::Msg;
use crate::sync::local::Session;
use crate::sync::SyncEngine;

fn code_from_link() -> String {
    let hash = window().location().hash().unwrap_or_default();
    hash.trim_start_matches('#').trim().to_owned()
}

#[component]
pub fn Join() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let navigate = use_navigate();
    let code = RwSignal::new(code_from_link());
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let request = JoinRequest {
            invite_code: code.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            phone: phone.get_untracked().trim().to_owned(),
            group: None,
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::join(&request).await {
                Ok(joined) => {
                    engine.sign_in(Session {
                        token: joined.token,
                        actor: Actor {
                            village: VillageId::new(joined.village_id),
                            role: Role::Volunteer(VolunteerId::new(joined.volunteer_id)),
                        },
                    });
                    navigate("/volunteer", Default::default());
                }
                Err(ApiFailure::Network) => error.set(Some(Msg::JoinNeedsNetwork)),
                Err(ApiFailure::Refused { code, .. }) if code == "invalid_invite" => {
                    error.set(Some(Msg::JoinInvalidCode))
                }
                Err(_) => error.set(Some(Msg::JoinFailed)),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="join">
            <h1>{tr(Msg::JoinTitle)}</h1>
            <p>{tr(Msg::JoinIntro)}</p>
            <form class="form" on:submit=submit>
                <label>
                    <span>{tr(Msg::InviteCode)}</span>
                    <input name="invite_code" required autocomplete="off" bind:value=code/>
                </label>
                <label>
                    <span>{tr(Msg::YourName)}</span>
                    <input name="name" required autocomplete="name" bind:value=name/>
                </label>
                <label>
                    <span>{tr(Msg::YourPhone)}</span>
                    <input name="phone" type="tel" required autocomplete="tel" inputmode="tel" bind:value=phone/>
                </label>
                <p class="form-error" role="alert" data-testid="join-error">
                    {move || error.get().map(|m| m.text(lang.get()))}
                </p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { tr(Msg::Joining)() } else { tr(Msg::JoinButton)() }}
                </button>
            </form>
        </section>
    }
}

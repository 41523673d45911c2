//! A coordinator's one-time sign-in link: `/login#CODE`.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use linli_core::model::VillageId;
use linli_core::sync::{Actor, Role};

use crate::api;
use crate::app::{tr, Shell};
use crate::i18n::Msg;
use crate::sync::local::Session;
use crate::sync::SyncEngine;

#[component]
pub fn Login() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let navigate = use_navigate();
    let hash = window().location().hash().unwrap_or_default();
    let code = hash.trim_start_matches('#').trim().to_owned();
    let state = RwSignal::new(if code.is_empty() {
        Msg::LoginNoCode
    } else {
        Msg::LoginWorking
    });
    if !code.is_empty() {
        leptos::task::spawn_local(async move {
            match api::login(&code).await {
                Ok(login) => {
                    // The code is single-use: drop it from the address bar and history.
                    let _ = window().history().and_then(|h| {
                        h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/login"))
                    });
                    engine.sign_in(Session {
                        token: login.token,
                        actor: Actor {
                            village: VillageId::new(login.village_id),
                            role: Role::Coordinator(login.coordinator_id),
                        },
                    });
                    navigate("/coordinator", Default::default());
                }
                Err(_) => state.set(Msg::LoginFailed),
            }
        });
    }
    view! {
        <section class="login">
            <h1>{tr(Msg::LoginTitle)}</h1>
            <p data-testid="login-state">{move || state.get().text(lang.get())}</p>
        </section>
    }
}

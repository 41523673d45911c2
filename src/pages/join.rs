//! Joining a village's volunteer team with an invite code (from the link `/join#CODE`, a QR
//! code, or typed in). The code is checked as soon as it is there, so a wrong one is said at
//! once and the village's groups can be picked; with no connection the join is kept on the
//! phone and sent when the phone is back online.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use linli_core::model::{VillageId, VolunteerId};
use linli_core::sync::protocol::{InviteResponse, JoinRequest, JoinResponse};
use linli_core::sync::{Actor, Role};

use crate::api::{self, ApiFailure};
use crate::app::{tr, Shell};
use crate::i18n::Msg;
use crate::sync::local::Session;
use crate::sync::SyncEngine;

/// A join made without a connection, waiting to be sent.
const PENDING_JOIN_KEY: &str = "linli.pending_join";

fn code_from_link() -> String {
    let hash = window().location().hash().unwrap_or_default();
    hash.trim_start_matches('#').trim().to_owned()
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn pending_join() -> Option<JoinRequest> {
    let text = storage()?.get_item(PENDING_JOIN_KEY).ok().flatten()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    serde_json::from_value(value).ok()
}

fn keep_pending_join(request: &JoinRequest) -> bool {
    let Ok(text) = serde_json::to_value(request).map(|v| v.to_string()) else {
        return false;
    };
    storage().is_some_and(|s| s.set_item(PENDING_JOIN_KEY, &text).is_ok())
}

fn forget_pending_join() {
    if let Some(s) = storage() {
        let _ = s.remove_item(PENDING_JOIN_KEY);
    }
}

fn sign_in(engine: SyncEngine, joined: JoinResponse) {
    engine.sign_in(Session {
        token: joined.token,
        actor: Actor {
            village: VillageId::new(joined.village_id),
            role: Role::Volunteer(VolunteerId::new(joined.volunteer_id)),
        },
    });
}

/// What became of a join attempt, for the form to say.
#[derive(Clone, Copy, Debug, PartialEq)]
enum JoinResult {
    Joined,
    Queued,
    Failed(Msg),
}

async fn send_join(engine: SyncEngine, request: JoinRequest) -> JoinResult {
    match api::join(&request).await {
        Ok(joined) => {
            forget_pending_join();
            sign_in(engine, joined);
            JoinResult::Joined
        }
        Err(ApiFailure::Network) | Err(ApiFailure::Server(_)) => {
            if keep_pending_join(&request) {
                JoinResult::Queued
            } else {
                JoinResult::Failed(Msg::JoinNeedsNetwork)
            }
        }
        Err(failure) => {
            // Refused for good (a code revoked meanwhile, a bad phone number): retrying will
            // not help, the form must say why.
            forget_pending_join();
            JoinResult::Failed(match failure {
                ApiFailure::Refused { code, .. } if code == "invalid_invite" => {
                    Msg::JoinInvalidCode
                }
                _ => Msg::JoinFailed,
            })
        }
    }
}

/// Sends a join kept from an offline moment, now and whenever the phone comes back online.
/// Called once at start, so it also works when the app was closed in between.
pub fn resume_pending_join(engine: SyncEngine) {
    let attempt = move || {
        if engine.session.get_untracked().is_some() {
            forget_pending_join();
            return;
        }
        if let Some(request) = pending_join() {
            if window().navigator().on_line() {
                leptos::task::spawn_local(async move {
                    send_join(engine, request).await;
                });
            }
        }
    };
    attempt();
    let _ = window_event_listener(leptos::ev::online, move |_| attempt());
}

#[component]
pub fn Join() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let navigate = use_navigate();
    let kept = pending_join();
    let code = RwSignal::new(
        kept.as_ref()
            .map(|r| r.invite_code.clone())
            .unwrap_or_else(code_from_link),
    );
    let name = RwSignal::new(kept.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let phone = RwSignal::new(kept.as_ref().map(|r| r.phone.clone()).unwrap_or_default());
    let group = RwSignal::new(
        kept.as_ref()
            .and_then(|r| r.group.clone())
            .unwrap_or_default(),
    );
    let village = RwSignal::new(None::<InviteResponse>);
    let error = RwSignal::new(None::<Msg>);
    let queued = RwSignal::new(kept.is_some());
    let busy = RwSignal::new(false);
    // Set by a join sent from this form (or kept from before): its sign-in leads to the tasks.
    let expecting = RwSignal::new(kept.is_some());

    Effect::new(move |_| {
        if matches!(
            engine.session.get().map(|s| s.actor.role),
            Some(Role::Volunteer(_))
        ) && expecting.get_untracked()
        {
            navigate("/volunteer", Default::default());
        }
    });

    let check_code = move || {
        let typed = code.get_untracked().trim().to_owned();
        if typed.is_empty() || !window().navigator().on_line() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::invite(&typed).await {
                Ok(opened) => {
                    if error.get_untracked() == Some(Msg::JoinInvalidCode) {
                        error.set(None);
                    }
                    village.set(Some(opened));
                }
                Err(ApiFailure::Refused { code, .. }) if code == "invalid_invite" => {
                    village.set(None);
                    error.set(Some(Msg::JoinInvalidCode));
                }
                // Offline or a server hiccup: the join itself will tell.
                Err(_) => {}
            }
        });
    };
    check_code();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let chosen = group.get_untracked();
        let request = JoinRequest {
            invite_code: code.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            phone: phone.get_untracked().trim().to_owned(),
            group: (!chosen.is_empty()).then_some(chosen),
        };
        expecting.set(true);
        leptos::task::spawn_local(async move {
            match send_join(engine, request).await {
                JoinResult::Joined => queued.set(false),
                JoinResult::Queued => queued.set(true),
                JoinResult::Failed(msg) => {
                    expecting.set(false);
                    queued.set(false);
                    error.set(Some(msg));
                }
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
                    <input name="invite_code" required autocomplete="off" bind:value=code on:change=move |_| check_code()/>
                </label>
                {move || village.get().map(|v| view! {
                    <p class="note" data-testid="join-village">
                        {tr(Msg::JoinCodeAccepted)} " " <span data-user-text="">{v.village_name.clone()}</span>
                    </p>
                })}
                <label>
                    <span>{tr(Msg::YourName)}</span>
                    <input name="name" required autocomplete="name" bind:value=name/>
                </label>
                <label>
                    <span>{tr(Msg::YourPhone)}</span>
                    <input name="phone" type="tel" required autocomplete="tel" inputmode="tel" bind:value=phone/>
                </label>
                {move || village.get().map(|v| view! {
                    <label>
                        <span>{tr(Msg::JoinGroup)}</span>
                        <select name="group" data-testid="join-group" required on:change=move |ev| group.set(event_target_value(&ev))>
                            <option value="">{tr(Msg::JoinChooseGroup)}</option>
                            {v.groups.into_iter().map(|g| {
                                let selected = group.get_untracked() == g.id;
                                view! { <option value=g.id.clone() selected=selected data-user-text="">{g.name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <p class="form-error" role="alert" data-testid="join-error">
                    {move || error.get().map(|m| m.text(lang.get()))}
                </p>
                <p class="form-status" role="status" data-testid="join-queued">
                    {move || (queued.get() && error.get().is_none() && engine.session.get().is_none()).then(|| tr(Msg::JoinQueued)())}
                </p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { tr(Msg::Joining)() } else { tr(Msg::JoinButton)() }}
                </button>
            </form>
        </section>
    }
}

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

/// Where a join stands, for the form to say.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum JoinState {
    Idle,
    Sending,
    /// Kept on the phone; sent again when online and every half minute.
    Queued,
    Failed(Msg),
}

/// The one way a join is sent: from the form, from a join kept since an offline moment (also
/// across a restart), when the phone comes back online, and every half minute while one is
/// kept. Never two at once; every attempt carries the same request id, so a retry whose first
/// answer was lost finds the volunteer made the first time.
#[derive(Clone, Copy)]
pub struct JoinQueue {
    pub state: RwSignal<JoinState>,
    in_flight: StoredValue<bool>,
    engine: SyncEngine,
}

const RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl JoinQueue {
    /// Starts the queue (once, at start) and sends a join kept from before.
    pub fn start(engine: SyncEngine) -> JoinQueue {
        let queue = JoinQueue {
            state: RwSignal::new(if pending_join().is_some() {
                JoinState::Queued
            } else {
                JoinState::Idle
            }),
            in_flight: StoredValue::new(false),
            engine,
        };
        queue.send();
        let _ = window_event_listener(leptos::ev::online, move |_| queue.send());
        // Leaked on purpose: the queue lives as long as the app.
        let _ = set_interval_with_handle(move || queue.send(), RETRY_EVERY);
        queue
    }

    /// Keeps `request` on the phone and sends it.
    pub fn join(&self, mut request: JoinRequest) {
        if request.request_id.is_none() {
            request.request_id = Some(new_request_id());
        }
        if !keep_pending_join(&request) {
            // Storage full or disabled: try once anyway, nothing is kept for later.
            self.state.set(JoinState::Sending);
        }
        self.send_request(request);
    }

    fn send(&self) {
        if self.engine.session.get_untracked().is_some() {
            forget_pending_join();
            return;
        }
        if let Some(request) = pending_join() {
            if window().navigator().on_line() {
                self.send_request(request);
            }
        }
    }

    fn send_request(&self, request: JoinRequest) {
        if self.in_flight.get_value() {
            return;
        }
        self.in_flight.set_value(true);
        self.state.set(JoinState::Sending);
        let queue = *self;
        leptos::task::spawn_local(async move {
            let state = match api::join(&request).await {
                Ok(joined) => {
                    forget_pending_join();
                    sign_in(queue.engine, joined);
                    JoinState::Idle
                }
                Err(failure) if failure.is_transient() => {
                    if pending_join().is_some() {
                        JoinState::Queued
                    } else {
                        JoinState::Failed(Msg::JoinNeedsNetwork)
                    }
                }
                Err(failure) => {
                    // Refused for good (a code revoked meanwhile, a bad phone number): a retry
                    // will not help; the form must say why.
                    forget_pending_join();
                    JoinState::Failed(match failure {
                        ApiFailure::Refused { code, .. } if code == "invalid_invite" => {
                            Msg::JoinInvalidCode
                        }
                        _ => Msg::JoinFailed,
                    })
                }
            };
            queue.state.set(state);
            queue.in_flight.set_value(false);
        });
    }
}

fn new_request_id() -> String {
    window()
        .crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("join-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

#[component]
pub fn Join() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let queue = expect_context::<JoinQueue>();
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
    let code_error = RwSignal::new(false);

    // Signed in (by this form or by a kept join going through): on to the tasks.
    Effect::new(move |_| {
        if matches!(
            engine.session.get().map(|s| s.actor.role),
            Some(Role::Volunteer(_))
        ) {
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
                    code_error.set(false);
                    // Another village's groups: the one picked before is not among them.
                    if !opened.groups.iter().any(|g| g.id == group.get_untracked()) {
                        group.set(String::new());
                    }
                    village.set(Some(opened));
                }
                Err(ApiFailure::Refused { code, .. }) if code == "invalid_invite" => {
                    village.set(None);
                    group.set(String::new());
                    code_error.set(true);
                }
                // Offline or a server hiccup: the join itself will tell.
                Err(_) => {}
            }
        });
    };
    check_code();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if queue.state.get_untracked() == JoinState::Sending {
            return;
        }
        let chosen = group.get_untracked();
        queue.join(JoinRequest {
            invite_code: code.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            phone: phone.get_untracked().trim().to_owned(),
            group: (!chosen.is_empty()).then_some(chosen),
            request_id: None,
        });
    };
    let error = move || {
        if code_error.get() {
            return Some(Msg::JoinInvalidCode);
        }
        match queue.state.get() {
            JoinState::Failed(msg) => Some(msg),
            _ => None,
        }
    };
    let busy = move || queue.state.get() == JoinState::Sending;

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
                    {move || error().map(|m| m.text(lang.get()))}
                </p>
                <p class="form-status" role="status" data-testid="join-queued">
                    {move || (queue.state.get() == JoinState::Queued).then(|| tr(Msg::JoinQueued)())}
                </p>
                <button type="submit" class="primary" disabled=busy>
                    {move || if busy() { tr(Msg::Joining)() } else { tr(Msg::JoinButton)() }}
                </button>
            </form>
        </section>
    }
}

//! The village's signed-in devices for a coordinator: who, since when, last seen; a lost or
//! handed-on phone is signed out here (its token stops working at its next sync).

use leptos::prelude::*;

use crate::api::{self, Device};
use crate::app::{tr, Shell};
use crate::components::notices::reject_text;
use crate::i18n::{date_time, Msg};
use crate::pages::coordinator::{CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

#[component]
pub fn Devices() -> impl IntoView {
    view! { <CoordinatorOnly><DeviceList/></CoordinatorOnly> }
}

#[component]
fn DeviceList() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let devices = RwSignal::new(None::<Vec<Device>>);
    let error = RwSignal::new(None::<String>);
    let token = move || engine.session.get_untracked().map(|s| s.token);
    let load = move || {
        let Some(token) = token() else { return };
        leptos::task::spawn_local(async move {
            match api::devices(&token).await {
                Ok(list) => {
                    error.set(None);
                    devices.set(Some(list));
                }
                Err(_) => error.set(Some(
                    Msg::DevicesNeedNetwork
                        .text(lang.get_untracked())
                        .to_owned(),
                )),
            }
        });
    };
    load();
    let revoke = move |device: String| {
        let Some(token) = token() else { return };
        leptos::task::spawn_local(async move {
            match api::revoke_device(&token, &device).await {
                Ok(updated) => devices.update(|list| {
                    if let Some(list) = list {
                        for d in list.iter_mut().filter(|d| d.device == updated.device) {
                            *d = updated.clone();
                        }
                    }
                }),
                Err(api::ApiFailure::Refused { .. }) => error.set(Some(
                    reject_text(
                        lang.get_untracked(),
                        linli_core::sync::RejectCode::Forbidden,
                    )
                    .to_owned(),
                )),
                Err(_) => error.set(Some(
                    Msg::DevicesNeedNetwork
                        .text(lang.get_untracked())
                        .to_owned(),
                )),
            }
        });
    };
    let village_time = move |secs: i64| {
        engine
            .view
            .with_untracked(|v| crate::clock::village_time_of_unix(v, secs))
    };
    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::DevicesTitle)}</h1>
            <p class="form-error" role="alert" data-testid="devices-error">{move || error.get()}</p>
            <table class="register" data-testid="device-list">
                <tbody>
                    {move || devices.get().unwrap_or_default().into_iter().map(|d| {
                        let id = d.device.clone();
                        let revoked = d.revoked_at.is_some();
                        let seen = d.last_seen_at.and_then(village_time);
                        let current = d.current;
                        view! {
                            <tr data-testid=format!("device-{}", d.device) data-person=d.person.clone()>
                                <td data-user-text="">{d.name.clone().unwrap_or_else(|| d.person.clone())}</td>
                                <td>{move || match seen {
                                    Some(t) => format!("{} {}", Msg::LastSeen.text(lang.get()), date_time(lang.get(), t)),
                                    None => Msg::NeverSeen.text(lang.get()).to_owned(),
                                }}</td>
                                <td>
                                    {current.then(|| view! { <span class="badge">{tr(Msg::ThisDevice)}</span> })}
                                    {if revoked {
                                        view! { <span class="badge" data-state="cancelled">{tr(Msg::DeviceRevoked)}</span> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="secondary" data-testid="revoke-device"
                                                on:click=move |_| revoke(id.clone())>
                                                {tr(Msg::RevokeDevice)}
                                            </button>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

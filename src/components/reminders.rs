//! "Coming up in the next 24 hours": the volunteer's confirmed tasks that start soon, shown in
//! the app, and once each as a phone notification where the volunteer allowed it (shown while
//! the app is open: there is no push server).

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{Task, TaskStatus, VolunteerId};
use linli_core::sync::{MemoryStore, Record, SignupStatus};
use linli_core::{NaiveDateTime, TimeDelta};
use wasm_bindgen::JsCast;
use web_sys::{
    Notification, NotificationOptions, NotificationPermission, ServiceWorkerRegistration,
};

use crate::app::{tr, Shell};
use crate::i18n::{when, Lang, Msg};
use crate::sync::SyncEngine;

/// Task ids already announced by a notification on this phone (so a reload does not repeat it).
const NOTIFIED_KEY: &str = "linli.notified";

/// My confirmed, not cancelled tasks starting within 24 hours of `now` (or under way), soonest
/// first.
pub fn due_soon(view: &MemoryStore, me: &VolunteerId, now: NaiveDateTime) -> Vec<Task> {
    let mut due: Vec<Task> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Signup(s) if &s.volunteer == me && s.status == SignupStatus::Confirmed => {
                match view.get_record(&format!("task/{}", s.task.as_str())) {
                    Some(Record::Task(t)) => Some(t.clone()),
                    _ => None,
                }
            }
            _ => None,
        })
        .filter(|t| {
            t.status != TaskStatus::Cancelled
                && t.end > now
                && t.start <= now + TimeDelta::hours(24)
        })
        .collect();
    due.sort_by(|a, b| (a.start, a.id.as_str()).cmp(&(b.start, b.id.as_str())));
    due
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The tasks announced so far, with the end of each: an entry is forgotten once its task is
/// over, never because the list of due tasks happens to be empty for a moment (a reload, a
/// sync in progress).
fn notified() -> Vec<(String, NaiveDateTime)> {
    storage()
        .and_then(|s| s.get_item(NOTIFIED_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

fn remember(done: &[(String, NaiveDateTime)]) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_value(done)) {
        let _ = storage.set_item(NOTIFIED_KEY, &text.to_string());
    }
}

/// Shows a phone notification once per task. Through the service worker's registration: that
/// is the only way Chrome on Android shows one (`new Notification` is refused there). Failing
/// (no permission, no worker yet) is not an error: the in-app list is always there.
fn announce(lang: Lang, tasks: Vec<Task>, now: NaiveDateTime) {
    if Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let mut done = notified();
    done.retain(|(_, end)| *end > now);
    let new: Vec<Task> = tasks
        .into_iter()
        .filter(|t| !done.iter().any(|(id, _)| id == t.id.as_str()))
        .collect();
    if new.is_empty() {
        remember(&done);
        return;
    }
    let Ok(ready) = window().navigator().service_worker().ready() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Ok(registration) = wasm_bindgen_futures::JsFuture::from(ready)
            .await
            .and_then(|r| r.dyn_into::<ServiceWorkerRegistration>())
        else {
            return;
        };
        // Re-read: another tab may have announced meanwhile.
        let mut done = notified();
        for task in new {
            let id = task.id.as_str().to_owned();
            if done.iter().any(|(d, _)| d == &id) {
                continue;
            }
            let options = NotificationOptions::new();
            options.set_body(&when(lang, task.start, task.end));
            options.set_tag(&id);
            if registration
                .show_notification_with_options(&task.title, &options)
                .is_ok()
            {
                done.push((id, task.end));
            }
        }
        remember(&done);
    });
}

/// Whether this browser has notifications at all (old Android WebViews do not).
fn notifications_supported() -> bool {
    js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false)
}

#[component]
pub fn Reminders(me: VolunteerId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    // Re-read the clock every minute so a task enters the list when it comes within 24 hours.
    let tick = RwSignal::new(0u32);
    let interval = set_interval_with_handle(
        move || tick.update(|t| *t = t.wrapping_add(1)),
        std::time::Duration::from_secs(60),
    );
    on_cleanup(move || {
        if let Ok(handle) = interval {
            handle.clear();
        }
    });
    let due = Memo::new(move |_| {
        tick.track();
        engine
            .view
            .with(|v| due_soon(v, &me, crate::clock::village_now(v)))
    });
    let permission = RwSignal::new(if notifications_supported() {
        Some(Notification::permission())
    } else {
        None
    });
    Effect::new(move |_| {
        if notifications_supported() && permission.get() == Some(NotificationPermission::Granted) {
            let now = engine.view.with_untracked(crate::clock::village_now);
            announce(lang.get_untracked(), due.get(), now);
        }
    });
    let ask = move |_| {
        let Ok(promise) = Notification::request_permission() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            permission.set(Some(Notification::permission()));
        });
    };
    move || {
        let tasks = due.get();
        (!tasks.is_empty()).then(|| {
            view! {
                <aside class="reminders" data-testid="reminders" aria-labelledby="reminders-heading">
                    <h2 id="reminders-heading">{tr(Msg::RemindersTitle)}</h2>
                    <ul>
                        {tasks.into_iter().map(|t| {
                            let (start, end) = (t.start, t.end);
                            view! {
                                <li data-testid=format!("reminder-{}", t.id.as_str())>
                                    <A href=format!("/volunteer/task/{}", t.id.as_str()) attr:data-user-text="">{t.title.clone()}</A>
                                    " "
                                    <span class="task-when">{move || when(lang.get(), start, end)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {move || match permission.get() {
                        Some(NotificationPermission::Default) => Some(view! {
                            <button type="button" class="secondary" data-testid="enable-notifications" on:click=ask>
                                {tr(Msg::EnableNotifications)}
                            </button>
                        }.into_any()),
                        Some(NotificationPermission::Granted) => Some(view! { <p class="note">{tr(Msg::NotificationsOn)}</p> }.into_any()),
                        Some(NotificationPermission::Denied) => Some(view! { <p class="note">{tr(Msg::NotificationsBlocked)}</p> }.into_any()),
                        _ => None,
                    }}
                </aside>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::sync::Signup;
    use linli_core::TaskKind;

    fn at(day: u32, h: u32) -> NaiveDateTime {
        linli_core::NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("time")
    }

    #[test]
    fn only_my_confirmed_tasks_of_the_next_24_hours_are_due() {
        let me = VolunteerId::new("v-1");
        let mut view = MemoryStore::new();
        for (id, day, status) in [
            ("t-soon", 2, SignupStatus::Confirmed),
            ("t-later", 3, SignupStatus::Confirmed),
            ("t-waiting", 2, SignupStatus::Waitlisted),
        ] {
            let task = Task::builder(id, TaskKind::HomeVisit, "探访", at(day, 9), at(day, 10))
                .build()
                .expect("task");
            view.insert(Record::Task(task));
            view.insert(Record::Signup(Signup {
                task: linli_core::TaskId::new(id),
                volunteer: me.clone(),
                status,
                seq: 1,
                by_coordinator: false,
            }));
        }
        let ids = |now| -> Vec<String> {
            due_soon(&view, &me, now)
                .into_iter()
                .map(|t| t.id.as_str().to_owned())
                .collect()
        };
        assert_eq!(ids(at(1, 10)), vec!["t-soon"]);
        assert_eq!(ids(at(2, 9)), vec!["t-soon", "t-later"]);
        assert!(ids(at(2, 10)).contains(&"t-later".to_owned()));
        assert!(
            !ids(at(2, 10)).contains(&"t-soon".to_owned()),
            "over once it has ended"
        );
        assert!(ids(at(1, 8)).is_empty());
    }
}

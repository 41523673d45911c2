//! Coordinators' notices: the list a volunteer reads on "For me", and the form a coordinator
//! writes one with (to a task's people or to the whole village).

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{Audience, Message, MessageId, Task};
use linli_core::sync::{MemoryStore, Mutation, Record};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{date_time, Msg};
use crate::sync::SyncEngine;

/// How many notices the volunteer's list shows, newest first.
const SHOWN: usize = 5;

/// The notices this device holds (the server sent only those meant for this user), newest
/// first, each with its task when it is about one.
pub fn notices(view: &MemoryStore) -> Vec<(Message, Option<Task>)> {
    let mut list: Vec<(Message, Option<Task>)> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Message(m) => Some(m.clone()),
            _ => None,
        })
        .map(|m| {
            let task = match &m.audience {
                Audience::Task { task } => {
                    match view.get_record(&format!("task/{}", task.as_str())) {
                        Some(Record::Task(t)) => Some(t.clone()),
                        _ => None,
                    }
                }
                Audience::Village => None,
            };
            (m, task)
        })
        .collect();
    list.sort_by(|a, b| (b.0.posted_at, &b.0.id).cmp(&(a.0.posted_at, &a.0.id)));
    list
}

#[component]
pub fn VolunteerNotices() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let list = Memo::new(move |_| engine.view.with(notices));
    move || {
        let list = list.get();
        (!list.is_empty()).then(|| {
            view! {
                <aside class="reminders notices" data-testid="volunteer-notices" aria-labelledby="notices-heading">
                    <h2 id="notices-heading">{tr(Msg::NoticesTitle)}</h2>
                    <ul>
                        {list.into_iter().take(SHOWN).map(|(m, task)| {
                            let at = m.posted_at;
                            view! {
                                <li data-testid=format!("notice-{}", m.id.as_str())>
                                    <span class="task-when">{move || date_time(lang.get(), at)}</span> " "
                                    {task.map(|t| view! {
                                        <A href=format!("/volunteer/task/{}", t.id.as_str()) attr:data-user-text="">{t.title.clone()}</A>
                                        " "
                                    })}
                                    <span data-user-text="">{m.text.clone()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </aside>
            }
        })
    }
}

/// A coordinator's form for one notice to `audience`.
#[component]
pub fn PostNotice(audience: Audience) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let text = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let label = match audience {
        Audience::Village => Msg::NoticeToVillage,
        Audience::Task { .. } => Msg::NoticeToTask,
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let notice = Message {
            id: MessageId::new(crate::pages::coordinator::new_id("m")),
            audience: audience.clone(),
            text: text.get_untracked(),
            posted_at: engine.view.with_untracked(crate::clock::village_now),
        };
        message.set(Some(
            match engine.mutate(Mutation::PostMessage { message: notice }) {
                Ok(_) => {
                    text.set(String::new());
                    Msg::NoticeSent.text(lang).to_owned()
                }
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };
    view! {
        <form class="form wide post-notice" on:submit=send data-testid="post-notice">
            <label>
                <span>{tr(label)}</span>
                <textarea required rows="2" maxlength=Message::MAX_CHARS.to_string() data-testid="notice-text"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <p class="form-status" role="status" data-testid="notice-message">{move || message.get()}</p>
            <button type="submit" class="secondary" data-testid="send-notice">{tr(Msg::SendNotice)}</button>
        </form>
    }
}

//! One task as a volunteer sees it: what, when, where (the exact address only once their place
//! is confirmed), who else is going, places left, their sign-up or place on the waiting list,
//! and, on the day, check in, check out and a note for the coordinator.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::model::{ServiceRecord, Task, TaskId, TaskStatus, VolunteerId};
use linli_core::sync::{service_key, MemoryStore, Mutation, Record, Role, SignupStatus};
use linli_core::NaiveDateTime;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::components::qr::Qr;
use crate::i18n::{
    colon, date_time, duration_text, hours_approved_text, list_separator, places_left,
    waitlisted_badge, when, wrong_code_text, Lang, Msg,
};
use crate::sync::SyncEngine;

/// What the page shows, read from the phone's copy. Only what the server sent this volunteer
/// is in that copy, so the address is here only while their place is confirmed.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskPage {
    pub task: Task,
    pub group: Option<String>,
    pub person: Option<String>,
    pub address: Option<String>,
    pub mine: Option<SignupStatus>,
    pub waitlist_position: Option<usize>,
    pub others_going: Vec<String>,
    pub places_left: u32,
    pub service: Option<ServiceRecord>,
}

pub fn task_page(view: &MemoryStore, me: &VolunteerId, id: &TaskId) -> Option<TaskPage> {
    let Some(Record::Task(task)) = view.get_record(&format!("task/{}", id.as_str())) else {
        return None;
    };
    let village = view.records().find_map(|(_, r)| match r {
        Record::Village(v) => Some(v),
        _ => None,
    });
    let beneficiary = task.beneficiary.as_ref().and_then(|b| {
        match view.get_record(&format!("beneficiary/{}", b.as_str())) {
            Some(Record::Beneficiary(b)) => Some(b),
            _ => None,
        }
    });
    let group_id = task.group.as_ref().or(beneficiary.map(|b| &b.group));
    let group = village
        .zip(group_id)
        .and_then(|(v, g)| v.group(g))
        .map(|g| g.name.clone());
    let address = task.beneficiary.as_ref().and_then(|b| {
        match view.get_record(&format!("beneficiary_private/{}", b.as_str())) {
            Some(Record::BeneficiaryPrivate { private, .. }) => Some(private.address.clone()),
            _ => None,
        }
    });
    let mine = match view.get_record(&format!("signup/{}/{}", id.as_str(), me.as_str())) {
        Some(Record::Signup(s)) => Some(s.status),
        _ => None,
    };
    let (waitlist_position, others_going) =
        match view.get_record(&format!("roster/{}", id.as_str())) {
            Some(Record::Roster(r)) => (
                r.waitlist_position(me),
                r.others_going(me).into_iter().map(str::to_owned).collect(),
            ),
            _ => (None, Vec::new()),
        };
    let confirmed = match view.get_record(&format!("places/{}", id.as_str())) {
        Some(Record::Places(p)) => p.confirmed,
        _ => 0,
    };
    let service = match view.get_record(&service_key(id, me)) {
        Some(Record::Service(s)) => Some(s.clone()),
        _ => None,
    };
    Some(TaskPage {
        places_left: task.volunteers_max.saturating_sub(confirmed),
        task: task.clone(),
        group,
        person: beneficiary.map(|b| b.name.clone()),
        address,
        mine,
        waitlist_position,
        others_going,
        service,
    })
}

/// Where the co-signature of a visit stands, as the volunteer sees it on their phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VisitConfirmation {
    /// Checked out and not confirmed: the code form is shown, with the tries left after wrong
    /// codes (the server counts them; the phone shows its last word).
    Open {
        tries_left: u32,
    },
    /// A code was entered on this phone and waits for the server, which alone knows the cards.
    Awaiting,
    ByCard,
    ByFamilyPhone,
    ByCoordinator,
    Disputed {
        reason: String,
    },
    /// Too many wrong codes: only a coordinator can confirm now.
    Locked,
}

/// `None` when there is nothing to confirm: no person served (a class), or not checked out.
pub fn visit_confirmation(task: &Task, service: &ServiceRecord) -> Option<VisitConfirmation> {
    use linli_core::model::{Confirmation, ConfirmationMethod};
    if task.beneficiary.is_none() || service.check_out.is_none() {
        return None;
    }
    Some(match &service.confirmation {
        Confirmation::Confirmed { how, .. } => match how {
            ConfirmationMethod::CardCode => VisitConfirmation::ByCard,
            ConfirmationMethod::FamilyPhone => VisitConfirmation::ByFamilyPhone,
            ConfirmationMethod::Coordinator => VisitConfirmation::ByCoordinator,
        },
        Confirmation::Disputed { reason, .. } => VisitConfirmation::Disputed {
            reason: reason.clone(),
        },
        Confirmation::AwaitingVerification => VisitConfirmation::Awaiting,
        Confirmation::Unconfirmed if service.confirmation_locked() => VisitConfirmation::Locked,
        Confirmation::Unconfirmed => VisitConfirmation::Open {
            tries_left: ServiceRecord::MAX_WRONG_CODES.saturating_sub(service.wrong_codes),
        },
    })
}

/// A card code as typed: exactly six digits (spaces around are forgiven).
pub fn card_code_input(text: &str) -> Option<String> {
    let code = text.trim();
    linli_core::model::is_card_code(code).then(|| code.to_owned())
}

/// The village's time by the phone's clock, to the minute: what a check-in records.
fn now_to_the_minute(engine: SyncEngine) -> NaiveDateTime {
    use linli_core::Timelike;
    let now = engine.view.with_untracked(crate::clock::village_now);
    now.with_second(0).unwrap_or(now)
}

#[component]
pub fn VolunteerTask() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let params = use_params_map();
    move || {
        let id = TaskId::new(params.with(|p| p.get("id").unwrap_or_default()));
        match engine.session.get().map(|s| s.actor.role) {
            Some(Role::Volunteer(me)) => view! { <TaskView me=me id=id/> }.into_any(),
            _ => view! {
                <section class="area">
                    <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                    <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
                </section>
            }
            .into_any(),
        }
    }
}

#[component]
fn TaskView(me: VolunteerId, id: TaskId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let error = RwSignal::new(None::<String>);
    let note_message = RwSignal::new(None::<String>);
    let page = {
        let (me, id) = (me.clone(), id.clone());
        Memo::new(move |_| engine.view.with(|v| task_page(v, &me, &id)))
    };
    let pending = {
        let id = id.clone();
        Memo::new(move |_| {
            engine.pending.with(|p| {
                p.iter().any(|m| match &m.mutation {
                    Mutation::SignUp { task }
                    | Mutation::Withdraw { task }
                    | Mutation::CheckIn { task, .. }
                    | Mutation::CheckOut { task, .. }
                    | Mutation::SaveVisitNote { task, .. }
                    | Mutation::ConfirmVisit { task, .. } => task == &id,
                    _ => false,
                })
            })
        })
    };
    let act = move |mutation: Mutation| {
        error.set(None);
        if let Err(err) = engine.mutate(mutation) {
            error.set(Some(mutate_error_text(lang.get_untracked(), &err)));
        }
    };
    // The clock moves while the page is open: the check-in button appears on time.
    let now = RwSignal::new(engine.view.with_untracked(crate::clock::village_now));
    let ticker = set_interval_with_handle(
        move || now.set(engine.view.with_untracked(crate::clock::village_now)),
        std::time::Duration::from_secs(30),
    );
    on_cleanup(move || {
        if let Ok(handle) = ticker {
            handle.clear();
        }
    });
    // Memos, so the page redraws only when the answer changes, not at every tick (a redraw
    // would take the cursor out of a note being typed).
    let check_in_open = Memo::new(move |_| {
        page.with(|p| {
            p.as_ref()
                .is_some_and(|p| ServiceRecord::check_in_open(&p.task, now.get()))
        })
    });
    let before_check_in = Memo::new(move |_| {
        page.with(|p| {
            p.as_ref()
                .is_some_and(|p| now.get() < ServiceRecord::check_in_window(&p.task).0)
        })
    });
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let note = RwSignal::new(
        page.get_untracked()
            .and_then(|p| p.service.map(|s| s.note))
            .unwrap_or_default(),
    );

    move || {
        let Some(p) = page.get() else {
            return view! {
                <section class="area">
                    <p class="empty">{tr(Msg::TaskNotFound)}</p>
                    <A href="/volunteer">{tr(Msg::ForMe)}</A>
                </section>
            }
            .into_any();
        };
        let task = p.task.clone();
        let id = task.id.clone();
        let (start, end) = (task.start, task.end);
        let kind = task.kind;
        let max = task.volunteers_max;
        let left = p.places_left;
        let open = task.status == TaskStatus::Open;
        let signed_up = p.mine.is_some();
        let confirmed = p.mine == Some(SignupStatus::Confirmed);
        let position = p.waitlist_position;
        let checked_in = p.service.as_ref().and_then(|s| s.check_in.clone());
        let checked_out = p.service.as_ref().and_then(|s| s.check_out.clone());
        let minutes = p.service.as_ref().and_then(ServiceRecord::minutes);
        let can_check_in = confirmed && checked_in.is_none() && check_in_open.get();
        let others = p.others_going.clone();
        let id_sign = id.clone();
        let id_in = id.clone();
        let id_out = id.clone();
        let id_note = id.clone();
        let id_code = id.clone();
        let confirmation = p
            .service
            .as_ref()
            .and_then(|s| visit_confirmation(&task, s));
        // The link a family member's phone opens by scanning (the page's origin: the same app).
        let family_link = p
            .service
            .as_ref()
            .filter(|_| confirmation.is_some())
            .map(|s| {
                let origin = window().location().origin().unwrap_or_default();
                let link = engine
                    .view
                    .with_untracked(|v| crate::pages::family::visit_link(v, &me, s));
                format!("{origin}/confirm#{}", link.to_fragment())
            });
        let hours = p
            .service
            .as_ref()
            .filter(|s| s.check_out.is_some())
            .map(|s| s.hours_status());
        view! {
            <section class="area task-page" data-testid=format!("task-page-{}", id.as_str())>
                <A href="/volunteer" attr:class="back">{tr(Msg::ForMe)}</A>
                <h1 data-user-text="">{task.title.clone()}</h1>
                <p class="task-kind">{move || if lang.get() == Lang::Zh { kind.label_zh() } else { kind.label_en() }}</p>
                {(task.status == TaskStatus::Cancelled).then(|| view! {
                    <p><span class="badge" data-state="cancelled" data-testid="task-cancelled">{tr(Msg::TaskStatusCancelled)}</span></p>
                })}
                {(!task.description.is_empty()).then(|| view! { <p class="task-description" data-user-text="">{task.description.clone()}</p> })}
                <dl class="facts">
                    <dt>{tr(Msg::WhenLabel)}</dt>
                    <dd data-testid="task-when">{move || when(lang.get(), start, end)}</dd>
                    <dt>{tr(Msg::WhereLabel)}</dt>
                    <dd data-testid="task-where">
                        <span data-user-text="">{[p.group.clone(), task.place.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</span>
                    </dd>
                    {p.person.clone().map(|person| view! {
                        <dt>{tr(Msg::PersonServed)}</dt>
                        <dd data-user-text="">{person}</dd>
                    })}
                    {task.beneficiary.is_some().then(|| view! {
                        <dt>{tr(Msg::AddressLabel)}</dt>
                        <dd data-testid="task-address">
                            {match p.address.clone() {
                                Some(address) => view! { <span data-user-text="">{address}</span> }.into_any(),
                                None => view! { <span class="note">{tr(Msg::AddressOnceConfirmed)}</span> }.into_any(),
                            }}
                        </dd>
                    })}
                    <dt>{tr(Msg::SignupsTitle)}</dt>
                    <dd data-testid="places-left">{move || places_left(lang.get(), left, max)}</dd>
                    {signed_up.then(|| view! {
                        <dt>{tr(Msg::AlsoGoing)}</dt>
                        <dd data-testid="also-going">
                            {if others.is_empty() {
                                view! { <span class="note">{tr(Msg::NobodyElseYet)}</span> }.into_any()
                            } else {
                                let others = others.clone();
                                view! { <span data-user-text="">{move || others.join(list_separator(lang.get()))}</span> }.into_any()
                            }}
                        </dd>
                    })}
                </dl>
                <p class="status-line">
                    {move || {
                        let text = if pending.get() {
                            Some(("pending", Msg::SignupPendingSync.text(lang.get()).to_owned()))
                        } else if confirmed {
                            Some(("confirmed", Msg::SignupConfirmed.text(lang.get()).to_owned()))
                        } else if signed_up {
                            Some(("waitlisted", waitlisted_badge(lang.get(), position.map(|n| n as u32))))
                        } else {
                            None
                        };
                        text.map(|(state, text)| view! { <span class="badge" data-testid="signup-status" data-state=state>{text}</span> })
                    }}
                </p>
                <p class="form-error" role="alert" data-testid="action-error">{move || error.get()}</p>
                <div class="actions">
                    {(open && checked_in.is_none()).then(|| view! {
                        <button
                            type="button"
                            class=if signed_up { "secondary" } else { "primary" }
                            data-testid=if signed_up { "withdraw" } else { "sign-up" }
                            on:click=move |_| {
                                let task = id_sign.clone();
                                act(if signed_up { Mutation::Withdraw { task } } else { Mutation::SignUp { task } })
                            }
                        >
                            {if signed_up { tr(Msg::Withdraw) } else { tr(Msg::SignUp) }}
                        </button>
                    })}
                </div>
                {confirmed.then(|| view! {
                    <section class="service-box" aria-labelledby="service-heading">
                        <h2 id="service-heading">{tr(Msg::ServiceRecordsTitle)}</h2>
                        {checked_in.clone().map(|c| view! {
                            <p data-testid="checked-in">
                                {tr(Msg::CheckedIn)} " " {move || date_time(lang.get(), c.device)} " " <span class="note">{tr(Msg::PhoneClock)}</span>
                            </p>
                        })}
                        {checked_out.clone().map(|c| view! {
                            <p data-testid="checked-out">
                                {tr(Msg::CheckedOut)} " " {move || date_time(lang.get(), c.device)} " " <span class="note">{tr(Msg::PhoneClock)}</span>
                            </p>
                        })}
                        {minutes.map(|m| view! { <p class="duration" data-testid="service-duration">{move || duration_text(lang.get(), m)}</p> })}
                        {if can_check_in {
                            Some(view! {
                                <button type="button" class="primary big" data-testid="check-in"
                                    on:click=move |_| {
                                        let at = now_to_the_minute(engine);
                                        // The clock may have moved since the page was drawn: the
                                        // core would refuse it; say why in the user's words.
                                        let fits = page.with_untracked(|p| p.as_ref().is_some_and(|p| ServiceRecord::check_in_open(&p.task, at)));
                                        if fits {
                                            act(Mutation::CheckIn { task: id_in.clone(), at });
                                        } else {
                                            error.set(Some(Msg::CheckInClosed.text(lang.get_untracked()).to_owned()));
                                        }
                                    }>
                                    {tr(Msg::CheckIn)}
                                </button>
                            }.into_any())
                        } else if checked_in.is_some() && checked_out.is_none() {
                            Some(view! {
                                <button type="button" class="primary big" data-testid="check-out"
                                    on:click=move |_| act(Mutation::CheckOut { task: id_out.clone(), at: now_to_the_minute(engine) })>
                                    {tr(Msg::CheckOut)}
                                </button>
                            }.into_any())
                        } else if checked_in.is_none() && open && before_check_in.get() {
                            Some(view! { <p class="note">{tr(Msg::CheckInOpensSoon)}</p> }.into_any())
                        } else if checked_in.is_none() && open {
                            // Past the window by this phone's clock: say so (the clock may be wrong).
                            Some(view! { <p class="note" data-testid="check-in-closed">{tr(Msg::CheckInClosed)}</p> }.into_any())
                        } else {
                            None
                        }}
                        {hours.map(|status| {
                            use linli_core::model::HoursStatus;
                            let state = match status {
                                HoursStatus::Pending => "pending",
                                HoursStatus::Approved { .. } => "approved",
                                HoursStatus::Rejected => "rejected",
                                HoursStatus::NoShow => "no_show",
                            };
                            view! {
                                <p class="note" data-testid="hours-state" data-state=state>
                                    {move || match status {
                                        HoursStatus::Pending => Msg::HoursWaitingApproval.text(lang.get()).to_owned(),
                                        HoursStatus::Approved { minutes } => hours_approved_text(lang.get(), minutes),
                                        HoursStatus::Rejected => Msg::HoursRejected.text(lang.get()).to_owned(),
                                        HoursStatus::NoShow => Msg::HoursNoShow.text(lang.get()).to_owned(),
                                    }}
                                </p>
                            }
                        })}
                        {confirmation.map(|state| {
                            let form = matches!(state, VisitConfirmation::Open { .. });
                            let id_code = id_code.clone();
                            view! {
                                <section class="confirm-visit" aria-labelledby="confirm-heading">
                                    <h3 id="confirm-heading">{tr(Msg::ConfirmVisitTitle)}</h3>
                                    <p class="status-line" data-testid="confirmation-state" data-state=match &state {
                                        VisitConfirmation::Open { .. } => "unconfirmed",
                                        VisitConfirmation::Awaiting => "awaiting",
                                        VisitConfirmation::ByCard | VisitConfirmation::ByFamilyPhone | VisitConfirmation::ByCoordinator => "confirmed",
                                        VisitConfirmation::Disputed { .. } => "disputed",
                                        VisitConfirmation::Locked => "locked",
                                    }>
                                        {let state = state.clone(); move || {
                                            let lang = lang.get();
                                            match &state {
                                                VisitConfirmation::Open { tries_left } if *tries_left < ServiceRecord::MAX_WRONG_CODES => wrong_code_text(lang, *tries_left),
                                                VisitConfirmation::Open { .. } => String::new(),
                                                VisitConfirmation::Awaiting => Msg::ConfirmAwaiting.text(lang).to_owned(),
                                                VisitConfirmation::ByCard => Msg::ConfirmedByCard.text(lang).to_owned(),
                                                VisitConfirmation::ByFamilyPhone => Msg::ConfirmedByFamilyPhone.text(lang).to_owned(),
                                                VisitConfirmation::ByCoordinator => Msg::ConfirmedByCoordinator.text(lang).to_owned(),
                                                VisitConfirmation::Disputed { reason } => format!("{}{}{reason}", Msg::ConfirmDisputed.text(lang), colon(lang)),
                                                VisitConfirmation::Locked => Msg::ConfirmLocked.text(lang).to_owned(),
                                            }
                                        }}
                                    </p>
                                    {form.then(|| view! {
                                        <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            let lang = lang.get_untracked();
                                            let Some(entered) = card_code_input(&code.get_untracked()) else {
                                                code_error.set(Some(Msg::CardCodeInvalid.text(lang).to_owned()));
                                                return;
                                            };
                                            code_error.set(None);
                                            match engine.mutate(Mutation::ConfirmVisit { task: id_code.clone(), code: entered }) {
                                                // Not left on the screen for the next person to read.
                                                Ok(_) => code.set(String::new()),
                                                Err(err) => code_error.set(Some(mutate_error_text(lang, &err))),
                                            }
                                        }>
                                            <p class="note">{tr(Msg::ConfirmVisitHint)}</p>
                                            <label>
                                                <span>{tr(Msg::CardCodeLabel)}</span>
                                                <input
                                                    type="text"
                                                    inputmode="numeric"
                                                    autocomplete="off"
                                                    maxlength="6"
                                                    class="card-code"
                                                    data-testid="visit-code"
                                                    prop:value=move || code.get()
                                                    on:input=move |ev| code.set(event_target_value(&ev))
                                                />
                                            </label>
                                            <p class="form-error" role="alert" data-testid="visit-code-error">{move || code_error.get()}</p>
                                            <button type="submit" class="primary" data-testid="confirm-visit">{tr(Msg::ConfirmVisitButton)}</button>
                                        </form>
                                    })}
                                    {form.then(|| family_link.clone().map(|href| view! {
                                        <div class="family-qr" data-testid="family-qr">
                                            <p class="note">{tr(Msg::FamilyQrHint)}</p>
                                            <Qr text=href.clone() label=Msg::FamilyQrHint.text(lang.get_untracked()).to_owned()/>
                                            <p><a href=href.clone() data-testid="family-link" target="_blank" rel="noopener">{tr(Msg::FamilyConfirmTitle)}</a></p>
                                        </div>
                                    }))}
                                </section>
                            }
                        })}
                        {checked_in.is_some().then(|| view! {
                            <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                let lang = lang.get_untracked();
                                note_message.set(Some(match engine.mutate(Mutation::SaveVisitNote { task: id_note.clone(), note: note.get_untracked() }) {
                                    Ok(_) => Msg::NoteSaved.text(lang).to_owned(),
                                    Err(err) => mutate_error_text(lang, &err),
                                }));
                            }>
                                <label>
                                    <span>{tr(Msg::VisitNote)}</span>
                                    <textarea
                                        data-testid="visit-note"
                                        rows="3"
                                        maxlength=ServiceRecord::MAX_NOTE_CHARS.to_string()
                                        placeholder=tr(Msg::VisitNoteHint)
                                        prop:value=move || note.get()
                                        on:input=move |ev| note.set(event_target_value(&ev))
                                    ></textarea>
                                </label>
                                <p class="form-status" role="status" data-testid="note-message">{move || note_message.get()}</p>
                                <button type="submit" class="secondary" data-testid="save-note">{tr(Msg::SaveNote)}</button>
                            </form>
                        })}
                    </section>
                })}
            </section>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::demo::{generate, DemoParams};
    use linli_core::sync::{apply, Actor};

    fn at(h: u32, m: u32) -> NaiveDateTime {
        linli_core::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("time")
    }

    #[test]
    fn the_page_reads_what_the_server_sent_address_roster_places_and_service() {
        use linli_core::sync::{Places, Roster, RosterEntry, Signup};
        let demo = generate(&DemoParams::village());
        let task = demo
            .tasks
            .iter()
            .find(|t| t.beneficiary.is_some() && t.volunteers_max >= 2)
            .expect("a visit for two")
            .clone();
        let beneficiary = demo
            .beneficiaries
            .iter()
            .find(|b| Some(&b.id) == task.beneficiary.as_ref())
            .expect("beneficiary")
            .clone();
        let me = demo.volunteers[0].id.clone();
        let other = demo.volunteers[1].id.clone();
        let mut view = MemoryStore::new();
        view.insert(Record::Village(demo.village.clone()));
        view.insert(Record::Task(task.clone()));
        // Not signed up: the task and how full it is, nothing about the person.
        view.insert(Record::Places(Places {
            task: task.id.clone(),
            confirmed: 1,
            waiting: 0,
        }));
        let page = task_page(&view, &me, &task.id).expect("page");
        assert_eq!(
            (page.address.clone(), page.person.clone(), page.mine),
            (None, None, None)
        );
        assert_eq!(page.places_left, task.volunteers_max - 1);
        // Confirmed: the server now sends the person, the private part and the roster.
        for record in Record::from_beneficiary(&beneficiary) {
            view.insert(record);
        }
        view.insert(Record::Signup(Signup {
            task: task.id.clone(),
            volunteer: me.clone(),
            status: SignupStatus::Confirmed,
            seq: 2,
            by_coordinator: false,
        }));
        view.insert(Record::Roster(Roster {
            task: task.id.clone(),
            going: vec![
                RosterEntry {
                    volunteer: other,
                    first_name: "秀英".into(),
                },
                RosterEntry {
                    volunteer: me.clone(),
                    first_name: "明".into(),
                },
            ],
            waiting: Vec::new(),
        }));
        let page = task_page(&view, &me, &task.id).expect("page");
        assert_eq!(page.mine, Some(SignupStatus::Confirmed));
        assert_eq!(
            page.address.as_deref(),
            beneficiary.private.as_ref().map(|p| p.address.as_str())
        );
        assert_eq!(page.person.as_deref(), Some(beneficiary.name.as_str()));
        assert_eq!(page.others_going, vec!["秀英".to_owned()]);
        assert_eq!(page.waitlist_position, None);
        // A check-in on this phone shows up at once.
        let actor = Actor {
            village: demo.village.id.clone(),
            role: Role::Volunteer(me.clone()),
        };
        apply(
            &Mutation::CheckIn {
                task: task.id.clone(),
                at: at(9, 3),
            },
            &actor,
            &mut view,
        )
        .expect("check in");
        let page = task_page(&view, &me, &task.id).expect("page");
        let check_in = page.service.and_then(|s| s.check_in).expect("checked in");
        assert_eq!(check_in.device, at(9, 3));
    }

    #[test]
    fn a_visit_is_confirmed_only_after_check_out_and_only_with_a_person_served() {
        use linli_core::model::{ClockReading, Confirmation, ConfirmationMethod};
        let demo = generate(&DemoParams::village());
        let visit = demo
            .tasks
            .iter()
            .find(|t| t.beneficiary.is_some())
            .expect("a visit")
            .clone();
        let mut class = visit.clone();
        class.beneficiary = None;
        let me = demo.volunteers[0].id.clone();
        let mut record = ServiceRecord::new(visit.id.clone(), me, visit.kind);
        record.check_in = Some(ClockReading {
            device: at(9, 0),
            received: None,
        });
        assert_eq!(
            visit_confirmation(&visit, &record),
            None,
            "not checked out yet"
        );
        record.check_out = Some(ClockReading {
            device: at(10, 0),
            received: None,
        });
        assert_eq!(
            visit_confirmation(&class, &record),
            None,
            "nobody to confirm a class"
        );
        assert_eq!(
            visit_confirmation(&visit, &record),
            Some(VisitConfirmation::Open { tries_left: 5 })
        );
        record.wrong_codes = 3;
        assert_eq!(
            visit_confirmation(&visit, &record),
            Some(VisitConfirmation::Open { tries_left: 2 })
        );
        record.wrong_codes = 5;
        assert_eq!(
            visit_confirmation(&visit, &record),
            Some(VisitConfirmation::Locked)
        );
        record.confirmation = Confirmation::AwaitingVerification;
        assert_eq!(
            visit_confirmation(&visit, &record),
            Some(VisitConfirmation::Awaiting)
        );
        record.confirmation = Confirmation::Confirmed {
            how: ConfirmationMethod::Coordinator,
            by: Some("c-1".into()),
            received: None,
        };
        assert_eq!(
            visit_confirmation(&visit, &record),
            Some(VisitConfirmation::ByCoordinator)
        );
    }

    #[test]
    fn a_card_code_is_six_digits() {
        assert_eq!(card_code_input(" 048213 "), Some("048213".to_owned()));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(card_code_input(bad), None, "{bad:?}");
        }
    }
}

//! A volunteer's own profile: when they are usually free (tapped on a week grid, or typed as
//! exact hours per day), the days they are away, how many hours a week they give, the tasks they
//! like, the languages they speak and their skills. Every control edits one draft; the Save
//! button sends it as one `update_profile` mutation, saved on the phone at once and synced later.
//!
//! Built for an older volunteer on an old phone: big tap targets, native time and date pickers,
//! and every rule about hours and dates checked by `linli-core` (the same code the server runs),
//! never re-implemented here.

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{
    AvailabilityException, Certification, DayPart, ExceptionKind, Language, Skill, TaskKind,
    TimeRange, ValidationError, Volunteer, VolunteerId,
};
use linli_core::sync::{Mutation, Record, Role};
use linli_core::NaiveDate;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{colon, day_label, list_separator, weekday_name, Lang, Msg};
use crate::sync::SyncEngine;

/// Languages offered as ticks, with their label. The stored value stays the Chinese name in
/// either display language, because task matching compares on it; others a volunteer already
/// has stay in their profile.
pub(crate) const COMMON_LANGUAGES: [(&str, Msg); 4] = [
    (Language::MANDARIN, Msg::LanguageMandarin),
    (Language::LOCAL_DIALECT, Msg::LanguageLocalDialect),
    ("粤语", Msg::LanguageCantonese),
    ("闽南语", Msg::LanguageMinnan),
];

/// How long a range added with "Add a time" is before the volunteer adjusts it.
const NEW_RANGE_MINUTES: u16 = 60;

fn part_label(part: DayPart) -> Msg {
    match part {
        DayPart::Morning => Msg::Morning,
        DayPart::Afternoon => Msg::Afternoon,
        DayPart::Evening => Msg::Evening,
    }
}

#[component]
pub fn Profile() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    move || match engine.session.get().map(|s| s.actor.role) {
        Some(Role::Volunteer(me)) => {
            let record = engine.view.with_untracked(|v| {
                match v.get_record(&format!("volunteer/{}", me.as_str())) {
                    Some(Record::Volunteer(v)) => Some(v.clone()),
                    _ => None,
                }
            });
            match record {
                Some(volunteer) => view! { <ProfileForm volunteer=volunteer/> }.into_any(),
                None => view! { <section class="area"><p class="empty">{tr(Msg::TaskNotFound)}</p></section> }.into_any(),
            }
        }
        _ => view! {
            <section class="area">
                <h1>{tr(Msg::ProfileTitle)}</h1>
                <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ProfileForm(volunteer: Volunteer) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let id: VolunteerId = volunteer.id.clone();
    // What was last saved, to tell the volunteer when they have changes still to save.
    let saved = RwSignal::new(volunteer.clone());
    let draft = RwSignal::new(volunteer);
    let message = RwSignal::new(None::<String>);
    // One message per weekday about exact hours that were typed but refused. While any is shown,
    // the screen differs from the draft, so saving is refused rather than silently dropping it.
    let range_errors: [RwSignal<Option<Msg>>; 7] = std::array::from_fn(|_| RwSignal::new(None));

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        if range_errors
            .iter()
            .any(|e| e.with_untracked(Option::is_some))
        {
            message.set(Some(Msg::FixTimesFirst.text(lang).to_owned()));
            return;
        }
        let volunteer = draft.get_untracked();
        message.set(Some(
            match engine.mutate(Mutation::UpdateProfile {
                volunteer: volunteer.clone(),
            }) {
                Ok(_) => {
                    // Show what the rules made of it (a new certificate is not verified yet).
                    let stored = engine.view.with_untracked(|v| {
                        match v.get_record(&format!("volunteer/{}", volunteer.id.as_str())) {
                            Some(Record::Volunteer(stored)) => stored.clone(),
                            _ => volunteer,
                        }
                    });
                    saved.set(stored.clone());
                    draft.set(stored);
                    Msg::SavedLocally.text(lang).to_owned()
                }
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };
    // A message about the last Save is out of date as soon as anything changes again.
    Effect::new(move |_| {
        if draft.with(|d| saved.with_untracked(|s| d != s)) {
            message.set(None);
        }
    });
    // One line at a time in the Save bar: the last Save's message, or else the unsaved note.
    let unsaved = move || message.with(Option::is_none) && draft.with(|d| saved.with(|s| d != s));

    let week = (0..7usize)
        .map(|day| view! { <DayAvailability day=day draft=draft error=range_errors[day]/> })
        .collect_view();

    let languages = COMMON_LANGUAGES
        .into_iter()
        .map(|(name, label)| {
            let language = Language::new(name);
            let has = {
                let language = language.clone();
                move || draft.with(|v| v.languages.contains(&language))
            };
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=has
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let language = language.clone();
                            draft.update(|v| {
                                v.languages.retain(|l| l != &language);
                                if on {
                                    v.languages.push(language);
                                }
                            })
                        }
                    />
                    <span>{tr(label)}</span>
                </label>
            }
        })
        .collect_view();

    let kinds = TaskKind::ALL
        .iter()
        .copied()
        .map(|kind| {
            let has = move || draft.with(|v| v.preferred_task_kinds.contains(&kind));
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid=format!("kind-{}", kind.as_str())
                        prop:checked=has
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            draft.update(|v| {
                                v.preferred_task_kinds.retain(|k| *k != kind);
                                if on {
                                    v.preferred_task_kinds.push(kind);
                                }
                            })
                        }
                    />
                    <span>{move || if lang.get() == Lang::Zh { kind.label_zh() } else { kind.label_en() }}</span>
                </label>
            }
        })
        .collect_view();

    let skills = Skill::ALL
        .iter()
        .copied()
        .map(|skill| {
            let cert = move || draft.with(|v| v.certifications.iter().find(|c| c.skill == skill).cloned());
            let has = move || cert().is_some();
            let today = engine.view.with_untracked(crate::clock::village_now).date();
            view! {
                <div class="skill">
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid=format!("skill-{}", skill.as_str())
                            prop:checked=has
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                draft.update(|v| {
                                    v.certifications.retain(|c| c.skill != skill);
                                    if on {
                                        v.certifications.push(Certification::permanent(skill));
                                    }
                                })
                            }
                        />
                        <span>{move || if lang.get() == Lang::Zh { skill.label_zh() } else { skill.label_en() }}</span>
                    </label>
                    {move || cert().map(|c| {
                        let state = if c.expired_on(today) {
                            Some(("expired", Msg::CertificateExpired))
                        } else if !c.verified {
                            Some(("unverified", Msg::CertificateUnverified))
                        } else {
                            None
                        };
                        view! {
                            <label class="expiry">
                                <span>{tr(Msg::CertificateValidUntil)}</span>
                                <input
                                    type="date"
                                    data-testid=format!("skill-expiry-{}", skill.as_str())
                                    prop:value=c.expires_on.map(|d| d.to_string()).unwrap_or_default()
                                    on:change=move |ev| {
                                        // Empty: the certificate does not expire.
                                        let expires_on = event_target_value(&ev).parse::<NaiveDate>().ok();
                                        draft.update(|v| {
                                            if let Some(c) = v.certifications.iter_mut().find(|c| c.skill == skill) {
                                                c.expires_on = expires_on;
                                            }
                                        })
                                    }
                                />
                            </label>
                            {state.map(|(state, msg)| view! {
                                <span class="badge" data-state=state data-testid=format!("skill-state-{}", skill.as_str())>{tr(msg)}</span>
                            })}
                        }
                    })}
                </div>
            }
        })
        .collect_view();

    view! {
        <section class="area profile" data-testid=format!("profile-{}", id.as_str())>
            <h1>{tr(Msg::ProfileTitle)}</h1>
            <form class="form wide" on:submit=save>
                <fieldset>
                    <legend>{tr(Msg::ProfileAvailability)}</legend>
                    <p class="note">{tr(Msg::ProfileAvailabilityHint)}</p>
                    <div class="week-grid">{week}</div>
                </fieldset>
                <AwayDays draft=draft/>
                <label>
                    <span>{tr(Msg::MaxHours)}</span>
                    <input
                        type="number"
                        min="1"
                        max="80"
                        inputmode="numeric"
                        data-testid="max-hours"
                        prop:value=move || draft.with(|v| v.max_hours_per_week.to_string())
                        on:change=move |ev| {
                            if let Ok(hours) = event_target_value(&ev).trim().parse::<u32>() {
                                draft.update(|v| v.max_hours_per_week = hours.clamp(1, Volunteer::MAX_HOURS_LIMIT));
                            }
                        }
                    />
                </label>
                <fieldset>
                    <legend>{tr(Msg::ProfileTaskKinds)}</legend>
                    <p class="note">{tr(Msg::ProfileTaskKindsHint)}</p>
                    <div class="checks kinds">{kinds}</div>
                </fieldset>
                <fieldset>
                    <legend>{tr(Msg::ProfileLanguages)}</legend>
                    <div class="checks">{languages}</div>
                </fieldset>
                <fieldset>
                    <legend>{tr(Msg::ProfileSkills)}</legend>
                    <div class="checks">{skills}</div>
                </fieldset>
                // Kept in view at the bottom of the screen: the page is long on a phone, and
                // nothing is kept until Save is pressed.
                <div class="save-bar">
                    <p class="note unsaved" data-testid="profile-unsaved">
                        {move || unsaved().then(|| Msg::UnsavedChanges.text(lang.get()))}
                    </p>
                    <p class="form-status" role="status" data-testid="profile-message">{move || message.get()}</p>
                    <button type="submit" class="primary" data-testid="save-profile">{tr(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}

/// One weekday: the three tap-to-choose parts, and below them a disclosure with the day's exact
/// hours as editable start/end pairs. Both edit the same ranges, so they always agree.
#[component]
fn DayAvailability(
    day: usize,
    draft: RwSignal<Volunteer>,
    /// The refused-input message for this day, owned by the form so Save can see it.
    error: RwSignal<Option<Msg>>,
) -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let open = RwSignal::new(false);
    // Only this day's ranges: the inputs below are refreshed when *this* day changes, not on
    // every edit elsewhere in the form.
    let ranges = Memo::new(move |_| {
        draft.with(|v| v.availability.days.get(day).cloned().unwrap_or_default())
    });
    let panel_id = format!("exact-hours-panel-{day}");

    let cells = DayPart::ALL
        .into_iter()
        .map(|part| {
            let on = move || draft.with(|v| v.availability.has_part(day, part));
            view! {
                <button
                    type="button"
                    class="slot"
                    data-testid=format!("slot-{day}-{}", part_name(part))
                    aria-pressed=move || on().to_string()
                    aria-label=move || format!("{} {}", weekday_name(lang.get(), day), part_label(part).text(lang.get()))
                    on:click=move |_| {
                        // Read before writing: a signal cannot be read inside its own update.
                        let turn_on = !on();
                        draft.update(|v| v.availability.set_part(day, part, turn_on));
                        // The typed hours now show the new ranges, so an old complaint is stale.
                        error.set(None);
                    }
                >
                    {move || part_label(part).text(lang.get())}
                </button>
            }
        })
        .collect_view();

    let add_range = move |_| {
        let mut week = draft.with_untracked(|v| v.availability.clone());
        let outcome = match week.suggest_range(day, NEW_RANGE_MINUTES) {
            Some(range) => week.add_range(day, range).map_err(|e| range_error(&e)),
            None => Err(Msg::RangeNoRoom),
        };
        match outcome {
            Ok(()) => {
                draft.update(move |v| v.availability = week);
                error.set(None);
            }
            Err(msg) => error.set(Some(msg)),
        }
    };

    let toggle_panel_id = panel_id.clone();
    view! {
        <div class="day-block">
            <div class="grid-row">
                <span class="grid-day">{move || weekday_name(lang.get(), day)}</span>
                {cells}
            </div>
            <button
                type="button"
                class="exact-toggle"
                data-testid=format!("exact-hours-{day}")
                aria-expanded=move || open.get().to_string()
                aria-controls=toggle_panel_id
                on:click=move |_| {
                    // Closing drops refused typing: reopened inputs show what will be saved.
                    if open.get_untracked() {
                        error.set(None);
                    }
                    open.update(|o| *o = !*o);
                }
            >
                <span class="visually-hidden">{move || format!("{} ", weekday_name(lang.get(), day))}</span>
                <span class="exact-toggle-label">{tr(Msg::ExactHours)}</span>
                <span class="range-summary">{move || ranges.with(|r| ranges_text(lang.get(), r))}</span>
            </button>
            <Show when=move || open.get()>
                <div
                    class="exact-hours"
                    id=panel_id.clone()
                    role="group"
                    aria-label=move || format!("{} {}", weekday_name(lang.get(), day), Msg::ExactHours.text(lang.get()))
                >
                    <For
                        each=move || 0..ranges.with(Vec::len)
                        key=|index| *index
                        children=move |index| view! { <RangeRow day=day index=index ranges=ranges draft=draft error=error/> }
                    />
                    <p class="field-error" role="alert" data-testid=format!("range-error-{day}")>
                        {move || error.get().map(|msg| msg.text(lang.get()))}
                    </p>
                    <button type="button" class="secondary" data-testid=format!("add-range-{day}") on:click=add_range>
                        {tr(Msg::AddTimeRange)}
                    </button>
                    <p class="note">{tr(Msg::ExactHoursHint)}</p>
                </div>
            </Show>
        </div>
    }
}

/// One exact range of a day as a start/end pair of time inputs and a remove button. A change is
/// kept only if core accepts the whole day with it; otherwise the day's message says why.
#[component]
fn RangeRow(
    day: usize,
    index: usize,
    ranges: Memo<Vec<TimeRange>>,
    draft: RwSignal<Volunteer>,
    error: RwSignal<Option<Msg>>,
) -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let start_input = NodeRef::<html::Input>::new();
    let end_input = NodeRef::<html::Input>::new();
    let range = move || ranges.with(|r| r.get(index).copied());

    // Both inputs are read together, so a half-changed pair is judged as the volunteer sees it.
    let commit = move || {
        let typed = |input: NodeRef<html::Input>| {
            input
                .get_untracked()
                .map(|el| el.value())
                .unwrap_or_default()
        };
        let outcome = match (
            parse_clock(&typed(start_input)),
            parse_clock(&typed(end_input)),
        ) {
            (Some(start), Some(end)) => {
                // A time input cannot say 24:00, so an end of 00:00 is the midnight ending the day.
                let end = if end == 0 {
                    TimeRange::MINUTES_PER_DAY
                } else {
                    end
                };
                let mut week = draft.with_untracked(|v| v.availability.clone());
                TimeRange::new(start, end)
                    .and_then(|range| week.replace_range(day, index, range))
                    .map(|()| week)
                    .map_err(|e| range_error(&e))
            }
            _ => Err(Msg::RangeIncomplete),
        };
        match outcome {
            Ok(week) => {
                draft.update(move |v| v.availability = week);
                error.set(None);
            }
            Err(msg) => error.set(Some(msg)),
        }
    };

    view! {
        <div class="range-row">
            <label>
                <span>{tr(Msg::TimeFrom)}</span>
                <input
                    type="time"
                    node_ref=start_input
                    data-testid=format!("range-start-{day}-{index}")
                    prop:value=move || range().map(|r| input_clock(r.start_min)).unwrap_or_default()
                    on:change=move |_| commit()
                />
            </label>
            <label>
                <span>{tr(Msg::TimeTo)}</span>
                <input
                    type="time"
                    node_ref=end_input
                    data-testid=format!("range-end-{day}-{index}")
                    prop:value=move || range().map(|r| input_clock(r.end_min)).unwrap_or_default()
                    on:change=move |_| commit()
                />
            </label>
            <button
                type="button"
                class="secondary remove"
                data-testid=format!("remove-range-{day}-{index}")
                aria-label=move || {
                    let shown = range().map(|r| ranges_text(lang.get(), &[r])).unwrap_or_default();
                    format!("{} {} {shown}", Msg::Remove.text(lang.get()), weekday_name(lang.get(), day))
                }
                on:click=move |_| {
                    draft.update(|v| {
                        v.availability.remove_range(day, index);
                    });
                    error.set(None);
                }
            >
                {tr(Msg::Remove)}
            </button>
        </div>
    }
}

/// The volunteer's dated exceptions ("away 1–7 Oct"), each removable, and a form to add days
/// away. Adding goes into the draft; Save keeps it like every other change.
#[component]
fn AwayDays(draft: RwSignal<Volunteer>) -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let exceptions = Memo::new(move |_| draft.with(|v| v.exceptions.clone()));
    let first_day = RwSignal::new(String::new());
    let last_day = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);

    let add_away = move || {
        // Date inputs give "YYYY-MM-DD", or "" when nothing (or nothing valid) was chosen.
        let parse = |text: String| text.trim().parse::<NaiveDate>().ok();
        let Some(from) = parse(first_day.get_untracked()) else {
            error.set(Some(Msg::AwayNeedsFirstDay));
            return;
        };
        // No last day means a single day away.
        let to = parse(last_day.get_untracked()).unwrap_or(from);
        match AvailabilityException::away(from, to) {
            Ok(away) => {
                draft.update(|v| {
                    if !v.exceptions.contains(&away) {
                        v.exceptions.push(away);
                        // In date order, so the list reads like a calendar.
                        v.exceptions.sort_by_key(|e| (e.date_from, e.date_to));
                    }
                });
                first_day.set(String::new());
                last_day.set(String::new());
                error.set(None);
            }
            Err(ValidationError::ExceptionDatesReversed { .. }) => {
                error.set(Some(Msg::AwayDatesReversed))
            }
            Err(_) => error.set(Some(Msg::RejectInvalid)),
        }
    };
    // Enter in a date field would otherwise submit (save) the whole profile without the dates.
    let add_on_enter = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            add_away();
        }
    };

    let list = move || {
        let items = exceptions.get();
        if items.is_empty() {
            return view! { <p class="empty">{tr(Msg::NoAwayDays)}</p> }.into_any();
        }
        let rows = items
            .into_iter()
            .enumerate()
            .map(|(i, exception)| {
                let for_label = exception.clone();
                view! {
                    <li class="exception" data-testid=format!("exception-{i}")>
                        <span>{move || exception_text(lang.get(), &exception)}</span>
                        <button
                            type="button"
                            class="secondary remove"
                            data-testid=format!("remove-exception-{i}")
                            aria-label=move || format!("{} {}", Msg::Remove.text(lang.get()), exception_text(lang.get(), &for_label))
                            on:click=move |_| draft.update(|v| {
                                if i < v.exceptions.len() {
                                    v.exceptions.remove(i);
                                }
                            })
                        >
                            {tr(Msg::Remove)}
                        </button>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="exceptions">{rows}</ul> }.into_any()
    };

    view! {
        <fieldset class="away">
            <legend>{tr(Msg::AwayTitle)}</legend>
            <p class="note">{tr(Msg::AwayHint)}</p>
            {list}
            <div class="away-form">
                <label>
                    <span>{tr(Msg::AwayFirstDay)}</span>
                    <input
                        type="date"
                        data-testid="away-from"
                        prop:value=first_day
                        on:input=move |ev| first_day.set(event_target_value(&ev))
                        on:keydown=add_on_enter
                    />
                </label>
                <label>
                    <span>{tr(Msg::AwayLastDay)}</span>
                    <input
                        type="date"
                        data-testid="away-to"
                        // The picker then opens on, and cannot go before, the first day.
                        min=move || first_day.get()
                        prop:value=last_day
                        on:input=move |ev| last_day.set(event_target_value(&ev))
                        on:keydown=add_on_enter
                    />
                </label>
                <button type="button" class="secondary" data-testid="add-away" on:click=move |_| add_away()>
                    {tr(Msg::AddAway)}
                </button>
            </div>
            <p class="field-error" role="alert" data-testid="away-error">
                {move || error.get().map(|msg| msg.text(lang.get()))}
            </p>
        </fieldset>
    }
}

/// What to tell the volunteer when core refuses a day's hours.
fn range_error(err: &ValidationError) -> Msg {
    match err {
        ValidationError::OverlappingRanges { .. } => Msg::RangeOverlaps,
        ValidationError::EmptyTimeRange { .. } => Msg::RangeEndBeforeStart,
        _ => Msg::RejectInvalid,
    }
}

/// Minutes since midnight from a time input's "HH:MM" (seconds, if a browser adds them, are
/// ignored). `None` for an empty or malformed value.
fn parse_clock(text: &str) -> Option<u16> {
    let mut parts = text.trim().split(':');
    let hours: u16 = parts.next()?.parse().ok()?;
    let minutes: u16 = parts.next()?.parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// A time input's value for minutes since midnight; the end-of-day midnight (1440) is "00:00",
/// which [`parse_clock`] plus the end rule in `RangeRow` read back as 1440.
fn input_clock(minutes: u16) -> String {
    let minutes = minutes % TimeRange::MINUTES_PER_DAY;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "08:00–12:00、13:00–17:00" / "08:00–12:00, 13:00–17:00"; "未填" / "none" for no ranges.
/// Midnight at the end of the day reads "24:00".
fn ranges_text(lang: Lang, ranges: &[TimeRange]) -> String {
    if ranges.is_empty() {
        return Msg::NoTimeSet.text(lang).to_owned();
    }
    let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    let separator = list_separator(lang);
    ranges
        .iter()
        .map(|r| format!("{}–{}", clock(r.start_min), clock(r.end_min)))
        .collect::<Vec<_>>()
        .join(separator)
}

/// "外出：周三 10月1日 – 周二 10月7日" / "Away: Wed 1 Oct – Tue 7 Oct"; one date for a single day;
/// extra time also lists its hours.
fn exception_text(lang: Lang, exception: &AvailabilityException) -> String {
    let dates = if exception.date_from == exception.date_to {
        day_label(lang, exception.date_from)
    } else {
        format!(
            "{} – {}",
            day_label(lang, exception.date_from),
            day_label(lang, exception.date_to)
        )
    };
    let colon = colon(lang);
    match &exception.kind {
        ExceptionKind::Away => format!("{}{colon}{dates}", Msg::AwayLabel.text(lang)),
        ExceptionKind::Extra { ranges } => format!(
            "{}{colon}{dates} {}",
            Msg::ExtraTimeLabel.text(lang),
            ranges_text(lang, ranges)
        ),
    }
}

fn part_name(part: DayPart) -> &'static str {
    match part {
        DayPart::Morning => "morning",
        DayPart::Afternoon => "afternoon",
        DayPart::Evening => "evening",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_input_values_round_trip_and_midnight_is_the_end_of_the_day() {
        assert_eq!(parse_clock("08:30"), Some(510));
        assert_eq!(parse_clock(" 14:05:00 "), Some(845));
        assert_eq!(parse_clock(""), None);
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("9"), None);
        assert_eq!(input_clock(510), "08:30");
        assert_eq!(input_clock(TimeRange::MINUTES_PER_DAY), "00:00");
    }

    #[test]
    fn ranges_and_exceptions_read_naturally_in_both_languages() {
        let morning = DayPart::Morning.range();
        let late = TimeRange::new(21 * 60, TimeRange::MINUTES_PER_DAY).expect("range");
        assert_eq!(
            ranges_text(Lang::En, &[morning, late]),
            "08:00–12:00, 21:00–24:00"
        );
        assert_eq!(ranges_text(Lang::Zh, &[]), "未填");

        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).expect("date");
        let away = AvailabilityException::away(day(1), day(7)).expect("away");
        assert_eq!(
            exception_text(Lang::En, &away),
            "Away: Thu 1 Oct – Wed 7 Oct"
        );
        assert_eq!(
            exception_text(Lang::Zh, &away),
            "外出：周四 10月1日 – 周三 10月7日"
        );
        let one_day = AvailabilityException::extra(day(3), day(3), vec![morning]).expect("extra");
        assert_eq!(
            exception_text(Lang::En, &one_day),
            "Extra time: Sat 3 Oct 08:00–12:00"
        );
    }

    #[test]
    fn common_languages_store_the_chinese_name_whatever_the_label() {
        for (name, label) in COMMON_LANGUAGES {
            assert_eq!(label.text(Lang::Zh), name);
            assert!(label.text(Lang::En).is_ascii());
        }
    }
}

//! A volunteer's own profile: when they are usually free (tapped on a week grid), how many hours
//! a week they give, the languages they speak and their skills. Saved on the phone at once and
//! synced later (`update_profile`).

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{Certification, DayPart, Language, Skill, Volunteer, VolunteerId};
use linli_core::sync::{Mutation, Record, Role};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{weekday_name, Lang, Msg};
use crate::sync::SyncEngine;

/// Languages offered as ticks; others a volunteer already has stay in their profile.
const COMMON_LANGUAGES: [&str; 4] = ["普通话", "本地方言", "粤语", "闽南语"];

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
    let draft = RwSignal::new(volunteer);
    let message = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let volunteer = draft.get_untracked();
        let lang = lang.get_untracked();
        message.set(Some(
            match engine.mutate(Mutation::UpdateProfile { volunteer }) {
                Ok(_) => Msg::SavedLocally.text(lang).to_owned(),
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };

    let grid = (0..7usize)
        .map(|day| {
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
                                draft.update(|v| v.availability.set_part(day, part, turn_on))
                            }
                        >
                            {move || part_label(part).text(lang.get())}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="grid-row">
                    <span class="grid-day">{move || weekday_name(lang.get(), day)}</span>
                    {cells}
                </div>
            }
        })
        .collect_view();

    let languages = COMMON_LANGUAGES
        .into_iter()
        .map(|name| {
            let language = Language::new(name);
            let has = {
                let language = language.clone();
                move || draft.with(|v| v.languages.contains(&language))
            };
            let has_for_click = has.clone();
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=has
                        on:change=move |_| {
                            let on = !has_for_click();
                            let language = language.clone();
                            draft.update(|v| {
                                v.languages.retain(|l| l != &language);
                                if on {
                                    v.languages.push(language);
                                }
                            })
                        }
                    />
                    <span>{name}</span>
                </label>
            }
        })
        .collect_view();

    let skills = Skill::ALL
        .iter()
        .copied()
        .map(|skill| {
            let has = move || draft.with(|v| v.certifications.iter().any(|c| c.skill == skill));
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid=format!("skill-{}", skill.as_str())
                        prop:checked=has
                        on:change=move |_| {
                            let on = !has();
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
                    <div class="week-grid">{grid}</div>
                </fieldset>
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
                    <legend>{tr(Msg::ProfileLanguages)}</legend>
                    <div class="checks">{languages}</div>
                </fieldset>
                <fieldset>
                    <legend>{tr(Msg::ProfileSkills)}</legend>
                    <div class="checks">{skills}</div>
                </fieldset>
                <p class="form-status" role="status" data-testid="profile-message">{move || message.get()}</p>
                <button type="submit" class="primary" data-testid="save-profile">{tr(Msg::Save)}</button>
            </form>
        </section>
    }
}

fn part_name(part: DayPart) -> &'static str {
    match part {
        DayPart::Morning => "morning",
        DayPart::Afternoon => "afternoon",
        DayPart::Evening => "evening",
    }
}

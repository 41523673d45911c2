//! Posting tasks: one task or a weekly series ("visit Grandma Li every Tuesday, 8 times"), and
//! campaigns ("a heat-wave check visit to every elder living alone, this Thursday and Friday"),
//! both starting from a template of the village's standing programmes.

use leptos::prelude::*;
use linli_core::campaign::{BeneficiaryFilter, Campaign, Series, TaskTemplate};
use linli_core::model::{
    BeneficiaryFlags, NaiveDate, NaiveTime, Recurrence, RecurrenceEnd, TaskId, TaskKind,
    VillageGroupId, Weekday,
};
use linli_core::sync::Mutation;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{campaign_preview, tasks_posted, weekday_name, Lang, Msg};
use crate::pages::beneficiaries::{register, village, SituationChecks};
use crate::pages::coordinator::{new_id, CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn kind_label(lang: Lang, kind: TaskKind) -> &'static str {
    if lang == Lang::Zh {
        kind.label_zh()
    } else {
        kind.label_en()
    }
}

/// Posts `mutations` at once and says how it went.
fn post(engine: SyncEngine, lang: Lang, mutations: Vec<Mutation>) -> String {
    let count = mutations.len();
    let results = engine.mutate_all(mutations);
    match results.into_iter().find_map(Result::err) {
        None => tasks_posted(lang, count),
        Some(err) => mutate_error_text(lang, &err),
    }
}

/// The template form shared by a task and a campaign: kind, title, time of day, places.
#[component]
fn TemplateFields(template: RwSignal<TaskTemplate>) -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let programmes = TaskTemplate::standing_programmes();
    let choices = programmes.clone();
    view! {
        <label>
            <span>{tr(Msg::TemplateLabel)}</span>
            <select data-testid="template" on:change=move |ev| {
                if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                    if let Some(t) = choices.get(i) {
                        template.set(t.clone());
                    }
                }
            }>
                {programmes.iter().enumerate().map(|(i, t)| {
                    let kind = t.kind;
                    view! { <option value=i.to_string()>{move || kind_label(lang.get(), kind)}</option> }
                }).collect_view()}
            </select>
        </label>
        <label>
            <span>{tr(Msg::KindLabel)}</span>
            <select data-testid="task-kind" on:change=move |ev| {
                if let Ok(kind) = event_target_value(&ev).parse::<TaskKind>() {
                    template.update(|t| t.kind = kind);
                }
            }>
                {TaskKind::ALL.iter().copied().map(|k| view! {
                    <option value=k.as_str() selected=move || template.with(|t| t.kind == k)>{move || kind_label(lang.get(), k)}</option>
                }).collect_view()}
            </select>
        </label>
        <label>
            <span>{tr(Msg::TitleLabel)}</span>
            <input required data-testid="task-title" prop:value=move || template.with(|t| t.title.clone())
                on:input=move |ev| template.update(|t| t.title = event_target_value(&ev))/>
        </label>
        <div class="row">
            <label>
                <span>{tr(Msg::StartLabel)}</span>
                <input type="time" required data-testid="task-start" prop:value=move || template.with(|t| t.start.format("%H:%M").to_string())
                    on:change=move |ev| { if let Ok(time) = NaiveTime::parse_from_str(&event_target_value(&ev), "%H:%M") { template.update(|t| t.start = time) } }/>
            </label>
            <label>
                <span>{tr(Msg::EndLabel)}</span>
                <input type="time" required data-testid="task-end" prop:value=move || template.with(|t| t.end.format("%H:%M").to_string())
                    on:change=move |ev| { if let Ok(time) = NaiveTime::parse_from_str(&event_target_value(&ev), "%H:%M") { template.update(|t| t.end = time) } }/>
            </label>
            <label>
                <span>{tr(Msg::PlacesLabel)}</span>
                <input type="number" min="1" max="50" required data-testid="task-places" prop:value=move || template.with(|t| t.volunteers_max.to_string())
                    on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { template.update(|t| t.volunteers_max = n.clamp(1, 50)) } }/>
            </label>
        </div>
    }
}

fn first_template() -> TaskTemplate {
    TaskTemplate::standing_programmes()
        .into_iter()
        .next()
        .unwrap_or(TaskTemplate {
            kind: TaskKind::HomeVisit,
            title: TaskKind::HomeVisit.label_zh().to_owned(),
            start: NaiveTime::MIN,
            end: NaiveTime::MIN,
            volunteers_max: 1,
            priority: Default::default(),
        })
}

#[component]
pub fn NewTask() -> impl IntoView {
    view! { <CoordinatorOnly><NewTaskForm/></CoordinatorOnly> }
}

#[component]
fn NewTaskForm() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let template = RwSignal::new(first_template());
    let date = RwSignal::new(String::new());
    let beneficiary = RwSignal::new(String::new());
    let repeat = RwSignal::new(false);
    let weekdays = RwSignal::new(Vec::<Weekday>::new());
    let count = RwSignal::new(4u32);
    let message = RwSignal::new(None::<String>);
    let people = Memo::new(move |_| engine.view.with(register));

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let Ok(day) = date.get_untracked().parse::<NaiveDate>() else {
            return;
        };
        let chosen = beneficiary.get_untracked();
        let for_whom = people
            .get_untracked()
            .into_iter()
            .find(|b| b.id.as_str() == chosen);
        let template = template.get_untracked();
        let result = if repeat.get_untracked() {
            let mut days = weekdays.get_untracked();
            if days.is_empty() {
                days.push(linli_core::Datelike::weekday(&day));
            }
            Recurrence::weekly(
                days,
                day,
                RecurrenceEnd::Count(count.get_untracked().max(1)),
            )
            .map_err(|e| e.to_string())
            .and_then(|recurrence| {
                Series {
                    template,
                    recurrence,
                    beneficiary: for_whom.clone(),
                }
                .tasks(day + linli_core::TimeDelta::days(3660), &new_id("s"))
                .map_err(|e| e.to_string())
            })
        } else {
            template
                .task(TaskId::new(new_id("t")), day, for_whom.as_ref())
                .map(|task| vec![task])
                .map_err(|e| e.to_string())
        };
        message.set(Some(match result {
            Ok(tasks) => post(
                engine,
                lang,
                tasks
                    .into_iter()
                    .map(|task| Mutation::CreateTask { task })
                    .collect(),
            ),
            Err(e) => e,
        }));
    };

    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::NavNewTask)}</h1>
            <form class="form wide" on:submit=save data-testid="new-task">
                <TemplateFields template=template/>
                <label>
                    <span>{tr(Msg::DateLabel)}</span>
                    <input type="date" required data-testid="task-date" on:change=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::ForBeneficiary)}</span>
                    <select data-testid="task-beneficiary" on:change=move |ev| beneficiary.set(event_target_value(&ev))>
                        <option value="">{tr(Msg::NoBeneficiary)}</option>
                        {move || people.get().into_iter().map(|b| view! {
                            <option value=b.id.as_str().to_owned() data-user-text="">{b.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="task-repeat" on:change=move |ev| repeat.set(event_target_checked(&ev))/>
                    <span>{tr(Msg::RepeatWeekly)}</span>
                </label>
                <Show when=move || repeat.get()>
                    <div class="checks">
                        {WEEKDAYS.into_iter().enumerate().map(|(i, d)| view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("repeat-day-{i}") on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    weekdays.update(|w| { w.retain(|x| *x != d); if on { w.push(d); } });
                                }/>
                                <span>{move || weekday_name(lang.get(), i)}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    <label>
                        <span>{tr(Msg::RepeatCount)}</span>
                        <input type="number" min="1" max="104" data-testid="repeat-count" prop:value=move || count.get().to_string()
                            on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { count.set(n.clamp(1, 104)) } }/>
                    </label>
                </Show>
                <p class="form-status" role="status" data-testid="new-task-message">{move || message.get()}</p>
                <button type="submit" class="primary" data-testid="create-task">{tr(Msg::CreateTask)}</button>
            </form>
        </section>
    }
}

#[component]
pub fn NewCampaign() -> impl IntoView {
    view! { <CoordinatorOnly><CampaignForm/></CoordinatorOnly> }
}

/// The dates from `from` to `to`, both included (at most a month: a campaign is for days).
fn days_between(from: &str, to: &str) -> Vec<NaiveDate> {
    let (Ok(from), to) = (from.parse::<NaiveDate>(), to.parse::<NaiveDate>()) else {
        return Vec::new();
    };
    let to = to.unwrap_or(from);
    from.iter_days().take_while(|d| *d <= to).take(31).collect()
}

#[component]
fn CampaignForm() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let template = RwSignal::new(first_template());
    let group = RwSignal::new(None::<VillageGroupId>);
    let flags = RwSignal::new(BeneficiaryFlags {
        lives_alone: true,
        ..Default::default()
    });
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let people = Memo::new(move |_| engine.view.with(register));
    let village = Memo::new(move |_| engine.view.with(village));
    let campaign = move || Campaign {
        template: template.get(),
        filter: BeneficiaryFilter {
            group: group.get(),
            flags: flags.get(),
        },
        dates: days_between(&from.get(), &to.get()),
    };
    let reached = move || people.with(|p| campaign().reaches(p).len());

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let result = people.with_untracked(|p| campaign().tasks(p, &new_id("c")));
        message.set(Some(match result {
            Ok(tasks) => post(
                engine,
                lang,
                tasks
                    .into_iter()
                    .map(|task| Mutation::CreateTask { task })
                    .collect(),
            ),
            Err(e) => e.to_string(),
        }));
    };

    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::CampaignTitle)}</h1>
            <form class="form wide" on:submit=save data-testid="campaign">
                <TemplateFields template=template/>
                <SituationChecks flags=flags testid_prefix="campaign-flag"/>
                <label>
                    <span>{tr(Msg::FilterGroup)}</span>
                    <select data-testid="campaign-group" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        group.set((!v.is_empty()).then(|| VillageGroupId::new(v)));
                    }>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {move || village.get().map(|v| v.groups.into_iter().map(|g| view! {
                            <option value=g.id.as_str().to_owned() data-user-text="">{g.name}</option>
                        }).collect_view())}
                    </select>
                </label>
                <div class="row">
                    <label>
                        <span>{tr(Msg::DateFrom)}</span>
                        <input type="date" required data-testid="campaign-from" on:change=move |ev| from.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        <span>{tr(Msg::DateTo)}</span>
                        <input type="date" data-testid="campaign-to" on:change=move |ev| to.set(event_target_value(&ev))/>
                    </label>
                </div>
                <p class="note" data-testid="campaign-preview">
                    {move || campaign_preview(lang.get(), reached(), reached() * days_between(&from.get(), &to.get()).len())}
                </p>
                <p class="form-status" role="status" data-testid="campaign-message">{move || message.get()}</p>
                <button type="submit" class="primary" data-testid="campaign-create">{tr(Msg::CampaignCreate)}</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_runs_from_its_first_to_its_last_day_and_at_most_a_month() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            days_between("2026-07-16", "2026-07-17"),
            vec![d("2026-07-16"), d("2026-07-17")]
        );
        assert_eq!(days_between("2026-07-16", ""), vec![d("2026-07-16")]);
        assert_eq!(
            days_between("2026-07-16", "2026-07-15"),
            Vec::<NaiveDate>::new()
        );
        assert_eq!(days_between("2026-07-01", "2026-12-31").len(), 31);
        assert!(days_between("", "2026-07-17").is_empty());
    }
}

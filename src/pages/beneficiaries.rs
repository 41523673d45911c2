//! The coordinator's register of the people the village serves: search and filter by village
//! group and situation, register someone new, and the spreadsheet (CSV) in and out.

use leptos::prelude::*;
use linli_core::beneficiary_csv::{self, ImportReport};
use linli_core::model::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPreferences, BeneficiaryPrivate,
    Gender, Language, LanguagePreference, PreferenceStrength, TaskKind, Village, VillageGroupId,
};
use linli_core::sync::{MemoryStore, Mutation, Record};
use wasm_bindgen::JsCast;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{import_summary, rejected_line, Lang, Msg};
use crate::pages::coordinator::{new_id, CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

/// A situation a beneficiary may be in, as a filter and a tick box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Situation {
    Elderly,
    LivesAlone,
    EmptyNest,
    Disabled,
    LowIncome,
    LeftBehindChild,
}

impl Situation {
    pub const ALL: [Situation; 6] = [
        Situation::Elderly,
        Situation::LivesAlone,
        Situation::EmptyNest,
        Situation::Disabled,
        Situation::LowIncome,
        Situation::LeftBehindChild,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Situation::Elderly => "elderly",
            Situation::LivesAlone => "lives_alone",
            Situation::EmptyNest => "empty_nest",
            Situation::Disabled => "disabled",
            Situation::LowIncome => "low_income",
            Situation::LeftBehindChild => "left_behind_child",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Situation::Elderly => Msg::FlagElderly,
            Situation::LivesAlone => Msg::FlagLivesAlone,
            Situation::EmptyNest => Msg::FlagEmptyNest,
            Situation::Disabled => Msg::FlagDisabled,
            Situation::LowIncome => Msg::FlagLowIncome,
            Situation::LeftBehindChild => Msg::FlagLeftBehindChild,
        }
    }

    pub fn flag(self, flags: &mut BeneficiaryFlags) -> &mut bool {
        match self {
            Situation::Elderly => &mut flags.elderly,
            Situation::LivesAlone => &mut flags.lives_alone,
            Situation::EmptyNest => &mut flags.empty_nest,
            Situation::Disabled => &mut flags.disabled,
            Situation::LowIncome => &mut flags.low_income,
            Situation::LeftBehindChild => &mut flags.left_behind_child,
        }
    }

    pub fn of(self, flags: &BeneficiaryFlags) -> bool {
        let mut copy = flags.clone();
        *self.flag(&mut copy)
    }

    fn from_key(key: &str) -> Option<Situation> {
        Situation::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A tick box per situation, editing `flags` (the register's form, a campaign's filter).
#[component]
pub fn SituationChecks(
    flags: RwSignal<BeneficiaryFlags>,
    testid_prefix: &'static str,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{tr(Msg::FilterFlag)}</legend>
            <div class="checks">
                {Situation::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" data-testid=format!("{testid_prefix}-{}", s.key())
                            prop:checked=move || flags.with(|f| s.of(f))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                flags.update(|f| *s.flag(f) = on);
                            }/>
                        <span>{tr(s.label())}</span>
                    </label>
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// The register as this device holds it, private parts joined back in.
pub fn register(view: &MemoryStore) -> Vec<Beneficiary> {
    let mut list: Vec<Beneficiary> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Beneficiary(b) => {
                let mut b = b.clone();
                if let Some(Record::BeneficiaryPrivate { private, .. }) =
                    view.get_record(&format!("beneficiary_private/{}", b.id.as_str()))
                {
                    b.private = Some(private.clone());
                }
                Some(b)
            }
            _ => None,
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

pub fn village(view: &MemoryStore) -> Option<Village> {
    view.records().find_map(|(_, r)| match r {
        Record::Village(v) => Some(v.clone()),
        _ => None,
    })
}

/// Those whose name contains `needle`, in `group` and `situation` when given.
pub fn matching<'a>(
    list: &'a [Beneficiary],
    needle: &str,
    group: Option<&VillageGroupId>,
    situation: Option<Situation>,
) -> Vec<&'a Beneficiary> {
    let needle = needle.trim();
    list.iter()
        .filter(|b| needle.is_empty() || b.name.contains(needle))
        .filter(|b| group.is_none_or(|g| &b.group == g))
        .filter(|b| situation.is_none_or(|s| s.of(&b.flags)))
        .collect()
}

/// How many rows the list shows; the search narrows it down.
const SHOWN: usize = 100;

#[component]
pub fn Beneficiaries() -> impl IntoView {
    view! { <CoordinatorOnly><Register/></CoordinatorOnly> }
}

#[component]
fn Register() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let needle = RwSignal::new(String::new());
    let group = RwSignal::new(None::<VillageGroupId>);
    let situation = RwSignal::new(None::<Situation>);
    let all = Memo::new(move |_| engine.view.with(register));
    let village_memo = Memo::new(move |_| engine.view.with(village));
    let report = RwSignal::new(None::<ImportReport>);
    let import_error = RwSignal::new(None::<String>);

    let export = move |_| {
        let (Some(village), list) = (village_memo.get_untracked(), all.get_untracked()) else {
            return;
        };
        let text = beneficiary_csv::export(&village, &list);
        if let Err(err) =
            crate::files::download("linli-beneficiaries.csv", "text/csv;charset=utf-8", &text)
        {
            leptos::logging::warn!("export failed: {err:?}");
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(text) = crate::files::picked_text(&input).await else {
                return;
            };
            let Some(village) = village_memo.get_untracked() else {
                return;
            };
            match beneficiary_csv::import(&text, &village, &all.get_untracked()) {
                Ok(mut outcome) => {
                    let mutations = outcome
                        .imported
                        .iter()
                        .map(|i| {
                            if i.existing {
                                Mutation::UpdateBeneficiary {
                                    beneficiary: i.beneficiary.clone(),
                                }
                            } else {
                                Mutation::CreateBeneficiary {
                                    beneficiary: i.beneficiary.clone(),
                                }
                            }
                        })
                        .collect();
                    // A row the rules refuse (e.g. an id already taken) joins the report.
                    let results = engine.mutate_all(mutations);
                    let mut kept = Vec::new();
                    for (imported, result) in outcome.imported.into_iter().zip(results) {
                        match result {
                            Ok(_) => kept.push(imported),
                            Err(err) => import_error
                                .set(Some(mutate_error_text(lang.get_untracked(), &err))),
                        }
                    }
                    outcome.imported = kept;
                    import_error.set(None);
                    report.set(Some(outcome));
                }
                Err(err) => import_error.set(Some(err.to_string())),
            }
            input.set_value("");
        });
    };

    let list = move || {
        let list = all.get();
        let group = group.get();
        let shown: Vec<Beneficiary> =
            matching(&list, &needle.get(), group.as_ref(), situation.get())
                .into_iter()
                .take(SHOWN)
                .cloned()
                .collect();
        if shown.is_empty() {
            return view! { <p class="empty">{tr(Msg::NoBeneficiaries)}</p> }.into_any();
        }
        let village = village_memo.get();
        view! {
            <table class="register" data-testid="beneficiary-list">
                <thead><tr>
                    <th scope="col">{tr(Msg::NameLabel)}</th>
                    <th scope="col">{tr(Msg::FilterGroup)}</th>
                    <th scope="col">{tr(Msg::FilterFlag)}</th>
                    <th scope="col">{tr(Msg::Needs)}</th>
                </tr></thead>
                <tbody>
                    {shown.into_iter().map(|b| {
                        let group_name = village.as_ref().and_then(|v| v.group(&b.group)).map(|g| g.name.clone()).unwrap_or_default();
                        let flags = b.flags.clone();
                        let needs = b.needs.clone();
                        view! {
                            <tr data-testid=format!("beneficiary-{}", b.id.as_str())>
                                <td data-user-text="">{b.name.clone()}</td>
                                <td data-user-text="">{group_name}</td>
                                <td>{move || Situation::ALL.into_iter().filter(|s| s.of(&flags)).map(|s| s.label().text(lang.get())).collect::<Vec<_>>().join(" · ")}</td>
                                <td>{move || needs.iter().map(|k| if lang.get() == Lang::Zh { k.label_zh() } else { k.label_en() }).collect::<Vec<_>>().join(" · ")}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };

    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::BeneficiariesTitle)}</h1>
            <div class="filters">
                <label>
                    <span>{tr(Msg::SearchByName)}</span>
                    <input type="search" data-testid="beneficiary-search" on:input=move |ev| needle.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::FilterGroup)}</span>
                    <select data-testid="beneficiary-group" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        group.set((!v.is_empty()).then(|| VillageGroupId::new(v)));
                    }>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {move || village_memo.get().map(|v| v.groups.into_iter().map(|g| view! {
                            <option value=g.id.as_str().to_owned() data-user-text="">{g.name}</option>
                        }).collect_view())}
                    </select>
                </label>
                <label>
                    <span>{tr(Msg::FilterFlag)}</span>
                    <select data-testid="beneficiary-flag" on:change=move |ev| situation.set(Situation::from_key(&event_target_value(&ev)))>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {Situation::ALL.into_iter().map(|s| view! { <option value=s.key()>{tr(s.label())}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            {list}
            <div class="actions">
                <button type="button" class="secondary" data-testid="export-csv" on:click=export>{tr(Msg::ExportCsv)}</button>
                <label class="button secondary file">
                    <span>{tr(Msg::ImportCsv)}</span>
                    <input type="file" accept=".csv,text/csv" data-testid="import-csv" on:change=import/>
                </label>
            </div>
            <p class="form-error" role="alert" data-testid="import-error">{move || import_error.get()}</p>
            {move || report.get().map(|r| {
                let rejected = r.rejected.clone();
                view! {
                    <div class="import-report" role="status" data-testid="import-report">
                        <p>{move || import_summary(lang.get(), r.imported.len(), r.rejected.len())}</p>
                        <ul>
                            {rejected.into_iter().map(|(line, problem)| view! {
                                <li data-testid=format!("import-line-{line}")>
                                    {move || rejected_line(lang.get(), line)}
                                    {move || if lang.get() == Lang::Zh { problem.zh() } else { problem.en() }}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            <NewBeneficiary village=village_memo/>
        </section>
    }
}

#[component]
fn NewBeneficiary(village: Memo<Option<Village>>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let name = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let birth_year = RwSignal::new(String::new());
    let flags = RwSignal::new(BeneficiaryFlags::default());
    let needs = RwSignal::new(Vec::<TaskKind>::new());
    let address = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let health = RwSignal::new(String::new());
    let gender = RwSignal::new(None::<Gender>);
    let same_gender = RwSignal::new(false);
    let must_speak = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let has_private =
            !text(address).is_empty() || !text(phone).is_empty() || !text(health).is_empty();
        let beneficiary = Beneficiary {
            id: BeneficiaryId::new(new_id("b")),
            name: text(name),
            group: VillageGroupId::new(text(group)),
            gender: gender.get_untracked(),
            birth_year: text(birth_year).parse().ok(),
            flags: flags.get_untracked(),
            needs: needs.get_untracked(),
            preferences: BeneficiaryPreferences {
                same_gender_for_personal_care: same_gender.get_untracked(),
                preferred_language: (!must_speak.get_untracked().is_empty()).then(|| {
                    LanguagePreference {
                        language: Language::new(must_speak.get_untracked()),
                        strength: PreferenceStrength::Hard,
                    }
                }),
            },
            private: has_private.then(|| BeneficiaryPrivate {
                address: text(address),
                phone: (!text(phone).is_empty()).then(|| text(phone)),
                family_contact: None,
                health_notes: text(health),
            }),
        };
        message.set(Some(
            match engine.mutate(Mutation::CreateBeneficiary { beneficiary }) {
                Ok(_) => {
                    for s in [name, birth_year, address, phone, health] {
                        s.set(String::new());
                    }
                    flags.set(BeneficiaryFlags::default());
                    needs.set(Vec::new());
                    same_gender.set(false);
                    Msg::Saved.text(lang).to_owned()
                }
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };

    view! {
        <form class="form wide new-beneficiary" on:submit=save data-testid="new-beneficiary">
            <h2>{tr(Msg::AddBeneficiary)}</h2>
            <label>
                <span>{tr(Msg::NameLabel)}</span>
                <input required data-testid="nb-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>{tr(Msg::FilterGroup)}</span>
                <select required data-testid="nb-group" on:change=move |ev| group.set(event_target_value(&ev))>
                    <option value="">{tr(Msg::JoinChooseGroup)}</option>
                    {move || village.get().map(|v| v.groups.into_iter().map(|g| view! {
                        <option value=g.id.as_str().to_owned() data-user-text="">{g.name}</option>
                    }).collect_view())}
                </select>
            </label>
            <label>
                <span>{tr(Msg::GenderLabel)}</span>
                <select data-testid="nb-gender" on:change=move |ev| gender.set(match event_target_value(&ev).as_str() {
                    "female" => Some(Gender::Female),
                    "male" => Some(Gender::Male),
                    _ => None,
                })>
                    <option value="">{tr(Msg::GenderUnknown)}</option>
                    <option value="female">{tr(Msg::GenderFemale)}</option>
                    <option value="male">{tr(Msg::GenderMale)}</option>
                </select>
            </label>
            <label class="check">
                <input type="checkbox" data-testid="nb-same-gender" prop:checked=move || same_gender.get()
                    on:change=move |ev| same_gender.set(event_target_checked(&ev))/>
                <span>{tr(Msg::SameGenderCare)}</span>
            </label>
            <label>
                <span>{tr(Msg::MustSpeak)}</span>
                <select data-testid="nb-language" on:change=move |ev| must_speak.set(event_target_value(&ev))>
                    <option value="">{tr(Msg::NoLanguageNeed)}</option>
                    {crate::pages::profile::COMMON_LANGUAGES.into_iter().map(|(name, label)| view! {
                        <option value=name>{tr(label)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{tr(Msg::BirthYear)}</span>
                <input type="number" min="1900" max="2100" inputmode="numeric" data-testid="nb-birth-year" prop:value=move || birth_year.get() on:input=move |ev| birth_year.set(event_target_value(&ev))/>
            </label>
            <SituationChecks flags=flags testid_prefix="nb-flag"/>
            <fieldset>
                <legend>{tr(Msg::Needs)}</legend>
                <div class="checks">
                    {TaskKind::ALL.iter().copied().filter(|k| k.is_elder_care()).map(|k| view! {
                        <label class="check">
                            <input type="checkbox" data-testid=format!("nb-need-{}", k.as_str())
                                prop:checked=move || needs.with(|n| n.contains(&k))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    needs.update(|n| { n.retain(|x| *x != k); if on { n.push(k); } });
                                }/>
                            <span>{move || if lang.get() == Lang::Zh { k.label_zh() } else { k.label_en() }}</span>
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <label>
                <span>{tr(Msg::AddressLabel)}</span>
                <input data-testid="nb-address" prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>{tr(Msg::PhoneLabel)}</span>
                <input type="tel" data-testid="nb-phone" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>{tr(Msg::HealthNotes)}</span>
                <textarea rows="2" data-testid="nb-health" prop:value=move || health.get() on:input=move |ev| health.set(event_target_value(&ev))></textarea>
            </label>
            <p class="form-status" role="status" data-testid="nb-message">{move || message.get()}</p>
            <button type="submit" class="primary" data-testid="nb-save">{tr(Msg::Save)}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::demo::{generate, DemoParams};

    #[test]
    fn the_register_filters_by_name_group_and_situation_together() {
        let demo = generate(&DemoParams::village());
        let list = demo.beneficiaries.clone();
        let alone = matching(&list, "", None, Some(Situation::LivesAlone));
        assert!(!alone.is_empty());
        assert!(alone.iter().all(|b| b.flags.lives_alone));
        assert_eq!(
            alone.len(),
            list.iter().filter(|b| b.flags.lives_alone).count()
        );
        let group = &list[0].group;
        let both = matching(&list, "", Some(group), Some(Situation::LivesAlone));
        assert!(both
            .iter()
            .all(|b| &b.group == group && b.flags.lives_alone));
        let name: String = list[0].name.chars().take(2).collect();
        let by_name = matching(&list, &name, None, None);
        assert!(by_name.iter().any(|b| b.id == list[0].id));
        assert!(by_name.iter().all(|b| b.name.contains(&name)));
    }
}

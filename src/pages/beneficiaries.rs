//! The coordinator's register of the people the village serves: search and filter by village
//! group and situation, register someone new, and the spreadsheet (CSV) in and out. Each person
//! may have a card with a 6-digit code that volunteers enter to confirm a visit: issued here
//! (from the browser's cryptographic random numbers) and printed as a small card.

use std::collections::HashMap;

use leptos::prelude::*;
use linli_core::beneficiary_csv::{self, ImportReport};
use linli_core::model::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPreferences, BeneficiaryPrivate,
    CardCode, Gender, Language, LanguagePreference, PreferenceStrength, TaskKind, Village,
    VillageGroupId,
};
use linli_core::sync::{MemoryStore, Mutation, Record};
use wasm_bindgen::JsCast;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{colon, import_summary, rejected_line, Lang, Msg};
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

/// Every beneficiary's card in this copy, by beneficiary (a coordinator's copy holds them all).
pub fn cards(view: &MemoryStore) -> HashMap<BeneficiaryId, CardCode> {
    view.records()
        .filter(|(key, _)| key.starts_with("card/"))
        .filter_map(|(_, r)| match r {
            Record::Card(card) => Some((card.beneficiary.clone(), card.clone())),
            _ => None,
        })
        .collect()
}

/// Random 32-bit numbers at or above this would make low codes a little likelier (2^32 is not
/// a multiple of a million): they are drawn again.
const UNBIASED_LIMIT: u32 = 4_294_000_000;
// The largest multiple of a million below 2^32: each code is equally likely.
const _: () = assert!(
    UNBIASED_LIMIT.is_multiple_of(1_000_000) && UNBIASED_LIMIT as u64 + 1_000_000 > 1 << 32
);

/// Six digits (leading zeros kept) from four random bytes, or `None` when they must be drawn
/// again (see [`UNBIASED_LIMIT`]).
pub fn card_code_from(bytes: [u8; 4]) -> Option<String> {
    let n = u32::from_le_bytes(bytes);
    (n < UNBIASED_LIMIT).then(|| format!("{:06}", n % 1_000_000))
}

/// A new code from `draw` (four random bytes each time), never the card's current one, so a new
/// card always makes the old one stop working. `None` if `draw` fails or keeps missing.
pub fn fresh_code(
    current: Option<&str>,
    mut draw: impl FnMut() -> Option<[u8; 4]>,
) -> Option<String> {
    // Each draw is refused with a chance below 1 in 4,000: 16 draws never all miss in practice.
    (0..16)
        .filter_map(|_| draw().map(card_code_from))
        .flatten()
        .find(|code| Some(code.as_str()) != current)
}

/// A new card code from the browser's cryptographic random numbers (never `Math.random`: a
/// guessable code would let anyone confirm a visit).
fn new_card_code(current: Option<&str>) -> Option<String> {
    let crypto = window().crypto().ok()?;
    fresh_code(current, || {
        let mut bytes = [0u8; 4];
        crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
        Some(bytes)
    })
}

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
    let card_memo = Memo::new(move |_| engine.view.with(cards));
    // Whose card is open in the card panel.
    let card_of = RwSignal::new(None::<BeneficiaryId>);
    let page = NodeRef::<leptos::html::Section>::new();

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
        let codes = card_memo.get();
        view! {
            <table class="register" data-testid="beneficiary-list">
                <thead><tr>
                    <th scope="col">{tr(Msg::NameLabel)}</th>
                    <th scope="col">{tr(Msg::FilterGroup)}</th>
                    <th scope="col">{tr(Msg::FilterFlag)}</th>
                    <th scope="col">{tr(Msg::Needs)}</th>
                    <th scope="col">{tr(Msg::CardCodeColumn)}</th>
                </tr></thead>
                <tbody>
                    {shown.into_iter().map(|b| {
                        let group_name = village.as_ref().and_then(|v| v.group(&b.group)).map(|g| g.name.clone()).unwrap_or_default();
                        let flags = b.flags.clone();
                        let needs = b.needs.clone();
                        let code = codes.get(&b.id).map(|c| c.code.clone());
                        let id = b.id.clone();
                        let name = b.name.clone();
                        view! {
                            <tr data-testid=format!("beneficiary-{}", b.id.as_str())>
                                <td data-user-text="">{b.name.clone()}</td>
                                <td data-user-text="">{group_name}</td>
                                <td>{move || Situation::ALL.into_iter().filter(|s| s.of(&flags)).map(|s| s.label().text(lang.get())).collect::<Vec<_>>().join(" · ")}</td>
                                <td>{move || needs.iter().map(|k| if lang.get() == Lang::Zh { k.label_zh() } else { k.label_en() }).collect::<Vec<_>>().join(" · ")}</td>
                                <td class="card-cell">
                                    {match code {
                                        Some(code) => view! { <span class="card-code" data-testid="card-code-cell">{code}</span> }.into_any(),
                                        None => view! { <span class="note" data-testid="card-code-cell">{tr(Msg::NoCardYet)}</span> }.into_any(),
                                    }}
                                    " "
                                    <button type="button" class="secondary" data-testid="open-card" on:click=move |_| card_of.set(Some(id.clone()))>
                                        {tr(Msg::ManageCard)}
                                        <span class="visually-hidden" data-user-text="">" " {name}</span>
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };

    view! {
        <section class="area coordinator wide" node_ref=page>
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
            // Drawn again only when another person's card is opened, so the question "issue a
            // new code?" stays while data syncs.
            {move || card_of.get().map(|id| view! {
                <CardPanel id=id open=card_of people=all cards=card_memo village=village_memo page=page/>
            })}
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

/// One person's card: the current code, a new one, and the card to print.
#[component]
fn CardPanel(
    id: BeneficiaryId,
    open: RwSignal<Option<BeneficiaryId>>,
    people: Memo<Vec<Beneficiary>>,
    cards: Memo<HashMap<BeneficiaryId, CardCode>>,
    village: Memo<Option<Village>>,
    /// The page's section: marked while printing so that only the card is printed.
    page: NodeRef<leptos::html::Section>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let asking = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let heading = NodeRef::<leptos::html::H2>::new();
    // Opening the panel moves focus (and the screen) to it: it is above the list.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let name = {
        let id = id.clone();
        Memo::new(move |_| {
            people.with(|list| list.iter().find(|b| b.id == id).map(|b| b.name.clone()))
        })
    };
    let code = {
        let id = id.clone();
        Memo::new(move |_| cards.with(|c| c.get(&id).map(|card| card.code.clone())))
    };
    // A code reaches the server at the next sync; until then it is this device's only.
    let synced = {
        let id = id.clone();
        Memo::new(move |_| cards.with(|c| c.get(&id).is_some_and(|card| card.issued.is_some())))
    };
    let issue = move || {
        asking.set(false);
        let lang = lang.get_untracked();
        let Some(new_code) = new_card_code(code.get_untracked().as_deref()) else {
            message.set(Some(Msg::CardRandomUnavailable.text(lang).to_owned()));
            return;
        };
        message.set(Some(
            match engine.mutate(Mutation::SetCardCode {
                beneficiary: id.clone(),
                code: new_code,
            }) {
                Ok(_) => Msg::CardCodeIssued.text(lang).to_owned(),
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };
    let issue_now = issue.clone();
    // A person with a card is asked first: the old card stops working.
    let ask = move |_| {
        message.set(None);
        if code.get_untracked().is_some() {
            asking.set(true);
        } else {
            issue_now();
        }
    };
    let print = move |_| {
        // Marked on the element itself, not through a signal: the mark must be there when the
        // browser lays the page out for printing, which happens inside `print()`.
        let section = page.get_untracked();
        if let Some(section) = &section {
            let _ = section.set_attribute("data-printing", "card");
        }
        if let Err(err) = window().print() {
            leptos::logging::warn!("print failed: {err:?}");
        }
        if let Some(section) = &section {
            let _ = section.remove_attribute("data-printing");
        }
    };
    view! {
        <div class="card-panel" data-testid="card-panel">
            <h2 tabindex="-1" node_ref=heading>
                {tr(Msg::CardTitle)} " · " <span data-user-text="">{move || name.get()}</span>
            </h2>
            <p>
                <span>{tr(Msg::CardCodeCaption)} {move || colon(lang.get())}</span>
                {move || match code.get() {
                    Some(code) => view! { <strong class="card-code" data-testid="card-code">{code}</strong> }.into_any(),
                    None => view! { <span class="note" data-testid="card-code-none">{tr(Msg::NoCardYet)}</span> }.into_any(),
                }}
                {move || (code.with(Option::is_some) && !synced.get()).then(|| view! {
                    " " <span class="badge" data-state="pending">{tr(Msg::NotYetSynced)}</span>
                })}
            </p>
            <div class="actions">
                <button type="button" class="primary" data-testid="issue-code" on:click=ask>
                    {move || if code.with(Option::is_some) { tr(Msg::IssueNewCardCode)() } else { tr(Msg::IssueCardCode)() }}
                </button>
                <button type="button" class="secondary" data-testid="print-card" disabled=move || code.with(Option::is_none) on:click=print>
                    {tr(Msg::PrintCard)}
                </button>
                <button type="button" class="secondary" data-testid="close-card" on:click=move |_| open.set(None)>
                    {tr(Msg::CloseCard)}
                </button>
            </div>
            {move || asking.get().then(|| {
                let issue = issue.clone();
                view! {
                    <div class="confirm-step" role="group" aria-labelledby="new-code-warning">
                        <p class="warning" id="new-code-warning" data-testid="new-code-warning">{tr(Msg::NewCodeWarning)}</p>
                        <div class="actions">
                            <button type="button" class="primary" data-testid="issue-code-confirm" on:click=move |_| issue()>{tr(Msg::IssueNewCodeYes)}</button>
                            <button type="button" class="secondary" data-testid="issue-code-cancel" on:click=move |_| asking.set(false)>{tr(Msg::CancelAction)}</button>
                        </div>
                    </div>
                }
            })}
            <p class="form-status" role="status" data-testid="card-message">{move || message.get()}</p>
            {move || code.get().map(|code| view! {
                <div class="card-sheet" data-testid="card-sheet">
                    <p class="card-sheet-title">{tr(Msg::CardTitle)}</p>
                    <p>
                        <span>{tr(Msg::VillageLabel)} {move || colon(lang.get())}</span>
                        <span data-user-text="">{move || village.with(|v| v.as_ref().map(|v| v.name.clone()))}</span>
                    </p>
                    <p>
                        <span>{tr(Msg::NameLabel)} {move || colon(lang.get())}</span>
                        <span data-user-text="">{move || name.get()}</span>
                    </p>
                    <p class="card-sheet-code" data-testid="card-sheet-code">{code}</p>
                    <p class="card-sheet-purpose">{tr(Msg::CardPurpose)}</p>
                </div>
            })}
        </div>
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

    #[test]
    fn card_codes_are_six_digits_without_bias_and_never_the_old_one() {
        assert_eq!(card_code_from([0, 0, 0, 0]).as_deref(), Some("000000"));
        assert_eq!(
            card_code_from(123_456u32.to_le_bytes()).as_deref(),
            Some("123456")
        );
        assert_eq!(
            card_code_from((UNBIASED_LIMIT - 1).to_le_bytes()).as_deref(),
            Some("999999")
        );
        // The top sliver of 32-bit numbers is drawn again rather than folded onto low codes.
        assert_eq!(card_code_from(UNBIASED_LIMIT.to_le_bytes()), None);
        assert_eq!(card_code_from(u32::MAX.to_le_bytes()), None);

        // A redraw, then the current code again, then a new one.
        let mut draws = [u32::MAX, 42, 43].into_iter();
        let code = fresh_code(Some("000042"), || draws.next().map(u32::to_le_bytes));
        assert_eq!(code.as_deref(), Some("000043"));
        assert!(code.as_deref().is_some_and(linli_core::model::is_card_code));
        // No random numbers at all: no code (never a made-up one).
        assert_eq!(fresh_code(None, || None), None);
    }

    #[test]
    fn a_card_issued_by_the_coordinator_is_in_the_register_s_cards() {
        use linli_core::sync::{apply, Actor, Role};
        let demo = generate(&DemoParams::village());
        let mut view = MemoryStore::new();
        view.insert(Record::Village(demo.village.clone()));
        for b in &demo.beneficiaries[..2] {
            for r in Record::from_beneficiary(b) {
                view.insert(r);
            }
        }
        let actor = Actor {
            village: demo.village.id.clone(),
            role: Role::Coordinator("c-1".into()),
        };
        let first = demo.beneficiaries[0].id.clone();
        assert!(cards(&view).is_empty());
        apply(
            &Mutation::SetCardCode {
                beneficiary: first.clone(),
                code: "012345".into(),
            },
            &actor,
            &mut view,
        )
        .expect("issued");
        let all = cards(&view);
        assert_eq!(all.len(), 1);
        assert_eq!(all[&first].code, "012345");
    }
}

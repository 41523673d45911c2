//! The village's volunteers for a coordinator: one search box over names, phone numbers,
//! village groups, skills and languages, fast enough to filter thousands per keystroke.

use leptos::prelude::*;
use linli_core::model::{Volunteer, VolunteerId};
use linli_core::sync::{MemoryStore, Record};

use crate::app::{tr, Shell};
use crate::i18n::{Lang, Msg};
use crate::pages::beneficiaries::village;
use crate::pages::coordinator::{CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

/// One volunteer as the list shows them, with the text a search looks in (built once per
/// change of the data, not per keystroke).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: VolunteerId,
    pub name: String,
    pub phone: String,
    pub group: String,
    pub skills_zh: String,
    pub skills_en: String,
    haystack: String,
}

pub fn entries(view: &MemoryStore) -> Vec<Entry> {
    let village = village(view);
    let mut list: Vec<Entry> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Volunteer(v) => Some(entry(v, village.as_ref())),
            _ => None,
        })
        .collect();
    list.sort_by(|a, b| (a.name.as_str(), &a.id).cmp(&(b.name.as_str(), &b.id)));
    list
}

fn entry(v: &Volunteer, village: Option<&linli_core::Village>) -> Entry {
    let group = village
        .and_then(|vil| vil.group(&v.group))
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let skills = |zh: bool| {
        v.certifications
            .iter()
            .map(|c| {
                if zh {
                    c.skill.label_zh()
                } else {
                    c.skill.label_en()
                }
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let languages: Vec<&str> = v.languages.iter().map(|l| l.as_str()).collect();
    let haystack = format!(
        "{} {} {} {} {} {}",
        v.name,
        v.phone.replace([' ', '-'], ""),
        group,
        skills(true),
        skills(false),
        languages.join(" ")
    )
    .to_lowercase();
    Entry {
        id: v.id.clone(),
        name: v.name.clone(),
        phone: v.phone.clone(),
        group,
        skills_zh: skills(true),
        skills_en: skills(false),
        haystack,
    }
}

/// Every entry containing every word of `needle` (case-insensitive), and how many there are.
pub fn search<'a>(list: &'a [Entry], needle: &str, limit: usize) -> (Vec<&'a Entry>, usize) {
    let words: Vec<String> = needle
        .split_whitespace()
        .map(|w| w.to_lowercase().replace('-', ""))
        .collect();
    let mut shown = Vec::new();
    let mut total = 0;
    for e in list {
        if words.iter().all(|w| e.haystack.contains(w.as_str())) {
            total += 1;
            if shown.len() < limit {
                shown.push(e);
            }
        }
    }
    (shown, total)
}

/// Rows shown at once: a screenful; typing more narrows it (the count says how many match).
const SHOWN: usize = 50;

#[component]
pub fn Volunteers() -> impl IntoView {
    view! { <CoordinatorOnly><VolunteerList/></CoordinatorOnly> }
}

#[component]
fn VolunteerList() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let needle = RwSignal::new(String::new());
    let all = Memo::new(move |_| engine.view.with(entries));
    let found = Memo::new(move |_| {
        all.with(|list| {
            let (shown, total) = search(list, &needle.get(), SHOWN);
            (shown.into_iter().cloned().collect::<Vec<_>>(), total)
        })
    });
    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::VolunteersTitle)}</h1>
            <label class="filter">
                <span>{tr(Msg::SearchVolunteers)}</span>
                <input type="search" data-testid="volunteer-search" on:input=move |ev| needle.set(event_target_value(&ev))/>
            </label>
            <p class="note" data-testid="volunteer-count">{move || found.with(|(_, total)| total.to_string())}</p>
            <table class="register" data-testid="volunteer-list">
                <tbody>
                    // Keyed: a row still in the result after a keystroke is kept, not rebuilt.
                    <For
                        each=move || found.get().0
                        key=|e| e.id.clone()
                        children=move |e| view! {
                            <tr data-testid=format!("volunteer-{}", e.id.as_str())>
                                <td data-user-text="">{e.name.clone()}</td>
                                <td data-user-text="">{e.phone.clone()}</td>
                                <td data-user-text="">{e.group.clone()}</td>
                                <td>{move || if lang.get() == Lang::Zh { e.skills_zh.clone() } else { e.skills_en.clone() }}</td>
                            </tr>
                        }
                    />
                </tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::demo::{generate, DemoParams};

    #[test]
    fn every_word_must_match_somewhere_and_the_total_counts_past_the_limit() {
        let demo = generate(&DemoParams::village());
        let list: Vec<Entry> = demo
            .volunteers
            .iter()
            .map(|v| entry(v, Some(&demo.village)))
            .collect();
        let (all, total) = search(&list, "", 10);
        assert_eq!((all.len(), total), (10, list.len()));
        let v = &demo.volunteers[3];
        let (hits, _) = search(&list, &v.name, 100);
        assert!(hits.iter().any(|e| e.id == v.id));
        let phone_tail: String = v
            .phone
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let (hits, _) = search(&list, &phone_tail, 1000);
        assert!(hits.iter().any(|e| e.id == v.id));
        let (first_aid, n) = search(&list, "first aid", 1000);
        assert!(n > 0);
        assert!(first_aid.iter().all(|e| e.skills_en.contains("First aid")));
        let (none, n) = search(&list, "急救 nobody-has-this", 10);
        assert!(none.is_empty() && n == 0);
    }
}

//! The family member's side of confirming a visit, on their own phone: the volunteer's phone
//! shows a QR code of a link to this page naming the visit; here the card's code is typed and
//! turned into the six digits the volunteer enters (`family_visit_code`). No account and no
//! connection are needed, and the card's code never leaves this phone.

use leptos::prelude::*;
use linli_core::model::{family_visit_code, is_card_code, TaskId, VolunteerId};

use crate::app::{tr, Shell};
use crate::i18n::{colon, duration_text, Msg};

/// The visit a confirmation link names. Only what the family member needs to recognise it:
/// the volunteer's first name, the day and how long; the ids bind the code to this visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitLink {
    pub task: TaskId,
    pub volunteer: VolunteerId,
    pub first_name: String,
    /// `YYYY-MM-DD`, village time.
    pub date: String,
    pub minutes: i64,
}

impl VisitLink {
    /// The link's fragment (after `#`): never sent to a server, even when the page loads online.
    pub fn to_fragment(&self) -> String {
        format!(
            "t={}&v={}&n={}&d={}&m={}",
            encode(self.task.as_str()),
            encode(self.volunteer.as_str()),
            encode(&self.first_name),
            encode(&self.date),
            self.minutes
        )
    }

    pub fn from_fragment(fragment: &str) -> Option<Self> {
        let mut fields = std::collections::HashMap::new();
        for pair in fragment.trim_start_matches('#').split('&') {
            let (key, value) = pair.split_once('=')?;
            fields.insert(key, decode(value)?);
        }
        let mut take = |key: &str| fields.remove(key).filter(|v| !v.is_empty());
        Some(VisitLink {
            task: TaskId::new(take("t")?),
            volunteer: VolunteerId::new(take("v")?),
            first_name: take("n").unwrap_or_default(),
            date: take("d").unwrap_or_default(),
            minutes: take("m").and_then(|m| m.parse().ok()).unwrap_or(0),
        })
    }
}

/// The link for `service` (checked out), as the volunteer's phone shows it.
pub fn visit_link(
    view: &linli_core::sync::MemoryStore,
    me: &VolunteerId,
    service: &linli_core::model::ServiceRecord,
) -> VisitLink {
    let first_name = match view.get_record(&format!("volunteer/{}", me.as_str())) {
        Some(linli_core::sync::Record::Volunteer(v)) => v.first_name(),
        _ => String::new(),
    };
    VisitLink {
        task: service.task.clone(),
        volunteer: me.clone(),
        first_name,
        date: service
            .date()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        minutes: service.minutes().unwrap_or(0),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `None` for a broken escape or text that is not UTF-8 (a link cut short by a chat app).
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[component]
pub fn FamilyConfirm() -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let link = window()
        .location()
        .hash()
        .ok()
        .and_then(|hash| VisitLink::from_fragment(&hash));
    let card = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ()>>);
    let Some(link) = link else {
        return view! {
            <section class="area">
                <h1>{tr(Msg::FamilyConfirmTitle)}</h1>
                <p class="form-error" role="alert" data-testid="family-link-broken">{tr(Msg::FamilyLinkBroken)}</p>
            </section>
        }
        .into_any();
    };
    let (task, volunteer) = (link.task.clone(), link.volunteer.clone());
    view! {
        <section class="area family-confirm">
            <h1>{tr(Msg::FamilyConfirmTitle)}</h1>
            <p>{tr(Msg::FamilyConfirmIntro)}</p>
            <dl class="facts">
                <dt>{tr(Msg::FamilyVolunteerLabel)}</dt>
                <dd data-user-text="" data-testid="family-volunteer">{link.first_name.clone()}</dd>
                <dt>{tr(Msg::FamilyVisitLabel)}</dt>
                <dd data-testid="family-visit">
                    {link.date.clone()} " · " {move || duration_text(lang.get(), link.minutes)}
                </dd>
            </dl>
            <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let code = card.get_untracked().trim().to_owned();
                result.set(Some(if is_card_code(&code) {
                    Ok(family_visit_code(&code, &task, &volunteer))
                } else {
                    Err(())
                }));
            }>
                <label>
                    <span>{tr(Msg::FamilyCardCodeLabel)}</span>
                    <input type="text" inputmode="numeric" autocomplete="off" maxlength="6" class="card-code"
                        data-testid="family-card-code"
                        prop:value=move || card.get() on:input=move |ev| card.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary" data-testid="family-show-code">{tr(Msg::FamilyShowCode)}</button>
            </form>
            {move || match result.get() {
                Some(Ok(code)) => view! {
                    <p class="family-code-box" role="status">
                        {tr(Msg::FamilyCodeForVolunteer)} {move || colon(lang.get()).trim().to_owned()}
                        <strong class="family-code" data-testid="family-code">{code}</strong>
                    </p>
                }
                .into_any(),
                Some(Err(())) => view! {
                    <p class="form-error" role="alert" data-testid="family-code-error">{tr(Msg::CardCodeInvalid)}</p>
                }
                .into_any(),
                None => ().into_any(),
            }}
            <p class="note">{tr(Msg::FamilyNotHappened)}</p>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_link_survives_the_round_trip_with_chinese_names_and_odd_ids() {
        let link = VisitLink {
            task: TaskId::new("t-0168@2026-12-08"),
            volunteer: VolunteerId::new("v-0308"),
            first_name: "秀英 & 100%".into(),
            date: "2026-12-08".into(),
            minutes: 90,
        };
        let fragment = link.to_fragment();
        assert!(fragment.is_ascii(), "{fragment}");
        assert_eq!(
            VisitLink::from_fragment(&format!("#{fragment}")),
            Some(link)
        );
    }

    #[test]
    fn a_broken_link_is_refused_not_guessed() {
        assert_eq!(VisitLink::from_fragment(""), None);
        assert_eq!(VisitLink::from_fragment("#v=v-1&n=x"), None, "no task");
        assert_eq!(
            VisitLink::from_fragment("#t=t-1&v=v-1&n=%E5%91"),
            None,
            "cut mid-character"
        );
        assert_eq!(VisitLink::from_fragment("#t=t-1&v=v-1&n=%Z1"), None);
        let minimal = VisitLink::from_fragment("#t=t-1&v=v-1").expect("ids are enough");
        assert_eq!((minimal.minutes, minimal.first_name.as_str()), (0, ""));
    }
}

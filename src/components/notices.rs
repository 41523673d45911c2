//! Messages from sync the user must read (a sign-up that landed on the waiting list, a refused
//! change, storage trouble), each dismissible.

use leptos::prelude::*;
use linli_core::sync::RejectCode;

use crate::app::{tr, Shell};
use crate::i18n::{repaired_notice, waitlisted_notice, wrong_code_text, Lang, Msg};
use crate::sync::{MutateError, Notice, SyncEngine};

/// The user-facing text of a refusal code.
pub fn reject_text(lang: Lang, code: RejectCode) -> &'static str {
    let msg = match code {
        RejectCode::Forbidden => Msg::RejectForbidden,
        RejectCode::InvalidArgs => Msg::RejectInvalid,
        RejectCode::NotFound => Msg::RejectNotFound,
        RejectCode::AlreadyExists => Msg::RejectAlreadyExists,
        RejectCode::TaskNotOpen => Msg::RejectTaskNotOpen,
        RejectCode::NotEligible => Msg::RejectNotEligible,
        RejectCode::TaskFull => Msg::RejectTaskFull,
    };
    msg.text(lang)
}

/// What to tell the user when a change could not be made on this device.
pub fn mutate_error_text(lang: Lang, err: &MutateError) -> String {
    match err {
        MutateError::Refused(r) => {
            let reasons: Vec<String> = r
                .reasons
                .iter()
                .map(|i| if lang == Lang::Zh { i.zh() } else { i.en() })
                .collect();
            if reasons.is_empty() {
                reject_text(lang, r.code).to_owned()
            } else {
                format!("{} {}", reject_text(lang, r.code), reasons.join("；"))
            }
        }
        MutateError::StorageFull => Msg::ChangeNotStored.text(lang).to_owned(),
        MutateError::NotSignedIn => Msg::NoticeSignedOut.text(lang).to_owned(),
    }
}

fn notice_text(lang: Lang, notice: &Notice) -> String {
    match notice {
        Notice::Waitlisted { position } => waitlisted_notice(lang, *position),
        Notice::Rejected { code } => reject_text(lang, *code).to_owned(),
        Notice::StorageFull => Msg::NoticeStorageFull.text(lang).to_owned(),
        Notice::Repaired { kept } => repaired_notice(lang, *kept),
        Notice::SignedOut => Msg::NoticeSignedOut.text(lang).to_owned(),
        Notice::WrongCardCode { tries_left } => wrong_code_text(lang, *tries_left),
        Notice::CardCodeLocked => Msg::ConfirmLocked.text(lang).to_owned(),
    }
}

#[component]
pub fn Notices() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    move || {
        engine
            .notices
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, notice)| {
                view! {
                    <div class="notice" role="alert" data-testid="notice">
                        <span>{move || notice_text(lang.get(), &notice)}</span>
                        <button type="button" on:click=move |_| engine.dismiss(index)>
                            {tr(Msg::Dismiss)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    }
}

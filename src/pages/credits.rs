//! The volunteer's time bank: the balance (always the sum of the lines below it), every ledger
//! line with who, what and when, giving credits to a family member, redeeming them for a
//! service, and the statement the server signed, to download for an auditor or another village.

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::ledger::{self, LedgerEntry, LedgerLine};
use linli_core::model::VolunteerId;
use linli_core::sync::{MemoryStore, Mutation, Record, Role};
use linli_core::NaiveDateTime;

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{colon, credits_text, full_date, Lang, Msg};
use crate::sync::SyncEngine;

/// One line as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CreditRow {
    pub line: LedgerLine,
    /// The village's local time of the line (the server's clock), if the phone can tell.
    pub at: Option<NaiveDateTime>,
    /// The task's title for a service credit or reversal, if the phone still holds the task.
    pub task_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreditsSummary {
    /// The account's id, which a family member types to give credits to it.
    pub account: String,
    /// Hundredths of a credit: the sum of every line, signed or not.
    pub balance: i64,
    /// Newest first.
    pub rows: Vec<CreditRow>,
}

pub fn credits_summary(view: &MemoryStore, me: &VolunteerId) -> CreditsSummary {
    let mut lines: Vec<LedgerLine> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Ledger(line) if line.account == me.as_str() => Some(line.clone()),
            _ => None,
        })
        .collect();
    lines.sort_by_key(|l| l.seq);
    let balance = ledger::balance(&lines);
    let title =
        |task: &linli_core::TaskId| match view.get_record(&format!("task/{}", task.as_str())) {
            Some(Record::Task(t)) => Some(t.title.clone()),
            _ => None,
        };
    let rows = lines
        .into_iter()
        .rev()
        .map(|line| CreditRow {
            // A line the server has not stored yet has no time of its own (`at` is 0 until then).
            at: line
                .signature
                .as_ref()
                .and_then(|_| crate::clock::village_time_of_unix(view, line.at)),
            task_title: match &line.entry {
                LedgerEntry::ServiceCredit { task, .. }
                | LedgerEntry::ServiceReversal { task, .. } => title(task),
                _ => None,
            },
            line,
        })
        .collect();
    CreditsSummary {
        account: me.as_str().to_owned(),
        balance,
        rows,
    }
}

/// What a line was for, in the user's words.
fn entry_text(lang: Lang, row: &CreditRow) -> String {
    let c = colon(lang);
    let title = row.task_title.clone().unwrap_or_default();
    match &row.line.entry {
        LedgerEntry::ServiceCredit { .. } => {
            format!("{}{c}{title}", Msg::EntryServiceCredit.text(lang))
        }
        LedgerEntry::ServiceReversal { .. } => {
            format!("{}{c}{title}", Msg::EntryServiceReversal.text(lang))
        }
        LedgerEntry::TransferOut { to } => format!("{}{c}{to}", Msg::EntryTransferOut.text(lang)),
        LedgerEntry::TransferIn { from } => {
            format!("{}{c}{from}", Msg::EntryTransferIn.text(lang))
        }
        LedgerEntry::Redeem { what } => format!("{}{c}{what}", Msg::EntryRedeem.text(lang)),
    }
}

#[component]
pub fn Credits() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    move || match engine.session.get().map(|s| s.actor.role) {
        Some(Role::Volunteer(me)) => view! { <CreditsView me=me/> }.into_any(),
        _ => view! {
            <section class="area">
                <h1>{tr(Msg::NavCredits)}</h1>
                <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn CreditsView(me: VolunteerId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let data = {
        let me = me.clone();
        Memo::new(move |_| engine.view.with(|v| credits_summary(v, &me)))
    };
    let (to, give_amount, give_reason) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (redeem_amount, redeem_what) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let give_message = RwSignal::new(None::<String>);
    let redeem_message = RwSignal::new(None::<String>);
    let statement_message = RwSignal::new(None::<String>);
    // Checked here first, so a mistyped amount is said at once rather than after a sync.
    let submit = move |mutation: Option<Mutation>, message: RwSignal<Option<String>>| -> bool {
        let lang = lang.get_untracked();
        let Some(mutation) = mutation else {
            message.set(Some(Msg::AmountInvalid.text(lang).to_owned()));
            return false;
        };
        match engine.mutate(mutation) {
            Ok(_) => {
                message.set(Some(Msg::CreditsRecorded.text(lang).to_owned()));
                true
            }
            Err(err) => {
                message.set(Some(mutate_error_text(lang, &err)));
                false
            }
        }
    };
    let download = {
        let account = me.as_str().to_owned();
        move |_| {
            let Some(token) = engine.session.get_untracked().map(|s| s.token) else {
                return;
            };
            let account = account.clone();
            statement_message.set(None);
            leptos::task::spawn_local(async move {
                let text = match crate::api::statement(&token, &account).await {
                    Ok(statement) => serde_json::to_string_pretty(&statement).ok(),
                    Err(_) => None,
                };
                let saved = text.is_some_and(|text| {
                    crate::files::download(
                        &format!("linli-statement-{account}.json"),
                        "application/json",
                        &text,
                    )
                    .is_ok()
                });
                if !saved {
                    statement_message.set(Some(
                        Msg::StatementNeedsConnection
                            .text(lang.get_untracked())
                            .to_owned(),
                    ));
                }
            });
        }
    };

    view! {
        <section class="area credits">
            <A href="/volunteer/service" attr:class="back">{tr(Msg::NavService)}</A>
            <h1>{tr(Msg::NavCredits)}</h1>
            <div class="totals">
                <div class="total" data-testid="credits-balance">
                    <span class="total-label">{tr(Msg::CreditsBalance)}</span>
                    <strong>{move || credits_text(lang.get(), data.with(|d| d.balance))}</strong>
                </div>
            </div>
            <p>
                {tr(Msg::YourAccount)} {move || colon(lang.get())}
                <strong data-testid="credits-account">{me.as_str().to_owned()}</strong>
            </p>
            <h2>{tr(Msg::CreditsLines)}</h2>
            {move || {
                let rows = data.with(|d| d.rows.clone());
                if rows.is_empty() {
                    return view! { <p class="empty" data-testid="credits-empty">{tr(Msg::NoCreditsYet)}</p> }.into_any();
                }
                view! {
                    <table class="records" data-testid="credit-lines">
                        <thead>
                            <tr>
                                <th scope="col">{tr(Msg::CreditsDateColumn)}</th>
                                <th scope="col">{tr(Msg::CreditsWhatColumn)}</th>
                                <th scope="col">{tr(Msg::CreditsAmountColumn)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let signed = row.line.signature.is_some();
                                let amount = row.line.amount;
                                let at = row.at;
                                let reason = row.line.reason.clone();
                                let (seq, kind) = (row.line.seq, row.line.entry.kind());
                                view! {
                                    <tr data-testid=format!("credit-line-{seq}") data-kind=kind>
                                        <td>{move || at.map(|t| full_date(lang.get(), t.date()))}</td>
                                        <td>
                                            <span data-user-text="">{move || entry_text(lang.get(), &row)}</span>
                                            {(!reason.is_empty()).then(|| view! { <span class="note" data-user-text="">" " {reason.clone()}</span> })}
                                            {(!signed).then(|| view! { <span class="badge" data-state="pending">{tr(Msg::CreditsPendingSignature)}</span> })}
                                        </td>
                                        <td>{move || credits_text(lang.get(), amount)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
            <button type="button" class="secondary" data-testid="download-statement" on:click=download>
                {tr(Msg::DownloadStatement)}
            </button>
            <p class="form-status" role="status">{move || statement_message.get()}</p>

            <h2>{tr(Msg::TransferTitle)}</h2>
            <form class="form" data-testid="transfer-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let mutation = ledger::parse_credits(&give_amount.get_untracked()).map(|amount| Mutation::TransferCredits {
                    to: to.get_untracked().trim().to_owned(),
                    amount,
                    reason: give_reason.get_untracked().trim().to_owned(),
                });
                if submit(mutation, give_message) {
                    give_amount.set(String::new());
                }
            }>
                <label>
                    <span>{tr(Msg::TransferToLabel)}</span>
                    <input type="text" autocomplete="off" data-testid="transfer-to" required
                        prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::AmountLabel)}</span>
                    <input type="text" inputmode="decimal" autocomplete="off" data-testid="transfer-amount" required
                        prop:value=move || give_amount.get() on:input=move |ev| give_amount.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::ReasonLabel)}</span>
                    <input type="text" data-testid="transfer-reason"
                        prop:value=move || give_reason.get() on:input=move |ev| give_reason.set(event_target_value(&ev))/>
                </label>
                <p class="form-status" role="status" data-testid="transfer-message">{move || give_message.get()}</p>
                <button type="submit" class="primary" data-testid="transfer">{tr(Msg::TransferButton)}</button>
            </form>

            <h2>{tr(Msg::RedeemTitle)}</h2>
            <form class="form" data-testid="redeem-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let mutation = ledger::parse_credits(&redeem_amount.get_untracked()).map(|amount| Mutation::RedeemCredits {
                    amount,
                    what: redeem_what.get_untracked().trim().to_owned(),
                });
                if submit(mutation, redeem_message) {
                    redeem_amount.set(String::new());
                    redeem_what.set(String::new());
                }
            }>
                <label>
                    <span>{tr(Msg::AmountLabel)}</span>
                    <input type="text" inputmode="decimal" autocomplete="off" data-testid="redeem-amount" required
                        prop:value=move || redeem_amount.get() on:input=move |ev| redeem_amount.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::RedeemWhatLabel)}</span>
                    <input type="text" data-testid="redeem-what" required
                        prop:value=move || redeem_what.get() on:input=move |ev| redeem_what.set(event_target_value(&ev))/>
                </label>
                <p class="form-status" role="status" data-testid="redeem-message">{move || redeem_message.get()}</p>
                <button type="submit" class="secondary" data-testid="redeem">{tr(Msg::RedeemButton)}</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::TaskId;

    fn line(account: &str, seq: u64, amount: i64, entry: LedgerEntry) -> Record {
        Record::Ledger(LedgerLine {
            account: account.into(),
            seq,
            at: 1_780_000_000 + seq as i64,
            amount,
            entry,
            by: "c-1".into(),
            reason: String::new(),
            prev: String::new(),
            signature: (seq == 1).then(|| "c2lnbmVk".into()),
        })
    }

    #[test]
    fn the_balance_is_the_sum_of_my_lines_newest_first_and_others_are_not_mine() {
        let me = VolunteerId::new("v-0001");
        let credit = LedgerEntry::ServiceCredit {
            task: TaskId::new("t-1"),
            volunteer: me.clone(),
            minutes: 90,
        };
        let store = MemoryStore::from_records([
            line("v-0001", 1, 150, credit.clone()),
            line(
                "v-0001",
                2,
                -50,
                LedgerEntry::TransferOut {
                    to: "b-0007".into(),
                },
            ),
            line("v-0002", 1, 999, credit),
        ]);
        let summary = credits_summary(&store, &me);
        assert_eq!(summary.balance, 100);
        assert_eq!(summary.account, "v-0001");
        let seqs: Vec<u64> = summary.rows.iter().map(|r| r.line.seq).collect();
        assert_eq!(seqs, [2, 1]);
        assert!(
            summary.rows[0].line.signature.is_none(),
            "line 2 is not signed yet"
        );
        assert_eq!(entry_text(Lang::En, &summary.rows[0]), "Given to: b-0007");
    }
}

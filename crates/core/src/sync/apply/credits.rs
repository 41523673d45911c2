//! The time bank in the rules: approved hours credit the volunteer's account, a changed review
//! takes the credit back (and, for an adjustment, credits the new hours), and volunteers give
//! credits to another account of their village or spend them. Every change is new lines
//! (`ledger/<account>/<seq>`); no line is ever rewritten or deleted, and a balance is always
//! the sum of an account's lines ([`crate::ledger::balance`]).
//!
//! A line is written here with `prev` empty and no signature: the server's store chains and
//! signs it as it stores it; on a phone it stays unsigned, i.e. pending, until the server's
//! line replaces it.

use crate::ledger::{balance, check_debit, credits_for_minutes, LedgerEntry, LedgerLine};
use crate::model::{HoursStatus, ServiceRecord, Village, VolunteerId};
use crate::sync::record::{ledger_key, Record};
use crate::sync::store::Store;

use super::{check_id, invalid, reject, volunteer_only, Actor, ApplyError, Outcome, RejectCode};

/// The longest `reason` of a transfer or `what` of a redemption.
const MAX_TEXT_CHARS: usize = ServiceRecord::MAX_REASON_CHARS;

/// Appends a line to `account`, after the last one this store holds.
fn append(
    store: &mut dyn Store,
    account: &str,
    amount: i64,
    entry: LedgerEntry,
    by: &str,
    reason: &str,
) -> Result<(), ApplyError> {
    let seq = store.ledger_lines(account)?.last().map_or(1, |l| l.seq + 1);
    let line = LedgerLine {
        account: account.to_owned(),
        seq,
        // A phone has no trustworthy clock to give: 0 until the server's line arrives.
        at: store.server_clock().unwrap_or(0),
        amount,
        entry,
        by: by.to_owned(),
        reason: reason.to_owned(),
        prev: String::new(),
        signature: None,
    };
    line.check_shape().map_err(invalid)?;
    if store.get(&ledger_key(account, seq))?.is_some() {
        // Cannot happen with gap-free accounts; never overwrite a line whatever happens.
        return Err(reject(
            RejectCode::AlreadyExists,
            "that ledger line already exists",
        ));
    }
    store.put(Record::Ledger(line))?;
    Ok(())
}

/// What the service of `record` has earned so far: its credits minus its reversals.
fn earned(lines: &[LedgerLine], record: &ServiceRecord) -> i64 {
    lines
        .iter()
        .filter(|l| match &l.entry {
            LedgerEntry::ServiceCredit {
                task, volunteer, ..
            }
            | LedgerEntry::ServiceReversal { task, volunteer } => {
                task == &record.task && volunteer == &record.volunteer
            }
            _ => false,
        })
        .map(|l| l.amount)
        .sum()
}

/// The lines a review writes when a record's hours go from `before` to `after`: approved
/// minutes earn a credit at the village's rate; approved minutes that change or stop counting
/// are taken back by a reversal of everything the record earned (the credit goes first, so an
/// adjustment downwards never dips the balance on its way). A reversal the volunteer's balance
/// cannot cover (the credits were spent) is refused: no balance is ever negative.
pub(super) fn after_review(
    store: &mut dyn Store,
    record: &ServiceRecord,
    by: &str,
    reason: &str,
    before: HoursStatus,
    after: HoursStatus,
) -> Result<(), ApplyError> {
    let minutes_of = |status| match status {
        HoursStatus::Approved { minutes } => Some(minutes),
        _ => None,
    };
    let (old, new) = (minutes_of(before), minutes_of(after));
    if old == new {
        return Ok(());
    }
    let account = record.volunteer.as_str();
    let taken_back = earned(&store.ledger_lines(account)?, record);
    if let Some(minutes) = new {
        let rate = store
            .village()?
            .map_or(Village::DEFAULT_CREDIT_RATE, |v| v.credit_rate_per_hour);
        let entry = LedgerEntry::ServiceCredit {
            task: record.task.clone(),
            volunteer: record.volunteer.clone(),
            minutes,
        };
        append(
            store,
            account,
            credits_for_minutes(minutes, rate),
            entry,
            by,
            reason,
        )?;
    }
    if old.is_some() {
        let entry = LedgerEntry::ServiceReversal {
            task: record.task.clone(),
            volunteer: record.volunteer.clone(),
        };
        append(store, account, -taken_back, entry, by, reason)?;
        let left = balance(&store.ledger_lines(account)?);
        if left < 0 {
            return Err(reject(
                RejectCode::InvalidArgs,
                format!(
                    "the volunteer has already spent these credits: taking them back would leave \
                     a balance of {} credits",
                    crate::ledger::format_credits(left)
                ),
            ));
        }
    }
    Ok(())
}

fn check_text(text: &str, what: &str, required: bool) -> Result<String, ApplyError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!("{what} is required"),
        ));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!("{what} is at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Takes `amount` from the volunteer's own account, which must cover it.
fn debit(
    store: &mut dyn Store,
    me: &VolunteerId,
    amount: i64,
    entry: LedgerEntry,
    reason: &str,
) -> Result<(), ApplyError> {
    let held = balance(&store.ledger_lines(me.as_str())?);
    check_debit(held, amount).map_err(invalid)?;
    append(store, me.as_str(), -amount, entry, me.as_str(), reason)
}

/// `transfer_credits`: from the volunteer's account to another volunteer's or a beneficiary's
/// of the same village.
pub(super) fn transfer(
    actor: &Actor,
    store: &mut dyn Store,
    to: &str,
    amount: i64,
    reason: &str,
) -> Result<Outcome, ApplyError> {
    let me = volunteer_only(actor, "giving credits")?.clone();
    check_id(to, "account")?;
    if to == me.as_str() {
        return Err(reject(
            RejectCode::InvalidArgs,
            "credits go to someone else's account, not your own",
        ));
    }
    let reason = check_text(reason, "a reason", false)?;
    // Accounts are volunteers (`v-…`) and beneficiaries (`b-…`) of this village; ids are the
    // village's own, so another village's people are simply not found here.
    let exists = if to.starts_with("v-") {
        store.volunteer(&VolunteerId::new(to))?.is_some()
    } else if to.starts_with("b-") {
        store.beneficiary(&to.into())?.is_some()
    } else {
        return Err(reject(
            RejectCode::InvalidArgs,
            "an account is a volunteer's (v-…) or a beneficiary's (b-…) id",
        ));
    };
    // A phone holds no one else's profile, so only the server can tell whether the recipient
    // exists: the phone applies the transfer and the server's verdict follows.
    if !exists && store.is_authoritative() {
        return Err(reject(
            RejectCode::NotFound,
            "no such account in this village",
        ));
    }
    debit(
        store,
        &me,
        amount,
        LedgerEntry::TransferOut { to: to.to_owned() },
        &reason,
    )?;
    let from = LedgerEntry::TransferIn {
        from: me.as_str().to_owned(),
    };
    append(store, to, amount, from, me.as_str(), &reason)?;
    Ok(Outcome::Credits {
        balance: balance(&store.ledger_lines(me.as_str())?),
    })
}

/// `redeem_credits`: the volunteer spends credits on `what`.
pub(super) fn redeem(
    actor: &Actor,
    store: &mut dyn Store,
    amount: i64,
    what: &str,
) -> Result<Outcome, ApplyError> {
    let me = volunteer_only(actor, "spending credits")?.clone();
    let what = check_text(what, "what the credits pay for", true)?;
    debit(store, &me, amount, LedgerEntry::Redeem { what }, "")?;
    Ok(Outcome::Credits {
        balance: balance(&store.ledger_lines(me.as_str())?),
    })
}

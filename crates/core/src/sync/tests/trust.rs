//! Issue 7's trust rules on a [`MemoryStore`]: card codes and co-signing, a coordinator's
//! confirmation and review of hours, no-shows in the matching, and the time-bank ledger.

use proptest::prelude::*;

use super::{as_volunteer, code, coordinator, sign_up, visit, world};
use crate::ledger::{balance, LedgerEntry, LedgerLine};
use crate::matching::{suggest, MatchContext};
use crate::model::{
    BeneficiaryId, CodeVerdict, Confirmation, ConfirmationMethod, HoursStatus, ReviewAction,
    ServiceRecord, TaskId, Village, VolunteerId,
};
use crate::sync::visibility::visible;
use crate::sync::{apply, ApplyError, MemoryStore, Mutation, Outcome, Record, RejectCode, Store};

use crate::matching::fixtures::at;

const CARD: &str = "305174";

fn t1() -> TaskId {
    TaskId::new("t-1")
}

fn v(n: u32) -> VolunteerId {
    VolunteerId::numbered(n)
}

fn set_card(store: &mut MemoryStore, code: &str) -> Result<Outcome, ApplyError> {
    apply(
        &Mutation::SetCardCode {
            beneficiary: BeneficiaryId::numbered(1),
            code: code.into(),
        },
        &coordinator(),
        store,
    )
}

/// Volunteer `n` signs up for t-1 (Tue 09:00-10:00), checks in at 09:00 and out at 10:30.
fn visited(store: &mut MemoryStore, n: u32) {
    sign_up(store, n, "t-1").expect("sign up");
    for mutation in [
        Mutation::CheckIn {
            task: t1(),
            at: at(1, 9, 0),
        },
        Mutation::CheckOut {
            task: t1(),
            at: at(1, 10, 30),
        },
    ] {
        apply(&mutation, &as_volunteer(n), store).expect("check in and out");
    }
}

fn confirm(store: &mut MemoryStore, n: u32, code: &str) -> Result<Outcome, ApplyError> {
    apply(
        &Mutation::ConfirmVisit {
            task: t1(),
            code: code.into(),
        },
        &as_volunteer(n),
        store,
    )
}

fn by_coordinator(store: &mut MemoryStore, mutation: Mutation) -> Result<Outcome, ApplyError> {
    apply(&mutation, &coordinator(), store)
}

fn record(store: &MemoryStore, n: u32) -> ServiceRecord {
    match store.get_record(&format!("service/t-1/v-{n:04}")) {
        Some(Record::Service(r)) => r.clone(),
        other => panic!("no service record: {other:?}"),
    }
}

fn lines(store: &MemoryStore, account: &str) -> Vec<LedgerLine> {
    store.ledger_lines(account).expect("lines")
}

fn rejection(result: Result<Outcome, ApplyError>) -> (RejectCode, String) {
    match result {
        Err(ApplyError::Rejected(r)) => (r.code, r.message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Card codes and co-signing

#[test]
fn only_a_coordinator_issues_six_digit_card_codes_and_no_volunteer_ever_sees_one() {
    let mut store = world();
    assert_eq!(
        code(apply(
            &Mutation::SetCardCode {
                beneficiary: BeneficiaryId::numbered(1),
                code: CARD.into()
            },
            &as_volunteer(1),
            &mut store
        )),
        RejectCode::Forbidden
    );
    for bad in ["12345", "1234567", "12a456", "１２３４５６"] {
        let (code, message) = rejection(set_card(&mut store, bad));
        assert_eq!(code, RejectCode::InvalidArgs, "{bad}");
        assert!(
            !message.contains(bad),
            "the message repeats the code: {message}"
        );
    }
    assert_eq!(
        code(apply(
            &Mutation::SetCardCode {
                beneficiary: BeneficiaryId::new("b-404"),
                code: CARD.into()
            },
            &coordinator(),
            &mut store
        )),
        RejectCode::NotFound
    );
    set_card(&mut store, CARD).expect("issue");
    set_card(&mut store, "000123").expect("a coordinator may change it");
    let card = store.get_record("card/b-0001").expect("card").clone();
    assert!(matches!(&card, Record::Card(c) if c.code == "000123" && c.by == "c-1"));
    // Volunteer 1 is confirmed on the beneficiary's open task (so sees her private record),
    // and volunteer 2 waits: neither may hold the card. A coordinator may.
    let mut full = world();
    full.insert(Record::Task(visit("t-1", 1)));
    sign_up(&mut full, 1, "t-1").expect("confirmed");
    sign_up(&mut full, 2, "t-1").expect("waiting");
    let private = full
        .get_record("beneficiary_private/b-0001")
        .expect("private")
        .clone();
    assert!(visible(&as_volunteer(1), &private, &full).expect("visible"));
    for n in 1..=5 {
        assert!(
            !visible(&as_volunteer(n), &card, &full).expect("visible"),
            "v{n}"
        );
    }
    assert!(visible(&coordinator(), &card, &full).expect("visible"));
}

#[test]
fn the_right_code_confirms_the_visit() {
    let mut store = world();
    set_card(&mut store, CARD).expect("issue");
    visited(&mut store, 1);
    assert_eq!(
        confirm(&mut store, 1, CARD).expect("confirm"),
        Outcome::VisitCode {
            verdict: CodeVerdict::Confirmed,
            attempts_left: None
        }
    );
    assert!(matches!(
        record(&store, 1).confirmation,
        Confirmation::Confirmed {
            how: ConfirmationMethod::CardCode,
            by: None,
            ..
        }
    ));
    assert_eq!(
        code(confirm(&mut store, 1, CARD)),
        RejectCode::AlreadyExists
    );
}

#[test]
fn wrong_codes_are_counted_and_the_fifth_locks_the_record_until_a_coordinator_reopens_it() {
    let mut store = world();
    set_card(&mut store, CARD).expect("issue");
    visited(&mut store, 1);
    for attempt in 1..=5u32 {
        let outcome = confirm(&mut store, 1, "999999").expect("a wrong code is applied");
        let left = 5 - attempt;
        let verdict = if left == 0 {
            CodeVerdict::Locked
        } else {
            CodeVerdict::Wrong
        };
        assert_eq!(
            outcome,
            Outcome::VisitCode {
                verdict,
                attempts_left: Some(left)
            }
        );
        assert_eq!(record(&store, 1).wrong_codes, attempt);
        // The outcome never carries the card's code.
        let json = serde_json::to_string(&outcome).expect("json");
        assert!(!json.contains(CARD), "{json}");
    }
    assert!(record(&store, 1).confirmation_locked());
    // Locked: even the right code is refused now, and the refusal does not name it.
    let (code_got, message) = rejection(confirm(&mut store, 1, CARD));
    assert_eq!(code_got, RejectCode::Forbidden);
    assert!(!message.contains(CARD), "{message}");
    assert_eq!(record(&store, 1).wrong_codes, 5, "a refusal counts nothing");
    assert!(record(&store, 1).confirmation.is_unconfirmed());
    // Only a coordinator re-opens it; then the right code confirms.
    let reopen = Mutation::ReopenConfirmation {
        task: t1(),
        volunteer: v(1),
    };
    assert_eq!(
        code(apply(&reopen, &as_volunteer(1), &mut store)),
        RejectCode::Forbidden
    );
    by_coordinator(&mut store, reopen).expect("reopen");
    assert_eq!(record(&store, 1).wrong_codes, 0);
    assert_eq!(
        confirm(&mut store, 1, CARD).expect("confirm"),
        Outcome::VisitCode {
            verdict: CodeVerdict::Confirmed,
            attempts_left: None
        }
    );
}

#[test]
fn a_coordinator_confirms_or_disputes_by_hand_even_a_locked_record() {
    let mut store = world();
    set_card(&mut store, CARD).expect("issue");
    visited(&mut store, 1);
    for _ in 0..5 {
        confirm(&mut store, 1, "111111").expect("wrong");
    }
    let dispute = |reason: &str| Mutation::DisputeService {
        task: t1(),
        volunteer: v(1),
        reason: reason.into(),
    };
    assert_eq!(
        code(by_coordinator(&mut store, dispute("  "))),
        RejectCode::InvalidArgs
    );
    by_coordinator(&mut store, dispute("家属说当天没人来")).expect("dispute");
    assert!(matches!(
        &record(&store, 1).confirmation,
        Confirmation::Disputed { reason, by, .. } if reason == "家属说当天没人来" && by == "c-1"
    ));
    let hand = Mutation::ConfirmService {
        task: t1(),
        volunteer: v(1),
    };
    assert_eq!(
        code(apply(&hand, &as_volunteer(1), &mut store)),
        RejectCode::Forbidden
    );
    by_coordinator(&mut store, hand).expect("confirm by hand");
    assert!(matches!(
        &record(&store, 1).confirmation,
        Confirmation::Confirmed { how: ConfirmationMethod::Coordinator, by: Some(by), .. } if by == "c-1"
    ));
}

#[test]
fn on_a_phone_a_code_waits_for_the_server_and_the_server_decides() {
    let mut server = world();
    set_card(&mut server, CARD).expect("issue");
    visited(&mut server, 1);
    // The phone's copy: what volunteer 1 may see (no card), marked as a device's.
    let phone_records: Vec<Record> = server
        .records()
        .filter(|(_, r)| visible(&as_volunteer(1), r, &server).expect("visible"))
        .map(|(_, r)| r.clone())
        .collect();
    assert!(phone_records.iter().all(|r| !matches!(r, Record::Card(_))));
    let mut phone = MemoryStore::from_records(phone_records).as_device_copy();
    // Offline, a wrong code and a right code look the same: both wait.
    for typed in ["999999", CARD] {
        assert_eq!(
            confirm(&mut phone, 1, typed).expect("optimistic"),
            Outcome::VisitCode {
                verdict: CodeVerdict::Pending,
                attempts_left: None
            }
        );
        assert_eq!(
            record(&phone, 1).confirmation,
            Confirmation::AwaitingVerification
        );
        assert_eq!(record(&phone, 1).wrong_codes, 0);
    }
    // The server, with the card, counts the first and confirms with the second.
    assert_eq!(
        confirm(&mut server, 1, "999999").expect("wrong"),
        Outcome::VisitCode {
            verdict: CodeVerdict::Wrong,
            attempts_left: Some(4)
        }
    );
    assert!(confirm(&mut server, 1, CARD).is_ok());
    assert!(record(&server, 1).confirmation.is_confirmed());
    assert_eq!(record(&server, 1).wrong_codes, 1);
}

#[test]
fn co_signing_needs_a_check_in_a_beneficiary_and_a_card() {
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("sign up");
    assert_eq!(
        rejection(confirm(&mut store, 1, CARD)),
        (RejectCode::InvalidArgs, "check in first".into())
    );
    apply(
        &Mutation::CheckIn {
            task: t1(),
            at: at(1, 9, 0),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("check in");
    // No card issued yet: refused (and nothing counted), on the server.
    assert_eq!(code(confirm(&mut store, 1, CARD)), RejectCode::NotFound);
    assert_eq!(record(&store, 1).wrong_codes, 0);
    // A task for no one in particular has no card to co-sign it.
    let mut open_task = visit("t-2", 2);
    open_task.beneficiary = None;
    store.insert(Record::Task(open_task));
    let (code_got, message) = rejection(apply(
        &Mutation::ConfirmVisit {
            task: TaskId::new("t-2"),
            code: CARD.into(),
        },
        &as_volunteer(1),
        &mut store,
    ));
    assert_eq!(code_got, RejectCode::InvalidArgs);
    assert!(message.contains("no card"), "{message}");
    // Coordinators do not co-sign as a volunteer.
    assert_eq!(
        code(apply(
            &Mutation::ConfirmVisit {
                task: t1(),
                code: CARD.into()
            },
            &coordinator(),
            &mut store
        )),
        RejectCode::Forbidden
    );
}

// ---------------------------------------------------------------------------------------------
// Reviewing hours, and their ledger lines

fn approve(n: u32) -> Mutation {
    Mutation::ApproveService {
        task: t1(),
        volunteer: v(n),
    }
}

fn adjust(n: u32, minutes: i64, reason: &str) -> Mutation {
    Mutation::AdjustService {
        task: t1(),
        volunteer: v(n),
        minutes,
        reason: reason.into(),
    }
}

fn reject_hours(n: u32, reason: &str) -> Mutation {
    Mutation::RejectService {
        task: t1(),
        volunteer: v(n),
        reason: reason.into(),
    }
}

#[test]
fn approving_adjusting_and_rejecting_keep_the_history_and_the_ledger_in_step() {
    let mut store = world();
    visited(&mut store, 1);
    assert_eq!(
        code(apply(&approve(1), &as_volunteer(1), &mut store)),
        RejectCode::Forbidden
    );
    by_coordinator(&mut store, approve(1)).expect("approve");
    // Approving twice (a bulk approval sent again) changes nothing.
    let after_first = store.clone();
    by_coordinator(&mut store, approve(1)).expect("approve again");
    assert_eq!(store, after_first);
    let r = record(&store, 1);
    assert_eq!(r.hours_status(), HoursStatus::Approved { minutes: 90 });
    let account = lines(&store, "v-0001");
    assert_eq!(account.len(), 1);
    assert_eq!(account[0].amount, 150, "90 minutes at 1 credit an hour");
    assert!(matches!(
        account[0].entry,
        LedgerEntry::ServiceCredit { minutes: 90, .. }
    ));
    assert_eq!((account[0].seq, account[0].prev.as_str()), (1, ""));
    assert_eq!(
        account[0].signature, None,
        "signed only by the server's store"
    );

    assert_eq!(
        code(by_coordinator(&mut store, adjust(1, 60, ""))),
        RejectCode::InvalidArgs,
        "an adjustment needs a reason"
    );
    assert_eq!(
        code(by_coordinator(&mut store, adjust(1, 13 * 60, "太长"))),
        RejectCode::InvalidArgs
    );
    by_coordinator(&mut store, adjust(1, 60, "提前离开")).expect("adjust");
    let r = record(&store, 1);
    assert_eq!(r.hours_status(), HoursStatus::Approved { minutes: 60 });
    assert_eq!(r.counted_minutes(), Some(60));
    assert_eq!(r.minutes(), Some(90), "the phone's clock stays as it was");
    let account = lines(&store, "v-0001");
    assert_eq!(
        account.iter().map(|l| l.amount).collect::<Vec<_>>(),
        vec![150, 100, -150],
        "credit the new hours first, then take back the old"
    );
    assert_eq!(balance(&account), 100);

    by_coordinator(&mut store, reject_hours(1, "家属说没来过")).expect("reject");
    let r = record(&store, 1);
    assert_eq!(r.hours_status(), HoursStatus::Rejected);
    assert_eq!(r.counted_minutes(), None);
    let history: Vec<(ReviewAction, Option<i64>, &str)> = r
        .reviews
        .iter()
        .map(|x| (x.action, x.minutes, x.reason.as_str()))
        .collect();
    assert_eq!(
        history,
        vec![
            (ReviewAction::Approved, Some(90), ""),
            (ReviewAction::Adjusted, Some(60), "提前离开"),
            (ReviewAction::Rejected, None, "家属说没来过"),
        ]
    );
    assert_eq!(balance(&lines(&store, "v-0001")), 0);
    assert_eq!(lines(&store, "v-0001").len(), 4);
}

#[test]
fn approved_hours_earn_at_the_villages_rate_and_a_rate_change_does_not_change_a_reversal() {
    let mut store = world();
    let mut village = crate::matching::fixtures::village();
    village.credit_rate_per_hour = 200;
    store.insert(Record::Village(village.clone()));
    visited(&mut store, 1);
    by_coordinator(&mut store, approve(1)).expect("approve");
    assert_eq!(balance(&lines(&store, "v-0001")), 300);
    village.credit_rate_per_hour = Village::DEFAULT_CREDIT_RATE;
    store.insert(Record::Village(village));
    by_coordinator(&mut store, reject_hours(1, "重复记录")).expect("reject");
    assert_eq!(
        balance(&lines(&store, "v-0001")),
        0,
        "takes back exactly what was given"
    );
}

#[test]
fn a_reversal_the_balance_cannot_cover_is_refused() {
    let mut store = world();
    visited(&mut store, 1);
    by_coordinator(&mut store, approve(1)).expect("approve");
    apply(
        &Mutation::RedeemCredits {
            amount: 120,
            what: "理发".into(),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("spend");
    let before = store.clone();
    let (code_got, message) = rejection(by_coordinator(&mut store, reject_hours(1, "错了")));
    assert_eq!(code_got, RejectCode::InvalidArgs);
    assert!(message.contains("spent"), "{message}");
    // An adjustment that the balance covers goes through (credit first, then the reversal).
    let mut adjusted = before.clone();
    by_coordinator(&mut adjusted, adjust(1, 80, "少算十分钟")).expect("covered");
    assert_eq!(balance(&lines(&adjusted, "v-0001")), 150 - 120 + 133 - 150);
}

#[test]
fn a_no_show_is_recorded_once_only_for_someone_confirmed_who_never_checked_in() {
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("confirmed");
    let no_show = |n| Mutation::RecordNoShow {
        task: t1(),
        volunteer: v(n),
    };
    assert_eq!(
        code(by_coordinator(&mut store, no_show(3))),
        RejectCode::NotFound,
        "not on the task"
    );
    assert_eq!(
        code(apply(&no_show(1), &as_volunteer(2), &mut store)),
        RejectCode::Forbidden
    );
    by_coordinator(&mut store, no_show(1)).expect("no-show");
    let once = store.clone();
    by_coordinator(&mut store, no_show(1)).expect("again: harmless");
    assert_eq!(store, once);
    assert_eq!(record(&store, 1).hours_status(), HoursStatus::NoShow);
    assert!(lines(&store, "v-0001").is_empty());
    // Someone who checked in came: not a no-show.
    visited(&mut store, 2);
    assert_eq!(
        code(by_coordinator(&mut store, no_show(2))),
        RejectCode::InvalidArgs
    );
}

#[test]
fn a_no_show_is_for_a_visit_that_was_due_by_the_servers_clock() {
    use crate::model::TaskStatus;
    let no_show = Mutation::RecordNoShow {
        task: t1(),
        volunteer: v(1),
    };
    let unix = |t: crate::NaiveDateTime| {
        // The world's village is UTC+8: t-1 is Tuesday 09:00-10:00 there.
        (t - chrono::TimeDelta::hours(8)).and_utc().timestamp()
    };
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("confirmed");
    let mut during = store.clone().with_server_clock(unix(at(1, 9, 30)));
    let (code_during, message) = rejection(by_coordinator(&mut during, no_show.clone()));
    assert_eq!(code_during, RejectCode::InvalidArgs);
    assert!(message.contains("has not ended"), "{message}");
    let mut after = store.clone().with_server_clock(unix(at(1, 10, 1)));
    by_coordinator(&mut after, no_show.clone()).expect("over: recorded");
    // A cancelled task was due for nobody.
    let mut cancelled = store.with_server_clock(unix(at(2, 9, 0)));
    by_coordinator(&mut cancelled, Mutation::CancelTask { task: t1() }).expect("cancel");
    assert!(matches!(cancelled.task(&t1()), Ok(Some(t)) if t.status == TaskStatus::Cancelled));
    assert_eq!(
        rejection(by_coordinator(&mut cancelled, no_show)).0,
        RejectCode::TaskNotOpen
    );
}

#[test]
fn a_disputed_visit_is_not_approved() {
    let mut store = world();
    visited(&mut store, 1);
    by_coordinator(
        &mut store,
        Mutation::DisputeService {
            task: t1(),
            volunteer: v(1),
            reason: "家属说没有来".into(),
        },
    )
    .expect("dispute");
    assert_eq!(
        rejection(by_coordinator(&mut store, approve(1))).0,
        RejectCode::Forbidden
    );
    assert!(lines(&store, "v-0001").is_empty(), "no credit");
    // Rejecting its hours is still possible.
    by_coordinator(&mut store, reject_hours(1, "没有发生")).expect("reject");
}

#[test]
fn a_recorded_no_show_ranks_the_volunteer_lower_in_the_suggestions() {
    let mut store = world();
    // Two volunteers alike in every way but one: volunteer 1 never came to an earlier visit.
    sign_up(&mut store, 1, "t-1").expect("1 confirmed");
    sign_up(&mut store, 2, "t-1").expect("2 confirmed");
    by_coordinator(
        &mut store,
        Mutation::RecordNoShow {
            task: t1(),
            volunteer: v(1),
        },
    )
    .expect("no-show");
    apply(
        &Mutation::CheckIn {
            task: t1(),
            at: at(1, 9, 0),
        },
        &as_volunteer(2),
        &mut store,
    )
    .expect("2 came");
    let history = store.service_history(None);
    assert_eq!(history.volunteers[&v(1)].no_shows, 1);
    assert_eq!(history.volunteers[&v(1)].past_assignments, 1);
    assert_eq!(history.volunteers[&v(2)].no_shows, 0);
    assert_eq!(history.volunteers[&v(2)].past_assignments, 1);
    assert_eq!(history.volunteers.len(), 5, "every volunteer is listed");

    let next = visit("t-9", 1);
    let village = store.village().expect("store").expect("village");
    let elder = store
        .beneficiary(&BeneficiaryId::numbered(1))
        .expect("store")
        .expect("elder");
    let people = [
        crate::matching::fixtures::volunteer(1),
        crate::matching::fixtures::volunteer(2),
    ];
    let beneficiaries = [elder];
    let ranked = |history| {
        let ctx = MatchContext::new(&village, &beneficiaries, &[], history);
        suggest(&ctx, &people, &next, 2)
            .candidates
            .into_iter()
            .map(|c| (c.volunteer, c.score.total))
            .collect::<Vec<_>>()
    };
    let no_history = crate::matching::ServiceHistory::default();
    let without = ranked(&no_history);
    assert_eq!(without[0].0, v(1), "alike: ties go by id");
    let with = ranked(&history);
    assert_eq!(with[0].0, v(2), "{with:?}");
    assert!(with[1].1 < with[0].1, "{with:?}");
}

// ---------------------------------------------------------------------------------------------
// Transfers and redemptions

fn transfer(
    store: &mut MemoryStore,
    from: u32,
    to: &str,
    amount: i64,
) -> Result<Outcome, ApplyError> {
    apply(
        &Mutation::TransferCredits {
            to: to.into(),
            amount,
            reason: "给妈妈".into(),
        },
        &as_volunteer(from),
        store,
    )
}

#[test]
fn transfers_and_redemptions_never_make_a_balance_negative() {
    let mut store = world();
    visited(&mut store, 1);
    by_coordinator(&mut store, approve(1)).expect("150 credits");
    assert_eq!(
        code(transfer(&mut store, 1, "v-0002", 151)),
        RejectCode::InvalidArgs
    );
    assert_eq!(
        code(transfer(&mut store, 1, "v-0002", 0)),
        RejectCode::InvalidArgs
    );
    assert_eq!(
        code(transfer(&mut store, 1, "v-0002", -5)),
        RejectCode::InvalidArgs
    );
    assert_eq!(
        code(transfer(&mut store, 1, "v-0001", 10)),
        RejectCode::InvalidArgs,
        "not to oneself"
    );
    assert_eq!(
        transfer(&mut store, 1, "b-0001", 100).expect("to the elder"),
        Outcome::Credits { balance: 50 }
    );
    assert_eq!(balance(&lines(&store, "b-0001")), 100);
    assert!(matches!(
        &lines(&store, "b-0001")[0].entry,
        LedgerEntry::TransferIn { from } if from == "v-0001"
    ));
    let redeem = |amount| Mutation::RedeemCredits {
        amount,
        what: "送餐一次".into(),
    };
    assert_eq!(
        code(apply(&redeem(51), &as_volunteer(1), &mut store)),
        RejectCode::InvalidArgs
    );
    assert_eq!(
        apply(&redeem(50), &as_volunteer(1), &mut store).expect("spend all"),
        Outcome::Credits { balance: 0 }
    );
    assert_eq!(
        code(apply(&redeem(1), &as_volunteer(2), &mut store)),
        RejectCode::InvalidArgs,
        "nothing to spend"
    );
    assert_eq!(
        code(apply(&redeem(1), &coordinator(), &mut store)),
        RejectCode::Forbidden
    );
}

#[test]
fn a_transfer_to_another_villages_account_is_refused_by_the_server() {
    let mut server = world();
    visited(&mut server, 1);
    by_coordinator(&mut server, approve(1)).expect("credits");
    // Ids are a village's own: v-0042 and b-0099 are people of another village, not here.
    for to in ["v-0042", "b-0099"] {
        let (code_got, _) = rejection(transfer(&mut server, 1, to, 10));
        assert_eq!(code_got, RejectCode::NotFound, "{to}");
    }
    assert_eq!(
        code(transfer(&mut server, 1, "c-1", 10)),
        RejectCode::InvalidArgs,
        "a coordinator has no account"
    );
    assert_eq!(
        code(transfer(&mut server, 1, "v-0002/../x", 10)),
        RejectCode::InvalidArgs
    );
    // A phone, which holds no one else's profile, cannot tell: it applies and waits.
    let phone_records: Vec<Record> = server
        .records()
        .filter(|(_, r)| visible(&as_volunteer(1), r, &server).expect("visible"))
        .map(|(_, r)| r.clone())
        .collect();
    let mut phone = MemoryStore::from_records(phone_records).as_device_copy();
    assert_eq!(
        transfer(&mut phone, 1, "v-0042", 10).expect("optimistic"),
        Outcome::Credits { balance: 140 }
    );
}

#[test]
fn ledger_lines_are_seen_by_their_holder_and_coordinators_only() {
    let mut store = world();
    visited(&mut store, 1);
    by_coordinator(&mut store, approve(1)).expect("credits");
    transfer(&mut store, 1, "b-0001", 10).expect("transfer");
    for (key, holder) in [
        ("ledger/v-0001/00000001", Some(1)),
        ("ledger/b-0001/00000001", None),
    ] {
        let line = store.get_record(key).expect(key).clone();
        assert!(visible(&coordinator(), &line, &store).expect("visible"));
        for n in 1..=5 {
            assert_eq!(
                visible(&as_volunteer(n), &line, &store).expect("visible"),
                Some(n) == holder,
                "{key} v{n}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The ledger under any sequence of changes

#[derive(Clone, Debug)]
enum Step {
    Approve(u32),
    Adjust(u32, i64),
    Reject(u32),
    Transfer(u32, u32, i64),
    ToElder(u32, i64),
    Redeem(u32, i64),
}

fn step() -> impl Strategy<Value = Step> {
    let who = 1u32..=3;
    prop_oneof![
        who.clone().prop_map(Step::Approve),
        (who.clone(), 0i64..=720).prop_map(|(n, m)| Step::Adjust(n, m)),
        who.clone().prop_map(Step::Reject),
        (who.clone(), who.clone(), -20i64..400).prop_map(|(a, b, x)| Step::Transfer(a, b, x)),
        (who.clone(), -20i64..400).prop_map(|(a, x)| Step::ToElder(a, x)),
        (who, -20i64..400).prop_map(|(a, x)| Step::Redeem(a, x)),
    ]
}

const ACCOUNTS: [&str; 4] = ["v-0001", "v-0002", "v-0003", "b-0001"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After any sequence of approvals, adjustments, rejections, transfers and redemptions:
    /// every balance is the sum of its lines and never negative, each account's lines are
    /// numbered 1..n, no line ever changes once written, and the village's total is what its
    /// approved hours earned (transfers move credits, they make none) minus what was spent.
    #[test]
    fn the_ledger_adds_up_after_any_sequence(steps in prop::collection::vec(step(), 1..40)) {
        let mut store = world();
        store.insert(Record::Task(visit("t-1", 3)));
        for n in 1..=3 {
            visited(&mut store, n);
        }
        let mut written: std::collections::BTreeMap<String, LedgerLine> = Default::default();
        let mut spent = 0i64;
        for step in steps {
            let (actor, mutation) = match step {
                Step::Approve(n) => (coordinator(), approve(n)),
                Step::Adjust(n, m) => (coordinator(), adjust(n, m, "核对")),
                Step::Reject(n) => (coordinator(), reject_hours(n, "核对")),
                Step::Transfer(a, b, x) => (as_volunteer(a), Mutation::TransferCredits {
                    to: format!("v-{b:04}"), amount: x, reason: String::new(),
                }),
                Step::ToElder(a, x) => (as_volunteer(a), Mutation::TransferCredits {
                    to: "b-0001".into(), amount: x, reason: String::new(),
                }),
                Step::Redeem(a, x) => (as_volunteer(a), Mutation::RedeemCredits {
                    amount: x, what: "送餐".into(),
                }),
            };
            // As the server does: a refusal leaves nothing behind.
            let before = store.clone();
            match apply(&mutation, &actor, &mut store) {
                Ok(_) => {
                    if let Mutation::RedeemCredits { amount, .. } = mutation {
                        spent += amount;
                    }
                }
                Err(ApplyError::Rejected(_)) => store = before,
                Err(e) => prop_assert!(false, "{e}"),
            }
            for account in ACCOUNTS {
                let account_lines = lines(&store, account);
                let sum: i64 = account_lines.iter().map(|l| l.amount).sum();
                prop_assert_eq!(balance(&account_lines), sum);
                prop_assert!(sum >= 0, "{} at {}", account, sum);
                for (i, line) in account_lines.iter().enumerate() {
                    prop_assert_eq!(line.seq, i as u64 + 1);
                    prop_assert!(line.check_shape().is_ok());
                    let key = format!("ledger/{account}/{:08}", line.seq);
                    match written.get(&key) {
                        Some(old) => prop_assert_eq!(old, line, "a line changed"),
                        None => { written.insert(key, line.clone()); }
                    }
                }
            }
            prop_assert_eq!(written.len(), ACCOUNTS.iter().map(|a| lines(&store, a).len()).sum::<usize>());
        }
        let earned: i64 = (1..=3)
            .map(|n| record(&store, n).hours_status())
            .map(|s| match s {
                HoursStatus::Approved { minutes } => crate::ledger::credits_for_minutes(minutes, 100),
                _ => 0,
            })
            .sum();
        let total: i64 = ACCOUNTS.iter().map(|a| balance(&lines(&store, a))).sum();
        prop_assert_eq!(total, earned - spent);
    }
}

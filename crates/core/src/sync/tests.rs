//! The mutations' rules on a [`MemoryStore`], as the server and the browser both run them.

use super::visibility::visible;

/// Card codes, co-signing, reviews of hours and the time-bank ledger (issue 7).
#[cfg(not(target_arch = "wasm32"))]
mod trust;
use super::*;
use crate::matching::fixtures::{at, elder, village, volunteer};
use crate::model::{
    BeneficiaryId, BeneficiaryPrivate, Skill, Task, TaskId, TaskKind, TaskStatus, VillageId,
    VolunteerId,
};

fn coordinator() -> Actor {
    Actor {
        village: VillageId::numbered(1),
        role: Role::Coordinator("c-1".into()),
    }
}

fn as_volunteer(n: u32) -> Actor {
    Actor {
        village: VillageId::numbered(1),
        role: Role::Volunteer(VolunteerId::numbered(n)),
    }
}

/// A visit to the elder on Tue 2026-12-01 09:00–10:00 with `places` places.
fn visit(id: &str, places: u32) -> Task {
    Task::builder(
        id,
        TaskKind::HomeVisit,
        "探访李奶奶",
        at(1, 9, 0),
        at(1, 10, 0),
    )
    .beneficiary(BeneficiaryId::numbered(1))
    .capacity(1, places)
    .build()
    .expect("task")
}

/// The village, volunteers 1-5, the elder (with private fields), and a 2-place visit t-1.
fn world() -> MemoryStore {
    let mut elder = elder();
    elder.private = Some(BeneficiaryPrivate {
        address: "第一组 12号".into(),
        phone: Some("13900001111".into()),
        family_contact: None,
        health_notes: "高血压".into(),
    });
    let mut store = MemoryStore::from_records([Record::Village(village())]);
    for n in 1..=5 {
        store.insert(Record::Volunteer(volunteer(n)));
    }
    for record in Record::from_beneficiary(&elder) {
        store.insert(record);
    }
    store.insert(Record::Task(visit("t-1", 2)));
    store
}

fn sign_up(store: &mut MemoryStore, n: u32, task: &str) -> Result<Outcome, ApplyError> {
    apply(
        &Mutation::SignUp {
            task: TaskId::new(task),
        },
        &as_volunteer(n),
        store,
    )
}

fn status_of(store: &MemoryStore, n: u32, task: &str) -> Option<SignupStatus> {
    match store.get_record(&format!("signup/{task}/v-{n:04}")) {
        Some(Record::Signup(s)) => Some(s.status),
        _ => None,
    }
}

fn code(result: Result<Outcome, ApplyError>) -> RejectCode {
    match result {
        Err(ApplyError::Rejected(r)) => r.code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn sign_ups_beyond_the_maximum_wait_in_server_order() {
    let mut store = world();
    for n in 1..=2 {
        assert_eq!(
            sign_up(&mut store, n, "t-1").expect("sign up"),
            Outcome::SignedUp {
                status: SignupStatus::Confirmed,
                waitlist_position: None
            }
        );
    }
    for (n, position) in [(3, 1), (4, 2)] {
        assert_eq!(
            sign_up(&mut store, n, "t-1").expect("sign up"),
            Outcome::SignedUp {
                status: SignupStatus::Waitlisted,
                waitlist_position: Some(position)
            }
        );
    }
    assert_eq!(
        code(sign_up(&mut store, 1, "t-1")),
        RejectCode::AlreadyExists
    );
}

#[test]
fn withdrawing_promotes_the_earliest_waiting_volunteer_who_is_still_eligible() {
    let mut store = world();
    for n in 1..=4 {
        sign_up(&mut store, n, "t-1").expect("sign up");
    }
    // Volunteer 3 (first on the list) meanwhile got confirmed on an overlapping task.
    store.insert(Record::Task(visit("t-2", 1)));
    sign_up(&mut store, 3, "t-2").expect("confirmed elsewhere");
    let out = apply(
        &Mutation::Withdraw {
            task: TaskId::new("t-1"),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("withdraw");
    assert_eq!(
        out,
        Outcome::Left { promoted: None },
        "the leaver is not told who moved up"
    );
    assert_eq!(status_of(&store, 1, "t-1"), None);
    assert_eq!(status_of(&store, 4, "t-1"), Some(SignupStatus::Confirmed));
    assert_eq!(status_of(&store, 3, "t-1"), Some(SignupStatus::Waitlisted));
}

#[test]
fn coordinators_assign_but_never_beyond_the_maximum() {
    let mut store = world();
    let assign = |n| Mutation::Assign {
        task: TaskId::new("t-1"),
        volunteer: VolunteerId::numbered(n),
    };
    apply(&assign(1), &coordinator(), &mut store).expect("assign 1");
    sign_up(&mut store, 2, "t-1").expect("2 signs up");
    sign_up(&mut store, 3, "t-1").expect("3 waits");
    assert_eq!(
        code(apply(&assign(4), &coordinator(), &mut store)),
        RejectCode::TaskFull
    );
    // Unassigning frees a place that goes to the waiting volunteer.
    let out = apply(
        &Mutation::Unassign {
            task: TaskId::new("t-1"),
            volunteer: VolunteerId::numbered(1),
        },
        &coordinator(),
        &mut store,
    )
    .expect("unassign");
    assert_eq!(
        out,
        Outcome::Left {
            promoted: Some(VolunteerId::numbered(3))
        }
    );
}

#[test]
fn volunteers_cannot_do_coordinator_work_or_edit_others() {
    let mut store = world();
    let before = store.clone();
    let volunteer_1 = as_volunteer(1);
    let attempts = [
        Mutation::Assign {
            task: TaskId::new("t-1"),
            volunteer: VolunteerId::numbered(1),
        },
        Mutation::CreateTask {
            task: visit("t-9", 1),
        },
        Mutation::CancelTask {
            task: TaskId::new("t-1"),
        },
        Mutation::CreateBeneficiary {
            beneficiary: elder(),
        },
        Mutation::UpdateProfile {
            volunteer: volunteer(2),
        },
    ];
    for mutation in attempts {
        assert_eq!(
            code(apply(&mutation, &volunteer_1, &mut store)),
            RejectCode::Forbidden,
            "{mutation:?}"
        );
    }
    assert_eq!(store, before, "a forbidden mutation changed something");
    let mut own = volunteer(1);
    own.max_hours_per_week = 4;
    apply(
        &Mutation::UpdateProfile { volunteer: own },
        &volunteer_1,
        &mut store,
    )
    .expect("own profile");
}

#[test]
fn ineligible_sign_ups_are_rejected_with_every_reason() {
    let mut store = world();
    let mut needs_nurse = visit("t-3", 1);
    needs_nurse.required_skills = vec![Skill::Nursing];
    store.insert(Record::Task(needs_nurse));
    match sign_up(&mut store, 1, "t-3") {
        Err(ApplyError::Rejected(r)) => {
            assert_eq!(r.code, RejectCode::NotEligible);
            assert!(!r.reasons.is_empty());
            assert!(
                r.message.to_lowercase().contains("nursing"),
                "{}",
                r.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(status_of(&store, 1, "t-3"), None);
}

#[test]
fn a_volunteer_may_sign_up_outside_their_usual_hours_but_a_coordinator_may_not_place_them_there() {
    let mut store = world();
    let mut evening_only = volunteer(1);
    evening_only.availability = crate::matching::fixtures::all_week(18, 21);
    store.insert(Record::Volunteer(evening_only));
    // The visit is at 09:00: volunteer 1 says they can go, so they may.
    sign_up(&mut store, 1, "t-1").expect("self sign-up outside the usual grid");
    store.insert(Record::Task(visit("t-4", 1)));
    let mut evening_only_2 = volunteer(2);
    evening_only_2.availability = crate::matching::fixtures::all_week(18, 21);
    store.insert(Record::Volunteer(evening_only_2));
    let assign = Mutation::Assign {
        task: TaskId::new("t-4"),
        volunteer: VolunteerId::numbered(2),
    };
    assert_eq!(
        code(apply(&assign, &coordinator(), &mut store)),
        RejectCode::NotEligible
    );
}

#[test]
fn a_volunteer_cannot_grant_themselves_a_certificate_or_change_their_gender() {
    let mut store = world();
    let mut nursing = visit("t-6", 1);
    nursing.required_skills = vec![Skill::Nursing];
    store.insert(Record::Task(nursing));
    let mut claimed = volunteer(1);
    claimed
        .certifications
        .push(crate::model::Certification::permanent(Skill::Nursing));
    apply(
        &Mutation::UpdateProfile {
            volunteer: claimed.clone(),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("a volunteer may list a skill");
    assert_eq!(
        code(sign_up(&mut store, 1, "t-6")),
        RejectCode::NotEligible,
        "unverified"
    );
    // A coordinator who has seen the certificate records it; then it counts.
    apply(
        &Mutation::UpdateProfile {
            volunteer: claimed.clone(),
        },
        &coordinator(),
        &mut store,
    )
    .expect("coordinator verifies");
    sign_up(&mut store, 1, "t-6").expect("verified certificate counts");
    // Re-saving the profile keeps the verification; changing the gender is refused.
    apply(
        &Mutation::UpdateProfile {
            volunteer: claimed.clone(),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("resave");
    match store.get_record("volunteer/v-0001") {
        Some(Record::Volunteer(v)) => assert!(v.certifications.iter().all(|c| c.verified)),
        other => panic!("{other:?}"),
    }
    claimed.gender = Some(crate::model::Gender::Male);
    assert_eq!(
        code(apply(
            &Mutation::UpdateProfile { volunteer: claimed },
            &as_volunteer(1),
            &mut store
        )),
        RejectCode::Forbidden
    );
}

#[test]
fn cancelled_tasks_take_no_sign_ups_and_bad_args_are_refused() {
    let mut store = world();
    apply(
        &Mutation::CancelTask {
            task: TaskId::new("t-1"),
        },
        &coordinator(),
        &mut store,
    )
    .expect("cancel");
    assert_eq!(code(sign_up(&mut store, 1, "t-1")), RejectCode::TaskNotOpen);
    assert_eq!(code(sign_up(&mut store, 1, "t-404")), RejectCode::NotFound);
    let mut bad = visit("t/evil", 1);
    assert_eq!(
        code(apply(
            &Mutation::CreateTask { task: bad.clone() },
            &coordinator(),
            &mut store
        )),
        RejectCode::InvalidArgs
    );
    bad.id = TaskId::new("t-5");
    bad.end = bad.start;
    assert_eq!(
        code(apply(
            &Mutation::CreateTask { task: bad },
            &coordinator(),
            &mut store
        )),
        RejectCode::InvalidArgs
    );
}

#[test]
fn lowering_a_maximum_below_the_confirmed_count_is_refused() {
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("1");
    sign_up(&mut store, 2, "t-1").expect("2");
    let mut smaller = visit("t-1", 1);
    smaller.volunteers_min = 1;
    assert_eq!(
        code(apply(
            &Mutation::UpdateTask { task: smaller },
            &coordinator(),
            &mut store
        )),
        RejectCode::InvalidArgs
    );
}

#[test]
fn mutations_round_trip_through_the_wire_and_unknown_input_is_refused() {
    let m = Mutation::SignUp {
        task: TaskId::new("t-1"),
    };
    assert_eq!(Mutation::from_wire(m.name(), m.args()), Ok(m));
    for name in Mutation::NAMES {
        assert!(Mutation::from_wire(name, serde_json::json!({"nope": 1})).is_err());
    }
    let err = Mutation::from_wire("drop_tables", serde_json::json!({})).expect_err("unknown");
    assert!(err.contains("unknown mutation"));
    let err = Mutation::from_wire("sign_up", serde_json::json!({"task": "t-1", "x": 1}))
        .expect_err("unknown field");
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn records_round_trip_and_a_body_under_the_wrong_key_is_refused() {
    for (key, record) in world().records() {
        assert_eq!(
            Record::from_value(key, record.to_value()).as_ref(),
            Ok(record)
        );
    }
    let task = Record::Task(visit("t-1", 2));
    assert!(matches!(
        Record::from_value("task/t-2", task.to_value()),
        Err(RecordError::KeyMismatch { .. })
    ));
    assert!(matches!(
        Record::from_value("secret/x", task.to_value()),
        Err(RecordError::UnknownKey(_))
    ));
}

#[test]
fn volunteers_see_private_fields_only_while_confirmed_on_an_open_task() {
    let mut store = world();
    let private = store
        .get_record("beneficiary_private/b-0001")
        .cloned()
        .expect("private record");
    let public = store
        .get_record("beneficiary/b-0001")
        .cloned()
        .expect("public record");
    let sees = |store: &MemoryStore, n: u32, r: &Record| {
        visible(&as_volunteer(n), r, store).expect("visible")
    };
    assert!(!sees(&store, 1, &public) && !sees(&store, 1, &private));
    sign_up(&mut store, 1, "t-1").expect("1");
    sign_up(&mut store, 2, "t-1").expect("2");
    sign_up(&mut store, 3, "t-1").expect("3 waits");
    assert!(sees(&store, 1, &private) && sees(&store, 1, &public));
    assert!(
        sees(&store, 3, &public) && !sees(&store, 3, &private),
        "waiting: public only"
    );
    assert!(!sees(&store, 4, &public));
    // Others' profiles and sign-ups stay hidden; coordinators see everything.
    let other = store.get_record("volunteer/v-0002").cloned().expect("v2");
    let others_signup = store.get_record("signup/t-1/v-0002").cloned().expect("s2");
    assert!(!sees(&store, 1, &other) && !sees(&store, 1, &others_signup));
    assert!(visible(&coordinator(), &private, &store).expect("visible"));
    // Once the task is done, the address is no longer theirs to hold.
    let mut done = visit("t-1", 2);
    done.status = TaskStatus::Done;
    store.insert(Record::Task(done.clone()));
    assert!(!sees(&store, 1, &private));
    assert!(
        sees(&store, 1, &Record::Task(done)),
        "their own past task stays visible"
    );
}

fn roster_of(store: &MemoryStore, task: &str) -> Option<Roster> {
    match store.get_record(&format!("roster/{task}")) {
        Some(Record::Roster(r)) => Some(r.clone()),
        _ => None,
    }
}

#[test]
fn the_roster_names_who_is_going_and_the_waiting_order_and_follows_every_change() {
    let mut store = world();
    for n in 1..=4 {
        sign_up(&mut store, n, "t-1").expect("sign up");
    }
    let roster = roster_of(&store, "t-1").expect("roster");
    let going: Vec<&str> = roster.others_going(&VolunteerId::numbered(1));
    assert_eq!(going, vec!["志愿者2"], "first names of the others going");
    assert_eq!(roster.waitlist_position(&VolunteerId::numbered(3)), Some(1));
    assert_eq!(roster.waitlist_position(&VolunteerId::numbered(4)), Some(2));
    assert_eq!(roster.waitlist_position(&VolunteerId::numbered(1)), None);
    assert_eq!(
        store.get_record("places/t-1"),
        Some(&Record::Places(Places {
            task: TaskId::new("t-1"),
            confirmed: 2,
            waiting: 2
        }))
    );
    // Volunteer 1 withdraws: 3 moves up, 4 is now first in line.
    apply(
        &Mutation::Withdraw {
            task: TaskId::new("t-1"),
        },
        &as_volunteer(1),
        &mut store,
    )
    .expect("withdraw");
    let roster = roster_of(&store, "t-1").expect("roster");
    let going: Vec<&str> = roster.going.iter().map(|e| e.first_name.as_str()).collect();
    assert_eq!(going, vec!["志愿者2", "志愿者3"]);
    assert_eq!(roster.waitlist_position(&VolunteerId::numbered(4)), Some(1));
    // Everyone leaves: no roster is left behind.
    for n in 2..=4 {
        apply(
            &Mutation::Withdraw {
                task: TaskId::new("t-1"),
            },
            &as_volunteer(n),
            &mut store,
        )
        .expect("withdraw");
    }
    assert_eq!(roster_of(&store, "t-1"), None);
    assert_eq!(store.get_record("places/t-1"), None);
}

#[test]
fn the_roster_is_seen_only_by_those_signed_up_and_service_records_only_by_their_owner() {
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("sign up");
    let roster = Record::Roster(roster_of(&store, "t-1").expect("roster"));
    assert!(visible(&as_volunteer(1), &roster, &store).expect("store"));
    assert!(!visible(&as_volunteer(2), &roster, &store).expect("store"));
    assert!(visible(&coordinator(), &roster, &store).expect("store"));
    // How full it is, everyone who sees the task may know.
    let places = store.get_record("places/t-1").expect("places").clone();
    assert!(visible(&as_volunteer(2), &places, &store).expect("store"));
    check(
        &mut store,
        1,
        Mutation::CheckIn {
            task: TaskId::new("t-1"),
            at: at(1, 9, 5),
        },
    )
    .expect("check in");
    let record = store
        .get_record("service/t-1/v-0001")
        .expect("service record")
        .clone();
    assert!(visible(&as_volunteer(1), &record, &store).expect("store"));
    assert!(!visible(&as_volunteer(2), &record, &store).expect("store"));
    assert!(visible(&coordinator(), &record, &store).expect("store"));
}

fn check(store: &mut MemoryStore, n: u32, mutation: Mutation) -> Result<Outcome, ApplyError> {
    apply(&mutation, &as_volunteer(n), store)
}

fn service_of(store: &MemoryStore, n: u32, task: &str) -> crate::model::ServiceRecord {
    match store.get_record(&format!("service/{task}/v-{n:04}")) {
        Some(Record::Service(r)) => r.clone(),
        other => panic!("expected a service record, got {other:?}"),
    }
}

/// A store that answers like the server's: it has a clock.
struct ServerClock(MemoryStore, i64);

impl Store for ServerClock {
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        self.0.get(key)
    }
    fn put(&mut self, record: Record) -> Result<(), StoreError> {
        self.0.put(record)
    }
    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key)
    }
    fn signups_for_task(&self, task: &TaskId) -> Result<Vec<Signup>, StoreError> {
        self.0.signups_for_task(task)
    }
    fn signups_of_volunteer(&self, volunteer: &VolunteerId) -> Result<Vec<Signup>, StoreError> {
        self.0.signups_of_volunteer(volunteer)
    }
    fn next_seq(&mut self) -> Result<u64, StoreError> {
        self.0.next_seq()
    }
    fn village(&self) -> Result<Option<crate::model::Village>, StoreError> {
        self.0.village()
    }
    fn server_clock(&self) -> Option<i64> {
        Some(self.1)
    }
}

#[test]
fn check_in_and_out_record_the_phone_time_and_the_server_time_and_give_the_minutes() {
    let mut store = world();
    let task = || TaskId::new("t-1");
    // Not on the task: refused, nothing recorded.
    assert_eq!(
        code(check(
            &mut store,
            1,
            Mutation::CheckIn {
                task: task(),
                at: at(1, 9, 0)
            }
        )),
        RejectCode::Forbidden
    );
    assert_eq!(
        code(check(
            &mut store,
            1,
            Mutation::CheckOut {
                task: task(),
                at: at(1, 10, 0)
            }
        )),
        RejectCode::InvalidArgs,
        "no check-out without a check-in"
    );
    sign_up(&mut store, 1, "t-1").expect("sign up");
    // A phone whose clock is a day off cannot check in to a 09:00 visit.
    for wrong in [at(1, 7, 59), at(2, 9, 0)] {
        assert_eq!(
            code(check(
                &mut store,
                1,
                Mutation::CheckIn {
                    task: task(),
                    at: wrong
                }
            )),
            RejectCode::InvalidArgs
        );
    }
    // On a phone: only the device time.
    check(
        &mut store,
        1,
        Mutation::CheckIn {
            task: task(),
            at: at(1, 9, 2),
        },
    )
    .expect("in");
    assert_eq!(
        code(check(
            &mut store,
            1,
            Mutation::CheckIn {
                task: task(),
                at: at(1, 9, 3)
            }
        )),
        RejectCode::AlreadyExists
    );
    let record = service_of(&store, 1, "t-1");
    assert_eq!(record.check_in.as_ref().map(|c| c.received), Some(None));
    assert_eq!(record.kind, TaskKind::HomeVisit);
    assert_eq!(record.minutes(), None);
    // A check-out before the check-in, or half a day later, is a mistake.
    assert_eq!(
        code(check(
            &mut store,
            1,
            Mutation::CheckOut {
                task: task(),
                at: at(1, 9, 0)
            }
        )),
        RejectCode::InvalidArgs
    );
    assert_eq!(
        code(check(
            &mut store,
            1,
            Mutation::CheckOut {
                task: task(),
                at: at(2, 9, 3)
            }
        )),
        RejectCode::InvalidArgs
    );
    // Withdrawing after arriving is for the coordinator to sort out.
    assert_eq!(
        code(check(&mut store, 1, Mutation::Withdraw { task: task() })),
        RejectCode::InvalidArgs
    );
    // On the server: the time it received the reading is kept beside the phone's.
    let mut server = ServerClock(store, 1_796_000_000);
    apply(
        &Mutation::CheckOut {
            task: task(),
            at: at(1, 10, 17),
        },
        &as_volunteer(1),
        &mut server,
    )
    .expect("out");
    apply(
        &Mutation::SaveVisitNote {
            task: task(),
            note: " 李奶奶的降压药快吃完了 ".into(),
        },
        &as_volunteer(1),
        &mut server,
    )
    .expect("note");
    let record = service_of(&server.0, 1, "t-1");
    assert_eq!(record.minutes(), Some(75));
    let out = record.check_out.expect("check-out");
    assert_eq!(out.device, at(1, 10, 17));
    assert_eq!(out.received, Some(1_796_000_000));
    assert_eq!(record.note, "李奶奶的降压药快吃完了");
    // Taken off the task after the visit: the record and its note stay, and can still be
    // completed.
    apply(
        &Mutation::Unassign {
            task: task(),
            volunteer: VolunteerId::numbered(1),
        },
        &coordinator(),
        &mut server.0,
    )
    .expect("unassign");
    check(
        &mut server.0,
        1,
        Mutation::SaveVisitNote {
            task: task(),
            note: "已转告家属".into(),
        },
    )
    .expect("a note after being taken off");
    // A coordinator does not check in for someone; an overlong note is refused.
    assert_eq!(
        code(apply(
            &Mutation::CheckIn {
                task: task(),
                at: at(1, 9, 0)
            },
            &coordinator(),
            &mut server.0
        )),
        RejectCode::Forbidden
    );
    assert_eq!(
        code(check(
            &mut server.0,
            1,
            Mutation::SaveVisitNote {
                task: task(),
                note: "字".repeat(crate::model::ServiceRecord::MAX_NOTE_CHARS + 1)
            }
        )),
        RejectCode::InvalidArgs
    );
}

#[test]
fn notices_reach_the_village_or_those_on_the_task_and_only_coordinators_post_them() {
    use crate::model::{Audience, Message, MessageId};
    let mut store = world();
    sign_up(&mut store, 1, "t-1").expect("sign up");
    let notice = |id: &str, audience: Audience| Message {
        id: MessageId::new(id),
        audience,
        text: " 明天高温，请带上防暑药品 ".into(),
        posted_at: at(1, 8, 0),
    };
    let to_task = notice(
        "m-1",
        Audience::Task {
            task: TaskId::new("t-1"),
        },
    );
    let to_all = notice("m-2", Audience::Village);
    assert_eq!(
        code(apply(
            &Mutation::PostMessage {
                message: to_task.clone()
            },
            &as_volunteer(1),
            &mut store
        )),
        RejectCode::Forbidden
    );
    for m in [&to_task, &to_all] {
        apply(
            &Mutation::PostMessage { message: m.clone() },
            &coordinator(),
            &mut store,
        )
        .expect("post");
    }
    let stored = |id: &str| {
        store
            .get_record(&format!("message/{id}"))
            .cloned()
            .expect("stored")
    };
    let task_notice = stored("m-1");
    assert!(matches!(&task_notice, Record::Message(m) if m.text == "明天高温，请带上防暑药品"));
    assert!(visible(&as_volunteer(1), &task_notice, &store).expect("store"));
    assert!(!visible(&as_volunteer(2), &task_notice, &store).expect("store"));
    assert!(visible(&as_volunteer(2), &stored("m-2"), &store).expect("store"));
    // Empty, too long, or to a task that does not exist: refused.
    let mut bad = notice(
        "m-3",
        Audience::Task {
            task: TaskId::new("t-nope"),
        },
    );
    assert_eq!(
        code(apply(
            &Mutation::PostMessage {
                message: bad.clone()
            },
            &coordinator(),
            &mut store
        )),
        RejectCode::NotFound
    );
    bad.audience = Audience::Village;
    bad.text = "  ".into();
    assert_eq!(
        code(apply(
            &Mutation::PostMessage { message: bad },
            &coordinator(),
            &mut store
        )),
        RejectCode::InvalidArgs
    );
}

mod replica {
    use super::*;
    use crate::sync::protocol::{MutationResult, PatchOp, ResultStatus, SyncResponse};

    fn snapshot_of(store: &MemoryStore) -> Vec<PatchOp> {
        store
            .records()
            .map(|(k, r)| PatchOp::Put {
                key: k.clone(),
                value: r.to_value(),
            })
            .collect()
    }

    fn response(cookie: u64, last: u64, reset: bool, patch: Vec<PatchOp>) -> SyncResponse {
        SyncResponse {
            cookie,
            last_mutation_id: last,
            reset,
            patch,
            results: Vec::new(),
            more: None,
            resumed: None,
        }
    }

    #[test]
    fn the_view_replays_pending_mutations_until_the_server_confirms_them() {
        let me = as_volunteer(1);
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&response(5, 0, true, snapshot_of(&world())))
            .expect("first pull");
        let out = device
            .mutate(
                &me,
                Mutation::SignUp {
                    task: TaskId::new("t-1"),
                },
                None,
            )
            .expect("queued");
        assert!(matches!(out, Outcome::SignedUp { .. }));
        assert_eq!(device.pending.len(), 1);
        assert_eq!(device.sync_request().mutations[0].id, 1);
        assert!(device.view(&me).get_record("signup/t-1/v-0001").is_some());
        assert!(device.confirmed().get_record("signup/t-1/v-0001").is_none());
        // The server processed it and sends the real record: the queue empties.
        let mut server = world();
        sign_up(&mut server, 1, "t-1").expect("server applies");
        let signup = server
            .get_record("signup/t-1/v-0001")
            .expect("signup")
            .clone();
        device
            .apply_response(&response(
                6,
                1,
                false,
                vec![PatchOp::Put {
                    key: signup.key(),
                    value: signup.to_value(),
                }],
            ))
            .expect("pull");
        assert!(device.pending.is_empty());
        assert_eq!(
            device.confirmed().get_record("signup/t-1/v-0001"),
            Some(&signup)
        );
        assert_eq!(device.next_mutation_id, 2);
    }

    #[test]
    fn a_phone_predicts_the_waiting_list_from_what_its_last_sync_said_about_the_task() {
        let me = as_volunteer(1);
        let mut server = world();
        sign_up(&mut server, 2, "t-1").expect("2");
        sign_up(&mut server, 3, "t-1").expect("3");
        // What the server sends volunteer 1: only what they may see.
        let visible_to_me: Vec<PatchOp> = snapshot_of(&server)
            .into_iter()
            .filter(|op| match op {
                PatchOp::Put { key, value } => {
                    let record = Record::from_value(key, value.clone()).expect("record");
                    visible(&me, &record, &server).expect("store")
                }
                PatchOp::Del { .. } => true,
            })
            .collect();
        assert!(visible_to_me
            .iter()
            .any(|op| matches!(op, PatchOp::Put { key, .. } if key == "places/t-1")));
        assert!(!visible_to_me
            .iter()
            .any(|op| matches!(op, PatchOp::Put { key, .. } if key == "roster/t-1")));
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&response(3, 0, true, visible_to_me))
            .expect("pull");
        let out = device
            .mutate(
                &me,
                Mutation::SignUp {
                    task: TaskId::new("t-1"),
                },
                None,
            )
            .expect("queued");
        assert_eq!(
            out,
            Outcome::SignedUp {
                status: SignupStatus::Waitlisted,
                waitlist_position: Some(1)
            },
            "both places were taken at the last sync"
        );
        let view = device.view(&me);
        assert!(matches!(
            view.get_record("places/t-1"),
            Some(Record::Places(Places {
                confirmed: 2,
                waiting: 1,
                ..
            }))
        ));
    }

    #[test]
    fn a_rule_the_device_can_check_refuses_the_mutation_before_it_is_queued() {
        let me = as_volunteer(1);
        let mut device = Replica::new("phone-1");
        let mut start = world();
        start.insert(Record::Task(visit("t-2", 1)));
        device
            .apply_response(&response(1, 0, true, snapshot_of(&start)))
            .expect("pull");
        let sign = |task: &str| Mutation::SignUp {
            task: TaskId::new(task),
        };
        device.mutate(&me, sign("t-1"), None).expect("first");
        // t-2 is at the same time as t-1: the overlap is refused on the phone, nothing queued.
        assert!(matches!(
            device.mutate(&me, sign("t-2"), None),
            Err(ApplyError::Rejected(Rejection {
                code: RejectCode::NotEligible,
                ..
            }))
        ));
        assert_eq!(device.pending.len(), 1);
    }

    #[test]
    fn stale_responses_are_ignored_and_rejections_kept_for_the_user() {
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&response(9, 0, true, snapshot_of(&world())))
            .expect("pull");
        let before = device.clone();
        device
            .apply_response(&response(
                7,
                0,
                false,
                vec![PatchOp::Del {
                    key: "task/t-1".into(),
                }],
            ))
            .expect("old reply");
        assert_eq!(
            device, before,
            "a delayed older reply must not roll the device back"
        );
        device
            .apply_response(&response(8, 0, true, Vec::new()))
            .expect("old reset");
        assert_eq!(device, before, "nor may a delayed older reset");
        let mut rejected = response(10, 3, false, Vec::new());
        rejected.results.push(MutationResult {
            id: 3,
            status: ResultStatus::Rejected,
            outcome: None,
            error: None,
        });
        device.apply_response(&rejected).expect("pull");
        assert_eq!(device.rejected.len(), 1);
        assert_eq!(device.next_mutation_id, 4);
        // A corrupt patch changes nothing.
        let bad = response(
            11,
            3,
            false,
            vec![PatchOp::Put {
                key: "task/t-1".into(),
                value: serde_json::json!({"not": "a task"}),
            }],
        );
        let before = device.clone();
        assert!(device.apply_response(&bad).is_err());
        assert_eq!(device, before);
    }
}

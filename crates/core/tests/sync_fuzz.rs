//! Fuzzing the rules' front door: whatever a device pushes as a mutation's `name` and `args`,
//! `Mutation::from_wire` and `apply` never panic, and every mutation is either applied or
//! rejected with a code and a message (never a store fault).
//!
//! Two generators: arbitrary JSON (with the field names the real arguments use, so objects are
//! not rejected only for their keys), and valid arguments for each of the thirteen mutations
//! with a few random edits (a value replaced, a field removed, a text made huge), which reaches
//! the validation deep inside tasks, profiles and beneficiaries.
//!
//! A normal test run does a few dozen cases; `cargo xtask fuzz` sets `LINLI_FUZZ_CASES` high.

use std::sync::OnceLock;

use linli_core::demo::{generate, DemoParams};
use linli_core::sync::{apply, Actor, ApplyError, MemoryStore, Mutation, Record, Role};
use linli_core::{BeneficiaryId, NaiveDateTime, TaskId, VolunteerId};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value};

/// Cases per property: `LINLI_FUZZ_CASES`, or `default` for the normal test run.
fn cases(default: u32) -> u32 {
    std::env::var("LINLI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct World {
    store: MemoryStore,
    /// A coordinator, a volunteer of the village, and a volunteer id with no record.
    actors: Vec<Actor>,
    /// Valid wire arguments for every mutation: `(name, args)`.
    seeds: Vec<(&'static str, Value)>,
    /// Every object key that occurs in the seeds.
    keys: Vec<String>,
}

fn collect_keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if !out.contains(k) {
                    out.push(k.clone());
                }
                collect_keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let demo = generate(&DemoParams {
            volunteers: 12,
            beneficiaries: 6,
            days: 3,
            groups: 2,
            ..DemoParams::village()
        });
        let mut store = MemoryStore::from_records([Record::Village(demo.village.clone())]);
        for v in &demo.volunteers {
            store.insert(Record::Volunteer(v.clone()));
        }
        for b in &demo.beneficiaries {
            for record in Record::from_beneficiary(b) {
                store.insert(record);
            }
        }
        for t in &demo.tasks {
            store.insert(Record::Task(t.clone()));
        }
        let volunteer = demo.volunteers[0].clone();
        let task = demo.tasks[0].clone();
        let mut new_task = demo.tasks[1].clone();
        new_task.id = TaskId::new("t-fuzz");
        let mut new_beneficiary = demo.beneficiaries[0].clone();
        new_beneficiary.id = BeneficiaryId::new("b-fuzz");
        let at: NaiveDateTime = task.start;
        let mutations = [
            Mutation::UpdateProfile {
                volunteer: volunteer.clone(),
            },
            Mutation::CreateTask { task: new_task },
            Mutation::UpdateTask { task: task.clone() },
            Mutation::CancelTask {
                task: task.id.clone(),
            },
            Mutation::SignUp {
                task: task.id.clone(),
            },
            Mutation::Withdraw {
                task: task.id.clone(),
            },
            Mutation::Assign {
                task: task.id.clone(),
                volunteer: volunteer.id.clone(),
            },
            Mutation::Unassign {
                task: task.id.clone(),
                volunteer: volunteer.id.clone(),
            },
            Mutation::CreateBeneficiary {
                beneficiary: new_beneficiary,
            },
            Mutation::UpdateBeneficiary {
                beneficiary: demo.beneficiaries[1].clone(),
            },
            Mutation::CheckIn {
                task: task.id.clone(),
                at,
            },
            Mutation::CheckOut {
                task: task.id.clone(),
                at,
            },
            Mutation::SaveVisitNote {
                task: task.id.clone(),
                note: "李奶奶精神很好".into(),
            },
        ];
        let seeds: Vec<(&'static str, Value)> =
            mutations.iter().map(|m| (m.name(), m.args())).collect();
        let mut keys = Vec::new();
        for (_, args) in &seeds {
            collect_keys(args, &mut keys);
        }
        let actors = vec![
            Actor {
                village: demo.village.id.clone(),
                role: Role::Coordinator("c-1".into()),
            },
            Actor {
                village: demo.village.id.clone(),
                role: Role::Volunteer(volunteer.id.clone()),
            },
            Actor {
                village: demo.village.id.clone(),
                role: Role::Volunteer(VolunteerId::new("v-9999")),
            },
        ];
        World {
            store,
            actors,
            seeds,
            keys,
        }
    })
}

/// Texts a mutation's validation might trip on: ids, times, dates, empty, huge, slashes,
/// control characters and arbitrary Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[tvbg]-[0-9]{1,5}",
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]",
        "[0-2][0-9]:[0-5][0-9]",
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]",
        Just(String::new()),
        Just("x".repeat(3000)),
        Just("t-1/../village".to_owned()),
        Just("\u{0}\u{202e}<script>alert(1)</script>".to_owned()),
        "\\PC{0,40}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..100).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(world().keys.clone()),
        1 => "[a-z_]{1,12}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// JSON pointers to every value inside `value` (the root included).
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[derive(Clone, Debug)]
enum Edit {
    /// Any JSON in place of the value (mostly a type error).
    Replace(Value),
    /// Another text in place of a text (ids, times, names: the validation's cases).
    Text(String),
    /// Another number in place of a number (places, hours, coordinates).
    Number(Value),
    Remove,
    /// Repeat the value into a list of this many copies (list limits).
    Repeat(usize),
}

fn edit() -> impl Strategy<Value = (usize, Edit)> {
    let edit = prop_oneof![
        2 => json().prop_map(Edit::Replace),
        4 => text().prop_map(Edit::Text),
        3 => prop_oneof![
            (-2i64..200).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-200.0f64..200.0).prop_map(Value::from),
        ].prop_map(Edit::Number),
        2 => Just(Edit::Remove),
        1 => (150usize..260).prop_map(Edit::Repeat),
    ];
    (any::<usize>(), edit)
}

fn apply_edit(args: &mut Value, (pick, edit): &(usize, Edit)) {
    let mut all = Vec::new();
    pointers(args, String::new(), &mut all);
    let pointer = &all[pick % all.len()];
    if let Edit::Remove = edit {
        if let Some((parent, last)) = pointer.rsplit_once('/') {
            let last = last.replace("~1", "/").replace("~0", "~");
            match args.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        if i < items.len() {
                            items.remove(i);
                        }
                    }
                }
                _ => {}
            }
        }
        return;
    }
    if let Some(slot) = args.pointer_mut(pointer) {
        *slot = match (edit, &*slot) {
            (Edit::Replace(v), _) => v.clone(),
            (Edit::Text(t), Value::String(_)) => Value::String(t.clone()),
            (Edit::Number(n), Value::Number(_)) => n.clone(),
            (Edit::Repeat(n), _) => Value::Array(vec![slot.clone(); *n]),
            // A typed edit of a value of another type: leave it.
            (Edit::Text(_) | Edit::Number(_) | Edit::Remove, _) => return,
        };
    }
}

/// The property: parse, then apply on a copy of the demo village; a parsed mutation survives a
/// round trip through the wire, and every outcome is applied or a rejection with a message.
fn check(name: &str, args: Value, actor: &Actor) -> Result<(), TestCaseError> {
    match Mutation::from_wire(name, args) {
        Err(message) => prop_assert!(!message.is_empty()),
        Ok(mutation) => {
            prop_assert_eq!(mutation.name(), name);
            let again = Mutation::from_wire(mutation.name(), mutation.args());
            prop_assert_eq!(again.as_ref(), Ok(&mutation), "wire round trip");
            let mut store = world().store.clone();
            match apply(&mutation, actor, &mut store) {
                Ok(_) => stored_records_are_sound(&store)?,
                Err(ApplyError::Rejected(rejection)) => {
                    prop_assert!(!rejection.message.is_empty(), "{rejection:?}")
                }
                Err(ApplyError::Store(fault)) => {
                    prop_assert!(false, "a store fault from a memory store: {fault}")
                }
            }
        }
    }
    Ok(())
}

/// What an applied mutation left behind must read back as itself from its key and body (the
/// server stores the body and re-reads it at every pull: a record that does not read back would
/// fail every later pull of the village), and the people and tasks in it must be valid.
fn stored_records_are_sound(store: &MemoryStore) -> Result<(), TestCaseError> {
    for (key, record) in store.records() {
        let read = Record::from_value(key, record.to_value());
        prop_assert_eq!(read.as_ref(), Ok(record), "{} does not read back", key);
        let valid = match record {
            Record::Task(t) => t.validate(),
            Record::Volunteer(v) => v.validate(),
            Record::Beneficiary(b) => b.validate(),
            _ => Ok(()),
        };
        prop_assert!(valid.is_ok(), "{key} stored invalid: {valid:?}");
    }
    Ok(())
}

#[test]
fn every_seed_is_valid_and_applies_or_is_refused_for_a_reason() {
    // The edits start from valid arguments: if a seed stopped parsing, the fuzzing below would
    // only ever test the parser's error path.
    for (name, args) in &world().seeds {
        let parsed = Mutation::from_wire(name, args.clone());
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
        for actor in &world().actors {
            check(name, args.clone(), actor).expect("seed");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn arbitrary_names_and_args_are_applied_or_rejected(
        name in prop_oneof![
            3 => prop::sample::select(Mutation::NAMES.to_vec()).prop_map(str::to_owned),
            1 => any::<String>(),
        ],
        args in json(),
        actor in 0usize..3,
    ) {
        check(&name, args, &world().actors[actor])?;
    }

    #[test]
    fn edited_valid_args_are_applied_or_rejected(
        seed in 0usize..13,
        edits in prop::collection::vec(edit(), 1..3),
        actor in 0usize..3,
    ) {
        let (name, args) = &world().seeds[seed];
        let mut args = args.clone();
        for e in &edits {
            apply_edit(&mut args, e);
        }
        check(name, args, &world().actors[actor])?;
    }
}

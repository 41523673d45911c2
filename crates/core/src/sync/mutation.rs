//! The named changes a device can make. Each is applied by [`super::apply`], the same code on
//! the phone and on the server.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Beneficiary, NaiveDateTime, Task, TaskId, Volunteer, VolunteerId};

/// A change with typed arguments. On the wire it is `{"name": "sign_up", "args": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "name",
    content = "args",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Mutation {
    /// A volunteer's own profile (skills, availability, hours...), as a whole record.
    UpdateProfile { volunteer: Volunteer },
    /// Coordinator: post a new task.
    CreateTask { task: Task },
    /// Coordinator: change a task (not its sign-ups).
    UpdateTask { task: Task },
    /// Coordinator: cancel a task; sign-ups stay so conflicts remain visible.
    CancelTask { task: TaskId },
    /// Volunteer: sign up; confirmed while places are left, else on the waiting list.
    SignUp { task: TaskId },
    /// Volunteer: withdraw; the earliest still-eligible volunteer on the waiting list moves up.
    Withdraw { task: TaskId },
    /// Coordinator: put a volunteer on a task (never beyond its maximum).
    Assign {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Coordinator: take a volunteer off a task; the waiting list moves up.
    Unassign {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Coordinator: register someone the village serves (with private fields, if known).
    CreateBeneficiary { beneficiary: Beneficiary },
    /// Coordinator: change a beneficiary; `private: null` removes the private fields.
    UpdateBeneficiary { beneficiary: Beneficiary },
    /// Volunteer: arrived at a task they are confirmed on; `at` is the phone's clock, local
    /// village time (the phone may be offline; the server adds when it received it).
    CheckIn { task: TaskId, at: NaiveDateTime },
    /// Volunteer: left the task; the hours are check-out minus check-in.
    CheckOut { task: TaskId, at: NaiveDateTime },
    /// Volunteer: a note about the visit for the coordinator (replaces an earlier note).
    SaveVisitNote { task: TaskId, note: String },
}

impl Mutation {
    /// Every mutation name, as used on the wire.
    pub const NAMES: [&'static str; 13] = [
        "update_profile",
        "create_task",
        "update_task",
        "cancel_task",
        "sign_up",
        "withdraw",
        "assign",
        "unassign",
        "create_beneficiary",
        "update_beneficiary",
        "check_in",
        "check_out",
        "save_visit_note",
    ];

    /// Reads a pushed mutation's `name` and `args`. The error text is fit to show a developer
    /// (it names the bad field); users see the rejection's code instead.
    pub fn from_wire(name: &str, args: Value) -> Result<Mutation, String> {
        if !Self::NAMES.contains(&name) {
            return Err(format!("unknown mutation {name:?}"));
        }
        serde_json::from_value(serde_json::json!({ "name": name, "args": args }))
            .map_err(|e| format!("invalid arguments for {name}: {e}"))
    }

    /// The wire name.
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::UpdateProfile { .. } => "update_profile",
            Mutation::CreateTask { .. } => "create_task",
            Mutation::UpdateTask { .. } => "update_task",
            Mutation::CancelTask { .. } => "cancel_task",
            Mutation::SignUp { .. } => "sign_up",
            Mutation::Withdraw { .. } => "withdraw",
            Mutation::Assign { .. } => "assign",
            Mutation::Unassign { .. } => "unassign",
            Mutation::CreateBeneficiary { .. } => "create_beneficiary",
            Mutation::UpdateBeneficiary { .. } => "update_beneficiary",
            Mutation::CheckIn { .. } => "check_in",
            Mutation::CheckOut { .. } => "check_out",
            Mutation::SaveVisitNote { .. } => "save_visit_note",
        }
    }

    /// The wire `args`.
    pub fn args(&self) -> Value {
        serde_json::to_value(self)
            .ok()
            .and_then(|mut v| v.get_mut("args").map(Value::take))
            .unwrap_or(Value::Null)
    }
}

//! The named changes a device can make. Each is applied by [`super::apply`], the same code on
//! the phone and on the server.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{
    Beneficiary, BeneficiaryId, Message, NaiveDateTime, Task, TaskId, Volunteer, VolunteerId,
};

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
    /// Coordinator: a notice to everyone on a task or to all volunteers of the village.
    PostMessage { message: Message },
    /// Coordinator: issue (or change) the 6-digit code printed on a beneficiary's card.
    SetCardCode {
        beneficiary: BeneficiaryId,
        code: String,
    },
    /// Volunteer: co-sign a visit with the code on the beneficiary's card. A phone cannot check
    /// it (it never holds card codes): the visit waits for the server's verdict.
    ConfirmVisit { task: TaskId, code: String },
    /// Coordinator: confirm a visit by hand (e.g. after calling the family), locked or not.
    ConfirmService {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Coordinator: the family says the visit did not happen as recorded.
    DisputeService {
        task: TaskId,
        volunteer: VolunteerId,
        reason: String,
    },
    /// Coordinator: back to unconfirmed with the wrong codes forgotten (unlocks the record).
    ReopenConfirmation {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Coordinator: the hours by the phone's clock are right; credits the volunteer. Approving
    /// an approved record changes nothing (bulk approval may send it twice).
    ApproveService {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Coordinator: the hours are `minutes` instead, for `reason`.
    AdjustService {
        task: TaskId,
        volunteer: VolunteerId,
        minutes: i64,
        reason: String,
    },
    /// Coordinator: the hours do not count, for `reason`.
    RejectService {
        task: TaskId,
        volunteer: VolunteerId,
        reason: String,
    },
    /// Coordinator: a volunteer confirmed on the task never came.
    RecordNoShow {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Volunteer: give time-bank credits (hundredths) to another volunteer or a beneficiary of
    /// the same village; never more than the balance.
    TransferCredits {
        to: String,
        amount: i64,
        reason: String,
    },
    /// Volunteer: spend credits (hundredths) on a service for themselves or their family;
    /// never more than the balance.
    RedeemCredits { amount: i64, what: String },
}

impl Mutation {
    /// Every mutation name, as used on the wire.
    pub const NAMES: [&'static str; 25] = [
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
        "post_message",
        "set_card_code",
        "confirm_visit",
        "confirm_service",
        "dispute_service",
        "reopen_confirmation",
        "approve_service",
        "adjust_service",
        "reject_service",
        "record_no_show",
        "transfer_credits",
        "redeem_credits",
    ];

    /// The most items any list in a mutation's `args` may hold. The longest real list is a
    /// volunteer's availability exceptions or a day's time ranges (a few dozen at most); the
    /// limit keeps one pushed mutation from making the rules loop over a huge list (the
    /// overlap and eligibility checks are quadratic in places).
    pub const MAX_LIST_ITEMS: usize = 200;

    /// Reads a pushed mutation's `name` and `args`. The error text is fit to show a developer
    /// (it names the bad field or the limit); users see the rejection's code instead.
    pub fn from_wire(name: &str, args: Value) -> Result<Mutation, String> {
        if !Self::NAMES.contains(&name) {
            // Cut the echoed name short: it is the client's text, of any length.
            let shown: String = name.chars().take(64).collect();
            return Err(format!("unknown mutation {shown:?}"));
        }
        let longest = longest_list(&args);
        if longest > Self::MAX_LIST_ITEMS {
            return Err(format!(
                "a list of {longest} items in the arguments of {name} is longer than the limit \
                 of {} items",
                Self::MAX_LIST_ITEMS
            ));
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
            Mutation::PostMessage { .. } => "post_message",
            Mutation::SetCardCode { .. } => "set_card_code",
            Mutation::ConfirmVisit { .. } => "confirm_visit",
            Mutation::ConfirmService { .. } => "confirm_service",
            Mutation::DisputeService { .. } => "dispute_service",
            Mutation::ReopenConfirmation { .. } => "reopen_confirmation",
            Mutation::ApproveService { .. } => "approve_service",
            Mutation::AdjustService { .. } => "adjust_service",
            Mutation::RejectService { .. } => "reject_service",
            Mutation::RecordNoShow { .. } => "record_no_show",
            Mutation::TransferCredits { .. } => "transfer_credits",
            Mutation::RedeemCredits { .. } => "redeem_credits",
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

/// The length of the longest list anywhere in `value` (0 when there is none).
fn longest_list(value: &Value) -> usize {
    match value {
        Value::Array(items) => items
            .iter()
            .map(longest_list)
            .max()
            .unwrap_or(0)
            .max(items.len()),
        Value::Object(map) => map.values().map(longest_list).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_over_the_limit_is_refused_naming_the_limit() {
        let skills = |n: usize| vec![json!("first_aid"); n];
        let task = |n: usize| json!({"task": {"id": "t-1", "required_skills": skills(n)}});
        let over = Mutation::from_wire("create_task", task(Mutation::MAX_LIST_ITEMS + 1))
            .expect_err("over the limit");
        assert!(over.contains("limit of 200 items"), "{over}");
        assert!(over.contains("201"), "{over}");
        // At the limit the list itself passes (the task is still incomplete, so the error is
        // about a missing field, not the list).
        let at = Mutation::from_wire("create_task", task(Mutation::MAX_LIST_ITEMS))
            .expect_err("incomplete task");
        assert!(!at.contains("limit"), "{at}");
        // Nested lists count too.
        let long = vec![0; 300];
        let nested = json!({"task": {"deep": [long]}});
        let err = Mutation::from_wire("create_task", nested).expect_err("nested");
        assert!(err.contains("300 items"), "{err}");
    }

    #[test]
    fn an_unknown_name_is_echoed_short() {
        let name = "x".repeat(10_000);
        let err = Mutation::from_wire(&name, json!({})).expect_err("unknown");
        assert!(err.len() < 100, "{}", err.len());
    }
}

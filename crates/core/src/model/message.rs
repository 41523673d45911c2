//! A coordinator's notice: to everyone on a task ("bring a fan, it is 38 degrees") or to all
//! volunteers of the village ("training on Saturday at the service centre").

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::error::{Entity, ValidationError};
use super::ids::{MessageId, TaskId};

/// Who a message is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case", deny_unknown_fields)]
pub enum Audience {
    /// Every volunteer of the village.
    Village,
    /// Everyone signed up for the task (confirmed or waiting).
    Task { task: TaskId },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub id: MessageId,
    pub audience: Audience,
    pub text: String,
    /// When the coordinator wrote it, by their device's clock (village time).
    pub posted_at: NaiveDateTime,
}

impl Message {
    pub const MAX_CHARS: usize = 500;

    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::Message));
        }
        let chars = self.text.trim().chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(ValidationError::MessageLength {
                max: Self::MAX_CHARS,
            });
        }
        Ok(())
    }
}

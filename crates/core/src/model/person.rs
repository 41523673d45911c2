use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{Entity, ValidationError};

/// A spoken language or dialect (普通话, 本地方言, 粤语…). A free string rather than an enum
/// because every region has its own dialects and names them its own way.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// Standard Mandarin, understood by almost every volunteer.
    pub const MANDARIN: &'static str = "普通话";
    /// The village's own dialect, which many elders prefer or need.
    pub const LOCAL_DIALECT: &'static str = "本地方言";

    /// Wraps a language name (trimmed).
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into().trim().to_owned())
    }

    /// 普通话.
    pub fn mandarin() -> Self {
        Self::new(Self::MANDARIN)
    }

    /// 本地方言.
    pub fn local_dialect() -> Self {
        Self::new(Self::LOCAL_DIALECT)
    }

    /// The language name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rejects a blank name.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.0.trim().is_empty() {
            return Err(ValidationError::EmptyName(Entity::Language));
        }
        Ok(())
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Language {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

/// Recorded (optionally) because some elders ask for a volunteer of the same gender for
/// personal care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

/// True for numbers a coordinator could dial: an optional leading `+`, digits, and `-` or space
/// separators, with 7–15 digits in total (mobiles like `13812345678`, landlines like
/// `0571-88123456`).
pub fn is_plausible_phone(phone: &str) -> bool {
    let body = phone.trim();
    let body = body.strip_prefix('+').unwrap_or(body);
    let mut digits = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '-' | ' ' => {}
            _ => return false,
        }
    }
    (7..=15).contains(&digits)
}

pub(crate) fn check_phone(phone: &str) -> Result<(), ValidationError> {
    if is_plausible_phone(phone) {
        Ok(())
    } else {
        Err(ValidationError::InvalidPhone(phone.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_plausibility() {
        assert!(is_plausible_phone("13812345678"));
        assert!(is_plausible_phone("0571-88123456"));
        assert!(is_plausible_phone("+86 138 1234 5678"));
        assert!(!is_plausible_phone(""));
        assert!(!is_plausible_phone("12345"));
        assert!(!is_plausible_phone("138-abc-5678"));
        assert!(!is_plausible_phone("1234567890123456"));
        assert_eq!(
            check_phone("call me"),
            Err(ValidationError::InvalidPhone("call me".into()))
        );
    }

    #[test]
    fn language_validation() {
        assert_eq!(Language::mandarin().as_str(), "普通话");
        assert!(Language::new("粤语").validate().is_ok());
        assert_eq!(
            Language::new("   ").validate(),
            Err(ValidationError::EmptyName(Entity::Language))
        );
    }
}

//! The time bank's ledger, as plain data: approved service hours become credits, credits move
//! between family members of one village or pay for a service request, and every change is one
//! append-only [`LedgerLine`] saying who, what, when and why. A balance is never stored on its
//! own: it is always [`balance`], the sum of an account's lines.
//!
//! Amounts are integers in **hundredths of a credit** (1 credit = 100), so phone and server
//! add them up identically (no floating point). Each account's lines form a hash chain
//! (`prev` holds the previous line's [`LedgerLine::chain_hash`]); the server signs each line's
//! [`LedgerLine::signing_bytes`] with its village's Ed25519 key, and seals each exported
//! [`Statement`] as a whole ([`StatementSeal`]: how many lines, which was last, the balance), so
//! the statement can be checked by anyone holding the village's public key (`linli-server
//! verify`; format and canonical bytes: `docs/ledger.md`). Signing and verifying are
//! server-only: this crate has no cryptography beyond SHA-256, so it stays small in the phone's
//! wasm.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{TaskId, VolunteerId};

/// Hundredths in one credit: amounts are stored and signed in hundredths.
pub const HUNDREDTHS_PER_CREDIT: i64 = 100;

/// The default rate, 1 hour of approved service = 1 credit, in hundredths per hour.
/// A village may configure another; the rate used is visible in each credit's amount and minutes.
pub const DEFAULT_RATE_PER_HOUR_HUNDREDTHS: i64 = HUNDREDTHS_PER_CREDIT;

/// The first field of [`LedgerLine::signing_bytes`]: names the format and its version, so a
/// signature over a ledger line can never be mistaken for one over anything else the server
/// might sign later, and a future format gets a new tag instead of a silent reinterpretation.
pub const SIGNING_DOMAIN: &str = "linli-ledger-line/1";

/// The first field of [`StatementSeal::signing_bytes`]. Its own tag, not [`SIGNING_DOMAIN`]:
/// a seal's signature must never pass for a line's, nor a line's for a seal's.
pub const SEAL_SIGNING_DOMAIN: &str = "linli-ledger-seal/1";

/// One line of an account's ledger. Lines are only ever appended; a mistake is corrected by a
/// new line (a [`LedgerEntry::ServiceReversal`]), never by editing an old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// An audit document: a field that is neither signed nor checked must not ride along unnoticed.
#[serde(deny_unknown_fields)]
pub struct LedgerLine {
    /// Whose account: a volunteer id (`v-0001`) or a beneficiary id (`b-0001`).
    pub account: String,
    /// 1, 2, 3... per account, without gaps.
    pub seq: u64,
    /// Unix seconds, the server's clock when the line was stored.
    pub at: i64,
    /// Hundredths of a credit: positive is a credit, negative a debit.
    pub amount: i64,
    /// What happened.
    pub entry: LedgerEntry,
    /// Who caused it: the coordinator who approved, the account holder who transferred.
    pub by: String,
    /// Why, in the words of whoever caused it (may be empty).
    pub reason: String,
    /// Hex SHA-256 [`LedgerLine::chain_hash`] of this account's previous line; `""` for seq 1.
    pub prev: String,
    /// Base64 Ed25519 signature over [`LedgerLine::signing_bytes`] by the village's key;
    /// `None` until the server stores the line.
    #[serde(default)]
    pub signature: Option<String>,
}

/// What a ledger line records. Serialized with its `kind` beside its fields:
/// `{"kind": "transfer_out", "to": "b-0007"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LedgerEntry {
    /// Approved service: `minutes` of `task` by `volunteer`, credited at the village's rate.
    ServiceCredit {
        task: TaskId,
        volunteer: VolunteerId,
        minutes: i64,
    },
    /// Takes back an earlier [`LedgerEntry::ServiceCredit`] (an approval withdrawn).
    ServiceReversal {
        task: TaskId,
        volunteer: VolunteerId,
    },
    /// Credits given to another account of the same village (a family member).
    TransferOut { to: String },
    /// Credits received from another account of the same village.
    TransferIn { from: String },
    /// Credits spent on a service request.
    Redeem { what: String },
}

impl LedgerEntry {
    /// The serialized `kind`, also the entry's first field in the signing bytes.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEntry::ServiceCredit { .. } => "service_credit",
            LedgerEntry::ServiceReversal { .. } => "service_reversal",
            LedgerEntry::TransferOut { .. } => "transfer_out",
            LedgerEntry::TransferIn { .. } => "transfer_in",
            LedgerEntry::Redeem { .. } => "redeem",
        }
    }

    /// The sign an amount of this kind must have. Credits of zero minutes (and their reversal)
    /// are allowed; a transfer or redemption of nothing is not.
    fn amount_allowed(&self, amount: i64) -> bool {
        match self {
            LedgerEntry::ServiceCredit { .. } => amount >= 0,
            LedgerEntry::ServiceReversal { .. } => amount <= 0,
            LedgerEntry::TransferIn { .. } => amount > 0,
            LedgerEntry::TransferOut { .. } | LedgerEntry::Redeem { .. } => amount < 0,
        }
    }

    /// What the amount's sign must be, for error messages.
    fn amount_rule(&self) -> &'static str {
        match self {
            LedgerEntry::ServiceCredit { .. } => "zero or positive",
            LedgerEntry::ServiceReversal { .. } => "zero or negative",
            LedgerEntry::TransferIn { .. } => "positive",
            LedgerEntry::TransferOut { .. } | LedgerEntry::Redeem { .. } => "negative",
        }
    }
}

/// Why a ledger operation or line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A debit (transfer, redemption) must take something.
    #[error("a debit must be more than zero credits, not {}", format_credits(*amount))]
    NonPositiveAmount { amount: i64 },
    /// The debit would make the balance negative.
    #[error(
        "a debit of {} credits is more than the balance of {} credits",
        format_credits(*amount),
        format_credits(*balance)
    )]
    InsufficientCredits { balance: i64, amount: i64 },
    /// The amount's sign does not fit what the line says happened.
    #[error("a {kind} line's amount must be {rule}, not {}", format_credits(*amount))]
    WrongSign {
        kind: &'static str,
        rule: &'static str,
        amount: i64,
    },
    /// Lines are numbered from 1.
    #[error("a ledger line's seq starts at 1, not 0")]
    ZeroSeq,
    /// A transfer between an account and itself.
    #[error("a transfer must be between two different accounts, not {account} and itself")]
    SelfTransfer { account: String },
    /// Minutes of service cannot be negative.
    #[error("a service credit cannot be for {minutes} minutes")]
    NegativeMinutes { minutes: i64 },
    /// A sum left the range of `i64` (only a forged or corrupt ledger gets near it: 9·10^16
    /// credits).
    #[error("the sum of the amounts is out of range")]
    Overflow,
}

impl LedgerLine {
    /// The canonical bytes the village key signs: every field except `signature`, in a fixed
    /// order, each string as its UTF-8 length (u64, big-endian) then its bytes, each integer as
    /// 8 big-endian bytes (two's complement for signed ones). Length prefixes make the encoding
    /// unambiguous (no field can bleed into the next), and it needs no JSON canonicalisation,
    /// so an auditor can rebuild it in any language from `docs/ledger.md`:
    ///
    /// `str(SIGNING_DOMAIN) str(account) u64(seq) i64(at) i64(amount) entry str(by) str(reason) str(prev)`
    ///
    /// where `entry` is `str(kind)` followed by the entry's own fields in declaration order
    /// (`service_credit`: `str(task) str(volunteer) i64(minutes)`; `service_reversal`:
    /// `str(task) str(volunteer)`; `transfer_out`: `str(to)`; `transfer_in`: `str(from)`;
    /// `redeem`: `str(what)`).
    ///
    /// The village id is not a field: lines are signed with the village's own key, so a line
    /// moved to another village fails verification under that village's key.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.reason.len());
        put_str(&mut out, SIGNING_DOMAIN);
        put_str(&mut out, &self.account);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.to_be_bytes());
        out.extend_from_slice(&self.amount.to_be_bytes());
        put_str(&mut out, self.entry.kind());
        match &self.entry {
            LedgerEntry::ServiceCredit {
                task,
                volunteer,
                minutes,
            } => {
                put_str(&mut out, task.as_str());
                put_str(&mut out, volunteer.as_str());
                out.extend_from_slice(&minutes.to_be_bytes());
            }
            LedgerEntry::ServiceReversal { task, volunteer } => {
                put_str(&mut out, task.as_str());
                put_str(&mut out, volunteer.as_str());
            }
            LedgerEntry::TransferOut { to } => put_str(&mut out, to),
            LedgerEntry::TransferIn { from } => put_str(&mut out, from),
            LedgerEntry::Redeem { what } => put_str(&mut out, what),
        }
        put_str(&mut out, &self.by);
        put_str(&mut out, &self.reason);
        put_str(&mut out, &self.prev);
        out
    }

    /// What the next line of the account holds in `prev`: hex SHA-256 of
    /// `signing_bytes() ++ str(signature)` (the signature's base64 text, `""` when unsigned).
    /// Including the signature means the chain commits to the signed line exactly as stored.
    pub fn chain_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.signing_bytes());
        let mut tail = Vec::new();
        put_str(&mut tail, self.signature.as_deref().unwrap_or(""));
        hasher.update(tail);
        hex(&hasher.finalize())
    }

    /// Sets `seq` and `prev` so this line follows `previous` (the account's last line, `None`
    /// for its first). Clears any signature: the line's content changed.
    pub fn chain_after(&mut self, previous: Option<&LedgerLine>) {
        match previous {
            Some(previous) => {
                self.seq = previous.seq.saturating_add(1);
                self.prev = previous.chain_hash();
            }
            None => {
                self.seq = 1;
                self.prev = String::new();
            }
        }
        self.signature = None;
    }

    /// The rules a single line obeys whatever its neighbours: seq from 1, an amount whose sign
    /// fits the entry, no transfer to oneself, no negative minutes.
    pub fn check_shape(&self) -> Result<(), LedgerError> {
        if self.seq == 0 {
            return Err(LedgerError::ZeroSeq);
        }
        if !self.entry.amount_allowed(self.amount) {
            return Err(LedgerError::WrongSign {
                kind: self.entry.kind(),
                rule: self.entry.amount_rule(),
                amount: self.amount,
            });
        }
        match &self.entry {
            LedgerEntry::TransferOut { to: other } | LedgerEntry::TransferIn { from: other }
                if *other == self.account =>
            {
                Err(LedgerError::SelfTransfer {
                    account: self.account.clone(),
                })
            }
            LedgerEntry::ServiceCredit { minutes, .. } if *minutes < 0 => {
                Err(LedgerError::NegativeMinutes { minutes: *minutes })
            }
            _ => Ok(()),
        }
    }
}

/// A string field of the signing bytes: its UTF-8 length as a big-endian u64, then the bytes.
fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u64).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// An account's balance: the sum of its lines' amounts, always, never a stored number. Added
/// in 128 bits, so no order of lines can overflow midway; a total outside `i64` (only a forged
/// ledger: over 9·10^16 credits) saturates. [`checked_balance`] reports that instead.
pub fn balance(lines: &[LedgerLine]) -> i64 {
    let sum: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
    i64::try_from(sum).unwrap_or(if sum < 0 { i64::MIN } else { i64::MAX })
}

/// [`balance`], or [`LedgerError::Overflow`] when the total does not fit an `i64`.
pub fn checked_balance(lines: &[LedgerLine]) -> Result<i64, LedgerError> {
    let sum: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
    i64::try_from(sum).map_err(|_| LedgerError::Overflow)
}

/// The credit, in hundredths, for `minutes` of approved service at `rate_per_hour_hundredths`
/// (100 = 1 credit per hour, [`DEFAULT_RATE_PER_HOUR_HUNDREDTHS`]).
///
/// Rounding: to the nearest hundredth, halves up (`(minutes·rate + 30) / 60` in integers).
/// Each approval is then off by at most half a hundredth of a credit (at the default rate,
/// 0.3 seconds of service) and, unlike truncation, not always against the volunteer (flooring
/// would lose up to a hundredth on every approval, and 20 minutes would be worth 0.33 but 40
/// minutes only 0.66). Integer arithmetic, so the phone and the server agree to the hundredth;
/// the line keeps the minutes, so the amount can always be recomputed.
///
/// Zero or negative minutes or rate earn nothing (0); an absurdly large product saturates.
pub fn credits_for_minutes(minutes: i64, rate_per_hour_hundredths: i64) -> i64 {
    if minutes <= 0 || rate_per_hour_hundredths <= 0 {
        return 0;
    }
    let exact_times_60 = i128::from(minutes) * i128::from(rate_per_hour_hundredths);
    let rounded = (exact_times_60 + 30) / 60;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Whether a debit (a transfer out, a redemption) of `amount` hundredths may be taken from an
/// account holding `balance`: the amount must be positive and leave the balance at zero or above,
/// so a transfer never makes a balance negative.
pub fn check_debit(balance: i64, amount: i64) -> Result<(), LedgerError> {
    if amount <= 0 {
        return Err(LedgerError::NonPositiveAmount { amount });
    }
    match balance.checked_sub(amount) {
        Some(after) if after >= 0 => Ok(()),
        _ => Err(LedgerError::InsufficientCredits { balance, amount }),
    }
}

/// `1250` → `"12.50"`, `-5` → `"-0.05"`: hundredths as credits, for people and messages.
pub fn format_credits(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let magnitude = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// Reads an amount typed by a person, in credits with at most two decimals ("1", "1.5",
/// "0.25"), as hundredths; `None` for anything else (negative, three decimals, text, too large).
pub fn parse_credits(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (text.contains('.') && !digits(fraction)) || fraction.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    Some(whole * 100 + fraction)
}

/// An account's statement as exported by `GET /api/v1/ledger/{account}/statement` and read by
/// `linli-server verify`: every line of the account in seq order, the balance they add up to,
/// the public key they were signed with (an auditor checks that key against the village's
/// published one, `GET /api/v1/villages/{id}/key`), and the server's [`StatementSeal`] over
/// the whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub village_id: String,
    pub village_name: String,
    pub account: String,
    /// Base64 (standard, padded) of the village's 32-byte Ed25519 public key.
    pub public_key: String,
    pub lines: Vec<LedgerLine>,
    /// Hundredths of a credit; must equal the sum of `lines`.
    pub balance: i64,
    /// The server's signature over the statement as a whole, made when it was exported. Every
    /// statement the server exports has one; it is optional only so that statements exported
    /// before seals existed still read (they verify, with a warning that nothing shows no
    /// lines were cut off their end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<StatementSeal>,
}

impl Statement {
    /// The chain hash of the last line, `""` for a statement without lines: what a seal's
    /// `last_chain_hash` holds.
    pub fn last_chain_hash(&self) -> String {
        self.lines
            .last()
            .map(LedgerLine::chain_hash)
            .unwrap_or_default()
    }
}

/// What the server signs over a whole [`Statement`] when it exports it. The lines' own
/// signatures and chain show each line is genuine and none was removed, changed or moved in the
/// middle; only this shows none was cut off the *end*: it fixes how many lines there were, which
/// one was last and the balance, as of `issued_at`. It cannot show that no line was stored after
/// `issued_at`: a newer statement can have more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementSeal {
    /// Unix seconds, the server's clock when the statement was exported.
    pub issued_at: i64,
    /// How many lines the statement had.
    pub lines: u64,
    /// [`Statement::last_chain_hash`]: hex chain hash of the last line, `""` for none.
    pub last_chain_hash: String,
    /// Hundredths of a credit: the statement's balance.
    pub balance: i64,
    /// Base64 Ed25519 signature over [`StatementSeal::signing_bytes`] by the village's key.
    pub signature: String,
}

impl StatementSeal {
    /// The canonical bytes the village key signs for a seal on the statement of `account` in
    /// `village_id`, encoded like [`LedgerLine::signing_bytes`] (length-prefixed strings,
    /// 8-byte big-endian integers) and for the same reasons:
    ///
    /// `str(SEAL_SIGNING_DOMAIN) str(village_id) str(account) i64(issued_at) u64(lines)
    /// str(last_chain_hash) i64(balance)`
    ///
    /// Unlike a line's, these bytes name the village and the account: nothing else ties a seal
    /// to its statement (an empty account's seal, `lines` 0 and `last_chain_hash` `""`, would
    /// otherwise fit every empty account of the village), and it makes the statement's
    /// `village_id` a signed field.
    pub fn signing_bytes(&self, village_id: &str, account: &str) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(112 + village_id.len() + account.len() + self.last_chain_hash.len());
        put_str(&mut out, SEAL_SIGNING_DOMAIN);
        put_str(&mut out, village_id);
        put_str(&mut out, account);
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.lines.to_be_bytes());
        put_str(&mut out, &self.last_chain_hash);
        out.extend_from_slice(&self.balance.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(amount: i64, entry: LedgerEntry) -> LedgerLine {
        LedgerLine {
            account: "v-0001".into(),
            seq: 1,
            at: 1_780_000_000,
            amount,
            entry,
            by: "c-1".into(),
            reason: "探访王奶奶".into(),
            prev: String::new(),
            signature: None,
        }
    }

    fn credit(minutes: i64) -> LedgerEntry {
        LedgerEntry::ServiceCredit {
            task: TaskId::new("t-1"),
            volunteer: VolunteerId::new("v-0001"),
            minutes,
        }
    }

    #[test]
    fn serde_shape_is_tagged_snake_case_and_round_trips() {
        let l = line(
            -150,
            LedgerEntry::TransferOut {
                to: "b-0007".into(),
            },
        );
        let json = serde_json::to_value(&l).expect("serialize");
        assert_eq!(
            json["entry"],
            serde_json::json!({"kind": "transfer_out", "to": "b-0007"})
        );
        assert_eq!(json["signature"], serde_json::Value::Null);
        let back: LedgerLine = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, l);
        let credit_json = serde_json::to_value(credit(90)).expect("serialize");
        assert_eq!(
            credit_json,
            serde_json::json!({"kind": "service_credit", "task": "t-1", "volunteer": "v-0001", "minutes": 90})
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut json = serde_json::to_value(line(100, credit(60))).expect("serialize");
        json["note"] = serde_json::json!("unsigned extra");
        assert!(serde_json::from_value::<LedgerLine>(json).is_err());
        let entry = serde_json::json!({"kind": "redeem", "what": "理发", "extra": 1});
        assert!(serde_json::from_value::<LedgerEntry>(entry).is_err());
    }

    #[test]
    fn signing_bytes_cover_every_field_but_the_signature() {
        let base = line(100, credit(60));
        let bytes = base.signing_bytes();
        let mut signed = base.clone();
        signed.signature = Some("c2ln".into());
        assert_eq!(signed.signing_bytes(), bytes, "the signature is not signed");
        assert_ne!(signed.chain_hash(), base.chain_hash(), "but it is chained");
        let variants: Vec<LedgerLine> = vec![
            LedgerLine {
                account: "v-0002".into(),
                ..base.clone()
            },
            LedgerLine {
                seq: 2,
                ..base.clone()
            },
            LedgerLine {
                at: base.at + 1,
                ..base.clone()
            },
            LedgerLine {
                amount: 101,
                ..base.clone()
            },
            LedgerLine {
                entry: credit(61),
                ..base.clone()
            },
            LedgerLine {
                by: "c-2".into(),
                ..base.clone()
            },
            LedgerLine {
                reason: "探访王爷爷".into(),
                ..base.clone()
            },
            LedgerLine {
                prev: "00".into(),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.signing_bytes(), bytes, "{v:?}");
        }
    }

    #[test]
    fn length_prefixes_keep_adjacent_fields_apart() {
        // Without them, moving text from `by` into `reason` would give the same bytes.
        let a = LedgerLine {
            by: "c-1x".into(),
            reason: "y".into(),
            ..line(100, credit(60))
        };
        let b = LedgerLine {
            by: "c-1".into(),
            reason: "xy".into(),
            ..line(100, credit(60))
        };
        assert_ne!(a.signing_bytes(), b.signing_bytes());
    }

    #[test]
    fn signing_bytes_are_the_documented_layout() {
        let l = LedgerLine {
            account: "b-1".into(),
            seq: 2,
            at: -1,
            amount: -5,
            entry: LedgerEntry::Redeem { what: "x".into() },
            by: "b".into(),
            reason: String::new(),
            prev: "ab".into(),
            signature: Some("ignored".into()),
        };
        let str_field = |out: &mut Vec<u8>, text: &str| {
            out.extend_from_slice(&(text.len() as u64).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        };
        let mut expected = Vec::new();
        str_field(&mut expected, "linli-ledger-line/1");
        str_field(&mut expected, "b-1");
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&(-1i64).to_be_bytes());
        expected.extend_from_slice(&(-5i64).to_be_bytes());
        for text in ["redeem", "x", "b", "", "ab"] {
            str_field(&mut expected, text);
        }
        assert_eq!(l.signing_bytes(), expected);
    }

    fn seal() -> StatementSeal {
        StatementSeal {
            issued_at: -2,
            lines: 3,
            last_chain_hash: "cd".into(),
            balance: -7,
            signature: "ignored".into(),
        }
    }

    /// Pinned like the line's: an auditor rebuilds these bytes from `docs/ledger.md`.
    #[test]
    fn seal_signing_bytes_are_the_documented_layout() {
        let str_field = |out: &mut Vec<u8>, text: &str| {
            out.extend_from_slice(&(text.len() as u64).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        };
        let mut expected = Vec::new();
        str_field(&mut expected, "linli-ledger-seal/1");
        str_field(&mut expected, "vil-1");
        str_field(&mut expected, "b-1");
        expected.extend_from_slice(&(-2i64).to_be_bytes());
        expected.extend_from_slice(&3u64.to_be_bytes());
        str_field(&mut expected, "cd");
        expected.extend_from_slice(&(-7i64).to_be_bytes());
        assert_eq!(seal().signing_bytes("vil-1", "b-1"), expected);
        assert_eq!(expected.len(), 8 + 19 + 8 + 5 + 8 + 3 + 8 + 8 + 8 + 2 + 8);
    }

    #[test]
    fn seal_signing_bytes_cover_every_field_but_the_signature() {
        let base = seal();
        let bytes = base.signing_bytes("vil-1", "b-1");
        let resigned = StatementSeal {
            signature: "other".into(),
            ..base.clone()
        };
        assert_eq!(resigned.signing_bytes("vil-1", "b-1"), bytes);
        assert_ne!(base.signing_bytes("vil-2", "b-1"), bytes, "village");
        assert_ne!(base.signing_bytes("vil-1", "b-2"), bytes, "account");
        // The length prefixes keep the village and the account apart.
        assert_ne!(base.signing_bytes("vil-1b", "-1"), bytes);
        let variants = [
            StatementSeal {
                issued_at: -1,
                ..base.clone()
            },
            StatementSeal {
                lines: 2,
                ..base.clone()
            },
            StatementSeal {
                last_chain_hash: "ce".into(),
                ..base.clone()
            },
            StatementSeal {
                balance: -6,
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.signing_bytes("vil-1", "b-1"), bytes, "{v:?}");
        }
        // A line's bytes never start like a seal's: each names its own format first.
        assert_ne!(SEAL_SIGNING_DOMAIN, SIGNING_DOMAIN);
    }

    #[test]
    fn a_statement_without_a_seal_reads_and_writes_without_one() {
        let statement = Statement {
            village_id: "vil-1".into(),
            village_name: "示范村".into(),
            account: "v-0001".into(),
            public_key: "k".into(),
            lines: vec![line(100, credit(60))],
            balance: 100,
            seal: None,
        };
        let json = serde_json::to_value(&statement).expect("serialize");
        assert!(json.get("seal").is_none(), "{json}");
        let back: Statement = serde_json::from_value(json.clone()).expect("old file");
        assert_eq!(back, statement);
        assert_eq!(statement.last_chain_hash(), statement.lines[0].chain_hash());
        let empty = Statement {
            lines: Vec::new(),
            ..statement.clone()
        };
        assert_eq!(empty.last_chain_hash(), "");
        // Sealed, the seal round-trips; an unknown field in it is refused like anywhere else.
        let sealed = Statement {
            seal: Some(seal()),
            ..statement
        };
        let mut json = serde_json::to_value(&sealed).expect("serialize");
        assert_eq!(json["seal"]["lines"], 3);
        assert_eq!(
            serde_json::from_value::<Statement>(json.clone()).expect("sealed"),
            sealed
        );
        json["seal"]["note"] = serde_json::json!("unsigned extra");
        assert!(serde_json::from_value::<Statement>(json).is_err());
    }

    #[test]
    fn chain_hash_is_hex_sha256_and_chain_after_links() {
        let first = line(100, credit(60));
        let hash = first.chain_hash();
        assert_eq!(hash.len(), 64);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        let mut second = line(
            -50,
            LedgerEntry::Redeem {
                what: "理发".into(),
            },
        );
        second.signature = Some("stale".into());
        second.chain_after(Some(&first));
        assert_eq!((second.seq, second.prev.as_str()), (2, hash.as_str()));
        assert_eq!(second.signature, None);
        second.chain_after(None);
        assert_eq!((second.seq, second.prev.as_str()), (1, ""));
    }

    #[test]
    fn credits_round_to_the_nearest_hundredth_halves_up() {
        let r = DEFAULT_RATE_PER_HOUR_HUNDREDTHS;
        assert_eq!(credits_for_minutes(60, r), 100);
        assert_eq!(credits_for_minutes(90, r), 150);
        assert_eq!(credits_for_minutes(20, r), 33);
        assert_eq!(credits_for_minutes(40, r), 67);
        // 0.3 minutes would be exactly half a hundredth at this rate: 9 minutes at rate 10
        // is 1.5 hundredths, rounded up to 2.
        assert_eq!(credits_for_minutes(9, 10), 2);
        assert_eq!(credits_for_minutes(60, 150), 150);
        assert_eq!(credits_for_minutes(0, r), 0);
        assert_eq!(credits_for_minutes(-30, r), 0);
        assert_eq!(credits_for_minutes(30, 0), 0);
        assert_eq!(credits_for_minutes(i64::MAX, i64::MAX), i64::MAX);
    }

    #[test]
    fn debits_must_be_positive_and_covered() {
        assert_eq!(check_debit(100, 100), Ok(()));
        assert_eq!(
            check_debit(100, 101),
            Err(LedgerError::InsufficientCredits {
                balance: 100,
                amount: 101
            })
        );
        assert_eq!(
            check_debit(100, 0),
            Err(LedgerError::NonPositiveAmount { amount: 0 })
        );
        assert!(check_debit(100, -5).is_err());
        assert!(check_debit(i64::MIN, 1).is_err(), "no overflow panic");
        assert!(check_debit(-1, 1).is_err());
        assert_eq!(
            check_debit(250, 300).map_err(|e| e.to_string()),
            Err("a debit of 3.00 credits is more than the balance of 2.50 credits".into())
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(line(100, credit(60)).check_shape(), Ok(()));
        assert_eq!(line(0, credit(0)).check_shape(), Ok(()));
        assert!(matches!(
            line(-100, credit(60)).check_shape(),
            Err(LedgerError::WrongSign { .. })
        ));
        assert!(matches!(
            line(0, credit(-1)).check_shape(),
            Err(LedgerError::NegativeMinutes { .. })
        ));
        let out = |to: &str, amount| line(amount, LedgerEntry::TransferOut { to: to.to_owned() });
        assert_eq!(out("b-1", -1).check_shape(), Ok(()));
        assert!(out("b-1", 1).check_shape().is_err());
        assert!(matches!(
            out("v-0001", -1).check_shape(),
            Err(LedgerError::SelfTransfer { .. })
        ));
        let zero = LedgerLine {
            seq: 0,
            ..line(100, credit(60))
        };
        assert_eq!(zero.check_shape(), Err(LedgerError::ZeroSeq));
    }

    #[test]
    fn credits_are_formatted_with_two_decimals() {
        assert_eq!(format_credits(1250), "12.50");
        assert_eq!(format_credits(5), "0.05");
        assert_eq!(format_credits(-5), "-0.05");
        assert_eq!(format_credits(0), "0.00");
        assert_eq!(format_credits(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn extreme_balances_saturate_or_report() {
        let lines = vec![line(i64::MAX, credit(1)), line(i64::MAX, credit(1))];
        assert_eq!(balance(&lines), i64::MAX);
        assert_eq!(checked_balance(&lines), Err(LedgerError::Overflow));
        // Overflow midway is not an overflow of the total.
        let lines = vec![
            line(i64::MAX, credit(1)),
            line(1, credit(1)),
            line(-1, credit(1)),
        ];
        assert_eq!(balance(&lines), i64::MAX);
        assert_eq!(checked_balance(&lines), Ok(i64::MAX));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn line_with(amount: i64) -> LedgerLine {
        LedgerLine {
            account: "v-0001".into(),
            seq: 1,
            at: 0,
            amount,
            entry: LedgerEntry::Redeem { what: "x".into() },
            by: "v-0001".into(),
            reason: String::new(),
            prev: String::new(),
            signature: None,
        }
    }

    /// A step of an account's life: a credit, or an attempted debit.
    #[derive(Debug, Clone)]
    enum Step {
        Credit(i64),
        Debit(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0i64..1_000_000).prop_map(Step::Credit),
            (-1_000i64..2_000_000).prop_map(Step::Debit),
            any::<i64>().prop_map(Step::Debit),
        ]
    }

    proptest! {
        #[test]
        fn balance_is_the_sum_of_the_lines(amounts in prop::collection::vec(-(1i64 << 40)..(1i64 << 40), 0..200)) {
            let lines: Vec<LedgerLine> = amounts.iter().map(|&a| line_with(a)).collect();
            let sum: i64 = amounts.iter().sum();
            prop_assert_eq!(balance(&lines), sum);
            prop_assert_eq!(checked_balance(&lines), Ok(sum));
            // Any order of the same lines has the same balance.
            let mut reversed = lines.clone();
            reversed.reverse();
            prop_assert_eq!(balance(&reversed), sum);
        }

        #[test]
        fn balance_of_any_amounts_is_the_exact_sum_when_it_fits(amounts in prop::collection::vec(any::<i64>(), 0..50)) {
            let lines: Vec<LedgerLine> = amounts.iter().map(|&a| line_with(a)).collect();
            let exact: i128 = amounts.iter().map(|&a| i128::from(a)).sum();
            match i64::try_from(exact) {
                Ok(sum) => {
                    prop_assert_eq!(balance(&lines), sum);
                    prop_assert_eq!(checked_balance(&lines), Ok(sum));
                }
                Err(_) => {
                    prop_assert_eq!(balance(&lines), if exact < 0 { i64::MIN } else { i64::MAX });
                    prop_assert_eq!(checked_balance(&lines), Err(LedgerError::Overflow));
                }
            }
        }

        #[test]
        fn debits_checked_by_check_debit_never_make_a_balance_negative(steps in prop::collection::vec(step(), 0..200)) {
            let mut lines: Vec<LedgerLine> = Vec::new();
            for step in steps {
                let current = balance(&lines);
                match step {
                    Step::Credit(amount) => lines.push(line_with(amount)),
                    Step::Debit(amount) => {
                        let verdict = check_debit(current, amount);
                        // Refused exactly when it is not a positive amount within the balance.
                        prop_assert_eq!(verdict.is_ok(), amount > 0 && amount <= current);
                        if verdict.is_ok() {
                            lines.push(line_with(-amount));
                        }
                    }
                }
                prop_assert!(balance(&lines) >= 0, "balance {} after {:?}", balance(&lines), lines.last());
            }
            // And the running balance never dipped, line by line.
            let mut running = 0i64;
            for l in &lines {
                running += l.amount;
                prop_assert!(running >= 0);
            }
        }

        #[test]
        fn credits_are_within_half_a_hundredth_and_monotone(minutes in 0i64..100_000, rate in 1i64..10_000) {
            let credit = credits_for_minutes(minutes, rate);
            // |credit - minutes*rate/60| <= 1/2, in sixtieths: |60*credit - minutes*rate| <= 30.
            let error = 60 * i128::from(credit) - i128::from(minutes) * i128::from(rate);
            // Halves up: 60·credit lies in (exact − 30, exact + 30].
            prop_assert!((-29..=30).contains(&error), "{}", error);
            prop_assert!(credits_for_minutes(minutes + 1, rate) >= credit);
        }
    }

    #[test]
    fn amounts_are_read_as_people_type_them() {
        assert_eq!(parse_credits("1"), Some(100));
        assert_eq!(parse_credits(" 1.5 "), Some(150));
        assert_eq!(parse_credits("0.25"), Some(25));
        assert_eq!(parse_credits("12.05"), Some(1205));
        for bad in [
            "",
            "-1",
            "1.234",
            "1.",
            ".5",
            "abc",
            "1,5",
            "1e3",
            "9999999999",
        ] {
            assert_eq!(parse_credits(bad), None, "{bad:?}");
        }
    }
}

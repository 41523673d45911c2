//! Ed25519 signatures over the time bank's ledger lines and exported statements' seals, one key
//! per village, and the check of an exported statement that `linli-server verify` runs. The
//! canonical bytes and the hash chain are core's ([`linli_core::ledger`]); only the
//! cryptography is here, so the phones' wasm never carries it. Format and procedure for
//! auditors: `docs/ledger.md`.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use linli_core::ledger::{format_credits, LedgerError, LedgerLine, Statement, StatementSeal};

/// The algorithm's name as `GET /api/v1/villages/{id}/key` reports it.
pub const ALGORITHM: &str = "ed25519";

/// A village's signing key. The secret never leaves this type except to be stored
/// (`storage/keys.rs`); `Debug` shows only the village and the public key, so a log line or
/// a panic message cannot leak it. `ed25519-dalek` wipes the secret from memory on drop.
pub struct VillageKey {
    village: String,
    key: SigningKey,
}

impl fmt::Debug for VillageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VillageKey")
            .field("village", &self.village)
            .field("public_key", &self.public_key_base64())
            .finish_non_exhaustive()
    }
}

/// Why a key could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("a stored Ed25519 secret key must be 32 bytes, not {0}")]
    SecretLength(usize),
}

impl VillageKey {
    /// A new random key not yet tied to a village (tests, tools). Panics only if the operating
    /// system's random source fails, as `rand::thread_rng` would; the server makes its keys
    /// with [`VillageKey::generate_for`], which reports that instead.
    pub fn generate() -> Self {
        match Self::generate_for("") {
            Ok(key) => key,
            Err(err) => panic!("cannot generate a signing key: {err}"),
        }
    }

    /// A new random key for `village`, from the operating system's random source (the same
    /// `getrandom` the server's tokens come from).
    pub fn generate_for(village: &str) -> Result<Self, SigningError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| SigningError::Random(e.to_string()))?;
        let key = Self::from_secret(village, &secret);
        // The copy on the stack: SigningKey wipes its own.
        secret.fill(0);
        key
    }

    /// The key of `village` from its stored 32-byte secret.
    pub fn from_secret(village: &str, secret: &[u8]) -> Result<Self, SigningError> {
        let bytes: &[u8; 32] = secret
            .try_into()
            .map_err(|_| SigningError::SecretLength(secret.len()))?;
        Ok(VillageKey {
            village: village.to_owned(),
            key: SigningKey::from_bytes(bytes),
        })
    }

    /// The 32 secret bytes, for storing them (only `storage/keys.rs` calls this).
    pub(crate) fn secret_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The village this key signs for (`""` for [`VillageKey::generate`]'s).
    pub fn village(&self) -> &str {
        &self.village
    }

    /// The public key, 32 bytes in standard base64 with padding: what the key endpoint
    /// publishes and a statement carries.
    pub fn public_key_base64(&self) -> String {
        BASE64.encode(self.key.verifying_key().as_bytes())
    }
}

/// Signs `line` with the village's key: fills `signature` with the base64 Ed25519 signature of
/// [`LedgerLine::signing_bytes`]. Call it after `seq` and `prev` are set, and before the next
/// line's `prev` is computed (the chain hash covers the signature).
pub fn sign_line(key: &VillageKey, line: &mut LedgerLine) {
    let signature = key.key.sign(&line.signing_bytes());
    line.signature = Some(BASE64.encode(signature.to_bytes()));
}

/// Seals `statement` as it stands (its lines and `balance`, as of `issued_at`, the server's
/// clock): sets `seal` to a [`StatementSeal`] signed with the village's key over
/// [`StatementSeal::signing_bytes`]. Call it last, on exactly what is returned: any later
/// change to the lines, the balance, `village_id` or `account` breaks the seal.
pub fn seal_statement(key: &VillageKey, statement: &mut Statement, issued_at: i64) {
    let mut seal = StatementSeal {
        issued_at,
        lines: statement.lines.len() as u64,
        last_chain_hash: statement.last_chain_hash(),
        balance: statement.balance,
        signature: String::new(),
    };
    let signature = key
        .key
        .sign(&seal.signing_bytes(&statement.village_id, &statement.account));
    seal.signature = BASE64.encode(signature.to_bytes());
    statement.seal = Some(seal);
}

/// What `verify` warns about a statement without a seal (exported before seals existed, or with
/// its seal stripped): valid line by line, but nothing shows it is complete.
pub const UNSEALED_WARNING: &str = "the statement has no seal, so nothing shows that no lines \
     were cut off its end: a truncated statement with its balance lowered to match looks like a \
     genuine older one. Statements exported before seals existed have none; fetch a fresh, \
     sealed one from the village and compare.";

/// A statement that passed [`verify_statement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStatement {
    pub village_id: String,
    pub village_name: String,
    pub account: String,
    /// Number of lines (0 for an account that never had one).
    pub lines: usize,
    /// Hundredths of a credit: the sum of the lines, equal to the statement's `balance`.
    pub balance: i64,
    /// The key the signatures were checked with (base64).
    pub public_key: String,
    /// The seal's `issued_at` (Unix seconds, the server's clock): the statement was complete
    /// then. `None`: the statement has no seal ([`VerifiedStatement::completeness_warning`]).
    pub sealed_at: Option<i64>,
}

impl VerifiedStatement {
    /// [`UNSEALED_WARNING`] for a statement without a seal, `None` for a sealed one. A warning,
    /// not a failure: statements exported before seals existed must keep verifying.
    pub fn completeness_warning(&self) -> Option<&'static str> {
        match self.sealed_at {
            Some(_) => None,
            None => Some(UNSEALED_WARNING),
        }
    }
}

/// Why a statement is not valid. Lines are named by their position in the statement's
/// `lines` (1-based, `line N`) and by the seq they claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a ledger statement: {0}")]
    Parse(String),
    #[error("the public key to check against is not a base64 Ed25519 public key: {0}")]
    BadKey(String),
    #[error("the statement's own public_key is not a base64 Ed25519 public key: {0}")]
    BadStatementKey(String),
    #[error(
        "the statement says it was signed with key {in_statement}, not with the key it is \
         checked against ({given}): it is not this village's statement"
    )]
    KeyMismatch { given: String, in_statement: String },
    #[error(
        "line {index} (seq {seq}) belongs to account {found:?}, not to the statement's \
         account {expected:?}"
    )]
    WrongAccount {
        index: usize,
        seq: u64,
        expected: String,
        found: String,
    },
    #[error(
        "line {index} has seq {found} where seq {expected} was expected: a line is missing, \
         repeated or out of order"
    )]
    SeqMismatch {
        index: usize,
        expected: u64,
        found: u64,
    },
    #[error(
        "line {index} (seq {seq}): prev is {found:?} but the line before it hashes to \
         {expected:?}: the chain is broken"
    )]
    BrokenChain {
        index: usize,
        seq: u64,
        expected: String,
        found: String,
    },
    #[error("line {index} (seq {seq}) has no signature")]
    MissingSignature { index: usize, seq: u64 },
    #[error("line {index} (seq {seq}): the signature is not 64 bytes of base64")]
    MalformedSignature { index: usize, seq: u64 },
    #[error(
        "line {index} (seq {seq}): the signature does not match the line under this key: the \
         line was altered after signing, or signed with another key"
    )]
    BadSignature { index: usize, seq: u64 },
    #[error("line {index} (seq {seq}): {source}")]
    BadLine {
        index: usize,
        seq: u64,
        source: LedgerError,
    },
    #[error(
        "line {index} (seq {seq}) takes the running balance to {} credits: a debit larger than \
         the balance",
        format_credits(*balance)
    )]
    NegativeBalance {
        index: usize,
        seq: u64,
        balance: i64,
    },
    #[error("line {index} (seq {seq}): the running balance is out of range")]
    Overflow { index: usize, seq: u64 },
    #[error(
        "the statement's balance is {} credits but its lines add up to {} credits",
        format_credits(*stated),
        format_credits(*computed)
    )]
    BalanceMismatch { stated: i64, computed: i64 },
    #[error("the seal's signature is not 64 bytes of base64")]
    MalformedSealSignature,
    #[error(
        "the seal's signature does not match under this key: the seal was altered (issued_at, \
         lines, last_chain_hash or balance), was issued for another account or village, or was \
         signed with another key"
    )]
    BadSealSignature,
    #[error(
        "the seal says the statement had {sealed} lines when it was issued, but it has {found}: \
         {}",
        if found < sealed {
            "lines were cut off its end"
        } else {
            "lines were added after it was sealed"
        }
    )]
    SealLineCount { sealed: u64, found: u64 },
    #[error(
        "the seal's last_chain_hash is {sealed:?} but the statement's last line hashes to \
         {found:?}: its last line is not the one that was sealed"
    )]
    SealLastLine { sealed: String, found: String },
    #[error(
        "the seal says a balance of {} credits but the statement's lines add up to {} credits",
        format_credits(*sealed),
        format_credits(*computed)
    )]
    SealBalance { sealed: i64, computed: i64 },
}

/// Reads a statement file's bytes (JSON as the statement endpoint returns it). Fields the
/// format does not have are refused: nothing unsigned and unchecked rides along.
pub fn parse_statement(bytes: &[u8]) -> Result<Statement, VerifyError> {
    serde_json::from_slice(bytes).map_err(|e| VerifyError::Parse(e.to_string()))
}

fn decode_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|e| format!("{text:?} is not base64 ({e})"))?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("{} bytes, not 32", bytes.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a point of the curve".to_owned())
}

/// Checks `statement` against the village's public key (base64): the statement names that
/// key; its lines are all of `statement.account`, numbered 1..n without gap, each `prev` the
/// previous line's chain hash, each signature valid under that key (strict Ed25519: no
/// malleable signatures, no weak keys), each line's amount of the right sign for its kind;
/// the running balance never goes below zero; and the `balance` field is the sum of the lines.
/// Then, if the statement has a seal: its signature is valid under the same key (over the
/// statement's `village_id` and `account`), and it counts the same number of lines, names the
/// same last line and the same balance. The first failure is returned, naming the line or the
/// seal.
///
/// The line checks come first: a tampered line is reported as such, not as a broken seal.
/// Without a seal, lines cut off the *end* cannot be told from a genuine older statement: the
/// statement still verifies, and [`VerifiedStatement::completeness_warning`] says so.
pub fn verify_statement(
    statement: &Statement,
    public_key_base64: &str,
) -> Result<VerifiedStatement, VerifyError> {
    let key = decode_public_key(public_key_base64).map_err(VerifyError::BadKey)?;
    let named = decode_public_key(&statement.public_key).map_err(VerifyError::BadStatementKey)?;
    if named != key {
        return Err(VerifyError::KeyMismatch {
            given: public_key_base64.trim().to_owned(),
            in_statement: statement.public_key.clone(),
        });
    }
    let mut running: i64 = 0;
    let mut previous: Option<&LedgerLine> = None;
    for (position, line) in statement.lines.iter().enumerate() {
        let index = position + 1;
        let seq = line.seq;
        if line.account != statement.account {
            return Err(VerifyError::WrongAccount {
                index,
                seq,
                expected: statement.account.clone(),
                found: line.account.clone(),
            });
        }
        let expected_seq = index as u64;
        if seq != expected_seq {
            return Err(VerifyError::SeqMismatch {
                index,
                expected: expected_seq,
                found: seq,
            });
        }
        let expected_prev = previous.map(LedgerLine::chain_hash).unwrap_or_default();
        if line.prev != expected_prev {
            return Err(VerifyError::BrokenChain {
                index,
                seq,
                expected: expected_prev,
                found: line.prev.clone(),
            });
        }
        check_signature(&key, line, index)?;
        line.check_shape()
            .map_err(|source| VerifyError::BadLine { index, seq, source })?;
        running = running
            .checked_add(line.amount)
            .ok_or(VerifyError::Overflow { index, seq })?;
        if running < 0 {
            return Err(VerifyError::NegativeBalance {
                index,
                seq,
                balance: running,
            });
        }
        previous = Some(line);
    }
    if statement.balance != running {
        return Err(VerifyError::BalanceMismatch {
            stated: statement.balance,
            computed: running,
        });
    }
    if let Some(seal) = &statement.seal {
        check_seal(&key, statement, seal, running)?;
    }
    Ok(VerifiedStatement {
        village_id: statement.village_id.clone(),
        village_name: statement.village_name.clone(),
        account: statement.account.clone(),
        lines: statement.lines.len(),
        balance: running,
        public_key: BASE64.encode(key.as_bytes()),
        sealed_at: statement.seal.as_ref().map(|seal| seal.issued_at),
    })
}

/// The seal's signature first: once it is genuine, a count, last line or balance that differs
/// from the statement's means the statement changed after sealing, and the message can say how.
fn check_seal(
    key: &VerifyingKey,
    statement: &Statement,
    seal: &StatementSeal,
    computed_balance: i64,
) -> Result<(), VerifyError> {
    let bytes = BASE64
        .decode(seal.signature.trim())
        .map_err(|_| VerifyError::MalformedSealSignature)?;
    let bytes: [u8; 64] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VerifyError::MalformedSealSignature)?;
    key.verify_strict(
        &seal.signing_bytes(&statement.village_id, &statement.account),
        &Signature::from_bytes(&bytes),
    )
    .map_err(|_| VerifyError::BadSealSignature)?;
    let found = statement.lines.len() as u64;
    if seal.lines != found {
        return Err(VerifyError::SealLineCount {
            sealed: seal.lines,
            found,
        });
    }
    let last = statement.last_chain_hash();
    if seal.last_chain_hash != last {
        return Err(VerifyError::SealLastLine {
            sealed: seal.last_chain_hash.clone(),
            found: last,
        });
    }
    if seal.balance != computed_balance {
        return Err(VerifyError::SealBalance {
            sealed: seal.balance,
            computed: computed_balance,
        });
    }
    Ok(())
}

/// Unix seconds as a UTC date and time, `2026-05-28 20:26:40 UTC`, for `verify`'s output of a
/// seal's `issued_at`. Written out (days to civil date, H. Hinnant's algorithm) rather than
/// pulling a date crate into the server for one line; proleptic Gregorian, any `i64`.
pub fn format_unix_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Days since 0000-03-01, so that the leap day is the last day of a "year".
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

fn check_signature(key: &VerifyingKey, line: &LedgerLine, index: usize) -> Result<(), VerifyError> {
    let seq = line.seq;
    let text = line
        .signature
        .as_deref()
        .ok_or(VerifyError::MissingSignature { index, seq })?;
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|_| VerifyError::MalformedSignature { index, seq })?;
    let bytes: [u8; 64] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VerifyError::MalformedSignature { index, seq })?;
    key.verify_strict(&line.signing_bytes(), &Signature::from_bytes(&bytes))
        .map_err(|_| VerifyError::BadSignature { index, seq })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::ledger::{credits_for_minutes, LedgerEntry, DEFAULT_RATE_PER_HOUR_HUNDREDTHS};
    use linli_core::{TaskId, VolunteerId};

    fn draft(account: &str, amount: i64, entry: LedgerEntry, reason: &str) -> LedgerLine {
        LedgerLine {
            account: account.to_owned(),
            seq: 0,
            at: 1_780_000_000,
            amount,
            entry,
            by: "c-1".to_owned(),
            reason: reason.to_owned(),
            prev: String::new(),
            signature: None,
        }
    }

    fn credit(account: &str, task: &str, minutes: i64) -> LedgerLine {
        draft(
            account,
            credits_for_minutes(minutes, DEFAULT_RATE_PER_HOUR_HUNDREDTHS),
            LedgerEntry::ServiceCredit {
                task: TaskId::new(task),
                volunteer: VolunteerId::new(account),
                minutes,
            },
            "探访",
        )
    }

    /// Chains and signs `drafts` as the server stores them.
    fn chain(key: &VillageKey, drafts: Vec<LedgerLine>) -> Vec<LedgerLine> {
        let mut lines: Vec<LedgerLine> = Vec::new();
        for mut line in drafts {
            line.chain_after(lines.last());
            sign_line(key, &mut line);
            lines.push(line);
        }
        lines
    }

    fn statement(key: &VillageKey, account: &str, lines: Vec<LedgerLine>) -> Statement {
        Statement {
            village_id: "vil-1".into(),
            village_name: "示范村".into(),
            account: account.into(),
            public_key: key.public_key_base64(),
            balance: linli_core::ledger::balance(&lines),
            lines,
            seal: None,
        }
    }

    /// When [`good`]'s statement is sealed.
    const ISSUED_AT: i64 = 1_780_100_000;

    /// v-0001: +1.50, +1.00, −0.50 to b-0007, −1.00 redeemed: 1.00 left. Sealed, as the server
    /// exports it; the tests of single lines show that a line's fault is reported before the
    /// seal's.
    fn good(key: &VillageKey) -> Statement {
        let lines = chain(
            key,
            vec![
                credit("v-0001", "t-1", 90),
                credit("v-0001", "t-2", 60),
                draft(
                    "v-0001",
                    -50,
                    LedgerEntry::TransferOut {
                        to: "b-0007".into(),
                    },
                    "给奶奶",
                ),
                draft(
                    "v-0001",
                    -100,
                    LedgerEntry::Redeem {
                        what: "理发".into(),
                    },
                    "",
                ),
            ],
        );
        let mut s = statement(key, "v-0001", lines);
        seal_statement(key, &mut s, ISSUED_AT);
        s
    }

    fn check(statement: &Statement, key: &VillageKey) -> Result<VerifiedStatement, VerifyError> {
        verify_statement(statement, &key.public_key_base64())
    }

    #[test]
    fn a_signed_chain_verifies() {
        let key = VillageKey::generate();
        let good = good(&key);
        let verified = check(&good, &key).expect("valid");
        assert_eq!(
            (verified.account.as_str(), verified.lines, verified.balance),
            ("v-0001", 4, 100)
        );
        // Through JSON, as a file would carry it.
        let json = serde_json::to_vec(&good).expect("json");
        let read = parse_statement(&json).expect("parse");
        assert_eq!(check(&read, &key), Ok(verified));
        // An account without lines has balance 0.
        let empty = statement(&key, "b-0009", Vec::new());
        assert_eq!(check(&empty, &key).map(|v| v.balance), Ok(0));
    }

    #[test]
    fn a_sealed_statement_verifies_and_says_when_it_was_complete() {
        let key = VillageKey::generate();
        let good = good(&key);
        let seal = good.seal.clone().expect("sealed");
        assert_eq!(
            (seal.issued_at, seal.lines, seal.balance),
            (ISSUED_AT, 4, 100)
        );
        assert_eq!(seal.last_chain_hash, good.lines[3].chain_hash());
        let verified = check(&good, &key).expect("valid");
        assert_eq!(verified.sealed_at, Some(ISSUED_AT));
        assert_eq!(verified.completeness_warning(), None);
        let json = serde_json::to_vec(&good).expect("json");
        assert_eq!(
            check(&parse_statement(&json).expect("parse"), &key),
            Ok(verified)
        );
        // An account without lines is sealed too: "" as its last line's hash.
        let mut empty = statement(&key, "b-0009", Vec::new());
        seal_statement(&key, &mut empty, ISSUED_AT);
        assert_eq!(
            empty.seal.as_ref().map(|s| s.last_chain_hash.as_str()),
            Some("")
        );
        assert_eq!(
            check(&empty, &key).map(|v| v.sealed_at),
            Ok(Some(ISSUED_AT))
        );
    }

    #[test]
    fn lines_cut_off_the_end_fail_at_the_seal() {
        let key = VillageKey::generate();
        // The latest credit cut off and the balance lowered to match: every line and the
        // balance are consistent, only the seal still counts two.
        let mut credited = statement(
            &key,
            "v-0001",
            chain(
                &key,
                vec![credit("v-0001", "t-1", 60), credit("v-0001", "t-2", 90)],
            ),
        );
        seal_statement(&key, &mut credited, ISSUED_AT);
        let removed = credited.lines.pop().expect("a line");
        credited.balance -= removed.amount;
        assert_eq!(credited.balance, 100);
        let err = check(&credited, &key).expect_err("truncated");
        assert_eq!(
            err,
            VerifyError::SealLineCount {
                sealed: 2,
                found: 1
            }
        );
        assert_eq!(
            err.to_string(),
            "the seal says the statement had 2 lines when it was issued, but it has 1: lines \
             were cut off its end"
        );
        // The latest spending cut off (the balance goes up to match): the same.
        let mut s = good(&key);
        let removed = s.lines.pop().expect("a line");
        s.balance -= removed.amount;
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::SealLineCount {
                sealed: 4,
                found: 3
            })
        );
        // Down to nothing: the same.
        let mut none = good(&key);
        none.lines.clear();
        none.balance = 0;
        assert_eq!(
            check(&none, &key),
            Err(VerifyError::SealLineCount {
                sealed: 4,
                found: 0
            })
        );
        // A seal edited to match the shorter statement is no longer the village's.
        let mut reseal = s.clone();
        if let Some(seal) = reseal.seal.as_mut() {
            seal.lines = 3;
            seal.last_chain_hash = reseal.lines[2].chain_hash();
            seal.balance = reseal.balance;
        }
        assert_eq!(check(&reseal, &key), Err(VerifyError::BadSealSignature));
        // What is left: the seal stripped. It verifies, but says it cannot tell.
        s.seal = None;
        let verified = check(&s, &key).expect("valid line by line");
        assert_eq!((verified.lines, verified.sealed_at), (3, None));
        assert_eq!(verified.completeness_warning(), Some(UNSEALED_WARNING));
    }

    #[test]
    fn a_line_appended_after_sealing_fails_at_the_seal() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        let last = s.lines.pop().expect("a line");
        s.balance -= last.amount;
        seal_statement(&key, &mut s, ISSUED_AT);
        s.lines.push(last);
        s.balance = linli_core::ledger::balance(&s.lines);
        let err = check(&s, &key).expect_err("longer");
        assert_eq!(
            err,
            VerifyError::SealLineCount {
                sealed: 3,
                found: 4
            }
        );
        assert!(err
            .to_string()
            .ends_with("lines were added after it was sealed"));
    }

    #[test]
    fn an_edited_seal_fails() {
        let key = VillageKey::generate();
        let good = good(&key);
        let edits: [fn(&mut StatementSeal); 5] = [
            |seal| seal.issued_at += 86_400,
            |seal| seal.lines = 5,
            |seal| seal.lines = 3,
            |seal| seal.balance = 10_000,
            |seal| seal.last_chain_hash = String::new(),
        ];
        for edit in edits {
            let mut s = good.clone();
            if let Some(seal) = s.seal.as_mut() {
                edit(seal);
            }
            let err = check(&s, &key).expect_err("edited");
            assert_eq!(err, VerifyError::BadSealSignature, "{:?}", s.seal);
            assert!(err.to_string().contains("seal"), "{err}");
        }
        let mut s = good.clone();
        if let Some(seal) = s.seal.as_mut() {
            seal.signature = "!!".into();
        }
        assert_eq!(check(&s, &key), Err(VerifyError::MalformedSealSignature));
        if let Some(seal) = s.seal.as_mut() {
            seal.signature = BASE64.encode([0u8; 63]);
        }
        assert_eq!(check(&s, &key), Err(VerifyError::MalformedSealSignature));
    }

    #[test]
    fn a_seal_of_another_account_or_village_fails() {
        let key = VillageKey::generate();
        let good = good(&key);
        // Another account of the same village, same key: its seal on our statement.
        let mut theirs = statement(
            &key,
            "v-0002",
            chain(&key, vec![credit("v-0002", "t-9", 60)]),
        );
        seal_statement(&key, &mut theirs, ISSUED_AT);
        let borrowed = Statement {
            seal: theirs.seal.clone(),
            ..good.clone()
        };
        assert_eq!(check(&borrowed, &key), Err(VerifyError::BadSealSignature));
        // Two empty accounts: the same count, last hash and balance, yet not interchangeable.
        let mut empty_a = statement(&key, "b-0001", Vec::new());
        let mut empty_b = statement(&key, "b-0002", Vec::new());
        seal_statement(&key, &mut empty_a, ISSUED_AT);
        empty_b.seal = empty_a.seal.clone();
        assert_eq!(check(&empty_b, &key), Err(VerifyError::BadSealSignature));
        // The same statement relabelled as another village's (a key shared by mistake).
        let relabelled = Statement {
            village_id: "vil-2".into(),
            ..good.clone()
        };
        assert_eq!(check(&relabelled, &key), Err(VerifyError::BadSealSignature));
        // Our lines sealed by another village's key.
        let other = VillageKey::generate();
        let mut foreign = good.clone();
        seal_statement(&other, &mut foreign, ISSUED_AT);
        assert_eq!(check(&foreign, &key), Err(VerifyError::BadSealSignature));
    }

    #[test]
    fn a_sealed_fork_and_a_sealed_wrong_balance_are_named() {
        // Neither happens without the village's key signing something wrong; the seal still
        // says which of its fields disagrees.
        let key = VillageKey::generate();
        let good = good(&key);
        let mut fork = good.clone();
        let mut other_last = draft(
            "v-0001",
            -100,
            LedgerEntry::Redeem {
                what: "剪发".into(),
            },
            "",
        );
        other_last.chain_after(Some(&fork.lines[2]));
        sign_line(&key, &mut other_last);
        fork.lines[3] = other_last;
        assert!(matches!(
            check(&fork, &key),
            Err(VerifyError::SealLastLine { .. })
        ));
        let mut wrong = good.clone();
        wrong.balance = 7;
        seal_statement(&key, &mut wrong, ISSUED_AT);
        wrong.balance = 100;
        assert_eq!(
            check(&wrong, &key),
            Err(VerifyError::SealBalance {
                sealed: 7,
                computed: 100
            })
        );
    }

    #[test]
    fn unix_seconds_read_as_utc() {
        assert_eq!(format_unix_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_unix_utc(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(format_unix_utc(1_780_000_000), "2026-05-28 20:26:40 UTC");
        assert_eq!(format_unix_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_unix_utc(4_107_542_400), "2100-03-01 00:00:00 UTC");
        // A forged issued_at of any size prints without a panic.
        for extreme in [i64::MIN, i64::MAX] {
            assert!(format_unix_utc(extreme).ends_with(" UTC"));
        }
    }

    #[test]
    fn a_changed_amount_fails_at_its_line() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        s.lines[1].amount = 10_000;
        s.balance = linli_core::ledger::balance(&s.lines);
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::BadSignature { index: 2, seq: 2 })
        );
    }

    #[test]
    fn a_changed_reason_fails_at_its_line() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        s.lines[2].reason = "给爷爷".into();
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::BadSignature { index: 3, seq: 3 })
        );
    }

    #[test]
    fn a_removed_middle_line_leaves_a_gap() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        let removed = s.lines.remove(1);
        s.balance -= removed.amount;
        let err = check(&s, &key).expect_err("gap");
        assert_eq!(
            err,
            VerifyError::SeqMismatch {
                index: 2,
                expected: 2,
                found: 3
            }
        );
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn a_renumbered_line_after_a_removal_breaks_the_chain() {
        // Renumbering hides the gap from the seq check, but seq is signed and prev is chained.
        let key = VillageKey::generate();
        let mut s = good(&key);
        s.lines.remove(1);
        s.lines[1].seq = 2;
        s.balance = linli_core::ledger::balance(&s.lines);
        assert!(matches!(
            check(&s, &key),
            Err(VerifyError::BrokenChain {
                index: 2,
                seq: 2,
                ..
            })
        ));
    }

    #[test]
    fn reordered_lines_fail() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        s.lines.swap(1, 2);
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::SeqMismatch {
                index: 2,
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn a_line_of_another_account_fails() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        let other = chain(
            &key,
            vec![credit("v-0002", "t-9", 600), credit("v-0002", "t-9", 600)],
        );
        s.lines[1] = other[1].clone();
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::WrongAccount {
                index: 2,
                seq: 2,
                expected: "v-0001".into(),
                found: "v-0002".into()
            })
        );
        // Relabelled as ours, its signature no longer matches.
        s.lines[1].account = "v-0001".into();
        assert!(matches!(
            check(&s, &key),
            Err(VerifyError::BrokenChain { index: 2, .. }
                | VerifyError::BadSignature { index: 2, .. })
        ));
    }

    #[test]
    fn an_edited_balance_fails() {
        let key = VillageKey::generate();
        let mut s = good(&key);
        s.balance = 10_000;
        let err = check(&s, &key).expect_err("balance");
        assert_eq!(
            err,
            VerifyError::BalanceMismatch {
                stated: 10_000,
                computed: 100
            }
        );
        assert_eq!(
            err.to_string(),
            "the statement's balance is 100.00 credits but its lines add up to 1.00 credits"
        );
    }

    #[test]
    fn the_wrong_key_fails() {
        let key = VillageKey::generate();
        let other = VillageKey::generate();
        let s = good(&key);
        // Checked against another village's published key: the statement names ours.
        assert!(matches!(
            check(&s, &other),
            Err(VerifyError::KeyMismatch { .. })
        ));
        // And a statement relabelled with the other key: the signatures do not match it.
        let relabelled = Statement {
            public_key: other.public_key_base64(),
            ..s.clone()
        };
        assert_eq!(
            check(&relabelled, &other),
            Err(VerifyError::BadSignature { index: 1, seq: 1 })
        );
        // A statement signed wholly by another key (a forger's), checked against ours.
        let forged = good(&other);
        assert!(matches!(
            check(&forged, &key),
            Err(VerifyError::KeyMismatch { .. })
        ));
    }

    #[test]
    fn keys_and_signatures_that_are_not_base64_are_reported() {
        let key = VillageKey::generate();
        let s = good(&key);
        assert!(matches!(
            verify_statement(&s, "not a key"),
            Err(VerifyError::BadKey(_))
        ));
        assert!(matches!(
            verify_statement(&s, &BASE64.encode([1u8; 31])),
            Err(VerifyError::BadKey(_))
        ));
        let mut broken = s.clone();
        broken.lines[0].signature = Some("!!".into());
        assert_eq!(
            check(&broken, &key),
            Err(VerifyError::MalformedSignature { index: 1, seq: 1 })
        );
        broken.lines[0].signature = None;
        assert_eq!(
            check(&broken, &key),
            Err(VerifyError::MissingSignature { index: 1, seq: 1 })
        );
    }

    #[test]
    fn a_signed_overdraft_is_refused() {
        // Even signed by the right key, a debit larger than the balance is reported.
        let key = VillageKey::generate();
        let lines = chain(
            &key,
            vec![
                credit("v-0001", "t-1", 60),
                draft(
                    "v-0001",
                    -200,
                    LedgerEntry::Redeem {
                        what: "理发".into(),
                    },
                    "",
                ),
            ],
        );
        let s = statement(&key, "v-0001", lines);
        assert_eq!(
            check(&s, &key),
            Err(VerifyError::NegativeBalance {
                index: 2,
                seq: 2,
                balance: -100
            })
        );
    }

    #[test]
    fn a_signed_line_of_the_wrong_sign_is_refused() {
        let key = VillageKey::generate();
        let lines = chain(
            &key,
            vec![draft(
                "v-0001",
                100,
                LedgerEntry::TransferOut {
                    to: "b-0007".into(),
                },
                "",
            )],
        );
        let s = statement(&key, "v-0001", lines);
        assert!(matches!(
            check(&s, &key),
            Err(VerifyError::BadLine {
                index: 1,
                source: LedgerError::WrongSign { .. },
                ..
            })
        ));
    }

    /// The example of `docs/ledger.md`, pinned: Ed25519 signatures are deterministic, so if the
    /// canonical bytes or the chain hash ever change, this fails, and with it every statement
    /// already exported would stop verifying. Change the format only with a new domain tag.
    #[test]
    fn the_documented_test_vector_still_holds() {
        let key = VillageKey::from_secret("vil-0001", &[7u8; 32]).expect("key");
        assert_eq!(
            key.public_key_base64(),
            "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw="
        );
        let mut first = LedgerLine {
            account: "v-0001".into(),
            seq: 1,
            at: 1_780_000_000,
            amount: 150,
            entry: LedgerEntry::ServiceCredit {
                task: TaskId::new("t-0001"),
                volunteer: VolunteerId::new("v-0001"),
                minutes: 90,
            },
            by: "c-demo".into(),
            reason: "探访王奶奶".into(),
            prev: String::new(),
            signature: None,
        };
        sign_line(&key, &mut first);
        assert_eq!(
            first.signature.as_deref(),
            Some(
                "K069PJkqaLgy2+oVFVW7jrjiljQ4HGpbworG+7TMNLAurpjysKi2QF+UtsXde1s6kk27pBEEiNqEIbp9uy8NDg=="
            )
        );
        assert_eq!(
            first.chain_hash(),
            "5c8125b9b5b631177e8909eba8c939beb13e5c5fc9d1554ff4da9a3ab536de26"
        );
        let mut second = draft(
            "v-0001",
            -50,
            LedgerEntry::TransferOut {
                to: "b-0007".into(),
            },
            "给奶奶",
        );
        second.at = 1_780_003_600;
        second.by = "v-0001".into();
        second.chain_after(Some(&first));
        sign_line(&key, &mut second);
        assert_eq!(
            second.signature.as_deref(),
            Some(
                "MtBti9J6HGCMsRv/Qna+x044IPj0F3OHqcodWu+BehaoUO28ns/Q4siqpPzJ12MP4y7ZneWZCWxMOc4HiZLhBw=="
            )
        );
        let mut doc = statement(&key, "v-0001", vec![first, second]);
        // The seal signs the village id: the document's.
        doc.village_id = "vil-0001".into();
        seal_statement(&key, &mut doc, 1_780_007_200);
        let seal = doc.seal.clone().expect("sealed");
        assert_eq!((seal.lines, seal.balance), (2, 100));
        assert_eq!(
            seal.last_chain_hash,
            "ea5c2df3fa82d1d5960ce41d94abc0a4a35d5777e6533b76792a798791fb0fff"
        );
        assert_eq!(
            seal.signature,
            "dnVy5EA0Ut9eEznpODYL+Ooalm0ByLoGNaPftRqHCpEUddVseO36ec63bGL48m46C59jcWW7Li9NMozi4vcBBg=="
        );
        assert_eq!(check(&doc, &key).map(|v| v.balance), Ok(100));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = VillageKey::generate_for("vil-1").expect("key");
        let secret = key.secret_bytes();
        let shown = format!("{key:?}");
        assert!(shown.contains("vil-1") && shown.contains(&key.public_key_base64()));
        for encoded in [
            BASE64.encode(secret),
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            format!("{secret:?}"),
        ] {
            assert!(!shown.contains(&encoded), "{shown}");
        }
        let again = VillageKey::from_secret("vil-1", &secret).expect("reload");
        assert_eq!(again.public_key_base64(), key.public_key_base64());
        assert!(matches!(
            VillageKey::from_secret("vil-1", &secret[..31]),
            Err(SigningError::SecretLength(31))
        ));
    }

    #[test]
    fn unknown_fields_and_bad_json_are_parse_errors() {
        let key = VillageKey::generate();
        let mut json = serde_json::to_value(good(&key)).expect("json");
        json["lines"][0]["note"] = serde_json::json!("extra");
        let bytes = serde_json::to_vec(&json).expect("bytes");
        assert!(matches!(
            parse_statement(&bytes),
            Err(VerifyError::Parse(_))
        ));
        assert!(matches!(
            parse_statement(b"{\"village_id\": "),
            Err(VerifyError::Parse(_))
        ));
    }
}

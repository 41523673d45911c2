//! Identities: bearer tokens, invite codes (volunteers join), one-time login codes
//! (coordinators), and the admin commands that create them. Every secret is random, shown once,
//! and stored only as its SHA-256.

use base64::Engine as _;
use linli_core::sync::protocol::{InviteGroup, InviteResponse, JoinRequest, JoinResponse};
use linli_core::sync::{Actor, Record, Role, Store};
use linli_core::{Language, Village, VillageGroupId, VillageId, Volunteer, VolunteerId};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::tx_store::TxStore;
use super::{Storage, StorageError};

/// How long a coordinator's login code stays usable.
pub const LOGIN_CODE_SECONDS: i64 = 24 * 3600;
/// Bytes of randomness in a bearer token (256 bits).
const TOKEN_BYTES: usize = 32;
/// Bytes of randomness in a login code (128 bits).
const LOGIN_CODE_BYTES: usize = 16;
/// Longest name a volunteer may give when joining.
pub const MAX_NAME_CHARS: usize = 40;

/// The fixed invite code of the demo village (`serve --demo`).
pub const DEMO_INVITE_CODE: &str = "DEMO-2026";
/// The demo village's coordinator.
pub const DEMO_COORDINATOR: &str = "c-demo";

/// Seconds since the Unix epoch (the server's clock; used for expiry and bookkeeping only,
/// never for ordering mutations).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The SHA-256 of a secret, in hex: what the database holds instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` bytes from the operating system's random source, base64url without padding.
fn random_secret(bytes: usize) -> Result<String, StorageError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| StorageError::Random(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// An invite code a person can type: 3 groups of 4 characters without look-alikes (60 bits).
fn random_invite_code() -> Result<String, StorageError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 12];
    getrandom::fill(&mut buf).map_err(|e| StorageError::Random(e.to_string()))?;
    let chars: Vec<char> = buf
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// Invite codes are compared without case or surrounding blanks (people type them).
fn normalise_invite(code: &str) -> String {
    code.trim().to_uppercase()
}

/// Whose token this is; everything a request may do follows from it, never from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub village_id: String,
    pub role: PrincipalRole,
    /// The volunteer id (`v-0001`) or coordinator id (`c-1`).
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalRole {
    Volunteer,
    Coordinator,
}

impl PrincipalRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalRole::Volunteer => "volunteer",
            PrincipalRole::Coordinator => "coordinator",
        }
    }

    pub fn parse(text: &str) -> Option<PrincipalRole> {
        match text {
            "volunteer" => Some(PrincipalRole::Volunteer),
            "coordinator" => Some(PrincipalRole::Coordinator),
            _ => None,
        }
    }
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            village: VillageId::new(self.village_id.as_str()),
            role: match self.role {
                PrincipalRole::Volunteer => {
                    Role::Volunteer(VolunteerId::new(self.subject.as_str()))
                }
                PrincipalRole::Coordinator => Role::Coordinator(self.subject.clone()),
            },
        }
    }

    /// `volunteer:v-0001`: who a client id belongs to.
    pub fn user_key(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.subject)
    }
}

/// Looks a bearer token up (by hash) and records its use. Unknown or revoked: `None`.
/// How fresh "last used" and "last synced" are kept, in seconds: writing them on every request
/// would make every sync a write transaction with an fsync.
pub(crate) const SEEN_RESOLUTION_SECS: i64 = 60;

pub(crate) fn authenticate(
    conn: &Connection,
    token: &str,
    now: i64,
) -> Result<Option<Principal>, StorageError> {
    let hash = hash_secret(token);
    let row = conn
        .prepare_cached(
            "SELECT village_id, role, subject FROM tokens WHERE hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([&hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let Some((village_id, role, subject)) = row else {
        return Ok(None);
    };
    let Some(role) = PrincipalRole::parse(&role) else {
        return Ok(None);
    };
    // To the minute: a sync that changes nothing then writes nothing, so it costs no fsync.
    conn.prepare_cached(
        "UPDATE tokens SET last_used_at = ?2
         WHERE hash = ?1 AND (last_used_at IS NULL OR last_used_at <= ?2 - ?3)",
    )?
    .execute(params![hash, now, SEEN_RESOLUTION_SECS])?;
    Ok(Some(Principal {
        village_id,
        role,
        subject,
    }))
}

fn insert_token(
    conn: &Connection,
    principal: &Principal,
    label: &str,
    now: i64,
) -> Result<String, StorageError> {
    let token = random_secret(TOKEN_BYTES)?;
    conn.execute(
        "INSERT INTO tokens (hash, village_id, role, subject, label, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            hash_secret(&token),
            principal.village_id,
            principal.role.as_str(),
            principal.subject,
            label,
            now
        ],
    )?;
    Ok(token)
}

/// Why `POST /api/v1/join` failed.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("the invite code is unknown, expired or revoked")]
    InvalidInvite,
    #[error("{0}")]
    InvalidProfile(String),
    #[error("unknown village group {0:?}")]
    UnknownGroup(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why `POST /api/v1/login` failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the login code is unknown, expired or already used")]
    InvalidCode,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no village {0:?}")]
    NoVillage(String),
    #[error("village {0:?} already exists")]
    VillageExists(String),
    #[error("invalid village: {0}")]
    InvalidVillage(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// `POST /api/v1/login`'s answer.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoginResponse {
    pub token: String,
    pub coordinator_id: String,
    pub village_id: String,
}

/// One device of a village, for `admin list-devices`.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    pub client_id: String,
    pub user: String,
    pub last_mutation_id: i64,
    pub cookie: Option<i64>,
    pub last_seen_at: i64,
}

/// One token of a village, for `admin list-devices` and a coordinator's `GET /api/v1/devices`.
/// Never the token, nor its whole hash.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    /// `role:subject`, e.g. `volunteer:v-0001`.
    pub user: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The token's device id: the first [`DEVICE_ID_CHARS`] hex digits of its SHA-256.
    pub device: String,
    pub role: PrincipalRole,
    /// The volunteer id (`v-0001`) or coordinator id (`c-1`).
    pub subject: String,
    /// The volunteer's or coordinator's name (`None` if their record is gone).
    pub name: Option<String>,
}

/// Hex digits of a token's stored SHA-256 that name it as a device (64 bits). A coordinator
/// can tell and revoke devices by it; it cannot be turned back into the token (256 random
/// bits), nor is the full hash, which the database keys on, ever shown. Two tokens of one
/// village sharing an id (a 1 in 2^64 chance per pair) would be listed and revoked together.
pub const DEVICE_ID_CHARS: usize = 16;

/// Whether `device` looks like a device id: [`DEVICE_ID_CHARS`] lowercase hex digits.
fn is_device_id(device: &str) -> bool {
    device.len() == DEVICE_ID_CHARS
        && device
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A village's tokens with their people's names, oldest first; only the one whose device id is
/// `device`, when given. The name comes from the coordinator's row or the volunteer's record.
fn token_rows(
    conn: &Connection,
    village_id: &str,
    device: Option<&str>,
) -> Result<Vec<TokenRow>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.role, t.subject, t.label, t.created_at, t.last_used_at, t.revoked_at,
                substr(t.hash, 1, ?3),
                CASE t.role WHEN 'coordinator' THEN c.name
                            ELSE json_extract(r.body, '$.name') END
         FROM tokens t
         LEFT JOIN coordinators c
           ON t.role = 'coordinator' AND c.village_id = t.village_id AND c.id = t.subject
         LEFT JOIN records r
           ON t.role = 'volunteer' AND r.village_id = t.village_id
              AND r.key = 'volunteer/' || t.subject AND r.deleted = 0
         WHERE t.village_id = ?1 AND (?2 IS NULL OR substr(t.hash, 1, ?3) = ?2)
         ORDER BY t.created_at, t.role, t.subject, t.hash",
    )?;
    let rows = stmt.query_map(params![village_id, device, DEVICE_ID_CHARS], |r| {
        Ok((
            r.get::<_, String>(0)?,
            TokenRow {
                user: String::new(),
                label: r.get(2)?,
                created_at: r.get(3)?,
                last_used_at: r.get(4)?,
                revoked_at: r.get(5)?,
                device: r.get(6)?,
                role: PrincipalRole::Volunteer,
                subject: r.get(1)?,
                name: r.get(7)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (role, mut token) = row?;
        // The schema's CHECK allows only these two roles; anything else is skipped, as
        // `authenticate` would refuse it.
        let Some(role) = PrincipalRole::parse(&role) else {
            continue;
        };
        token.role = role;
        token.user = format!("{}:{}", role.as_str(), token.subject);
        out.push(token);
    }
    Ok(out)
}

fn village_record(conn: &Connection, village_id: &str) -> Result<Option<Village>, StorageError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM records WHERE village_id = ?1 AND key = ?2 AND deleted = 0",
            params![village_id, format!("village/{village_id}")],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match body {
        Some(body) => Some(serde_json::from_str(&body)?),
        None => None,
    })
}

/// The next free `v-NNNN` number in a village.
fn next_volunteer_number(conn: &Connection, village_id: &str) -> Result<u32, StorageError> {
    let mut stmt =
        conn.prepare("SELECT key FROM records WHERE village_id = ?1 AND kind = 'volunteer'")?;
    let keys = stmt.query_map([village_id], |r| r.get::<_, String>(0))?;
    let mut max = 0u32;
    for key in keys {
        let key = key?;
        let number = key
            .strip_prefix("volunteer/v-")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
        max = max.max(number);
    }
    Ok(max + 1)
}

pub(crate) fn village_exists(conn: &Connection, village_id: &str) -> Result<bool, StorageError> {
    Ok(conn
        .query_row("SELECT 1 FROM villages WHERE id = ?1", [village_id], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

fn insert_login_code(
    conn: &Connection,
    village_id: &str,
    coordinator_id: &str,
    now: i64,
) -> Result<String, StorageError> {
    let code = random_secret(LOGIN_CODE_BYTES)?;
    conn.execute(
        "INSERT INTO login_codes (hash, village_id, coordinator_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            hash_secret(&code),
            village_id,
            coordinator_id,
            now,
            now + LOGIN_CODE_SECONDS
        ],
    )?;
    Ok(code)
}

/// The village a live invite code opens.
fn invited_village(conn: &Connection, code: &str, now: i64) -> Result<Village, JoinError> {
    let village_id: Option<String> = conn
        .query_row(
            "SELECT village_id FROM invite_codes WHERE hash = ?1 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > ?2)",
            params![hash_secret(&normalise_invite(code)), now],
            |r| r.get(0),
        )
        .optional()
        .map_err(StorageError::from)?;
    let village_id = village_id.ok_or(JoinError::InvalidInvite)?;
    village_record(conn, &village_id)?.ok_or(JoinError::InvalidInvite)
}

impl Storage {
    /// What an invite code opens: the village's name and its groups (nothing about anyone).
    pub fn invite(&self, code: &str) -> Result<InviteResponse, JoinError> {
        let now = unix_now();
        self.with_conn(|conn| {
            let village = invited_village(conn, code, now)?;
            Ok(InviteResponse {
                village_name: village.name,
                groups: village
                    .groups
                    .into_iter()
                    .map(|g| InviteGroup {
                        id: g.id.as_str().to_owned(),
                        name: g.name,
                    })
                    .collect(),
            })
        })
    }

    /// A new volunteer joins with an invite code: their record (a valid [`Volunteer`] with no
    /// availability yet) and their token are created together.
    pub fn join(&self, request: &JoinRequest) -> Result<JoinResponse, JoinError> {
        let now = unix_now();
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(JoinError::InvalidProfile(format!(
                "name must be 1-{MAX_NAME_CHARS} characters"
            )));
        }
        let request_hash = match request.request_id.as_deref().map(str::trim) {
            Some(id) if id.len() < 16 || id.len() > 64 => {
                return Err(JoinError::InvalidProfile(
                    "request_id must be 16-64 characters".into(),
                ))
            }
            Some(id) => Some(hash_secret(id)),
            None => None,
        };
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let village = invited_village(&tx, &request.invite_code, now)?;
            let village_id = village.id.as_str().to_owned();
            if let Some(hash) = &request_hash {
                let earlier: Option<String> = tx
                    .query_row(
                        "SELECT volunteer_id FROM join_requests WHERE hash = ?1 AND village_id = ?2",
                        params![hash, village_id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(StorageError::from)?;
                if let Some(volunteer_id) = earlier {
                    let principal = Principal {
                        village_id: village_id.clone(),
                        role: PrincipalRole::Volunteer,
                        subject: volunteer_id,
                    };
                    let token = insert_token(&tx, &principal, "join", now)?;
                    tx.commit().map_err(StorageError::from)?;
                    return Ok(JoinResponse {
                        token,
                        volunteer_id: principal.subject,
                        village_id,
                    });
                }
            }
            let group = match &request.group {
                Some(g) => {
                    let id = VillageGroupId::new(g.as_str());
                    if village.group(&id).is_none() {
                        return Err(JoinError::UnknownGroup(g.clone()));
                    }
                    id
                }
                None => village
                    .groups
                    .first()
                    .map(|g| g.id.clone())
                    .ok_or_else(|| JoinError::InvalidProfile("the village has no groups".into()))?,
            };
            let number = next_volunteer_number(&tx, &village_id)?;
            let volunteer = Volunteer {
                id: VolunteerId::numbered(number),
                name: name.to_owned(),
                phone: request.phone.trim().to_owned(),
                group,
                gender: None,
                certifications: Vec::new(),
                languages: vec![Language::mandarin()],
                availability: Default::default(),
                exceptions: Vec::new(),
                max_hours_per_week: 8,
                preferred_task_kinds: Vec::new(),
            };
            volunteer
                .validate()
                .map_err(|e| JoinError::InvalidProfile(e.to_string()))?;
            let version = super::sync::village_version(&tx, &village_id)?;
            {
                let mut store = TxStore::new(&tx, &village_id, version + 1);
                store
                    .put(Record::Volunteer(volunteer.clone()))
                    .map_err(|e| StorageError::Store(e.0))?;
            }
            super::sync::set_village_version(&tx, &village_id, version + 1)?;
            let principal = Principal {
                village_id: village_id.clone(),
                role: PrincipalRole::Volunteer,
                subject: volunteer.id.as_str().to_owned(),
            };
            let token = insert_token(&tx, &principal, "join", now)?;
            if let Some(hash) = &request_hash {
                tx.execute(
                    "INSERT INTO join_requests (hash, village_id, volunteer_id, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![hash, village_id, principal.subject, now],
                )
                .map_err(StorageError::from)?;
            }
            tx.commit().map_err(StorageError::from)?;
            Ok(JoinResponse {
                token,
                volunteer_id: principal.subject,
                village_id,
            })
        })
    }

    /// Exchanges a coordinator's one-time login code for a token (the code is then used up).
    pub fn login(&self, code: &str) -> Result<LoginResponse, LoginError> {
        let now = unix_now();
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let hash = hash_secret(code.trim());
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT village_id, coordinator_id FROM login_codes
                     WHERE hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                    params![hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StorageError::from)?;
            let (village_id, coordinator_id) = row.ok_or(LoginError::InvalidCode)?;
            tx.execute(
                "UPDATE login_codes SET used_at = ?2 WHERE hash = ?1",
                params![hash, now],
            )
            .map_err(StorageError::from)?;
            let principal = Principal {
                village_id: village_id.clone(),
                role: PrincipalRole::Coordinator,
                subject: coordinator_id.clone(),
            };
            let token = insert_token(&tx, &principal, "login", now)?;
            tx.commit().map_err(StorageError::from)?;
            Ok(LoginResponse {
                token,
                coordinator_id,
                village_id,
            })
        })
    }

    /// `admin create-village`: a village with one group per name.
    pub fn admin_create_village(
        &self,
        id: &str,
        name: &str,
        time_zone: &str,
        utc_offset_minutes: i32,
        groups: &[String],
    ) -> Result<(), AdminError> {
        if self.village_exists(id)? {
            return Err(AdminError::VillageExists(id.to_owned()));
        }
        let village = Village {
            id: VillageId::new(id),
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
            utc_offset_minutes,
            groups: groups
                .iter()
                .enumerate()
                .map(|(i, g)| linli_core::VillageGroup {
                    id: VillageGroupId::numbered(i as u32 + 1),
                    name: g.clone(),
                    lat: 0.0,
                    lon: 0.0,
                })
                .collect(),
            credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
        };
        village
            .validate()
            .map_err(|e| AdminError::InvalidVillage(e.to_string()))?;
        if id.contains('/') || id.chars().any(char::is_whitespace) {
            return Err(AdminError::InvalidVillage(
                "the id may not contain spaces or slashes".into(),
            ));
        }
        let row = super::VillageRow {
            id: id.to_owned(),
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
            utc_offset_minutes,
        };
        let record = super::RecordRow {
            key: format!("village/{id}"),
            kind: "village",
            body: serde_json::to_value(&village)?,
        };
        self.create_village(&row, &[record])?;
        Ok(())
    }

    /// `admin set-credit-rate`: how many hundredths of a credit an hour of approved service
    /// earns in `village` from now on. Lines already credited keep their amount (a ledger line
    /// is never rewritten), and reversals take back what the record earned, not the new rate.
    /// The village record changes like any synced record, so every device learns the rate.
    pub fn admin_set_credit_rate(
        &self,
        village_id: &str,
        per_hour: i64,
    ) -> Result<Village, AdminError> {
        use linli_core::sync::{Record, Store};
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !village_exists(&tx, village_id)? {
                return Err(AdminError::NoVillage(village_id.to_owned()));
            }
            let version = super::sync::village_version(&tx, village_id)?;
            let mut store = super::tx_store::TxStore::new(&tx, village_id, version + 1);
            let fault = |e: linli_core::sync::StoreError| StorageError::Store(e.0);
            let mut village = match store.village().map_err(fault)? {
                Some(village) => village,
                None => return Err(AdminError::NoVillage(village_id.to_owned())),
            };
            village.credit_rate_per_hour = per_hour;
            village
                .validate()
                .map_err(|e| AdminError::InvalidVillage(e.to_string()))?;
            store.put(Record::Village(village.clone())).map_err(fault)?;
            drop(store);
            super::sync::set_village_version(&tx, village_id, version + 1)?;
            tx.commit().map_err(StorageError::from)?;
            Ok(village)
        })
    }

    /// `admin add-coordinator`: a new coordinator `c-N` and their first login code.
    pub fn admin_add_coordinator(
        &self,
        village_id: &str,
        name: &str,
    ) -> Result<(String, String), AdminError> {
        let now = unix_now();
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !village_exists(&tx, village_id)? {
                return Err(AdminError::NoVillage(village_id.to_owned()));
            }
            let count: i64 = tx
                .query_row(
                    "SELECT count(*) FROM coordinators WHERE village_id = ?1",
                    [village_id],
                    |r| r.get(0),
                )
                .map_err(StorageError::from)?;
            let mut n = count + 1;
            let id = loop {
                let candidate = format!("c-{n}");
                let taken = tx
                    .query_row(
                        "SELECT 1 FROM coordinators WHERE village_id = ?1 AND id = ?2",
                        params![village_id, candidate],
                        |_| Ok(()),
                    )
                    .optional()
                    .map_err(StorageError::from)?
                    .is_some();
                if !taken {
                    break candidate;
                }
                n += 1;
            };
            tx.execute(
                "INSERT INTO coordinators (village_id, id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![village_id, id, name, now],
            )
            .map_err(StorageError::from)?;
            let code = insert_login_code(&tx, village_id, &id, now)?;
            tx.commit().map_err(StorageError::from)?;
            Ok((id, code))
        })
    }

    /// A fresh one-time login code for an existing coordinator.
    pub fn admin_login_code(
        &self,
        village_id: &str,
        coordinator_id: &str,
    ) -> Result<String, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| insert_login_code(conn, village_id, coordinator_id, now))
    }

    /// `admin create-invite`: a new invite code valid for `days` days.
    pub fn admin_create_invite(&self, village_id: &str, days: u32) -> Result<String, AdminError> {
        if !self.village_exists(village_id)? {
            return Err(AdminError::NoVillage(village_id.to_owned()));
        }
        let now = unix_now();
        let code = random_invite_code()?;
        self.with_conn(|conn| {
            conn.execute(
                "INSERT INTO invite_codes (hash, village_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    hash_secret(&normalise_invite(&code)),
                    village_id,
                    now,
                    now + i64::from(days) * 86_400
                ],
            )?;
            Ok::<_, StorageError>(())
        })?;
        Ok(code)
    }

    /// Revokes an invite code; returns whether it existed and was live.
    pub fn admin_revoke_invite(&self, code: &str) -> Result<bool, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| {
            Ok(conn.execute(
                "UPDATE invite_codes SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
                params![hash_secret(&normalise_invite(code)), now],
            )? > 0)
        })
    }

    /// `admin revoke --token-of role:subject`: revokes every live token of that user (in one
    /// village, or in all when `village_id` is `None`). Returns how many were revoked.
    pub fn admin_revoke_tokens(
        &self,
        village_id: Option<&str>,
        role: PrincipalRole,
        subject: &str,
    ) -> Result<usize, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| {
            Ok(conn.execute(
                "UPDATE tokens SET revoked_at = ?1
                 WHERE role = ?2 AND subject = ?3 AND (?4 IS NULL OR village_id = ?4)
                   AND revoked_at IS NULL",
                params![now, role.as_str(), subject, village_id],
            )?)
        })
    }

    /// `admin list-devices`: the village's devices (client ids) and tokens.
    pub fn admin_list_devices(
        &self,
        village_id: &str,
    ) -> Result<(Vec<DeviceRow>, Vec<TokenRow>), AdminError> {
        if !self.village_exists(village_id)? {
            return Err(AdminError::NoVillage(village_id.to_owned()));
        }
        Ok(self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT client_id, user_key, last_mutation_id, cookie, last_seen_at FROM clients
                 WHERE village_id = ?1 ORDER BY last_seen_at DESC, client_id",
            )?;
            let devices = stmt
                .query_map([village_id], |r| {
                    Ok(DeviceRow {
                        client_id: r.get(0)?,
                        user: r.get(1)?,
                        last_mutation_id: r.get(2)?,
                        cookie: r.get(3)?,
                        last_seen_at: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let tokens = token_rows(conn, village_id, None)?;
            Ok::<_, StorageError>((devices, tokens))
        })?)
    }

    /// Whose token this is (and records its use); `None` when unknown or revoked.
    pub fn principal(&self, token: &str) -> Result<Option<Principal>, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| authenticate(conn, token, now))
    }

    /// Every token (device) of a village, live and revoked, for its coordinators.
    pub fn village_tokens(&self, village_id: &str) -> Result<Vec<TokenRow>, StorageError> {
        self.with_conn(|conn| token_rows(conn, village_id, None))
    }

    /// Revokes the token of a village whose device id is `device`, and returns it as it is
    /// now. `None` when the village has no such device: another village's devices do not
    /// exist for its coordinators. Revoking a revoked device changes nothing (a retry after a
    /// lost answer succeeds) and keeps its first `revoked_at`.
    pub fn revoke_village_token(
        &self,
        village_id: &str,
        device: &str,
    ) -> Result<Option<TokenRow>, StorageError> {
        if !is_device_id(device) {
            return Ok(None);
        }
        let now = unix_now();
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "UPDATE tokens SET revoked_at = ?3
                 WHERE village_id = ?1 AND substr(hash, 1, ?4) = ?2 AND revoked_at IS NULL",
            )?
            .execute(params![village_id, device, now, DEVICE_ID_CHARS])?;
            let row = token_rows(&tx, village_id, Some(device))?
                .into_iter()
                .next();
            tx.commit()?;
            Ok(row)
        })
    }

    /// For `serve --demo`: the coordinator `c-demo` and the invite `DEMO-2026` (both created
    /// once), and a fresh login code for `c-demo`, which is returned.
    pub fn ensure_demo_identities(&self, village_id: &str) -> Result<String, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT OR IGNORE INTO coordinators (village_id, id, name, created_at)
                 VALUES (?1, ?2, '示范协调员', ?3)",
                params![village_id, DEMO_COORDINATOR, now],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO invite_codes (hash, village_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, NULL)",
                params![
                    hash_secret(&normalise_invite(DEMO_INVITE_CODE)),
                    village_id,
                    now
                ],
            )?;
            let code = insert_login_code(&tx, village_id, DEMO_COORDINATOR, now)?;
            tx.commit()?;
            Ok(code)
        })
    }

    /// A token for a user, made directly (the simulation and benchmarks use it instead of the
    /// invite and login round trips).
    pub fn issue_token(&self, principal: &Principal, label: &str) -> Result<String, StorageError> {
        let now = unix_now();
        self.with_conn(|conn| insert_token(conn, principal, label, now))
    }
}

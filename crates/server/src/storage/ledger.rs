//! An account's time-bank statement (`GET /api/v1/ledger/{account}/statement`): every line of
//! the account as stored (chained and signed, see `tx_store.rs`), its balance, the public key
//! that checks it, and the seal that shows nothing was cut off its end (`signing::seal_statement`). A volunteer may read their own account; a coordinator any account of
//! their village.

use linli_core::ledger::{balance, Statement};
use linli_core::sync::Store;
use linli_core::{BeneficiaryId, VolunteerId};

use super::auth::{authenticate, unix_now, Principal, PrincipalRole};
use super::keys::village_key;
use super::tx_store::TxStore;
use super::{Storage, StorageError};
use crate::signing::seal_statement;

/// Why a statement was not given.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("the token is missing, unknown or revoked")]
    Unauthorized,
    #[error("a volunteer may read only their own account")]
    Forbidden,
    #[error("no such account in this village")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for StatementError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::from(e).into()
    }
}

impl Storage {
    /// The statement of `account` for the holder of `token`. Another village's accounts do not
    /// exist for them (ids are each village's own): `NotFound`, like an unknown one.
    pub fn ledger_statement(
        &self,
        token: &str,
        account: &str,
    ) -> Result<Statement, StatementError> {
        let now = unix_now();
        self.with_conn(|conn| {
            // One read transaction: the lines, the balance and the key are of one moment. The
            // key is made here on first use (before any line was signed, there is none yet).
            let tx = conn.transaction()?;
            // Taken here, not with `now`: waiting for the connection may take a while, and a
            // line stored meanwhile must not be later than the seal that counts it.
            let issued_at = unix_now();
            let principal: Principal =
                authenticate(&tx, token, now)?.ok_or(StatementError::Unauthorized)?;
            if principal.role == PrincipalRole::Volunteer && principal.subject != account {
                return Err(StatementError::Forbidden);
            }
            let village = principal.village_id.as_str();
            let store = TxStore::new(&tx, village, i64::MAX);
            let fault = |e: linli_core::sync::StoreError| StorageError::Store(e.0);
            let lines = store.ledger_lines(account).map_err(fault)?;
            let holder_exists = if account.starts_with("v-") {
                store
                    .volunteer(&VolunteerId::new(account))
                    .map_err(fault)?
                    .is_some()
            } else {
                store
                    .beneficiary(&BeneficiaryId::new(account))
                    .map_err(fault)?
                    .is_some()
            };
            if lines.is_empty() && !holder_exists {
                return Err(StatementError::NotFound);
            }
            let village_name = match store.village().map_err(fault)? {
                Some(v) => v.name,
                None => String::new(),
            };
            let key = village_key(&tx, village)?;
            drop(store);
            tx.commit()?;
            let mut statement = Statement {
                village_id: village.to_owned(),
                village_name,
                account: account.to_owned(),
                public_key: key.public_key_base64(),
                balance: balance(&lines),
                lines,
                seal: None,
            };
            // The seal says the statement was complete at `issued_at`, and lines may be stored
            // after it: read under the connection's lock, so no line was stored in between.
            seal_statement(&key, &mut statement, issued_at);
            Ok(statement)
        })
    }
}

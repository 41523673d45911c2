//! What the public figures (`GET /api/v1/villages/{id}/figures`) are computed from: a village's
//! volunteers, beneficiaries (public part only), the service records of one calendar year and
//! the tasks those records are for. The computation itself is core's (`linli_core::figures`).
//!
//! The request needs no account, so it reads no more than it must: service records are chosen
//! by the year of their day in SQL, and only their tasks are loaded, not the village's whole
//! programme. Beneficiaries' private records are never read here.

use linli_core::figures::VillageData;
use linli_core::sync::Record;
use linli_core::Village;
use rusqlite::{params, Connection, OptionalExtension};

use super::{Storage, StorageError};

/// The village's service records whose day falls in one year (`?1` the village, `?2` the year
/// and a dash, `YYYY-`), as core's `ServiceRecord::day` decides it: the check-in's date, or for
/// a record without a check-in (hours a coordinator set by hand) its task's start date. Dates
/// are written `YYYY-MM-DDTHH:MM:SS`, so the first five characters are the year and the dash.
/// This only narrows: core compares exact dates again, with the same function.
const SERVICES_OF_THE_YEAR: &str = "
    SELECT s.key, s.body FROM records s
     WHERE s.village_id = ?1 AND s.kind = 'service' AND s.deleted = 0
       AND (substr(json_extract(s.body, '$.check_in.device'), 1, 5) = ?2
            OR (json_extract(s.body, '$.check_in') IS NULL
                AND EXISTS (SELECT 1 FROM records t
                             WHERE t.village_id = ?1
                               AND t.key = 'task/' || json_extract(s.body, '$.task')
                               AND t.deleted = 0
                               AND substr(json_extract(t.body, '$.start'), 1, 5) = ?2)))";

/// Reads `(key, body)` rows and keeps the records that parse. A body that does not (written by
/// a newer version, or damaged) is left out of the figures and logged, rather than failing a
/// public page for everyone.
fn parsed(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Record>, StorageError> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params, |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut records = Vec::new();
    for row in rows {
        let (key, body) = row?;
        let record = serde_json::from_str(&body)
            .map_err(|e| e.to_string())
            .and_then(|value| Record::from_value(&key, value).map_err(|e| e.to_string()));
        match record {
            Ok(record) => records.push(record),
            Err(error) => tracing::warn!(%key, %error, "left out of the public figures"),
        }
    }
    Ok(records)
}

impl Storage {
    /// The village's own record (its groups and time zone); `None` if there is no such village.
    pub fn village_record(&self, village_id: &str) -> Result<Option<Village>, StorageError> {
        self.with_conn(|conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM records
                      WHERE village_id = ?1 AND key = 'village/' || ?1 AND deleted = 0",
                    [village_id],
                    |row| row.get(0),
                )
                .optional()?;
            match body {
                Some(body) => Ok(Some(serde_json::from_str(&body)?)),
                None => Ok(None),
            }
        })
    }

    /// `village`'s volunteers and beneficiaries, its service records whose day is in `year`
    /// (see [`SERVICES_OF_THE_YEAR`]) and the tasks of those records.
    pub fn figures_data(&self, village: Village, year: i32) -> Result<VillageData, StorageError> {
        let year_prefix = format!("{year:04}-");
        self.with_conn(|conn| {
            let id = village.id.as_str();
            let people = parsed(
                conn,
                "SELECT key, body FROM records
                  WHERE village_id = ?1 AND kind IN ('volunteer', 'beneficiary') AND deleted = 0",
                [id],
            )?;
            let services = parsed(conn, SERVICES_OF_THE_YEAR, params![id, year_prefix])?;
            let tasks = parsed(
                conn,
                &format!(
                    "SELECT key, body FROM records
                      WHERE village_id = ?1 AND deleted = 0 AND key IN (
                        SELECT 'task/' || json_extract(body, '$.task')
                          FROM ({SERVICES_OF_THE_YEAR}))"
                ),
                params![id, year_prefix],
            )?;
            let records = std::iter::once(Record::Village(village.clone()))
                .chain(people)
                .chain(services)
                .chain(tasks);
            VillageData::from_records(records)
                .ok_or_else(|| StorageError::Store("the village record went missing".into()))
        })
    }
}

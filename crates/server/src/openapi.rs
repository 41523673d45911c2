//! `GET /api/v1/openapi.json`: the API described as an OpenAPI 3.1 document, built by hand so
//! it says exactly what the handlers do (prose: `docs/sync-protocol.md`).

use serde_json::{json, Value};

use linli_core::sync::protocol::MAX_RECORDS_PER_PAGE;
use linli_core::sync::Mutation;

use crate::api::{client_id_pattern, REQUEST_ID_PATTERN};
use crate::http::MAX_BODY_BYTES;
use crate::storage::{
    MAX_ARG_STRING_CHARS, MAX_CLIENT_ID_CHARS, MAX_COOKIE, MAX_KEY_CHARS, MAX_MUTATIONS_PER_REQUEST,
};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// 429, with the seconds to wait in `Retry-After`.
fn rate_limited(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {
            "Retry-After": {
                "required": true,
                "description": "Seconds until a request may succeed",
                "schema": {"type": "integer", "minimum": 1}
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn body_too_large() -> Value {
    error_response(&format!(
        "payload_too_large: the body is over {MAX_BODY_BYTES} bytes"
    ))
}

fn json_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// `GET /api/v1/villages/{id}/key` (its own function: the document's one `json!` is near the
/// macro's recursion limit).
fn village_key_path() -> Value {
    json!({
        "get": {
            "summary": "The public key that signs a village's time-bank ledger lines",
            "description": "No token needed. An auditor or another village checks an exported \
                statement against it: linli-server verify STATEMENT --key PUBLIC_KEY (docs/ledger.md). \
                The key is made on the first request and never changes.",
            "parameters": [{"name": "id", "in": "path", "required": true,
                "schema": {"type": "string"}, "description": "The village id"}],
            "responses": {
                "200": ok("The village's public key", "VillageKeyResponse"),
                "404": error_response("unknown_village: no such village (not_found: an empty id)"),
                "500": error_response("internal"),
                "503": error_response("unavailable")
            }
        }
    })
}

fn village_key_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["village_id", "algorithm", "public_key"],
        "properties": {
            "village_id": {"type": "string"},
            "algorithm": {"const": crate::signing::ALGORITHM},
            "public_key": {"type": "string", "pattern": "^[A-Za-z0-9+/]{43}=$",
                "description": "The 32-byte Ed25519 public key, standard base64 with padding"}
        }
    })
}

/// `GET /api/v1/villages/{id}/figures` (`crate::public`; its own function, like the key's).
fn figures_path() -> Value {
    json!({
        "get": {
            "summary": "A village's public figures for a month and its calendar year",
            "description": "No token needed: anyone with the village's link may read it. Aggregates \
                only (hours by task kind and by the serving volunteer's village group, elders visited, \
                heat-wave coverage, volunteers who served); a row with fewer than min_group_size \
                volunteers is merged into other, and a too-small other is withheld. Cacheable for 60 s.",
            "parameters": [
                {"name": "id", "in": "path", "required": true,
                    "schema": {"type": "string"}, "description": "The village id"},
                {"name": "month", "in": "query", "required": false,
                    "schema": {"type": "string", "pattern": MONTH_PATTERN},
                    "description": "YYYY-MM, 2000-01 to 2100-12; default the village's current month"}
            ],
            "responses": {
                "200": ok("The figures", "PublicFigures"),
                "400": error_response("invalid_month: not YYYY-MM, or outside 2000-01..=2100-12"),
                "404": error_response("unknown_village: no such village (not_found: an empty id)"),
                "500": error_response("internal"),
                "503": error_response("unavailable")
            }
        }
    })
}

/// `YYYY-MM`, as `linli_core::figures::YearMonth` reads it.
/// `YYYY-MM` for the months figures are published for: 2000-01 to 2100-12 (`public.rs`).
const MONTH_PATTERN: &str = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$";

/// A breakdown of the public figures, its rows' own properties given.
fn figures_breakdown(row_required: &[&str], row_properties: Value) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["rows", "other", "withheld"],
        "properties": {
            "rows": {"type": "array", "items": {
                "type": "object",
                "additionalProperties": false,
                "required": row_required,
                "properties": row_properties
            }},
            "other": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/FiguresOther"}],
                "description": "Rows with fewer than min_group_size volunteers, merged; null when empty or withheld"},
            "withheld": {"type": "boolean",
                "description": "Some hours are only in the totals: even merged they came from too few volunteers"}
        }
    })
}

/// A schema of the public figures (`linli_core::figures::PublicFigures`), by name.
fn figures_schema(name: &str) -> Value {
    let count = || json!({"type": "integer", "minimum": 0});
    match name {
        "PublicFigures" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["village_name", "month", "min_group_size", "of_month", "of_year"],
            "properties": {
                "village_name": {"type": "string"},
                "month": {"type": "string", "pattern": MONTH_PATTERN},
                "min_group_size": {"type": "integer", "minimum": 1},
                "of_month": {"$ref": "#/components/schemas/PeriodFigures"},
                "of_year": {"$ref": "#/components/schemas/PeriodFigures",
                    "description": "The whole calendar year of month"}
            }
        }),
        "PeriodFigures" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["period", "minutes", "services", "volunteers", "elders_visited",
                "heat_wave", "by_kind", "by_group"],
            "properties": {
                "period": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["from", "to"],
                    "properties": {
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date", "description": "Included"}
                    }
                },
                "minutes": {"type": "integer", "minimum": 0,
                    "description": "Minutes of completed service (checked in and out)"},
                "services": count(),
                "volunteers": {"type": "integer", "minimum": 0, "description": "Distinct volunteers who served"},
                "elders_visited": count(),
                "heat_wave": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["elders_living_alone", "visited", "checks"],
                    "properties": {
                        "elders_living_alone": count(),
                        "visited": count(),
                        "checks": {"type": "integer", "minimum": 0,
                            "description": "0: no heat-wave check in the period"}
                    }
                },
                "by_kind": {"$ref": "#/components/schemas/FiguresByKind"},
                "by_group": {"$ref": "#/components/schemas/FiguresByGroup",
                    "description": "By the village group of the volunteer who served"}
            }
        }),
        "FiguresByKind" => figures_breakdown(
            &["kind", "minutes", "services", "volunteers"],
            json!({
                "kind": {"type": "string", "description": "A task kind, e.g. home_visit"},
                "minutes": count(),
                "services": count(),
                "volunteers": count()
            }),
        ),
        "FiguresByGroup" => figures_breakdown(
            &["group", "name", "minutes", "services", "volunteers"],
            json!({
                "group": {"type": "string"},
                "name": {"type": "string"},
                "minutes": count(),
                "services": count(),
                "volunteers": count()
            }),
        ),
        "FiguresOther" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["merged", "minutes", "services", "volunteers"],
            "properties": {
                "merged": {"type": "integer", "minimum": 1, "description": "How many rows were merged"},
                "minutes": count(),
                "services": count(),
                "volunteers": {"type": "integer", "minimum": 0, "description": "At least min_group_size"}
            }
        }),
        _ => Value::Null,
    }
}

/// `GET /api/v1/ledger/{account}/statement` (its own function, like the key's).
fn ledger_statement_path() -> Value {
    json!({
        "get": {
            "summary": "A time-bank account's signed lines, its balance and the village's key",
            "description": "A volunteer's token reads its own account; a coordinator's any account                 (volunteer v-..., beneficiary b-...) of their village. Every line is chained (prev:                 the previous line's chain hash) and signed with the village's Ed25519 key; check it                 with linli-server verify (docs/ledger.md). balance is the sum of the lines. seal, signed                 by the same key, fixes the number of lines, the last line and the balance as of                 issued_at, so a statement with lines cut off its end fails verification.",
            "security": [{"bearer": []}],
            "parameters": [{"name": "account", "in": "path", "required": true,
                "schema": {"type": "string"}, "description": "A volunteer id or a beneficiary id"}],
            "responses": {
                "200": ok("The statement", "Statement"),
                "401": error_response("unauthorized: missing, unknown or revoked token"),
                "403": error_response("forbidden: a volunteer asking for another account"),
                "404": error_response("unknown_account: no such account in this village"),
                "500": error_response("internal"),
                "503": error_response("unavailable")
            }
        }
    })
}

/// The statement and its lines (`linli_core::ledger`).
fn ledger_schema(name: &str) -> Value {
    let id = json!({"type": "string"});
    match name {
        "Statement" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["village_id", "village_name", "account", "public_key", "lines", "balance", "seal"],
            "properties": {
                "village_id": id, "village_name": {"type": "string"}, "account": id,
                "public_key": {"type": "string", "description": "Base64 of the village's 32-byte Ed25519 public key"},
                "lines": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerLine"}},
                "balance": {"type": "integer", "description": "Hundredths of a credit: the sum of the lines"},
                "seal": {"$ref": "#/components/schemas/StatementSeal"}
            }
        }),
        "StatementSeal" => json!({
            "type": "object",
            "additionalProperties": false,
            "description": "The server's signature over the statement as a whole when it was exported: shows no line was cut off its end (docs/ledger.md)",
            "required": ["issued_at", "lines", "last_chain_hash", "balance", "signature"],
            "properties": {
                "issued_at": {"type": "integer", "description": "Unix seconds, the server's clock when the statement was exported"},
                "lines": {"type": "integer", "minimum": 0, "description": "How many lines the statement has"},
                "last_chain_hash": {"type": "string", "description": "Hex chain hash of the last line; empty for none"},
                "balance": {"type": "integer", "description": "Hundredths of a credit: the statement's balance"},
                "signature": {"type": "string", "description": "Base64 Ed25519 signature by the village key over the seal's canonical bytes"}
            }
        }),
        "LedgerLine" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["account", "seq", "at", "amount", "entry", "by", "reason", "prev"],
            "properties": {
                "account": id,
                "seq": {"type": "integer", "minimum": 1, "description": "1, 2, 3... per account"},
                "at": {"type": "integer", "description": "Unix seconds, the server's clock"},
                "amount": {"type": "integer", "description": "Hundredths of a credit: + credit, - debit"},
                "entry": {"$ref": "#/components/schemas/LedgerEntry"},
                "by": {"type": "string", "description": "The coordinator who reviewed, or the holder who gave or spent"},
                "reason": {"type": "string"},
                "prev": {"type": "string", "description": "Hex SHA-256 chain hash of the previous line; empty for seq 1"},
                "signature": {"type": ["string", "null"], "description": "Base64 Ed25519 signature by the village key"}
            }
        }),
        "LedgerEntry" => json!({
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"enum": ["service_credit", "service_reversal", "transfer_out", "transfer_in", "redeem"]},
                "task": id, "volunteer": id, "minutes": {"type": "integer"},
                "to": id, "from": id, "what": {"type": "string"}
            }
        }),
        _ => Value::Null,
    }
}

/// The document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Linli (邻里) API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Offline-first sync for the Linli volunteer-service app. Every error \
                is JSON {\"error\": {\"code\", \"message\"}}. See docs/sync-protocol.md."
        },
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "Server and database status",
                    "responses": {
                        "200": ok("The server is up", "Health"),
                        "503": error_response("The database is unavailable")
                    }
                }
            },
            "/api/v1/sync": {
                "post": {
                    "summary": "Push pending mutations, pull the patch for this device",
                    "description": "Mutations are applied in id order, each exactly once per \
                        client_id: ids at or below last_mutation_id are skipped (retries), an id \
                        beyond last_mutation_id + 1 stops the batch (a gap). A business rejection \
                        consumes the mutation. On any 5xx nothing of the request was committed.",
                    "security": [{"bearer": []}],
                    "requestBody": json_body("SyncRequest"),
                    "responses": {
                        "200": ok("Mutations processed and the patch", "SyncResponse"),
                        "400": error_response("invalid_json, invalid_body, invalid_client_id or invalid_cookie"),
                        "401": error_response("unauthorized: missing, unknown or revoked token"),
                        "403": error_response("client_id_in_use: the client_id belongs to another user"),
                        "413": error_response(&format!(
                            "payload_too_large (body over {MAX_BODY_BYTES} bytes) or too_many_mutations \
                             (over {MAX_MUTATIONS_PER_REQUEST})")),
                        "429": rate_limited("rate_limited: too many sync requests with this token"),
                        "500": error_response("internal: nothing was committed"),
                        "503": error_response("unavailable: nothing was committed, retry later")
                    }
                }
            },
            "/api/v1/invite": {
                "post": {
                    "summary": "Checks an invite code before joining; names the village and its groups",
                    "requestBody": json_body("InviteRequest"),
                    "responses": {
                        "200": ok("The village's name and groups", "InviteResponse"),
                        "400": error_response("invalid_json or invalid_body"),
                        "403": error_response("invalid_invite: unknown, expired or revoked"),
                        "413": body_too_large(),
                        "429": rate_limited("rate_limited: too many failed join, invite or login attempts from this address"),
                        "503": error_response("unavailable")
                    }
                }
            },
            "/api/v1/join": {
                "post": {
                    "summary": "A volunteer joins a village with an invite code",
                    "requestBody": json_body("JoinRequest"),
                    "responses": {
                        "200": ok("The new volunteer and their token", "JoinResponse"),
                        "400": error_response("invalid_json, invalid_body, invalid_profile (name, phone or request_id) or invalid_group"),
                        "403": error_response("invalid_invite: unknown, expired or revoked"),
                        "413": body_too_large(),
                        "429": rate_limited("rate_limited: too many failed join, invite or login attempts from this address"),
                        "503": error_response("unavailable")
                    }
                }
            },
            "/api/v1/login": {
                "post": {
                    "summary": "A coordinator exchanges a one-time login code for a token",
                    "requestBody": json_body("LoginRequest"),
                    "responses": {
                        "200": ok("The coordinator's token", "LoginResponse"),
                        "400": error_response("invalid_json or invalid_body"),
                        "403": error_response("invalid_login_code: unknown, expired or already used"),
                        "413": body_too_large(),
                        "429": rate_limited("rate_limited: too many failed join, invite or login attempts from this address"),
                        "503": error_response("unavailable")
                    }
                }
            },
            "/api/v1/devices": {
                "get": {
                    "summary": "A coordinator lists every device (token) of their village, live and revoked",
                    "description": "Oldest first. Each device is named by an opaque id (the first 16 hex \
                        digits of its token's SHA-256); the token itself is never shown.",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": ok("The village's devices", "DevicesResponse"),
                        "401": error_response("unauthorized: missing, unknown or revoked token"),
                        "403": error_response("forbidden: a volunteer's token"),
                        "500": error_response("internal"),
                        "503": error_response("unavailable")
                    }
                }
            },
            "/api/v1/devices/revoke": {
                "post": {
                    "summary": "A coordinator revokes one device of their village",
                    "description": "The device's token gets 401 from then on. Revoking a revoked device \
                        answers 200 and keeps its first revoked_at.",
                    "security": [{"bearer": []}],
                    "requestBody": json_body("RevokeDeviceRequest"),
                    "responses": {
                        "200": ok("The device, now revoked", "RevokeDeviceResponse"),
                        "400": error_response("invalid_json or invalid_body"),
                        "401": error_response("unauthorized: missing, unknown or revoked token"),
                        "403": error_response("forbidden: a volunteer's token"),
                        "404": error_response("unknown_device: no such device in this coordinator's village"),
                        "413": body_too_large(),
                        "500": error_response("internal"),
                        "503": error_response("unavailable")
                    }
                }
            },
            "/api/v1/villages/{id}/key": village_key_path(),
            "/api/v1/ledger/{account}/statement": ledger_statement_path(),
            "/api/v1/villages/{id}/figures": figures_path(),
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A token from /api/v1/join or /api/v1/login"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "description": "Stable, machine-readable"},
                                "message": {"type": "string", "description": "English, for developers"}
                            }
                        }
                    }
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "database"],
                    "properties": {
                        "status": {"const": "ok"},
                        "version": {"type": "string"},
                        "database": {
                            "type": "object",
                            "required": ["status", "schema_version", "villages"],
                            "properties": {
                                "status": {"type": "string"},
                                "schema_version": {"type": "integer"},
                                "villages": {"type": "integer"}
                            }
                        }
                    }
                },
                "SyncRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["client_id", "schema_version"],
                    "properties": {
                        "client_id": {"type": "string", "minLength": 1, "maxLength": MAX_CLIENT_ID_CHARS,
                            "pattern": client_id_pattern(),
                            "description": "Chosen once per device and user; bound to the first user that uses it. \
                                No white space or control characters"},
                        "schema_version": {"type": "integer", "minimum": 0, "maximum": u32::MAX},
                        "cookie": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COOKIE,
                            "description": "The cookie of the last response applied; null at first"},
                        "mutations": {"type": "array", "maxItems": MAX_MUTATIONS_PER_REQUEST,
                            "items": {"$ref": "#/components/schemas/PushedMutation"}},
                        "acked_mutation_id": {"type": ["integer", "null"], "minimum": 0, "maximum": u64::MAX,
                            "description": "The highest last_mutation_id this device has received (it dropped those mutations); a server restored from an older backup skips to it instead of waiting for them. Above 2^53 - 1: ignored"},
                        "max_records": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_RECORDS_PER_PAGE,
                            "description": "Answer in pages of at most this many records (0 or more than the limit: 400 too_many_records). Left out: the whole pull in one answer"},
                        "resume": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/PullCursor"}],
                            "description": "The more of the last answer, sent back with its cookie to get the next page. Any other place gets a reset"}
                    }
                },
                "PullCursor": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["after"],
                    "properties": {
                        "after": {"type": "string", "maxLength": MAX_KEY_CHARS,
                            "description": "The page goes on after this record key"},
                        "since": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COOKIE,
                            "description": "null: the pull is a reset (every record); else the records changed after this version"}
                    }
                },
                "PushedMutation": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "name", "args"],
                    "properties": {
                        "id": {"type": "integer", "minimum": 0, "maximum": u64::MAX,
                            "description": "1, 2, 3... per client_id; an id at or below last_mutation_id (0 always) is skipped"},
                        "name": {"type": "string", "examples": Mutation::NAMES,
                            "description": format!("One of {}. Any other name is not an error of the request: \
                                the mutation is rejected with invalid_args (and consumed)",
                                Mutation::NAMES.join(", "))},
                        "args": {
                            "description": format!("The mutation's arguments, an object for every known \
                                mutation. Arguments that do not fit the name, a text over \
                                {MAX_ARG_STRING_CHARS} characters or a list over {} items anywhere in \
                                them reject the mutation with invalid_args (and consume it), not the request",
                                Mutation::MAX_LIST_ITEMS)},
                        "client_time": {"type": ["string", "null"], "description": "Informational; never used for ordering"}
                    }
                },
                "SyncResponse": {
                    "type": "object",
                    "required": ["cookie", "last_mutation_id", "reset", "patch", "results"],
                    "properties": {
                        "cookie": {"type": "integer", "description": "Never goes backwards"},
                        "last_mutation_id": {"type": "integer", "description": "Highest processed mutation id of this client_id"},
                        "reset": {"type": "boolean", "description": "true: replace the snapshot with patch"},
                        "patch": {"type": "array", "items": {"$ref": "#/components/schemas/PatchOp"}},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/MutationResult"}},
                        "more": {"$ref": "#/components/schemas/PullCursor",
                            "description": "The pull did not fit in max_records: send this back as resume, at once"},
                        "resumed": {"$ref": "#/components/schemas/PullCursor",
                            "description": "The resume of the request this answers: a device applies a page only to the pull it continues"}
                    }
                },
                "PatchOp": {
                    "oneOf": [
                        {"type": "object", "required": ["op", "key", "value"],
                         "properties": {"op": {"const": "put"}, "key": {"type": "string"}, "value": {}}},
                        {"type": "object", "required": ["op", "key"],
                         "properties": {"op": {"const": "del"}, "key": {"type": "string"}}}
                    ]
                },
                "MutationResult": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"enum": ["applied", "rejected"]},
                        "outcome": {"type": "object", "description": "When applied: {kind: saved | signed_up | left, ...}"},
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"enum": ["forbidden", "invalid_args", "not_found", "already_exists",
                                    "task_not_open", "not_eligible", "task_full"]},
                                "message": {"type": "string"},
                                "reasons": {"type": "array", "items": {"type": "object"}}
                            }
                        }
                    }
                },
                "InviteRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["invite_code"],
                    "properties": {"invite_code": {"type": "string"}}
                },
                "InviteResponse": {
                    "type": "object",
                    "required": ["village_name", "groups"],
                    "properties": {
                        "village_name": {"type": "string"},
                        "groups": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "name"],
                                "properties": {"id": {"type": "string"}, "name": {"type": "string"}}
                            }
                        }
                    }
                },
                "JoinRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["invite_code", "name", "phone"],
                    "properties": {
                        "invite_code": {"type": "string"},
                        "name": {"type": "string", "minLength": 1, "maxLength": crate::storage::MAX_NAME_CHARS,
                            "pattern": "\\S", "description": "Not only white space; trimmed"},
                        "phone": {"type": "string", "description": "7-15 digits, optional +, - and spaces"},
                        "group": {"type": ["string", "null"], "description": "A village group id; default the first group"},
                        "request_id": {"type": "string", "minLength": 16, "maxLength": 64, "pattern": REQUEST_ID_PATTERN,
                            "description": "Made once per join by the phone (a UUID); a retry with it returns the same volunteer"}
                    }
                },
                "JoinResponse": {
                    "type": "object",
                    "required": ["token", "volunteer_id", "village_id"],
                    "properties": {
                        "token": {"type": "string"},
                        "volunteer_id": {"type": "string"},
                        "village_id": {"type": "string"}
                    }
                },
                "LoginRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}}
                },
                "LoginResponse": {
                    "type": "object",
                    "required": ["token", "coordinator_id", "village_id"],
                    "properties": {
                        "token": {"type": "string"},
                        "coordinator_id": {"type": "string"},
                        "village_id": {"type": "string"}
                    }
                },
                "Device": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["device", "role", "person", "name", "label", "created_at",
                        "last_seen_at", "revoked_at", "current"],
                    "properties": {
                        "device": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                            "description": "Opaque: the first 16 hex digits of the token's SHA-256"},
                        "role": {"enum": ["volunteer", "coordinator"]},
                        "person": {"type": "string", "description": "Volunteer id (v-0001) or coordinator id (c-1)"},
                        "name": {"type": ["string", "null"]},
                        "label": {"type": "string", "description": "How the token was made: join or login"},
                        "created_at": {"type": "integer", "description": "Unix seconds, the server's clock"},
                        "last_seen_at": {"type": ["integer", "null"], "description": "The token's last request, Unix seconds"},
                        "revoked_at": {"type": ["integer", "null"], "description": "null while live"},
                        "current": {"type": "boolean", "description": "The device making this request"}
                    }
                },
                "DevicesResponse": {
                    "type": "object",
                    "required": ["devices"],
                    "properties": {"devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}}}
                },
                "RevokeDeviceRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["device"],
                    "properties": {"device": {"type": "string", "description": "A device id from GET /api/v1/devices"}}
                },
                "RevokeDeviceResponse": {
                    "type": "object",
                    "required": ["device"],
                    "properties": {"device": {"$ref": "#/components/schemas/Device"}}
                },
                "VillageKeyResponse": village_key_schema(),
                "Statement": ledger_schema("Statement"),
                "StatementSeal": ledger_schema("StatementSeal"),
                "LedgerLine": ledger_schema("LedgerLine"),
                "LedgerEntry": ledger_schema("LedgerEntry"),
                "PublicFigures": figures_schema("PublicFigures"),
                "PeriodFigures": figures_schema("PeriodFigures"),
                "FiguresByKind": figures_schema("FiguresByKind"),
                "FiguresByGroup": figures_schema("FiguresByGroup"),
                "FiguresOther": figures_schema("FiguresOther")
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schemathesis found that a schema-valid integer above `u64::MAX` (the document had no
    /// maximum) got a 400: every integer a request may carry needs the bound of its Rust type.
    #[test]
    fn every_integer_in_a_request_has_a_maximum() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let mut checked = 0;
        for name in [
            "SyncRequest",
            "PushedMutation",
            "InviteRequest",
            "JoinRequest",
            "LoginRequest",
            "RevokeDeviceRequest",
        ] {
            let properties = schemas[name]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{name} has properties"));
            for (field, schema) in properties {
                let is_integer = match &schema["type"] {
                    Value::String(t) => t == "integer",
                    Value::Array(types) => types.iter().any(|t| t == "integer"),
                    _ => false,
                };
                if is_integer {
                    assert!(
                        schema["maximum"].is_u64() && schema["minimum"].is_u64(),
                        "{name}.{field}: {schema}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 4, "{checked}");
    }

    #[test]
    fn every_post_documents_the_limits_it_answers_with() {
        let doc = document();
        for path in [
            "/api/v1/sync",
            "/api/v1/invite",
            "/api/v1/join",
            "/api/v1/login",
        ] {
            let responses = &doc["paths"][path]["post"]["responses"];
            for status in ["400", "413", "429"] {
                assert!(responses[status].is_object(), "{path} {status}");
            }
            assert_eq!(
                responses["429"]["headers"]["Retry-After"]["required"], true,
                "{path}"
            );
        }
    }
}

//! `GET /api/v1/openapi.json`: the API described as an OpenAPI 3.1 document, built by hand so
//! it says exactly what the handlers do (prose: `docs/sync-protocol.md`).

use serde_json::{json, Value};

use crate::storage::{MAX_ARG_STRING_CHARS, MAX_CLIENT_ID_CHARS, MAX_MUTATIONS_PER_REQUEST};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
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
                        "400": error_response("invalid_json, invalid_body or invalid_client_id"),
                        "401": error_response("unauthorized: missing, unknown or revoked token"),
                        "403": error_response("client_id_in_use: the client_id belongs to another user"),
                        "413": error_response("payload_too_large (body over 1 MiB) or too_many_mutations"),
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
                        "400": error_response("invalid_json, invalid_body, invalid_profile (name or phone) or invalid_group"),
                        "403": error_response("invalid_invite: unknown, expired or revoked"),
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
                        "503": error_response("unavailable")
                    }
                }
            },
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
                            "description": "Chosen once per device and user; bound to the first user that uses it"},
                        "schema_version": {"type": "integer", "minimum": 0},
                        "cookie": {"type": ["integer", "null"], "minimum": 0,
                            "description": "The cookie of the last response applied; null at first"},
                        "mutations": {"type": "array", "maxItems": MAX_MUTATIONS_PER_REQUEST,
                            "items": {"$ref": "#/components/schemas/PushedMutation"}}
                    }
                },
                "PushedMutation": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "name", "args"],
                    "properties": {
                        "id": {"type": "integer", "minimum": 1, "description": "1, 2, 3... per client_id"},
                        "name": {"enum": linli_core::sync::Mutation::NAMES},
                        "args": {"type": "object",
                            "description": format!("The mutation's arguments; strings at most {MAX_ARG_STRING_CHARS} characters")},
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
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/MutationResult"}}
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
                        "name": {"type": "string", "minLength": 1, "maxLength": crate::storage::MAX_NAME_CHARS},
                        "phone": {"type": "string", "description": "7-15 digits, optional +, - and spaces"},
                        "group": {"type": ["string", "null"], "description": "A village group id; default the first group"},
                        "request_id": {"type": "string", "minLength": 16, "maxLength": 64, "description": "Made once per join by the phone; a retry with it returns the same volunteer"}
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
                }
            }
        }
    })
}

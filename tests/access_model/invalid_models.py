"""Small access models with exactly one mistake each, with the exact path and message a user must see.

Shared by the schema tests (`validate` reports exactly this one problem) and the program tests (an
invalid model declares nothing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    yaml: str
    path: str
    message: str  # a fragment the message must contain


CASES = [
    # --- wrong shapes and types ---
    Case("root-not-mapping", "[clients]", "(top level)", "must be a mapping, got a list"),
    Case("clients-is-list", "clients: [reporting]", "clients", "must be a mapping, got a list"),
    Case("catalog-not-list", "catalog: scim:read", "catalog", "must be a list"),
    Case(
        "scopes-is-list",
        "clients: {reporting: {owner: a@b.c, scopes: [scim:read]}}",
        "clients.reporting.scopes",
        "must be a mapping, got a list",
    ),
    Case(
        "enabled-string",
        "clients: {reporting: {owner: a@b.c, enabled: 'yes'}}",
        "clients.reporting.enabled",
        "must be true or false, got 'yes'",
    ),
    Case(
        "lifetime-as-string",
        "clients: {reporting: {owner: a@b.c, access_token_lifetime: '3600'}}",
        "clients.reporting.access_token_lifetime",
        "must be a whole number, got '3600'",
    ),
    Case(
        "owner-number",
        "clients: {reporting: {owner: 5}}",
        "clients.reporting.owner",
        "must be a string, got 5",
    ),
    Case(
        "grant-is-string",
        "clients: {reporting: {owner: a@b.c, scopes: {scim:read: yes-please}}}",
        'clients.reporting.scopes["scim:read"]',
        "must be a mapping or empty (null)",
    ),
    Case(
        "exclusive-string",
        "groups: {quarantine: {display_name: Quarantine, exclusive: 'true'}}",
        "groups.quarantine.exclusive",
        "must be true or false",
    ),
    Case(
        "members-string",
        "groups: {quarantine: {display_name: Quarantine, members: ann@example.com}}",
        "groups.quarantine.members",
        "must be a list",
    ),
    Case(
        "member-number",
        "groups: {quarantine: {display_name: Quarantine, members: [42]}}",
        "groups.quarantine.members[0]",
        "must be a userName or a mapping {user: userName, expires: YYYY-MM-DD}",
    ),
    # --- unknown keys, with the closest allowed name ---
    Case("top-level-typo", "client: {}", "client", "unknown key; did you mean clients?"),
    Case(
        "client-key-typo",
        "clients: {reporting: {owner: a@b.c, scope: {}}}",
        "clients.reporting.scope",
        "unknown key; did you mean scopes?",
    ),
    Case(
        "grant-key-typo",
        "clients: {reporting: {owner: a@b.c, scopes: {scim:read: {justfication: x}}}}",
        'clients.reporting.scopes["scim:read"].justfication',
        "unknown key; did you mean justification?",
    ),
    Case(
        "secret-key-typo",
        "clients: {reporting: {owner: a@b.c, secret: {rotate_days: 30}}}",
        "clients.reporting.secret.rotate_days",
        "unknown key; did you mean rotate_every_days?",
    ),
    Case(
        "user-key-typo",
        "users: {ann: {user_name: ann@example.com, given_nam: Ann}}",
        "users.ann.given_nam",
        "unknown key; did you mean given_name?",
    ),
    Case(
        "member-key-typo",
        "groups: {q: {display_name: Q, members: [{user: ann@example.com, expire: 2027-01-01}]}}",
        "groups.q.members[0].expire",
        "unknown key; did you mean expires?",
    ),
    # --- bad values ---
    Case(
        "client-key-with-space",
        "clients: {'bad key': {owner: a@b.c}}",
        'clients["bad key"]',
        "invalid name: must start with a letter",
    ),
    Case(
        "client-key-leading-digit",
        "clients: {1st: {owner: a@b.c}}",
        # The engine quotes a key only for a character outside [A-Za-z0-9_]: digits first stay plain.
        "clients.1st",
        "invalid name",
    ),
    Case(
        "purpose-typo",
        "clients: {reporting: {owner: a@b.c, purpose: reportin}}",
        "clients.reporting.purpose",
        "got 'reportin'; did you mean reporting?",
    ),
    Case(
        "token-lifetime-too-short",
        "clients: {reporting: {owner: a@b.c, access_token_lifetime: 30}}",
        "clients.reporting.access_token_lifetime",
        "must be at least 60 (got 30)",
    ),
    Case(
        "token-lifetime-too-long",
        "clients: {reporting: {owner: a@b.c, access_token_lifetime: 100000}}",
        "clients.reporting.access_token_lifetime",
        "must be at most 86400 (got 100000)",
    ),
    Case(
        "owner-blank", "clients: {reporting: {owner: '  '}}", "clients.reporting.owner", "must not be empty"
    ),
    Case(
        "name-trailing-space",
        "clients: {reporting: {owner: a@b.c, name: 'reporting '}}",
        "clients.reporting.name",
        "must not be empty or start or end with whitespace",
    ),
    Case(
        "name-too-long",
        "clients: {reporting: {owner: a@b.c, name: " + "x" * 256 + "}}",
        "clients.reporting.name",
        "must be at most 255 characters long",
    ),
    Case(
        "justification-blank",
        "clients: {reporting: {owner: a@b.c, scopes: {scim:write: {justification: ' '}}}}",
        'clients.reporting.scopes["scim:write"].justification',
        "must not be empty",
    ),
    Case(
        "scope-name-padded",
        "clients: {reporting: {owner: a@b.c, scopes: {' scim:read': {}}}}",
        'clients.reporting.scopes[" scim:read"]',
        "invalid name: must not be empty or start or end with whitespace",
    ),
    Case(
        "secret-lifetime-too-long",
        "clients: {reporting: {owner: a@b.c, secret: {lifetime_days: 400}}}",
        "clients.reporting.secret.lifetime_days",
        "must be at most 365 (got 400)",
    ),
    Case(
        "secret-lifetime-too-short",
        "clients: {reporting: {owner: a@b.c, secret: {lifetime_days: 7}}}",
        "clients.reporting.secret.lifetime_days",
        "must be at least 30 (got 7)",
    ),
    Case(
        "rotation-with-space",
        "clients: {reporting: {owner: a@b.c, secret: {rotation: incident 42}}}",
        "clients.reporting.secret.rotation",
        "no spaces",
    ),
    Case(
        "on-delete-unknown",
        "users: {ann: {user_name: ann@example.com, on_delete: remove}}",
        "users.ann.on_delete",
        "must be one of deactivate, delete; got 'remove'",
    ),
    Case(
        "email-invalid",
        "users: {ann: {user_name: ann@example.com, emails: [ann-at-example.com]}}",
        "users.ann.emails[0]",
        "must be an e-mail address",
    ),
    Case(
        "user-name-with-space",
        "users: {ann: {user_name: ann lee}}",
        "users.ann.user_name",
        "must be a userName without spaces",
    ),
    # --- dates ---
    Case(
        "grant-expires-impossible-date",
        "clients: {reporting: {owner: a@b.c, scopes: {scim:read: {expires: 2026-02-30}}}}",
        'clients.reporting.scopes["scim:read"].expires',
        "there is no such date: 2026-02-30 (February 2026 has 28 days)",
    ),
    Case(
        "grant-expires-words",
        "clients: {reporting: {owner: a@b.c, scopes: {scim:read: {expires: next week}}}}",
        'clients.reporting.scopes["scim:read"].expires',
        "must be a date written YYYY-MM-DD",
    ),
    Case(
        "member-expires-month-13",
        "groups: {q: {display_name: Q, members: [{user: ann@example.com, expires: 2026-13-01}]}}",
        "groups.q.members[0].expires",
        "there is no such date: 2026-13-01 (month 13 does not exist; months run 01-12)",
    ),
    Case(
        "user-expires-european",
        "users: {ann: {user_name: ann@example.com, expires: 31/12/2026}}",
        "users.ann.expires",
        "must be a date written YYYY-MM-DD",
    ),
    # --- unknown scopes (checked against the catalog) ---
    Case(
        "scope-typo",
        "catalog: [scim:read, scim:write]\nclients: {reporting: {owner: a@b.c, scopes: {scim:wrte: {}}}}",
        'clients.reporting.scopes["scim:wrte"]',
        "unknown scope (not in catalog); did you mean scim:write?",
    ),
    Case(
        "scope-not-in-catalog",
        "catalog: [scim:read]\nclients: {reporting: {owner: a@b.c, scopes: {billing:export: {}}}}",
        'clients.reporting.scopes["billing:export"]',
        "unknown scope (not in catalog)",
    ),
    # --- duplicates ---
    Case(
        "catalog-duplicate",
        "catalog: [scim:read, scim:write, scim:read]",
        "catalog[2]",
        "duplicate of an earlier item 'scim:read'",
    ),
    Case(
        "client-tenant-name-duplicate",
        "clients:\n  a: {owner: a@b.c, name: Reporting}\n  b: {owner: a@b.c, name: reporting}",
        "clients.b.name",
        "tenant name 'reporting' is also used by clients.a",
    ),
    Case(
        "client-default-name-duplicate",
        "clients:\n  reporting: {owner: a@b.c}\n  other: {owner: a@b.c, name: reporting}",
        "clients.other.name",
        "is also used by clients.reporting",
    ),
    Case(
        "group-display-name-duplicate",
        "groups:\n  a: {display_name: Admins}\n  b: {display_name: ADMINS}",
        "groups.b.display_name",
        "display_name 'ADMINS' is also used by groups.a",
    ),
    Case(
        "user-name-duplicate",
        "users:\n  a: {user_name: ann@example.com}\n  b: {user_name: Ann@Example.com}",
        "users.b.user_name",
        "is also used by users.a",
    ),
    Case(
        "member-duplicate",
        "groups: {q: {display_name: Q, members: [ann@example.com, {user: ANN@example.com}]}}",
        "groups.q.members[1]",
        "'ANN@example.com' is listed twice",
    ),
    Case(
        "email-duplicate",
        "users: {ann: {user_name: ann@example.com, emails: [ann@example.com, ann@example.com]}}",
        "users.ann.emails[1]",
        "duplicate of an earlier item",
    ),
    # --- missing and cross-field ---
    Case(
        "group-without-display-name",
        "groups: {quarantine: {exclusive: true}}",
        "groups.quarantine.display_name",
        "is required but missing",
    ),
    Case(
        "member-without-user",
        "groups: {q: {display_name: Q, members: [{expires: 2027-01-01}]}}",
        "groups.q.members[0].user",
        "is required but missing",
    ),
    Case("user-without-user-name", "users: {ann: {given_name: Ann}}", "users.ann.user_name", "is required"),
    Case(
        "renew-not-before-expiry",
        "clients: {reporting: {owner: a@b.c, secret: {lifetime_days: 30, renew_before_days: 30}}}",
        "clients.reporting.secret.renew_before_days",
        "must be less than lifetime_days (30)",
    ),
    Case(
        "rotation-after-renewal-window",
        "clients: {reporting: {owner: a@b.c, secret: {lifetime_days: 90, rotate_every_days: 90}}}",
        "clients.reporting.secret.rotate_every_days",
        "must be at most lifetime_days - renew_before_days (90 - 14 = 76)",
    ),
    Case(
        "overlap-negative",
        "clients: {reporting: {owner: a@b.c, secret: {overlap_days: -1}}}",
        "clients.reporting.secret.overlap_days",
        "must be at least 0 (got -1)",
    ),
    Case(
        "overlap-above-bound",
        "clients: {reporting: {owner: a@b.c, secret: {overlap_days: 61}}}",
        "clients.reporting.secret.overlap_days",
        "must be at most 60 (got 61)",
    ),
    Case(
        "overlap-not-a-number",
        "clients: {reporting: {owner: a@b.c, secret: {overlap_days: a week}}}",
        "clients.reporting.secret.overlap_days",
        "must be a whole number, got 'a week'",
    ),
    Case(
        "overlap-outlives-renewal-window",
        "clients: {reporting: {owner: a@b.c, secret: {renew_before_days: 14, overlap_days: 15}}}",
        "clients.reporting.secret.overlap_days",
        "must be at most renew_before_days (14): a secret renewed when its renewal window opens expires"
        " 14 days later, before an overlap of 15 days would end",
    ),
    Case(
        "overlap-outlives-lifetime",
        "clients: {reporting: {owner: a@b.c, secret: {lifetime_days: 30, renew_before_days: 29,"
        " overlap_days: 30}}}",
        "clients.reporting.secret.overlap_days",
        "must be less than lifetime_days (30): the previous secret would expire first",
    ),
    Case(
        "overlap-reaches-next-rotation",
        "clients: {reporting: {owner: a@b.c, secret: {rotate_every_days: 10, overlap_days: 10}}}",
        "clients.reporting.secret.overlap_days",
        "must be less than rotate_every_days (10): the next scheduled rotation would come while the"
        " previous secret is still kept",
    ),
    Case(
        "member-is-logical-user-key",
        "users: {contractor-ann: {user_name: ann@contractor.example}}\n"
        "groups: {contractors: {display_name: Contractors, members: [contractor-ann]}}",
        "groups.contractors.members[0]",
        "did you mean ann@contractor.example?",
    ),
]

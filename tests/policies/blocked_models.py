"""Twenty access models the `scope-guardrails` pack blocks, each with the findings it must produce.

A reusable fixture: `scopectl validate` is compared with the pack served by `python -m pulumi.policy`
(tests/scopectl/test_validate_policy.py), and an end-to-end test with the real Pulumi engine can run the
same models through `pulumi preview/up --policy-pack policies` and expect the same rule names.

Each model is the dev stack's model (Pulumi.dev.yaml) with one change a user could make; `expected` is
the sorted list of (rule, level, resource name) the pack reports on `pulumi up`, evaluated on `TODAY`.
Every model has at least one mandatory finding, so the pack blocks it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from access_model import read_stack_access

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 22)  # the dev model's expiry dates are all after this day

Finding = tuple[str, str, str]  # (rule, level, resource name)


@dataclass(frozen=True)
class BlockedModel:
    id: str
    why: str
    change: Callable[[dict[str, Any]], None]
    expected: tuple[Finding, ...]

    def model(self) -> dict[str, Any]:
        """A fresh copy of the dev model with this change applied."""
        access = copy.deepcopy(dev_model())
        self.change(access)
        return access

    @property
    def rules(self) -> list[str]:
        return sorted({rule for rule, _, _ in self.expected})


def dev_model() -> dict[str, Any]:
    return read_stack_access(ROOT / "Pulumi.dev.yaml")


def _clients(access: dict[str, Any]) -> dict[str, Any]:
    return access["clients"]


def _client(access: dict[str, Any], key: str, **settings: Any) -> None:
    """Add a client with a scheduled secret and an owner unless the settings say otherwise."""
    base = {"owner": "team@example.com", "purpose": "integration", "secret": {"rotate_every_days": 30}}
    _clients(access)[key] = {**base, **settings}


def _unjustified_write(access):
    del _clients(access)["directory-sync"]["scopes"]["scim:write"]["justification"]


def _no_owner(access):
    del _clients(access)["reporting"]["owner"]


def _reporting_writes(access):
    _clients(access)["reporting"]["scopes"]["scim:write"] = {
        "justification": "writes the report back (CHG-9)"
    }


def _audit_writes_connectors(access):
    _client(
        access,
        "auditor",
        purpose="audit",
        scopes={"connector:read": {}, "connector:write": {"justification": "re-keys connectors (CHG-3)"}},
    )


def _monitoring_with_opaque_role(access):
    _client(access, "monitor", purpose="monitoring", scopes={"Role:API_Role01": {}})


def _admin_scope(access):
    _clients(access)["directory-sync"]["scopes"]["ziam:admin"] = {"justification": "manages clients (CHG-7)"}


def _wildcard(access):
    del access["catalog"]
    _client(access, "wild", scopes={"scim:*": {}})


def _misspelled_scope_without_catalog(access):
    del access["catalog"]
    _client(access, "typo", scopes={"scim:wrte": {}})


def _long_secret(access):
    _clients(access)["reporting"]["secret"] = {"lifetime_days": 180, "rotate_every_days": 150}


def _no_rotation_schedule(access):
    del _clients(access)["reporting"]["secret"]["rotate_every_days"]


def _quarantine_not_exclusive(access):
    access["groups"]["quarantine"]["exclusive"] = False


def _admin_group_not_exclusive(access):
    access["groups"]["tenant-admins"] = {"display_name": "Tenant Admins", "exclusive": False, "members": []}


def _too_many_scopes_and_no_owner(access):
    why = {"justification": "vendor integration (CHG-5)"}
    reads = ["ziam:read", "scim:read", "sync:profile:read", "connector:read", "Role:ZDX Read Only"]
    scopes = {name: {} for name in [*reads, "Role:API_Role01"]}
    scopes.update(
        {name: dict(why) for name in ["scim:write", "connector:write", "Scope:Default: Role:API Full Access"]}
    )
    _clients(access)["reader"] = {
        "purpose": "integration",
        "scopes": scopes,
        "secret": {"rotate_every_days": 30},
    }


def _reporting_writes_unjustified(access):
    _clients(access)["reporting"]["scopes"]["scim:write"] = {}


def _bare_client(access):
    _clients(access)["bare"] = {"owner": "team@example.com"}


def _long_secret_no_owner(access):
    _clients(access)["legacy"] = {"secret": {"lifetime_days": 365, "rotate_every_days": 30}}


def _two_clients_two_problems(access):
    del _clients(access)["directory-sync"]["scopes"]["connector:write"]["justification"]
    del _clients(access)["reporting"]["owner"]


def _monitoring_full_access(access):
    _client(
        access,
        "monitor",
        purpose="monitoring",
        scopes={"Scope:Default: Role:API Full Access": {"justification": "vendor default (CHG-11)"}},
    )


def _admin_unjustified(access):
    _clients(access)["directory-sync"]["scopes"]["ziam:admin"] = {}


def _break_glass_group_and_long_secret(access):
    access["groups"]["break-glass"] = {"display_name": "Admin Break Glass", "exclusive": False}
    _clients(access)["directory-sync"]["secret"] = {"lifetime_days": 120, "rotate_every_days": 90}


def _write_scope_expiring_later_unjustified(access):
    _clients(access)["directory-sync"]["scopes"]["scim:write"] = {"expires": "2027-12-31"}


M, A = "mandatory", "advisory"

BLOCKED_MODELS: tuple[BlockedModel, ...] = (
    BlockedModel(
        "unjustified-write",
        "a write scope without a justification",
        _unjustified_write,
        (("write-scopes-justified", M, "directory-sync-scopes"),),
    ),
    BlockedModel("no-owner", "a client without an owner", _no_owner, (("client-has-owner", M, "reporting"),)),
    BlockedModel(
        "reporting-writes",
        "scim:write on a purpose: reporting client",
        _reporting_writes,
        (("read-only-purposes", M, "reporting-scopes"),),
    ),
    BlockedModel(
        "audit-writes",
        "an audit client with a justified write scope",
        _audit_writes_connectors,
        (("read-only-purposes", M, "auditor-scopes"),),
    ),
    BlockedModel(
        "monitoring-opaque-role",
        "a monitoring client holding a role that is not read-only",
        _monitoring_with_opaque_role,
        (("read-only-purposes", M, "monitor-scopes"),),
    ),
    BlockedModel(
        "admin-scope",
        "the all-powerful ziam:admin, even justified",
        _admin_scope,
        (("no-wildcard-scopes", M, "directory-sync-scopes"),),
    ),
    BlockedModel(
        "wildcard",
        "a wildcard scope (no catalog in the model)",
        _wildcard,
        (("no-wildcard-scopes", M, "wild-scopes"), ("scopes-in-catalog", M, "wild-scopes")),
    ),
    BlockedModel(
        "not-in-catalog",
        "a misspelled scope the model cannot catch without a catalog",
        _misspelled_scope_without_catalog,
        (("scopes-in-catalog", M, "typo-scopes"),),
    ),
    BlockedModel(
        "long-secret",
        "a secret living 180 days",
        _long_secret,
        (("secret-max-lifetime", M, "reporting-secret"),),
    ),
    BlockedModel(
        "no-rotation-schedule",
        "a secret without rotate_every_days",
        _no_rotation_schedule,
        (("client-has-rotating-secret", M, "reporting"),),
    ),
    BlockedModel(
        "quarantine-not-exclusive",
        "the quarantine group with hand-added members kept",
        _quarantine_not_exclusive,
        (("privileged-groups-exclusive", M, "quarantine"),),
    ),
    BlockedModel(
        "admin-group-not-exclusive",
        "a new admin group that is not exclusive",
        _admin_group_not_exclusive,
        (("privileged-groups-exclusive", M, "tenant-admins"),),
    ),
    BlockedModel(
        "too-many-scopes-no-owner",
        "nine scopes (advisory) on a client without an owner",
        _too_many_scopes_and_no_owner,
        (("client-has-owner", M, "reader"), ("max-scopes-per-client", A, "reader-scopes")),
    ),
    BlockedModel(
        "reporting-writes-unjustified",
        "an unjustified write scope on a reporting client",
        _reporting_writes_unjustified,
        (("read-only-purposes", M, "reporting-scopes"), ("write-scopes-justified", M, "reporting-scopes")),
    ),
    BlockedModel(
        "bare-client",
        "a client declared with only an owner (its secret has no schedule)",
        _bare_client,
        (("client-has-rotating-secret", M, "bare"),),
    ),
    BlockedModel(
        "legacy-client",
        "a year-long secret on a client without an owner",
        _long_secret_no_owner,
        (("client-has-owner", M, "legacy"), ("secret-max-lifetime", M, "legacy-secret")),
    ),
    BlockedModel(
        "two-clients",
        "problems in two clients at once",
        _two_clients_two_problems,
        (("client-has-owner", M, "reporting"), ("write-scopes-justified", M, "directory-sync-scopes")),
    ),
    BlockedModel(
        "monitoring-full-access",
        "a monitoring client with a full-access role",
        _monitoring_full_access,
        (("read-only-purposes", M, "monitor-scopes"),),
    ),
    BlockedModel(
        "admin-unjustified",
        "ziam:admin without a justification",
        _admin_unjustified,
        (
            ("no-wildcard-scopes", M, "directory-sync-scopes"),
            ("write-scopes-justified", M, "directory-sync-scopes"),
        ),
    ),
    BlockedModel(
        "break-glass-and-long-secret",
        "a non-exclusive admin group and a 120-day secret",
        _break_glass_group_and_long_secret,
        (
            ("privileged-groups-exclusive", M, "break-glass"),
            ("secret-max-lifetime", M, "directory-sync-secret"),
        ),
    ),
    BlockedModel(
        "expiring-write-unjustified",
        "a time-bound write grant without a justification",
        _write_scope_expiring_later_unjustified,
        (("write-scopes-justified", M, "directory-sync-scopes"),),
    ),
)

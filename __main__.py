"""Scope Manager's Pulumi program: declare the stack's access model as resources.

It reads the access model from stack config (`scope-manager:access`, or the YAML file that
`scope-manager:accessFile` names, relative to the project directory), validates all of it before
declaring anything (an invalid model fails with one error listing every problem and creates nothing),
derives the desired state for today (expired grants left out, rotation values from the schedule), and
declares per client an `ApiClient` with its `ScopeAssignment`, `ClientSecret` and `PreviousSecret` (the
overlap window of its rotations), then the SCIM users, then the SCIM groups. It makes no HTTP calls:
the providers do, at deployment time.

Set SCOPE_MANAGER_TODAY=YYYY-MM-DD to evaluate the model as of another day (a rehearsal of a future
scheduled run: which grants will it revoke, which secrets will it rotate).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

import pulumi

from access_model import (
    ClientSettings,
    DesiredClient,
    DesiredGroup,
    DesiredState,
    DesiredUser,
    GroupSettings,
    InvalidModelError,
    UserSettings,
    desired_state,
    settings_of,
)
from access_model import load_pulumi_config as load_access_model
from providers import ApiClient, ClientSecret, PreviousSecret, ScimGroup, ScimUser, ScopeAssignment
from providers.clock import InvalidToday, rehearsal_day


def today(environ: Mapping[str, str] = os.environ) -> dt.date:
    """The day the model is evaluated for: SCOPE_MANAGER_TODAY when set, else today's UTC date."""
    try:
        day = rehearsal_day(environ)
    except InvalidToday as error:
        raise pulumi.RunError(str(error)) from None
    return day if day is not None else dt.datetime.now(dt.UTC).date()


def _inputs(item: ClientSettings | GroupSettings | UserSettings, kind: type) -> dict[str, Any]:
    """The resource inputs a model object sets: its `kind` settings (named like the resource class's
    inputs) without the logical key, tuples as lists, and without unset values so the resource
    classes' own defaults apply to those."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in settings_of(item, kind).items()
        if name != "key" and value is not None
    }


def declare_client(client: DesiredClient) -> tuple[ApiClient, ClientSecret, PreviousSecret]:
    """One API client, its complete scope set, its secret and the overlap window of its rotations.

    The scope assignment and the secret take `client_id` from the client's resource id (the provider
    makes it the tenant's client id), which both orders them after the client and records the link the
    policy pack and scopectl follow. The id, unlike the `client_id` output, stays known in a preview
    that updates the client, so editing a client's description does not show a spurious
    `client_id: [unknown]` change on its scope set and secret. They are children of the client so a
    plan groups them under it. The `PreviousSecret` takes the current secret from the `ClientSecret`'s
    outputs: when a rotation replaces that one, it keeps the old secret valid for `overlap_days`.
    """
    # Created with its scopes (one request for both); the ScopeAssignment owns them from then on.
    settings = _inputs(client, ClientSettings)
    api_client = ApiClient(client.key, **settings, initial_scopes=sorted(client.scopes))
    child = pulumi.ResourceOptions(parent=api_client)
    ScopeAssignment(f"{client.key}-scopes", client_id=api_client.id, scopes=client.scopes, opts=child)
    secret = ClientSecret(
        f"{client.key}-secret",
        client_id=api_client.id,
        lifetime_days=client.secret.lifetime_days,
        renew_before_days=client.secret.renew_before_days,
        rotation=client.secret.rotation,
        overlap_days=client.secret.overlap_days,
        opts=child,  # ClientSecret itself marks `value` with additional_secret_outputs
    )
    previous = PreviousSecret(
        f"{client.key}-previous-secret",
        client_id=api_client.id,
        client_key=client.key,
        overlap_days=client.secret.overlap_days,
        current_secret_id=secret.secret_id,
        current_value=secret.value,
        current_expires_at=secret.expires_at,
        opts=child,
    )
    return api_client, secret, previous


def credentials_output(
    client: DesiredClient, api_client: ApiClient, previous: PreviousSecret
) -> pulumi.Output[Any]:
    """What a consumer reads for one client: `current` and, during the overlap window, `previous`, each
    with its value, expiry and revoke date (`client_credentials` in docs/providers.md)."""
    rotates_on = client.secret.rotates_on
    current_revoke_on = (
        (rotates_on + dt.timedelta(days=client.secret.overlap_days)).isoformat() if rotates_on else ""
    )

    def shape(values: dict[str, Any]) -> dict[str, Any]:
        previous_secret = None
        if values["previous_live"]:
            previous_secret = {
                "secret_id": values["previous_secret_id"],
                "value": values["previous_value"],
                "expires_at": values["previous_expires_at"],
                "revoke_on": values["previous_revoke_on"],
            }
        return {
            "client_id": values["client_id"],
            "current": {
                "secret_id": values["current_secret_id"],
                "value": values["current_value"],
                "expires_at": values["current_expires_at"],
                "rotates_on": rotates_on.isoformat() if rotates_on else "",
                "revoke_on": current_revoke_on,
            },
            "previous": previous_secret,
        }

    return pulumi.Output.all(
        client_id=api_client.client_id,
        current_secret_id=previous.current_secret_id,
        current_value=previous.current_value,
        current_expires_at=previous.current_expires_at,
        previous_live=previous.previous_live,
        previous_secret_id=previous.previous_secret_id,
        previous_value=previous.previous_value,
        previous_expires_at=previous.previous_expires_at,
        previous_revoke_on=previous.previous_revoke_on,
    ).apply(shape)


def declare_user(user: DesiredUser) -> ScimUser:
    return ScimUser(user.key, **_inputs(user, UserSettings))


def declare_group(group: DesiredGroup, users_by_name: dict[str, ScimUser]) -> ScimGroup:
    """A group whose members are userNames; members declared in this stack are created first."""
    member_users = [
        users_by_name[name.casefold()] for name in group.members if name.casefold() in users_by_name
    ]
    return ScimGroup(
        group.key,
        **_inputs(group, GroupSettings),
        members=list(group.members),
        opts=pulumi.ResourceOptions(depends_on=member_users) if member_users else None,
    )


def declare(state: DesiredState) -> dict[str, Any]:
    """Declare every resource of the desired state; returns the stack outputs to export."""
    client_ids: dict[str, Any] = {}
    secret_values: dict[str, Any] = {}
    secret_expiry: dict[str, Any] = {}
    credentials: dict[str, Any] = {}
    for key, client in state.clients.items():
        api_client, secret, previous = declare_client(client)
        client_ids[key] = api_client.client_id
        secret_values[key] = secret.value
        secret_expiry[key] = secret.expires_at
        credentials[key] = credentials_output(client, api_client, previous)

    users = {key: declare_user(user) for key, user in state.users.items()}
    users_by_name = {state.users[key].user_name.casefold(): user for key, user in users.items()}
    groups = {key: declare_group(group, users_by_name) for key, group in state.groups.items()}

    return {
        "client_ids": client_ids,
        # One secret output for all clients: consumers (another stack, a secret store sync) read
        # `client_secrets["<client key>"]`; the value is encrypted in state and hidden in output.
        "client_secrets": pulumi.Output.secret(pulumi.Output.all(**secret_values) if secret_values else {}),
        "client_secret_expires_at": secret_expiry,
        # Per client `current` and, during an overlap window, `previous` (values, expiry, revoke date);
        # what consumers read (examples/consumer, docs/providers.md). A secret as a whole.
        "client_credentials": pulumi.Output.secret(pulumi.Output.all(**credentials) if credentials else {}),
        "group_ids": {key: group.group_id for key, group in groups.items()},
        "user_ids": {key: user.user_id for key, user in users.items()},
    }


def main() -> None:
    try:
        model = load_access_model()
    except InvalidModelError as error:
        # One error listing every problem, raised before any resource is declared.
        raise pulumi.RunError(str(error)) from None
    state = desired_state(model, today())
    for warning in state.warnings:
        pulumi.log.warn(warning)
    for note in state.expired:
        pulumi.log.info(note)
    for name, value in declare(state).items():
        pulumi.export(name, value)


if __name__ == "__main__":
    main()

"""Verify before revoke: a secret proves itself by obtaining an access token before anything older goes.

The check is the client-credentials grant a consumer makes, against the tenant's own token URL (the
provider's `tokenUrl` setting), sent through the tenant's transport (same retries, same redaction).
A secret that cannot get a token fails the run with `VerificationFailed`, naming the client and the
token URL and never the value; the callers revoke nothing in that case.
"""

from __future__ import annotations

import datetime as dt

from providers.clock import evaluation_time
from providers.errors import ProviderError
from providers.tenant import Tenant, TenantError


class VerificationFailed(ProviderError, TenantError):
    """A secret could not obtain an access token, so nothing older was revoked."""

    def __init__(self, client: str, token_url: str, message: str) -> None:
        self.client, self.token_url = client, token_url
        super().__init__(message)


def client_label(tenant: Tenant, client_id: str) -> str:
    """`'reporting-integration' (id abc)`: the client's tenant name when it can be read, else its id."""
    try:
        record = tenant.zidentity.get_client(client_id)
    except TenantError:
        record = None
    name = (record or {}).get("name")
    return f"{name!r} (id {client_id})" if name else f"id {client_id}"


def verify_secret(tenant: Tenant, client_id: str, value: str, what: str, consequence: str) -> None:
    """Obtain one access token with `value`; `VerificationFailed` when the token endpoint refuses it.

    `what` names the secret ("the new secret"), `consequence` what was left as it was ("nothing was
    revoked").
    """
    token_url = str(tenant.settings.token_url or "")
    grant = tenant.client_credentials(client_id, value)
    try:
        grant.token()
    except TenantError as error:
        label = client_label(tenant, client_id)
        raise VerificationFailed(
            label,
            token_url,
            f"{what} of API client {label} could not obtain an access token from {token_url}: {error}; "
            f"{consequence}",
        ) from None


def evaluation_date() -> dt.date:
    """The UTC date the providers judge time by (SCOPE_MANAGER_TODAY when set)."""
    return dt.datetime.fromtimestamp(evaluation_time(), dt.UTC).date()

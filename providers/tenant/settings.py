"""Where the tenant is and how to authenticate: resolved once from stack config and the environment.

Two ways to point at a tenant: explicit URLs (the emulator, a custom gateway) or the real Zscaler cloud
conventions (vanity domain + cloud name -> token URL and OneAPI gateway, as the official SDKs derive
them). All problems are collected and raised as one `ConfigurationError`, so a user fixes everything in
one go instead of meeting the errors one at a time.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from providers.tenant.errors import ConfigurationError

CONFIG_NAMESPACE = "scope-manager"
"""Stack config namespace the providers read, whatever the Pulumi project is called."""
ADMIN_API_PATH = "/ziam/admin/api/v1"
AUDIENCE = "https://api.zscaler.com"

# Stack config key -> dataclass field.
_KEYS: dict[str, str] = {
    "tokenUrl": "token_url",
    "apiUrl": "api_url",
    "clientId": "client_id",
    "clientSecret": "client_secret",
    "scimUrl": "scim_url",
    "scimToken": "scim_token",
    "vanityDomain": "vanity_domain",
    "cloud": "cloud",
    "rateLimit": "rate_limit",
    "scimBatchSize": "scim_batch_size",
    "maxRetryWait": "max_retry_wait",
}
_SECRET_KEYS = frozenset({"clientSecret", "scimToken"})

# Public views of the two tables above, for code that passes settings through (the providers'
# configure(), test and bench set-up) so the list of settings lives in this one place.
CONFIG_KEYS: tuple[str, ...] = tuple(_KEYS)
"""Every setting's stack config key, without the `scope-manager:` namespace."""
SECRET_CONFIG_KEYS: frozenset[str] = _SECRET_KEYS
"""Keys to set with `pulumi config set --secret`."""
SETTING_FIELDS: dict[str, str] = dict(_KEYS)
"""Stack config key -> settings field; also the key of the emulator's `credentials.json`."""
# The names the official Zscaler SDKs and Terraform providers read, tried after our own names.
_SDK_ENV: dict[str, str] = {
    "clientId": "ZSCALER_CLIENT_ID",
    "clientSecret": "ZSCALER_CLIENT_SECRET",
    "vanityDomain": "ZSCALER_VANITY_DOMAIN",
    "cloud": "ZSCALER_CLOUD",
}
_GOV_TOKEN_DOMAINS = {"gov": "zidentitygov.net", "govus": "zidentitygov.us"}
_GOV_API_URLS = {"gov": "https://api.zscalergov.net", "govus": "https://api.zscalergov.us"}
_VANITY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_CLOUD = re.compile(r"^[A-Za-z0-9]{1,32}$")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

DEFAULT_SCIM_BATCH_SIZE = 100
MAX_SCIM_BATCH_SIZE = 1000
DEFAULT_MAX_RETRY_WAIT = 60.0


def env_name(key: str) -> str:
    """`scimBatchSize` -> `SCOPE_MANAGER_SCIM_BATCH_SIZE`."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()
    return f"SCOPE_MANAGER_{snake}"


def where_to_set(key: str) -> str:
    """Human hint naming the stack config key and the environment variable(s) for a setting."""
    secret = " --secret" if key in _SECRET_KEYS else ""
    envs = env_name(key) + (f" or {_SDK_ENV[key]}" if key in _SDK_ENV else "")
    return f"`pulumi config set{secret} {CONFIG_NAMESPACE}:{key} <value>` or the environment variable {envs}"


# How the "no endpoint" problems start, so a caller with more ways to set one (scopectl's flags) can
# spell them out without parsing the rest.
NO_ZIDENTITY_ENDPOINT = "no ZIdentity endpoint"
NO_SCIM_URL = "scimUrl is missing"
NO_TENANT = "no tenant configured"


def _no_zidentity_endpoint() -> str:
    """The problem of a ZIdentity part without any endpoint (one wording for both checks below)."""
    return (
        f"{NO_ZIDENTITY_ENDPOINT}: set vanityDomain (and cloud, if not production) with "
        f"{where_to_set('vanityDomain')}, or tokenUrl and apiUrl for the emulator"
    )


def _no_scim_credential() -> str:
    """The problem of a SCIM part with neither a bearer token nor an API client to get one."""
    return f"scimToken is missing (or an API client with scim scopes): {where_to_set('scimToken')}"


def token_url_for(vanity_domain: str, cloud: str | None) -> str:
    """Token endpoint of a ZIdentity tenant, by the rules of the official SDKs."""
    cloud_key = (cloud or "production").lower()
    if cloud_key == "production":
        host = f"{vanity_domain}.zslogin.net"
    elif cloud_key in _GOV_TOKEN_DOMAINS:
        host = f"{vanity_domain}.{_GOV_TOKEN_DOMAINS[cloud_key]}"
    else:
        host = f"{vanity_domain}.zslogin{cloud_key}.net"
    return f"https://{host}/oauth2/v1/token"


def api_url_for(cloud: str | None) -> str:
    """OneAPI gateway base URL for a cloud (the admin API lives under `/ziam/admin/api/v1`)."""
    cloud_key = (cloud or "production").lower()
    if cloud_key == "production":
        return "https://api.zsapi.net"
    if cloud_key in _GOV_API_URLS:
        return _GOV_API_URLS[cloud_key]
    return f"https://api.{cloud_key}.zsapi.net"


@dataclasses.dataclass(frozen=True)
class TenantSettings:
    """Resolved, validated tenant settings. Hashable: `Tenant.shared` keys its registry on them.

    The repr shows whether secrets are set, never their values.
    """

    token_url: str | None = None
    api_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = dataclasses.field(default=None, repr=False)
    scim_url: str | None = None
    scim_token: str | None = dataclasses.field(default=None, repr=False)
    vanity_domain: str | None = None
    cloud: str | None = None
    rate_limit: float | None = None
    scim_batch_size: int = DEFAULT_SCIM_BATCH_SIZE
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    timeout: float = 30.0
    snapshot_ttl: float = 30.0
    # Stack config key -> where its value came from ("environment variable SCOPE_MANAGER_API_URL"),
    # so an error about an endpoint can say which setting to fix. Not part of equality or the hash.
    sources: tuple[tuple[str, str], ...] = dataclasses.field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        shown = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "sources":
                continue
            if field.name in ("client_secret", "scim_token"):
                shown.append(f"{field.name}={'<set>' if value else None}")
            elif value is not None:
                shown.append(f"{field.name}={value!r}")
        return f"TenantSettings({', '.join(shown)})"

    __str__ = __repr__

    def endpoint_setting(self, url: str) -> str | None:
        """Which setting holds the endpoint `url` belongs to, and where that setting came from.

        Used by errors about an unreachable server: "check apiUrl (environment variable ...)" tells
        the user what to fix, where a bare connection error does not. None for a URL outside every
        configured endpoint.
        """
        origin = dict(self.sources)

        def came_from(key: str) -> str:
            return origin.get(key) or f"set with {where_to_set(key)}"

        candidates = [
            (base, key)
            for key, base in (
                ("scimUrl", self.scim_url),
                ("tokenUrl", self.token_url),
                ("apiUrl", self.api_url),
            )
            if base and (url == base or url.startswith(base.rstrip("/") + "/"))
        ]
        if not candidates:
            return None
        _, key = max(candidates, key=lambda pair: len(pair[0]))
        if key in ("tokenUrl", "apiUrl") and self.vanity_domain:
            cloud = f"cloud ({came_from('cloud')})" if self.cloud else "cloud (not set: production)"
            if key == "apiUrl":
                return f"apiUrl, derived from {cloud}"
            return f"tokenUrl, derived from vanityDomain ({came_from('vanityDomain')}) and {cloud}"
        return f"{key} ({came_from(key)})"

    def setting_origin(self, key: str) -> str:
        """Where the setting `key` (`clientSecret`, ...) came from, or how to set it: for errors that
        must name the setting to fix without showing its value."""
        return dict(self.sources).get(key) or f"set with {where_to_set(key)}"

    @property
    def admin_api_url(self) -> str:
        """Base URL of the ZIdentity admin API (`{apiUrl}/ziam/admin/api/v1`)."""
        self.require_zidentity()
        assert self.api_url is not None
        return self.api_url.rstrip("/") + ADMIN_API_PATH

    @property
    def has_zidentity(self) -> bool:
        return not self.zidentity_problems()

    @property
    def has_scim(self) -> bool:
        return not self.scim_problems()

    def _given(self, key: str) -> bool:
        return bool(getattr(self, _KEYS[key]))

    def zidentity_problems(self) -> list[str]:
        """What is missing before the ZIdentity admin API can be used (empty when ready)."""
        return _zidentity_gaps(self._given)

    def scim_problems(self) -> list[str]:
        """What is missing before the SCIM API can be used (empty when ready)."""
        return _scim_gaps(self._given, bool(self.token_url and self.client_id and self.client_secret))

    def require_zidentity(self) -> None:
        problems = self.zidentity_problems()
        if problems:
            raise ConfigurationError(problems)

    def require_scim(self) -> None:
        problems = self.scim_problems()
        if problems:
            raise ConfigurationError(problems)

    @classmethod
    def resolve(
        cls, config: Mapping[str, Any], env: Mapping[str, str] | None = None, **fixed: Any
    ) -> TenantSettings:
        """Resolve settings from stack config (keys without the `scope-manager:` prefix) and env.

        Order per key: stack config, then `SCOPE_MANAGER_<KEY>`, then the Zscaler SDK name. Raises one
        `ConfigurationError` listing every missing or contradictory setting and where to set it.
        `fixed` takes dataclass fields that are not user settings (e.g. `timeout`, `snapshot_ttl`).
        """
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        for key in _KEYS:
            found = _lookup(key, config, env)
            if found is not None:
                values[key], sources[key] = found
        return _build(cls, values, sources, fixed)

    @classmethod
    def from_credentials_file(cls, path: str | os.PathLike[str], **overrides: Any) -> TenantSettings:
        """Settings from the emulator's `credentials.json` (`token_url`, `api_url`, `client_id`, ...).

        `overrides` use stack-config key names (`rateLimit`, `scimBatchSize`, ...) or dataclass fields.
        """
        file = Path(path)
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError([f"{file}: credentials file not found"]) from None
        except (OSError, ValueError) as exc:
            raise ConfigurationError([f"{file}: not a readable JSON credentials file ({exc})"]) from None
        if not isinstance(raw, dict):
            raise ConfigurationError([f"{file}: expected a JSON object"])
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        for key, field in _KEYS.items():
            if field in raw and raw[field] not in (None, ""):
                values[key], sources[key] = str(raw[field]), f"{file}:{field}"
        fixed = {}
        for key, value in overrides.items():
            if key in _KEYS:
                values[key], sources[key] = str(value), "argument"
            else:
                fixed[key] = value
        return _build(cls, values, sources, fixed)


def _lookup(key: str, config: Mapping[str, Any], env: Mapping[str, str]) -> tuple[str, str] | None:
    for name in (key, f"{CONFIG_NAMESPACE}:{key}"):
        value = config.get(name)
        if value is not None and str(value).strip() != "":
            return str(value).strip(), f"stack config {CONFIG_NAMESPACE}:{key}"
    for name in (env_name(key), _SDK_ENV.get(key)):
        if name and env.get(name, "").strip():
            return env[name].strip(), f"environment variable {name}"
    return None


def _check_url(key: str, url: str, source: str, problems: list[str]) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"{key} ({source}) is not an http(s) URL: {url!r}")
        return None
    if parts.username is not None or parts.password is not None:
        problems.append(
            f"{key} ({source}) holds a user name or password; URLs are shown in errors and logs, so "
            "credentials belong in clientSecret / scimToken, not in the URL"
        )
        return None
    if key == "apiUrl" and parts.path.rstrip("/").lower().endswith(ADMIN_API_PATH):
        base = url.rstrip("/")[: -len(ADMIN_API_PATH)]
        problems.append(
            f"apiUrl ({source}) already ends in {ADMIN_API_PATH}, which Scope Manager appends itself "
            f"(requests would go to ...{ADMIN_API_PATH}{ADMIN_API_PATH} and fail with 404): "
            f"set apiUrl to the gateway base URL {base!r}"
        )
        return None
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        problems.append(
            f"{key} ({source}) uses plain http to {parts.hostname}; credentials would travel unencrypted "
            "(plain http is accepted only for 127.0.0.1/localhost)"
        )
        return None
    return url.rstrip("/")


def _number(key: str, raw: str, source: str, problems: list[str], *, integer: bool) -> float | None:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        problems.append(f"{key} ({source}) must be {kind}, got {raw!r}")
        return None
    if not math.isfinite(value):
        problems.append(f"{key} ({source}) must be finite, got {raw!r}")
        return None
    return value


def _build(
    cls: type[TenantSettings], values: dict[str, str], sources: dict[str, str], fixed: dict[str, Any]
) -> TenantSettings:
    """Settings from the raw values of each key, or one `ConfigurationError` listing every problem:
    endpoints first, then the numbers, then what is missing."""
    problems: list[str] = []
    fields = _endpoint_fields(values, sources, problems)
    fields.update(
        {_KEYS[key]: values[key] for key in ("clientId", "clientSecret", "scimToken") if key in values}
    )
    fields.update(_tuning_fields(values, sources, problems))
    problems.extend(_missing(values))
    if problems:
        raise ConfigurationError(problems)
    fields["sources"] = tuple(sorted(sources.items()))
    return cls(**{**fields, **fixed})


def _endpoint_fields(values: dict[str, str], sources: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """The URLs: derived from vanityDomain + cloud, or given explicitly (never both), each checked."""
    fields: dict[str, Any] = {}
    src = sources.get
    vanity, cloud = values.get("vanityDomain"), values.get("cloud")
    explicit = [k for k in ("tokenUrl", "apiUrl") if k in values]
    if vanity and explicit:
        problems.append(
            f"both {' and '.join(explicit)} ({', '.join(src(k, '') for k in explicit)}) and vanityDomain "
            f"({src('vanityDomain')}) are set: use explicit URLs (emulator, custom gateway) or "
            "vanityDomain + cloud, not both"
        )
    if cloud and not vanity:
        problems.append(
            f"cloud ({src('cloud')}) is set without vanityDomain: set vanityDomain with "
            f"{where_to_set('vanityDomain')}, or remove cloud when using explicit URLs"
        )
    if cloud and not _CLOUD.match(cloud):
        problems.append(f"cloud ({src('cloud')}) must be a cloud name such as production, beta or gov")
    if vanity and not _VANITY.match(vanity):
        problems.append(
            f"vanityDomain ({src('vanityDomain')}) must be the vanity name only (e.g. acme for "
            f"acme.zslogin.net), got {vanity!r}"
        )
    elif vanity and not explicit and not any(p.startswith("cloud (") for p in problems):
        fields["token_url"] = token_url_for(vanity, cloud)
        fields["api_url"] = api_url_for(cloud)
        fields["vanity_domain"], fields["cloud"] = vanity, cloud
    for key in ("tokenUrl", "apiUrl", "scimUrl"):
        if key in values and (key == "scimUrl" or not vanity):
            url = _check_url(key, values[key], src(key, ""), problems)
            if url:
                fields[_KEYS[key]] = url
    return fields


def _tuning_fields(values: dict[str, str], sources: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """rateLimit, scimBatchSize and maxRetryWait as numbers within their ranges."""
    fields: dict[str, Any] = {}
    src = sources.get
    if "rateLimit" in values:
        rate = _number("rateLimit", values["rateLimit"], src("rateLimit", ""), problems, integer=False)
        if rate is not None and rate <= 0:
            problems.append(f"rateLimit ({src('rateLimit')}) must be a positive number of requests/s")
        elif rate is not None:
            fields["rate_limit"] = rate
    if "scimBatchSize" in values:
        raw = values["scimBatchSize"]
        size = _number("scimBatchSize", raw, src("scimBatchSize", ""), problems, integer=True)
        if size is not None and not 1 <= size <= MAX_SCIM_BATCH_SIZE:
            problems.append(
                f"scimBatchSize ({src('scimBatchSize')}) must be between 1 and {MAX_SCIM_BATCH_SIZE}"
            )
        elif size is not None:
            fields["scim_batch_size"] = int(size)
    if "maxRetryWait" in values:
        wait = _number(
            "maxRetryWait", values["maxRetryWait"], src("maxRetryWait", ""), problems, integer=False
        )
        if wait is not None and wait < 0:
            problems.append(f"maxRetryWait ({src('maxRetryWait')}) must be zero or more seconds")
        elif wait is not None:
            fields["max_retry_wait"] = wait
    return fields


_ZIDENTITY_KEYS = ("tokenUrl", "apiUrl", "clientId", "clientSecret", "vanityDomain", "cloud")


def _missing(values: dict[str, str]) -> list[str]:
    """What the user left out, judged on the keys given: a part (ZIdentity or SCIM) the user started
    configuring must be complete; one not started is not required; nothing at all is a problem."""

    def given(key: str) -> bool:
        return key in values or (key in ("tokenUrl", "apiUrl") and "vanityDomain" in values)

    zid_started = any(k in values for k in _ZIDENTITY_KEYS)
    scim_started = "scimUrl" in values or "scimToken" in values
    if not zid_started and not scim_started:
        return [
            "no tenant configured: for ZIdentity set clientId and clientSecret with vanityDomain (+ cloud) "
            "or with tokenUrl and apiUrl; for SCIM set scimUrl and scimToken. "
            f"For example {where_to_set('vanityDomain')}, {where_to_set('clientId')}, "
            f"{where_to_set('clientSecret')}, {where_to_set('scimUrl')}, {where_to_set('scimToken')}"
        ]
    # At this stage an API client counts for SCIM once its id and secret are given: a missing token
    # endpoint is the ZIdentity part's problem, reported there.
    has_client = given("clientId") and given("clientSecret")
    gaps = _zidentity_gaps(given) if zid_started else []
    return gaps + (_scim_gaps(given, has_client) if scim_started else [])


def _zidentity_gaps(given: Callable[[str], bool]) -> list[str]:
    """What the ZIdentity part lacks, by which settings are `given`: the one completeness rule for a
    configuration being resolved (keys the user set) and for resolved settings (`zidentity_problems`)."""
    urls = [key for key in ("tokenUrl", "apiUrl") if given(key)]
    gaps = []
    if not urls:
        gaps.append(_no_zidentity_endpoint())
    elif len(urls) == 1:
        other = "apiUrl" if urls[0] == "tokenUrl" else "tokenUrl"
        gaps.append(f"{other} is missing ({urls[0]} is set): {where_to_set(other)}")
    gaps += [
        f"{key} is missing: {where_to_set(key)}" for key in ("clientId", "clientSecret") if not given(key)
    ]
    return gaps


def _scim_gaps(given: Callable[[str], bool], has_client: bool) -> list[str]:
    """What the SCIM part lacks: a URL, and a bearer token or an API client to get one (`has_client`).
    The one completeness rule for a configuration being resolved and for resolved settings."""
    gaps = []
    if not given("scimUrl"):
        because = " (scimToken is set)" if given("scimToken") else ""
        gaps.append(f"scimUrl is missing{because}: {where_to_set('scimUrl')}")
    if not given("scimToken") and not has_client:
        gaps.append(_no_scim_credential())
    return gaps

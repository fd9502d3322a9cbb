"""TenantSettings: where the tenant is, from stack config, env and credentials files."""

from __future__ import annotations

import json

import pytest

from providers.tenant import ConfigurationError, Tenant, TenantSettings, api_url_for, token_url_for

SECRET = "s3cr3t-client-secret-value"
SCIM_TOKEN = "scim-bearer-token-value-42"


@pytest.mark.parametrize(
    ("cloud", "token_url", "api_url"),
    [
        (None, "https://acme.zslogin.net/oauth2/v1/token", "https://api.zsapi.net"),
        ("PRODUCTION", "https://acme.zslogin.net/oauth2/v1/token", "https://api.zsapi.net"),
        ("beta", "https://acme.zsloginbeta.net/oauth2/v1/token", "https://api.beta.zsapi.net"),
        ("gov", "https://acme.zidentitygov.net/oauth2/v1/token", "https://api.zscalergov.net"),
        ("GovUS", "https://acme.zidentitygov.us/oauth2/v1/token", "https://api.zscalergov.us"),
    ],
)
def test_vanity_domain_and_cloud_give_the_sdk_urls(cloud, token_url, api_url):
    config = {"vanityDomain": "acme", "clientId": "cid", "clientSecret": SECRET}
    if cloud:
        config["cloud"] = cloud
    settings = TenantSettings.resolve(config, env={})
    assert (settings.token_url, settings.api_url) == (token_url, api_url)
    assert settings.admin_api_url == api_url + "/ziam/admin/api/v1"
    assert token_url_for("acme", cloud) == token_url and api_url_for(cloud) == api_url


def test_explicit_urls_for_the_emulator():
    settings = TenantSettings.resolve(
        {
            "tokenUrl": "http://127.0.0.1:8787/oauth2/v1/token",
            "apiUrl": "http://127.0.0.1:8787/",
            "clientId": "cid",
            "clientSecret": SECRET,
            "scimUrl": "http://127.0.0.1:8787/scim/1/7/v2",
            "scimToken": SCIM_TOKEN,
            "rateLimit": "12.5",
            "scimBatchSize": "50",
            "maxRetryWait": "5",
        },
        env={},
    )
    assert settings.api_url == "http://127.0.0.1:8787"
    assert settings.admin_api_url == "http://127.0.0.1:8787/ziam/admin/api/v1"
    assert (settings.rate_limit, settings.scim_batch_size, settings.max_retry_wait) == (12.5, 50, 5.0)
    assert settings.has_zidentity and settings.has_scim


def test_env_names_ours_first_then_the_zscaler_sdk_names():
    env = {
        "ZSCALER_CLIENT_ID": "from-sdk-env",
        "ZSCALER_CLIENT_SECRET": SECRET,
        "ZSCALER_VANITY_DOMAIN": "acme",
        "ZSCALER_CLOUD": "beta",
        "SCOPE_MANAGER_CLIENT_ID": "from-our-env",
        "SCOPE_MANAGER_SCIM_BATCH_SIZE": "25",
    }
    settings = TenantSettings.resolve({}, env=env)
    assert settings.client_id == "from-our-env"
    assert settings.client_secret == SECRET
    assert settings.token_url == "https://acme.zsloginbeta.net/oauth2/v1/token"
    assert settings.scim_batch_size == 25


def test_stack_config_wins_over_env_and_accepts_the_namespaced_key():
    settings = TenantSettings.resolve(
        {"scope-manager:clientId": "from-config", "vanityDomain": "acme", "clientSecret": SECRET},
        env={"ZSCALER_CLIENT_ID": "from-env"},
    )
    assert settings.client_id == "from-config"


def test_every_missing_setting_is_listed_with_where_to_set_it():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {"tokenUrl": "http://127.0.0.1:1/oauth2/v1/token", "scimToken": SCIM_TOKEN}, env={}
        )
    problems = caught.value.problems
    text = str(caught.value)
    for key in ("apiUrl", "clientId", "clientSecret", "scimUrl"):
        assert any(p.startswith(key) for p in problems), (key, problems)
    assert "pulumi config set --secret scope-manager:clientSecret" in text
    assert "SCOPE_MANAGER_CLIENT_SECRET or ZSCALER_CLIENT_SECRET" in text
    assert "SCOPE_MANAGER_API_URL" in text
    assert SCIM_TOKEN not in text


def test_nothing_configured_says_what_a_minimal_setup_needs():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve({}, env={})
    assert len(caught.value.problems) == 1
    assert "no tenant configured" in caught.value.problems[0]
    assert "scope-manager:vanityDomain" in caught.value.problems[0]


def test_contradictions_and_bad_values_are_all_reported_at_once():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {
                "tokenUrl": "https://t.example/oauth2/v1/token",
                "clientId": "cid",
                "clientSecret": SECRET,
                "rateLimit": "fast",
                "scimBatchSize": "0",
                "scimUrl": "ftp://scim.example/v2",
                "scimToken": SCIM_TOKEN,
            },
            env={"ZSCALER_VANITY_DOMAIN": "acme"},
        )
    text = str(caught.value)
    assert "both tokenUrl" in text and "environment variable ZSCALER_VANITY_DOMAIN" in text
    assert "rateLimit (stack config scope-manager:rateLimit) must be a number, got 'fast'" in text
    assert "scimBatchSize" in text and "between 1 and 1000" in text
    assert "scimUrl" in text and "not an http(s) URL" in text
    assert len(caught.value.problems) == 4
    assert SECRET not in text and SCIM_TOKEN not in text


def test_cloud_without_vanity_domain_and_a_full_host_as_vanity_domain_are_refused():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve({"cloud": "beta", "clientId": "c", "clientSecret": SECRET}, env={})
    assert any("cloud" in p and "without vanityDomain" in p for p in caught.value.problems)
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {"vanityDomain": "acme.zslogin.net", "clientId": "c", "clientSecret": SECRET}, env={}
        )
    assert any("vanity name only" in p for p in caught.value.problems)


def test_plain_http_is_refused_except_on_loopback():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve({"scimUrl": "http://scim.example.com/v2", "scimToken": SCIM_TOKEN}, env={})
    assert "unencrypted" in str(caught.value)
    assert TenantSettings.resolve(
        {"scimUrl": "http://localhost:1/v2", "scimToken": SCIM_TOKEN}, env={}
    ).has_scim


def test_a_url_carrying_credentials_is_refused_without_echoing_them():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {"scimUrl": "https://idp:pa55-in-url@scim.example/v2", "scimToken": SCIM_TOKEN},
            env={},
        )
    text = str(caught.value)
    assert "scimUrl (stack config scope-manager:scimUrl) holds a user name or password" in text
    assert "pa55-in-url" not in text


def test_settings_name_the_setting_behind_each_endpoint_and_where_it_was_set():
    settings = TenantSettings.resolve(
        {
            "clientId": "c",
            "clientSecret": SECRET,
            "scimUrl": "https://scim.example/v2",
            "scimToken": SCIM_TOKEN,
        },
        env={
            "SCOPE_MANAGER_TOKEN_URL": "https://id.example/oauth2/v1/token",
            "SCOPE_MANAGER_API_URL": "https://api.example",
        },
    )
    assert settings.endpoint_setting("https://id.example/oauth2/v1/token") == (
        "tokenUrl (environment variable SCOPE_MANAGER_TOKEN_URL)"
    )
    assert settings.endpoint_setting("https://api.example/ziam/admin/api/v1/api-clients") == (
        "apiUrl (environment variable SCOPE_MANAGER_API_URL)"
    )
    assert (
        settings.endpoint_setting("https://scim.example/v2/Users")
        == "scimUrl (stack config scope-manager:scimUrl)"
    )
    assert (
        settings.endpoint_setting("https://api.example.evil/x") is None
    )  # a prefix of the host is not a match
    same = TenantSettings.resolve(
        {
            "clientId": "c",
            "clientSecret": SECRET,
            "scimUrl": "https://scim.example/v2",
            "scimToken": SCIM_TOKEN,
            "tokenUrl": "https://id.example/oauth2/v1/token",
            "apiUrl": "https://api.example",
        },
        env={},
    )
    assert same == settings and hash(same) == hash(settings)  # where a value came from is not identity


def test_a_scim_only_setup_is_valid_and_the_zidentity_client_explains_what_is_missing():
    settings = TenantSettings.resolve({"scimUrl": "https://scim.example/v2", "scimToken": SCIM_TOKEN}, env={})
    assert settings.has_scim and not settings.has_zidentity
    with Tenant(settings) as tenant, pytest.raises(ConfigurationError) as caught:
        _ = tenant.zidentity
    assert any("clientId" in p for p in caught.value.problems)


def test_scim_can_use_the_api_client_token_instead_of_a_bearer_token():
    settings = TenantSettings.resolve(
        {
            "vanityDomain": "acme",
            "clientId": "c",
            "clientSecret": SECRET,
            "scimUrl": "https://scim.example/v2",
        },
        env={},
    )
    assert settings.has_scim


def test_repr_never_shows_secrets():
    settings = TenantSettings.resolve(
        {
            "vanityDomain": "acme",
            "clientId": "cid",
            "clientSecret": SECRET,
            "scimUrl": "https://s/v2",
            "scimToken": SCIM_TOKEN,
        },
        env={},
    )
    for text in (repr(settings), str(settings), repr(Tenant(settings))):
        assert SECRET not in text and SCIM_TOKEN not in text
    assert "client_secret=<set>" in repr(settings)


def test_settings_are_hashable_so_one_tenant_is_shared_per_process():
    config = {"vanityDomain": "acme", "clientId": "cid", "clientSecret": SECRET}
    one, two = TenantSettings.resolve(config, env={}), TenantSettings.resolve(dict(config), env={})
    try:
        assert Tenant.shared(one) is Tenant.shared(two)
        other = TenantSettings.resolve({**config, "clientId": "other"}, env={})
        assert Tenant.shared(other) is not Tenant.shared(one)
    finally:
        Tenant.close_shared()


def test_credentials_file_of_the_emulator(tmp_path):
    path = tmp_path / "credentials.json"
    path.write_text(
        json.dumps(
            {
                "token_url": "http://127.0.0.1:8787/oauth2/v1/token",
                "api_url": "http://127.0.0.1:8787",
                "client_id": "cid",
                "client_secret": SECRET,
                "scim_url": "http://127.0.0.1:8787/scim/1/9/v2",
                "scim_token": SCIM_TOKEN,
                "control_token": "ignored",
            }
        )
    )
    settings = TenantSettings.from_credentials_file(path, rateLimit=20, snapshot_ttl=5.0)
    assert settings.client_id == "cid" and settings.scim_token == SCIM_TOKEN
    assert settings.rate_limit == 20.0 and settings.snapshot_ttl == 5.0


def test_credentials_file_problems_name_the_file(tmp_path):
    with pytest.raises(ConfigurationError, match="credentials file not found"):
        TenantSettings.from_credentials_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError, match=str(bad)):
        TenantSettings.from_credentials_file(bad)


@pytest.mark.parametrize("suffix", ["/ziam/admin/api/v1", "/ziam/admin/api/v1/"])
def test_an_api_url_that_already_holds_the_admin_path_gets_a_hint_not_a_doubled_path(suffix):
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {
                "tokenUrl": "https://acme.zslogin.net/oauth2/v1/token",
                "apiUrl": f"https://api.zsapi.net{suffix}",
                "clientId": "cid",
                "clientSecret": SECRET,
            },
            env={},
        )
    [problem] = caught.value.problems
    assert problem.startswith("apiUrl (stack config scope-manager:apiUrl) already ends in /ziam/admin/api/v1")
    assert "set apiUrl to the gateway base URL 'https://api.zsapi.net'" in problem

"""The redactor hides credential values and leaves words alone (issue 13, point 10)."""

from __future__ import annotations

import pytest

from providers.tenant import REDACTED, Redactor, scrub_credentials

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "text",
    [
        "A bearer token is required",
        "Basic realm required",
        "the token: invalid or expired",
        "urn:pulumi:dev::scope-manager::pulumi-python:dynamic/zidentity:ApiClient::reporting",
        "client 123e4567-e89b-12d3-a456-426614174000 not found",
    ],
)
def test_words_and_identifiers_stay_readable(text: str) -> None:
    assert Redactor().scrub(text) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("Authorization: Bearer sk9Fq2Lw7Xe3", "sk9Fq2Lw7Xe3"),
        ("form client_secret=hunter2hunter2&grant_type=x", "hunter2hunter2"),
        ('{"clientSecret": "s3cr3t-value"}', "s3cr3t-value"),
        (
            "issued Zx9_kQ2mP4vR8tY1uI3oL6aS5dF7gH0jK2lZxCvBnMq for you",
            "Zx9_kQ2mP4vR8tY1uI3oL6aS5dF7gH0jK2lZxCvBnMq",
        ),
    ],
)
def test_credential_values_are_hidden(text: str, value: str) -> None:
    scrubbed = Redactor().scrub(text)

    assert value not in scrubbed
    assert REDACTED in scrubbed
    assert scrub_credentials(text) == scrubbed

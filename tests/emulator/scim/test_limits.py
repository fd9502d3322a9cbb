"""Bounded work per request and errors in the API's words (issue 13, point 9).

A caller could make one request cost seconds (``attributes`` naming one attribute 2,000 times over
users with 1 MB userNames), and a PATCH of ``name.givenName`` with a number answered with pydantic's
internal message and its documentation URL.
"""

from __future__ import annotations

import pytest

from emulator.scim.limits import MAX_ATTRIBUTE_PATHS, MAX_STRING_LENGTH
from tests.emulator.scim.helpers import USER_SCHEMA, assert_scim_error, create_user, patch_body


def test_a_string_longer_than_the_limit_is_refused_naming_the_attribute(scim) -> None:
    response = scim.post("/Users", json={"schemas": [USER_SCHEMA], "userName": "x" * (MAX_STRING_LENGTH + 1)})

    error = assert_scim_error(response, 400, "invalidValue")
    assert error["detail"] == f"userName: longer than {MAX_STRING_LENGTH} characters"
    assert scim.get("/Users").json()["totalResults"] == 0


def test_a_long_string_in_a_patch_is_refused_too(scim) -> None:
    user = create_user(scim, "alice")
    operation = {"op": "replace", "path": "name.givenName", "value": "y" * (MAX_STRING_LENGTH + 1)}

    error = assert_scim_error(scim.patch(f"/Users/{user['id']}", json=patch_body(operation)), 400)

    assert f"longer than {MAX_STRING_LENGTH} characters" in error["detail"]


def test_an_attribute_list_longer_than_the_limit_is_refused(scim) -> None:
    create_user(scim, "alice")
    names = ",".join(["userName"] * 2000)

    error = assert_scim_error(scim.get("/Users", params={"attributes": names}), 400, "invalidValue")

    assert error["detail"] == f"attributes: at most {MAX_ATTRIBUTE_PATHS} attribute names, got 2000"


def test_an_attribute_list_within_the_limit_still_works(scim) -> None:
    create_user(scim, "alice", displayName="Alice")
    names = ",".join(["userName", "displayName"] * (MAX_ATTRIBUTE_PATHS // 2))

    response = scim.get("/Users", params={"excludedAttributes": names})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "value", "detail"),
    [
        ("name.givenName", 7, "name.givenName: expected a string, got a number"),
        ("active", "maybe", "active: expected a boolean, got a string"),
    ],
)
def test_a_patch_of_the_wrong_type_answers_in_the_apis_words(scim, path, value, detail) -> None:
    user = create_user(scim, "alice")

    response = scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": path, "value": value})
    )

    error = assert_scim_error(response, 400, "invalidValue")
    assert error["detail"] == detail
    assert "pydantic" not in response.text and "errors.pydantic.dev" not in response.text

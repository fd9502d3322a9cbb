"""Reading the access model from a stack file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from access_model import InvalidModelError, load_stack, load_yaml, read_stack_access
from access_model.loading import _StringDatesLoader, string_dates_loader
from tests.access_model.conftest import ROOT


def test_dev_stack_loads() -> None:
    model = load_stack(ROOT / "Pulumi.dev.yaml")
    assert set(model.clients) == {"directory-sync", "reporting"}
    assert set(model.clients["directory-sync"].scopes) == {
        "scim:read",
        "scim:write",
        "sync:profile:read",
        "connector:read",
        "connector:write",
    }
    assert set(model.clients["reporting"].scopes) == {"scim:read"}
    assert model.groups["quarantine"].members == () and model.groups["quarantine"].exclusive is True
    assert [m.user_name for m in model.groups["contractors"].members] == [
        "ann.lee@contractor.example",
        "raj.patel@contractor.example",
    ]
    assert all(m.expires is not None for m in model.groups["contractors"].members)


def test_stack_file_without_access_model(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.empty.yaml"
    stack.write_text("config:\n  scope-manager:tokenUrl: http://127.0.0.1:1/token\n")
    with pytest.raises(InvalidModelError) as raised:
        read_stack_access(stack)
    assert raised.value.errors[0].path == "config['scope-manager:access']"
    assert str(stack) in str(raised.value)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.broken.yaml"
    stack.write_text("config:\n  scope-manager:access:\n    clients: {a: [}\n")
    with pytest.raises(InvalidModelError) as raised:
        load_stack(stack)
    assert raised.value.errors[0].path.startswith("line 3, column ")
    assert "YAML syntax error" in raised.value.errors[0].message


def test_invalid_stack_file_names_file_and_path(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text("config:\n  scope-manager:access:\n    clients: {reporting: {purpose: reportin}}\n")
    with pytest.raises(InvalidModelError) as raised:
        load_stack(stack)
    message = str(raised.value)
    assert message.startswith(f"{stack} (scope-manager:access) is invalid (1 problem):")
    assert "clients.reporting.purpose: must be one of" in message


def test_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_stack(tmp_path / "Pulumi.nope.yaml")


_LOADERS = [
    pytest.param(string_dates_loader(yaml.SafeLoader), id="pure-python"),
    pytest.param(
        string_dates_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
        id="libyaml",
        marks=pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml"),
    ),
]


@pytest.mark.parametrize("loader", _LOADERS)
def test_both_yaml_parsers_keep_dates_as_strings(loader: type[yaml.SafeLoader]) -> None:
    """libyaml is used where PyYAML has it (large stack files load many times faster); the pure-Python
    fallback must read every stack file the same way, dates included."""
    text = (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    document = load_yaml(text, "Pulumi.dev.yaml", loader=loader)
    assert document == load_yaml(text, "Pulumi.dev.yaml")
    ann = document["config"]["scope-manager:access"]["users"]["contractor-ann"]
    assert ann["expires"] == "2027-06-30"
    assert load_yaml("when: 2026-13-01\nat: 2026-06-30T10:00:00Z\n", "t", loader=loader) == {
        "when": "2026-13-01",
        "at": "2026-06-30T10:00:00Z",
    }


@pytest.mark.parametrize("loader", _LOADERS)
def test_both_yaml_parsers_name_line_and_column(loader: type[yaml.SafeLoader]) -> None:
    with pytest.raises(InvalidModelError) as raised:
        load_yaml("config:\n  scope-manager:access:\n    clients: {a: [}\n", "t", loader=loader)
    assert raised.value.errors[0].path.startswith("line 3, column ")


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
def test_stack_files_are_read_with_libyaml_where_available() -> None:
    assert issubclass(_StringDatesLoader, yaml.CSafeLoader)


# -- the model in its own file (scope-manager:accessFile) ---------------------------------------------
MODEL_YAML = """clients:
  reporting:
    purpose: reporting
    scopes:
      scim:read: {expires: 2027-06-30}
"""


def project_with_model_file(root: Path, stack_dir: str = ".") -> Path:
    """A project whose dev stack names access/dev.yaml; returns the stack file."""
    (root / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (root / "access").mkdir()
    (root / "access" / "dev.yaml").write_text(MODEL_YAML)
    stack = root / stack_dir / "Pulumi.dev.yaml"
    stack.parent.mkdir(parents=True, exist_ok=True)
    stack.write_text("config:\n  scope-manager:accessFile: access/dev.yaml\n")
    return stack


@pytest.mark.parametrize("stack_dir", [".", "stacks"], ids=["beside Pulumi.yaml", "stackConfigDir"])
def test_a_model_file_is_read_relative_to_the_project_directory(tmp_path: Path, stack_dir: str) -> None:
    stack = project_with_model_file(tmp_path, stack_dir)

    model = load_stack(stack)

    assert set(model.clients) == {"reporting"}
    # Read by PyYAML with string dates, as the stack file is: the date is the text written.
    assert read_stack_access(stack)["clients"]["reporting"]["scopes"]["scim:read"]["expires"] == "2027-06-30"


def test_a_mistake_in_the_model_file_names_that_file(tmp_path: Path) -> None:
    stack = project_with_model_file(tmp_path)
    (tmp_path / "access" / "dev.yaml").write_text(MODEL_YAML.replace("reporting\n", "reportin\n", 1))

    with pytest.raises(InvalidModelError) as raised:
        load_stack(stack)

    assert str(raised.value).startswith(f"{tmp_path / 'access' / 'dev.yaml'} is invalid (1 problem):")
    assert "clients.reporting.purpose: must be one of" in str(raised.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "scope-manager:accessFile: access/prod.yaml",
            "'access/prod.yaml': no such file (looked for {root}/access/prod.yaml)",
        ),
        ("scope-manager:accessFile: access", "'access': cannot read {root}/access (Is a directory)"),
        ("scope-manager:accessFile: 3", "must be the path of a YAML file holding the model"),
        ("scope-manager:accessFile: ''", "must be the path of a YAML file holding the model"),
        (
            "scope-manager:accessFile: access/dev.yaml\n  scope-manager:access: {clients: {}}",
            "set either scope-manager:access (the model inline) or scope-manager:accessFile (a file), "
            "not both",
        ),
    ],
    ids=["missing file", "a directory", "not a string", "empty", "both keys"],
)
def test_a_wrong_model_file_setting_is_an_error_naming_the_key(
    tmp_path: Path, config: str, message: str
) -> None:
    stack = project_with_model_file(tmp_path)
    stack.write_text(f"config:\n  {config}\n")

    with pytest.raises(InvalidModelError) as raised:
        load_stack(stack)

    assert raised.value.source == str(stack)
    assert [error.path for error in raised.value.errors] == ["config['scope-manager:accessFile']"]
    assert message.format(root=tmp_path) in raised.value.errors[0].message


def test_a_model_file_that_is_not_yaml_names_its_line(tmp_path: Path) -> None:
    stack = project_with_model_file(tmp_path)
    (tmp_path / "access" / "dev.yaml").write_text("clients: {a: [}\n")

    with pytest.raises(InvalidModelError) as raised:
        load_stack(stack)

    assert raised.value.source == str(tmp_path / "access" / "dev.yaml")
    assert raised.value.errors[0].path.startswith("line 1, column ")

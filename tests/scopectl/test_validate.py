"""`scopectl validate`: every problem with its path, clear errors for missing files and wrong stacks."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scopectl.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

VALID_MODEL = {
    "catalog": ["scim:read", "scim:write"],
    "clients": {
        "reporting": {
            "description": "Nightly report",
            "owner": "security@example.com",
            "purpose": "reporting",
            "scopes": {"scim:read": {}},
            "secret": {"rotate_every_days": 30},  # the policy pack requires a rotation schedule
        }
    },
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    return tmp_path


def write_stack(project: Path, name: str, access: object) -> Path:
    path = project / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": {"scope-manager:access": access}}, sort_keys=False))
    return path


def test_valid_model_exits_zero_with_a_summary(project, capsys):
    write_stack(project, "dev", VALID_MODEL)

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    assert code == 0
    out, err = capsys.readouterr()
    assert "Pulumi.dev.yaml: valid (1 client, 0 groups, 0 users)" in out
    assert "stack config" not in err  # far below what the engine can hand to the program


@pytest.fixture(params=["Etc/GMT-14", "Etc/GMT+12"], ids=["UTC+14", "UTC-12"])
def far_time_zone(request) -> Iterator[None]:
    """Local time 14 hours ahead of or 12 behind UTC: at any moment, in at least one of the two the
    local date is not the UTC date."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_expiry_warnings_use_the_utc_day_the_program_uses(project, capsys, far_time_zone):
    utc_today = dt.datetime.now(dt.UTC).date()
    model = json.loads(json.dumps(VALID_MODEL))
    model["clients"]["reporting"]["scopes"]["scim:read"] = {"expires": utc_today.isoformat()}
    write_stack(project, "dev", model)

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    if dt.datetime.now(dt.UTC).date() != utc_today:
        pytest.skip("the UTC day changed while the test ran")
    assert code == 0
    expected = f'clients.reporting.scopes["scim:read"]: grant expires today ({utc_today.isoformat()})'
    assert expected in capsys.readouterr().err


def with_long_descriptions(clients: int) -> dict:
    """VALID_MODEL with `clients` clients, each with a 4,000-character description (about 4 KB of
    stack config per client)."""
    client = VALID_MODEL["clients"]["reporting"]
    return {
        **VALID_MODEL,
        "clients": {f"c{n}": {**client, "name": f"c{n}", "description": "d" * 4000} for n in range(clients)},
    }


def test_a_stack_config_too_large_for_the_engine_is_an_error_before_any_preview(project, capsys):
    """Past 128 KiB the engine cannot start the program ("argument list too long", proven with the real
    CLI in tests/e2e/test_config_size.py); validate says so, with the size and what to do."""
    write_stack(project, "dev", with_long_descriptions(34))

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    out, err = capsys.readouterr()
    assert code == 1
    size = re.search(
        r"Pulumi\.dev\.yaml: config: the stack config is about ([\d,]+) bytes of the 131,072", out
    )
    assert size and int(size[1].replace(",", "")) > 131_072, out
    assert '"argument list too long" before the program runs' in out
    assert "hint: move the model into its own file" in out
    assert "the stack config names it with scope-manager:accessFile: access/dev.yaml" in out
    assert "the model is valid, but the program could not start with this stack config" in err


def test_a_stack_config_close_to_the_limit_is_a_warning(project, capsys):
    write_stack(project, "dev", with_long_descriptions(28))  # about 86% of the limit

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    out, err = capsys.readouterr()
    assert code == 0 and "valid (28 clients" in out
    warning = r"Pulumi\.dev\.yaml: warning: config: the stack config is about [\d,]+ bytes of the 131,072"
    assert re.search(warning, err)
    assert "past that, the program cannot start" in err


def test_the_size_error_comes_with_the_model_errors_in_json(project, capsys):
    model = with_long_descriptions(34)
    model["clients"]["c0"]["scopes"] = {"scim:delete": {}}  # not in the catalog
    write_stack(project, "dev", model)

    code = main(["validate", "--stack", "dev", "--cwd", str(project), "--format", "json"])

    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["valid"] is False
    assert [error["path"] for error in payload["errors"]] == ["config", 'clients.c0.scopes["scim:delete"]']


def with_model_file(project: Path, model: dict) -> Path:
    """The dev stack naming access/dev.yaml, which holds `model`; returns the model file."""
    model_file = project / "access" / "dev.yaml"
    model_file.parent.mkdir()
    model_file.write_text(yaml.safe_dump(model, sort_keys=False))
    (project / "Pulumi.dev.yaml").write_text("config:\n  scope-manager:accessFile: access/dev.yaml\n")
    return model_file


def test_a_model_file_of_any_size_is_validated_without_the_size_limit(project, capsys):
    with_model_file(project, with_long_descriptions(60))  # about 240 KB: too large inline

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    out, err = capsys.readouterr()
    assert code == 0 and "Pulumi.dev.yaml: valid (60 clients" in out
    assert "stack config" not in err


def test_a_problem_in_the_model_file_is_placed_in_that_file(project, capsys):
    model = json.loads(json.dumps(VALID_MODEL))
    model["clients"]["reporting"]["scopes"] = {"scim:wrte": {}}
    model_file = with_model_file(project, model)

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    out = capsys.readouterr().out
    assert code == 1
    line = model_file.read_text().splitlines().index("      scim:wrte: {}") + 1
    assert f'{model_file}:{line}:7: clients.reporting.scopes["scim:wrte"]: unknown scope' in out

    code = main(["validate", "--stack", "dev", "--cwd", str(project), "--format", "json"])
    error = json.loads(capsys.readouterr().out)["errors"][0]
    assert (error["file"], error["line"], error["path"]) == (
        str(model_file),
        line,
        'clients.reporting.scopes["scim:wrte"]',
    )


def test_a_yaml_mistake_in_the_model_file_names_that_file_line_and_column(project, capsys):
    model_file = with_model_file(project, VALID_MODEL)
    model_file.write_text("clients:\n  reporting: {purpose: [}\n")

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    assert code == 1
    assert f"{model_file}:2:" in capsys.readouterr().out


def test_a_missing_model_file_names_the_key_and_the_path_looked_for(project, capsys):
    (project / "Pulumi.dev.yaml").write_text("config:\n  scope-manager:accessFile: access/dev.yaml\n")

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    out = capsys.readouterr().out
    assert code == 1
    assert "config['scope-manager:accessFile']: 'access/dev.yaml': no such file" in out
    assert str(project / "access" / "dev.yaml") in out


def test_every_problem_is_printed_with_its_path(project, capsys):
    model = json.loads(json.dumps(VALID_MODEL))
    model["clients"]["reporting"]["scopes"] = {"scim:wrte": {}}
    model["clients"]["reporting"]["purpose"] = "reportin"
    model["clients"]["reporting"]["colour"] = "blue"
    write_stack(project, "dev", model)

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])
    out = capsys.readouterr().out

    assert code == 1
    lines = out.splitlines()
    assert any('clients.reporting.scopes["scim:wrte"]: ' in line and "scim:write" in line for line in lines)
    assert any("clients.reporting.purpose: " in line for line in lines)
    assert any("clients.reporting.colour: unknown key" in line for line in lines)
    # file:line:column: path: message
    assert all(re.match(re.escape(str(project / "Pulumi.dev.yaml")) + r":\d+:\d+: ", line) for line in lines)


def test_json_format_lists_errors_for_editors(project, capsys):
    write_stack(project, "dev", {"clients": {"x": {"scopes": []}}})

    code = main(["validate", "--stack", "dev", "--cwd", str(project), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)

    assert code == 1
    assert payload["valid"] is False
    assert {"path", "message"} <= set(payload["errors"][0])
    assert any(e["path"] == "clients.x.scopes" for e in payload["errors"])


def test_wrong_stack_name_lists_the_stacks_found(project, capsys):
    write_stack(project, "dev", VALID_MODEL)
    write_stack(project, "staging", VALID_MODEL)

    code = main(["validate", "--stack", "prod", "--cwd", str(project)])
    err = capsys.readouterr().err

    assert code == 1
    assert "no Pulumi.prod.yaml" in err
    assert "stacks found: dev, staging" in err


def test_fully_qualified_stack_name_uses_its_last_part(project, capsys):
    write_stack(project, "dev", VALID_MODEL)

    assert main(["validate", "--stack", "acme/scope-manager/dev", "--cwd", str(project)]) == 0


def test_no_stack_files_at_all_says_where_it_looked(tmp_path, capsys):
    code = main(["validate", "--stack", "dev", "--cwd", str(tmp_path)])

    assert code == 1
    assert "no stack files at all" in capsys.readouterr().err


def test_missing_stack_file_path_is_an_error(tmp_path, capsys):
    code = main(["validate", "--stack-file", str(tmp_path / "Pulumi.none.yaml")])

    assert code == 1
    assert "Pulumi.none.yaml: no such file" in capsys.readouterr().err


def test_stack_file_without_an_access_model_is_an_error(project, capsys):
    (project / "Pulumi.dev.yaml").write_text("config:\n  scope-manager:apiUrl: http://127.0.0.1:1\n")

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    assert code == 1
    assert "declares no access model" in "".join(capsys.readouterr())


def test_yaml_syntax_error_names_line_and_column(project, capsys):
    (project / "Pulumi.dev.yaml").write_text("config:\n  scope-manager:access: [unclosed\n")

    code = main(["validate", "--stack", "dev", "--cwd", str(project)])

    assert code == 1
    assert f"{project / 'Pulumi.dev.yaml'}:3:1: (file): YAML syntax error" in "".join(capsys.readouterr())


def test_stack_config_dir_from_the_project_file_is_honoured(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    write_stack(tmp_path / "stacks", "dev", VALID_MODEL)

    assert main(["validate", "--stack", "dev", "--cwd", str(tmp_path)]) == 0


def test_project_dir_is_found_from_a_subdirectory(project, capsys, monkeypatch):
    write_stack(project, "dev", VALID_MODEL)
    sub = project / "docs" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)

    assert main(["validate", "--stack", "dev"]) == 0


def test_the_repository_dev_stack_is_valid(capsys):
    assert main(["validate", "--stack", "dev", "--cwd", str(ROOT)]) == 0

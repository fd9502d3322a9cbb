"""`scopectl audit` and `export` against a tenant URL where nothing listens.

The on-call engineer reading a failed nightly job needs one line saying which URL could not be
reached and which setting to fix, not a traceback or half a minute of silent retries. Nothing here
needs an emulator: a loopback port that was just closed refuses connections at once.
"""

from __future__ import annotations

import socket

import pytest
import yaml

from scopectl.__main__ import main
from tests.scopectl.tenant_setup import tenant_environment

CLIENT_SECRET = "unreachable-client-secret-value"
SCIM_TOKEN = "unreachable-scim-token-value"


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A dev stack whose every endpoint points at a closed port; secrets come from the environment."""
    base = f"http://127.0.0.1:{closed_port()}"
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    config = {
        "scope-manager:tokenUrl": f"{base}/oauth2/v1/token",
        "scope-manager:apiUrl": base,  # the gateway; the admin path is appended by the client
        "scope-manager:scimUrl": f"{base}/scim/v2",
        "scope-manager:clientId": "audit-client",
        "scope-manager:access": {"clients": {}},
    }
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    tenant_environment(monkeypatch, CLIENT_SECRET, SCIM_TOKEN)
    return {"dir": tmp_path, "base": base}


@pytest.mark.parametrize("command", ["audit", "export"])
def test_unreachable_tenant_is_one_line_naming_the_url_and_the_setting(project, command, capsys):
    code = main([command, "--stack", "dev", "--cwd", str(project["dir"]), "--quiet"])
    out, err = capsys.readouterr()

    assert code == 1
    assert out == ""  # no half-written report or export on stdout
    [line] = err.strip().splitlines()
    assert line.startswith(f"scopectl {command}: error:")
    assert project["base"] in line  # the URL that could not be reached
    assert "tokenUrl" in line  # the setting to fix (the token endpoint is the first request)
    assert CLIENT_SECRET not in err and SCIM_TOKEN not in err
    assert "Traceback" not in err

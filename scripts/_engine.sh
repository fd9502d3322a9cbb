# Shared by scripts/demo and scripts/test: put a supported Pulumi CLI on PATH. Sourced, not executed.
#
# Order: a `pulumi` already on PATH whose version is at least the Python SDK pin in requirements.txt
# (a CLI older than the SDK is unsupported); else the pinned build from scripts/engine (cached per
# machine; built from the Go module proxy when `go` is present); else one line saying what is missing.
# SCOPE_MANAGER_PULUMI=pinned skips the PATH lookup and always uses the pinned build.

# The oldest CLI the SDK supports: the pulumi pin in requirements.txt.
pulumi_minimum_version() {
  sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' "$ROOT/requirements.txt"
}

# True when version $1 (v-prefix allowed) is at least $2.
version_at_least() {
  local have="${1#v}" want="${2#v}"
  have="${have%%-*}"; have="${have%%+*}"
  [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]
}

# Sets PULUMI_SOURCE (path | pinned) and exports PATH; returns 1 with one line on stderr otherwise.
ensure_pulumi() {
  local minimum existing version bin
  minimum="$(pulumi_minimum_version)"
  if [ "${SCOPE_MANAGER_PULUMI:-}" != "pinned" ] && existing="$(command -v pulumi 2>/dev/null)"; then
    version="$(PULUMI_SKIP_UPDATE_CHECK=1 "$existing" version 2>/dev/null || true)"
    if [ -n "$version" ] && version_at_least "$version" "$minimum"; then
      PULUMI_SOURCE=path
      return 0
    fi
    echo "==> $existing is version '${version:-unknown}', older than the SDK pin $minimum; using the pinned build" >&2
  fi
  if bin="$("$ROOT/scripts/engine" --check)"; then
    :
  elif command -v go >/dev/null 2>&1; then
    bin="$("$ROOT/scripts/engine")" || return 1
  else
    echo "error: no Pulumi CLI $minimum or newer on PATH, and no Go toolchain to build one: install the CLI (https://www.pulumi.com/docs/install/) or Go 1.26+ (https://go.dev/doc/install), then run this again" >&2
    return 1
  fi
  PATH="$bin:$PATH"
  export PATH
  PULUMI_SOURCE=pinned
  return 0
}

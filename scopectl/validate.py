"""`scopectl validate --stack NAME`: check a stack's access model, for editors and pre-commit hooks.

Prints every problem with its exact path (`clients.reporting.scopes["scim:wrte"]: unknown scope
...`), all at once, and exits 1; prints a one-line summary and exits 0 when the model is valid. It
uses the same `access_model.parse` (validation, then building) the program runs, so "valid here" means
"the program accepts it".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from access_model import AccessModel, InvalidModelError, ModelError, desired_state, parse
from scopectl.errors import EXIT_ERROR, EXIT_OK
from scopectl.markdown import plural
from scopectl.stack import add_stack_arguments, read_access, stack_file_from


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check Pulumi.<stack>.yaml's access model; print every error with its path",
        description=(
            "Validate the access model (scope-manager:access) in Pulumi.<stack>.yaml against the schema "
            "and the model's own rules, printing every problem with its exact path. "
            "Exit status: 0 valid, 1 invalid or unreadable."
        ),
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or JSON for editors"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    stack_file = stack_file_from(args)
    source = str(stack_file.path)
    # parse validates (once) and builds; its error carries the same list `validate` would return.
    model: AccessModel | None = None
    errors: list[ModelError] = []
    try:
        model = parse(read_access(stack_file), source=source)
    except InvalidModelError as exc:
        errors = exc.errors

    if args.format == "json":
        payload = {
            "file": source,
            "valid": not errors,
            "errors": [{"path": e.path, "message": e.message} for e in errors],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return EXIT_ERROR if errors else EXIT_OK

    if model is None:
        for error in errors:
            print(f"{source}: {error.path}: {error.message}")
        print(
            f"{source}: {plural(len(errors), 'problem')}; the program would declare nothing", file=sys.stderr
        )
        return EXIT_ERROR

    # The day the program judges expiry by (its UTC date), not the local one, so the warnings agree.
    state = desired_state(model, dt.datetime.now(dt.UTC).date())
    for warning in state.warnings:
        print(f"{source}: warning: {warning}", file=sys.stderr)
    print(
        f"{source}: valid ({plural(len(model.clients), 'client')}, {plural(len(model.groups), 'group')}, "
        f"{plural(len(model.users), 'user')})"
    )
    return EXIT_OK

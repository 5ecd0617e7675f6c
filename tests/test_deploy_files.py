"""The Dockerfile, compose.yaml and docs/deploy.md say what production needs, and agree."""

import ast
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from tests.factories import make_feed

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DOC = (ROOT / "docs" / "deploy.md").read_text()
APP_SERVICES = ("web", "worker", "migrate")


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        keyword, _, arguments = current.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def index_of(instructions, keyword: str, pattern: str = "") -> int:
    for position, (name, arguments) in enumerate(instructions):
        if name == keyword and re.search(pattern, arguments):
            return position
    raise AssertionError(f"no {keyword} matching {pattern!r} in the Dockerfile")


def healthcheck_script() -> str:
    arguments = dict(dockerfile())["HEALTHCHECK"]
    command = json.loads(arguments[arguments.index("CMD") + 3 :].strip())
    assert command[:2] == ["python", "-c"]
    return command[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def documented(variable: str) -> bool:
    return f"`{variable}`" in DEPLOY_DOC or re.search(rf"`{variable}[`,= ]", DEPLOY_DOC)


def variables_read_by(path: Path) -> set[str]:
    """Names passed to os.environ.get / env_bool / env_list, and REQUIRED_ENVIRONMENT."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "env_bool", "env_list"):
                names.add(node.args[0].value)
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "REQUIRED_ENVIRONMENT":
            names.update(ast.literal_eval(node.value))
    return names


# --- Dockerfile ---------------------------------------------------------------------------


def test_the_image_is_python_3_11_slim():
    assert dockerfile()[0] == ("FROM", "python:3.11-slim")


def test_it_runs_as_an_unprivileged_user():
    instructions = dockerfile()
    users = [arguments for name, arguments in instructions if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert index_of(instructions, "USER") < index_of(instructions, "CMD")


def test_dependencies_are_installed_from_requirements_before_the_code_is_copied():
    instructions = dockerfile()
    copy_requirements = index_of(instructions, "COPY", r"^requirements\.txt ")
    install = index_of(instructions, "RUN", r"pip install (.* )?-r requirements\.txt")
    copy_code = index_of(instructions, "COPY", r"^\. ")
    assert copy_requirements < install < copy_code


def test_nothing_is_downloaded_by_add():
    for name, arguments in dockerfile():
        assert not (name == "ADD" and re.search(r"https?://", arguments)), arguments


def test_static_files_are_collected_at_build_without_real_secrets():
    instructions = dockerfile()
    collect = instructions[index_of(instructions, "RUN", "collectstatic")][1]
    assert "SECRET_KEY=" in collect and "DATABASE_URL=" in collect
    assert index_of(instructions, "COPY", r"^\. ") < index_of(instructions, "RUN", "collectstatic")


def test_gunicorn_serves_on_the_exposed_port():
    instructions = dict(dockerfile())
    command = json.loads(instructions["CMD"])
    assert command[0] == "gunicorn" and "0.0.0.0:8000" in command
    assert instructions["EXPOSE"] == "8000"
    environment = " ".join(arguments for name, arguments in dockerfile() if name == "ENV")
    assert "DJANGO_SETTINGS_MODULE=digestcms.settings.prod" in environment


def test_the_healthcheck_asks_healthz_with_python():
    script = healthcheck_script()
    assert "/healthz/" in script
    compile(script, "HEALTHCHECK", "exec")


@pytest.mark.django_db(transaction=True)
def test_the_healthcheck_command_passes_against_a_running_server(live_server, settings):
    settings.REDIS_URL = ""
    make_feed(last_succeeded_at=timezone.now() - timedelta(days=3))  # stale: not its business
    script = healthcheck_script().replace("127.0.0.1:8000", live_server.url.split("//")[1])
    env = {**os.environ, "ALLOWED_HOSTS": "localhost,127.0.0.1"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    env["ALLOWED_HOSTS"] = "not-allowed.example"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0


def test_the_build_context_leaves_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored


# --- compose.yaml -------------------------------------------------------------------------


def test_compose_has_the_services():
    services = compose()["services"]
    assert {"web", "worker", "db", "redis", "migrate"} <= set(services)


def test_two_workers_run_qcluster():
    worker = compose()["services"]["worker"]
    assert "qcluster" in worker["command"]
    assert worker["deploy"]["replicas"] >= 2


def test_the_database_keeps_its_data_in_a_volume_and_has_a_healthcheck():
    config = compose()
    db = config["services"]["db"]
    assert db["image"] == "postgres:15"
    volume = next(v for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert volume.split(":")[0] in config["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert config["services"]["redis"]["healthcheck"]["test"]


def test_web_and_workers_wait_for_healthy_services_and_the_migration():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"]
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_every_image_is_pinned_to_a_version():
    for name, service in compose()["services"].items():
        image = service.get("image", "")
        if "build" in service and not image.startswith(("postgres", "redis")):
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image}"
    assert "latest" not in (ROOT / "compose.yaml").read_text()


def test_the_app_gets_its_settings_from_env_and_the_services_from_compose():
    services = compose()["services"]
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env"
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"


def test_the_web_port_is_published_on_loopback_unless_told_otherwise():
    ports = compose()["services"]["web"]["ports"]
    assert ports == ["${DIGESTCMS_BIND:-127.0.0.1}:${DIGESTCMS_PORT:-8000}:8000"]


# --- docs/deploy.md -----------------------------------------------------------------------


def test_every_variable_production_requires_or_reads_is_documented():
    settings_dir = ROOT / "digestcms" / "settings"
    names = variables_read_by(settings_dir / "prod.py")
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= names
    missing = sorted(name for name in names if not documented(name))
    assert not missing, f"not in docs/deploy.md: {missing}"


def test_every_variable_in_env_example_and_compose_is_documented():
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "compose.yaml").read_text()))
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= names
    missing = sorted(name for name in names if not documented(name))
    assert not missing, f"not in docs/deploy.md: {missing}"


def test_the_deploy_doc_covers_the_steps():
    for step in (
        "docker compose build",
        "createsuperuser",
        "migrate",
        "collectstatic",
        "check --deploy",
        "client_max_body_size",
        "X-Forwarded-For",
        "pg_dump",
        "/healthz/",
    ):
        assert step in DEPLOY_DOC, step

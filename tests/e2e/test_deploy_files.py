"""The example deployment files parse, name what exists, and the settings table is complete."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.cli import gunicorn_options, main
from adapters.cli.check_config import SETTINGS_TABLE

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"
NGINX = ROOT / "deploy" / "nginx"
DEPLOYMENT = ROOT / "docs" / "DEPLOYMENT.md"
UNITS = sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])


def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_has_its_sections_and_runs_a_real_command(path: Path) -> None:
    parsed = unit(path)
    assert parsed.get("Unit", "Description")
    if path.suffix == ".timer":
        assert parsed.get("Timer", "OnCalendar")
        assert (SYSTEMD / path.with_suffix(".service").name).exists(), "a timer starts the service of its name"
        assert parsed.get("Install", "WantedBy") == "timers.target"
        return
    command = parsed.get("Service", "ExecStart")
    found = re.search(r"breachtrail ([a-z-]+)(?: ([a-z-]+))?", command)
    if found:  # every breachtrail command a unit runs exists
        group = main.commands[found.group(1)]
        if found.group(2) and hasattr(group, "commands"):
            assert found.group(2) in group.commands, command
    assert parsed.get("Service", "User") == "breachtrail"


def test_the_web_unit_runs_the_worker_that_serve_runs() -> None:
    options = gunicorn_options("127.0.0.1", 8000, 2)
    worker = options[options.index("--worker-class") + 1]
    command = unit(SYSTEMD / "breachtrail-web.service").get("Service", "ExecStart")
    assert f"--worker-class {worker} " in command


def test_systemd_analyze_finds_nothing_wrong_but_missing_installed_files() -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed: the structural parse above stands in")
    for path in UNITS:
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True,
                                text=True, timeout=60, check=False)
        problems = [line for line in (result.stdout + result.stderr).splitlines()
                    if line.strip() and "is not executable" not in line and "No such file" not in line]
        assert not problems, (path.name, problems)


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs nginx for this check (.ci/run installs it)")
        pytest.skip("nginx is not installed (apt-get install -y nginx-light); checked in CI")
    # A throwaway certificate in place of the installation's, and logs in the test's folder.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = ((NGINX / "breachtrail.conf").read_text()
            .replace("/etc/ssl/certs/breachtrail.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/private/breachtrail.key", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    config = (f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
              f"{(NGINX / 'breachtrail-log-format.conf').read_text()}\n{site}\n}}\n")
    conf = tmp_path / "nginx.conf"
    conf.write_text(config)
    result = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def test_the_nginx_site_replaces_forwarded_headers_and_buffers() -> None:
    site = (NGINX / "breachtrail.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site  # replaced, not appended to
    assert "proxy_buffering on;" in site and "proxy_request_buffering on;" in site
    assert "listen 443 ssl" in site and "ssl_certificate " in site


def test_every_setting_is_in_the_deployment_table_and_nothing_else() -> None:
    text = DEPLOYMENT.read_text()
    table = re.findall(r"^\| `(BREACHTRAIL_[A-Z_]+)` \| `([^`]*)` \|", text, flags=re.MULTILINE)
    assert [(name, default) for name, default, _ in SETTINGS_TABLE] == table
    code = "\n".join(p.read_text() for p in (ROOT / "adapters").rglob("*.py"))
    read = set(re.findall(r'"(BREACHTRAIL_[A-Z_]*[A-Z])"', code)) - {"BREACHTRAIL_TEST_POSTGRES_URL"}
    assert read <= {name for name, _ in table}, read - {name for name, _ in table}


def test_every_setting_the_code_reads_is_in_the_table() -> None:
    root = Path(__file__).resolve().parents[2]
    read = set()
    for folder in ("domain", "service", "adapters"):
        for source in (root / folder).rglob("*.py"):
            read |= set(re.findall(r'"(BREACHTRAIL_[A-Z_]*[A-Z])"', source.read_text()))
    assert read - {name for name, _, _ in SETTINGS_TABLE} == set()

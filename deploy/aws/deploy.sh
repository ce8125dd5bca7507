#!/usr/bin/env bash
# The registry on AWS in one command. See docs/deploy-aws.md.
#
#   deploy/aws/deploy.sh up AllowedCidr=203.0.113.7/32 [Param=value ...]
#       create or update the stack, build and push the image, roll it out, smoke-test
#   deploy/aws/deploy.sh scale 3                 three instances (the InstanceCount parameter)
#   deploy/aws/deploy.sh release                 build, push and roll out the current commit (CI)
#   deploy/aws/deploy.sh rollout                 replace every instance (after a secret changed)
#   deploy/aws/deploy.sh smoke                   GET /health and /health/components
#   deploy/aws/deploy.sh down [--purge]          delete the stack; --purge also deletes the kept
#                                                bucket, the final database snapshot and its logs
#
# Environment: STACK (default model-registry), AWS_REGION (else the CLI's configured
# region), AWS credentials as the aws CLI finds them. Needs aws (v2), docker and git.
set -euo pipefail

for tool in aws git curl; do
  command -v "$tool" >/dev/null || { echo "deploy.sh: needs $tool on PATH" >&2; exit 2; }
done
STACK=${STACK:-model-registry}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TEMPLATE="$HERE/registry.yaml"
REGION=${AWS_REGION:-$(aws configure get region || true)}
if [ -z "$REGION" ]; then
  echo "deploy.sh: set AWS_REGION (or run 'aws configure')" >&2
  exit 2
fi
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

stack_exists() {
  aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1
}

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

cfn_deploy() {
  aws cloudformation deploy --stack-name "$STACK" --template-file "$TEMPLATE" \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "$@"
}

# The tag names the commit; uncommitted changes get a unique suffix, since tags in
# the repository are immutable.
image_tag() {
  local tag
  tag=$(git -C "$ROOT" rev-parse --short=12 HEAD)
  if [ -n "$(git -C "$ROOT" status --porcelain)" ]; then
    tag="$tag-dirty-$(date -u +%Y%m%d%H%M%S)"
  fi
  echo "$tag"
}

# Build for the instances' architecture and push, unless the repository has the tag.
push_image() {
  local tag=$1 repository
  repository=$(output RepositoryUri)
  if aws ecr describe-images --repository-name "${repository#*/}" \
      --image-ids "imageTag=$tag" >/dev/null 2>&1; then
    say "image $tag is already in $repository"
    return
  fi
  command -v docker >/dev/null || die "building the image needs docker"
  say "building and pushing $repository:$tag"
  aws ecr get-login-password | docker login --username AWS --password-stdin "${repository%%/*}"
  docker build --platform linux/amd64 -f "$ROOT/deploy/Dockerfile" -t "$repository:$tag" "$ROOT"
  docker push "$repository:$tag"
}

desired_capacity() {
  aws autoscaling describe-auto-scaling-groups \
    --auto-scaling-group-names "$(output AutoScalingGroupName)" \
    --query 'AutoScalingGroups[0].DesiredCapacity' --output text
}

# An instance refresh replaces the instances one batch at a time, new ones first, so
# they boot with the image tag and secrets as they are now.
rollout() {
  local group id status deadline
  group=$(output AutoScalingGroupName)
  if [ "$(desired_capacity)" = "0" ]; then
    say "no instances to roll (InstanceCount=0)"
    return
  fi
  say "rolling out to $group"
  id=$(aws autoscaling start-instance-refresh --auto-scaling-group-name "$group" \
    --preferences '{"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200, "InstanceWarmup": 120}' \
    --query InstanceRefreshId --output text)
  deadline=$((SECONDS + 45 * 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    status=$(aws autoscaling describe-instance-refreshes --auto-scaling-group-name "$group" \
      --instance-refresh-ids "$id" --query 'InstanceRefreshes[0].Status' --output text)
    case "$status" in
      Successful) say "rollout done"; return ;;
      Failed | Cancelled | RollbackSuccessful | RollbackFailed) die "instance refresh $id: $status" ;;
    esac
    sleep 20
  done
  die "instance refresh $id still running after 45 minutes"
}

wait_healthy() {
  local wanted healthy deadline target_group
  wanted=$(desired_capacity)
  target_group=$(output TargetGroupArn)
  deadline=$((SECONDS + 20 * 60))
  say "waiting for $wanted healthy instance(s) behind the load balancer"
  while [ "$SECONDS" -lt "$deadline" ]; do
    healthy=$(aws elbv2 describe-target-health --target-group-arn "$target_group" \
      --query "length(TargetHealthDescriptions[?TargetHealth.State=='healthy'])" --output text)
    if [ "$healthy" -ge "$wanted" ]; then return; fi
    sleep 15
  done
  die "only $healthy of $wanted instances healthy after 20 minutes (see the log group $(output LogGroupName))"
}

smoke() {
  local url
  url=$(output Url)
  say "smoke test of $url"
  for path in /health /health/components; do
    curl -fsS --max-time 20 --retry 10 --retry-delay 6 --retry-all-errors "$url$path" >/dev/null \
      || die "$url$path did not answer 200"
    echo "  $path: 200" >&2
  done
  echo "$url"
}

release() {
  local tag
  tag=$(image_tag)
  push_image "$tag"
  aws ssm put-parameter --name "$(output ImageTagParameter)" --value "$tag" --overwrite >/dev/null
  rollout
  wait_healthy
  smoke
}

up() {
  local rest=() arg tag fresh=false count="" first
  for arg in "$@"; do
    case "$arg" in
      InstanceCount=*) count=${arg#InstanceCount=} ;;
      *=*) rest+=("$arg") ;;
      *) die "parameters look like Name=value, got '$arg'" ;;
    esac
  done
  if ! stack_exists; then
    fresh=true
    case " $* " in
      *" AllowedCidr="*) ;;
      *) die "a new stack needs AllowedCidr=<your network>/NN (your address: $(curl -fsS https://checkip.amazonaws.com 2>/dev/null || echo unknown)/32)" ;;
    esac
    # First without instances: the image repository must exist before the image.
    say "creating stack $STACK in $REGION (the database takes about 10 minutes)"
    cfn_deploy InstanceCount=0 "${rest[@]}"
  fi
  tag=$(image_tag)
  push_image "$tag"
  local args=("$@" "ImageTag=$tag")
  if $fresh; then
    # A new database is migrated by the first instance alone; more join once it is up.
    first=1
    if [ "$count" = "0" ]; then first=0; fi
    args=("${rest[@]}" "ImageTag=$tag" "InstanceCount=$first")
  fi
  say "deploying stack $STACK with image $tag"
  local before
  before=$(running_fingerprint)
  cfn_deploy "${args[@]}"
  # Instances that ran before this update keep their image and launch template until
  # replaced; a change of size alone needs no replacement.
  if [ "${before%% *}" != "0" ] && [ "${before#* }" != "$(running_fingerprint | cut -d' ' -f2-)" ]; then
    rollout
  fi
  if $fresh && [ -n "$count" ] && [ "$count" != "$first" ]; then
    wait_healthy
    say "scaling to $count instances"
    cfn_deploy "InstanceCount=$count"
  fi
  if [ "$(desired_capacity)" != "0" ]; then
    wait_healthy
    smoke
  fi
}

# "<desired capacity> <image tag> <launch template version>"
running_fingerprint() {
  local group
  group=$(output AutoScalingGroupName)
  printf '%s %s %s\n' \
    "$(desired_capacity)" \
    "$(aws ssm get-parameter --name "$(output ImageTagParameter)" --query Parameter.Value --output text)" \
    "$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$group" \
      --query 'AutoScalingGroups[0].LaunchTemplate.Version' --output text)"
}

empty_bucket() {
  local bucket=$1 kind batch
  for kind in Versions DeleteMarkers; do
    while :; do
      batch=$(aws s3api list-object-versions --bucket "$bucket" --max-keys 1000 --no-paginate \
        --query "{Objects: ${kind}[].{Key: Key, VersionId: VersionId}}" --output json)
      case "$batch" in *'"Key"'*) ;; *) break ;; esac
      aws s3api delete-objects --bucket "$bucket" --delete "$batch" >/dev/null
    done
  done
}

down() {
  local purge=false bucket database
  [ "${1:-}" = "--purge" ] && purge=true
  stack_exists || die "no stack $STACK in $REGION"
  bucket=$(output BucketName)
  database=$(aws cloudformation describe-stack-resource --stack-name "$STACK" \
    --logical-resource-id Database --query StackResourceDetail.PhysicalResourceId --output text)
  say "deleting stack $STACK (the database leaves a final snapshot; the bucket is kept)"
  aws cloudformation delete-stack --stack-name "$STACK"
  aws cloudformation wait stack-delete-complete --stack-name "$STACK"
  if ! $purge; then
    echo "kept: bucket $bucket and the final snapshot of $database; 'down --purge' deletes them" >&2
    return
  fi
  say "emptying and deleting bucket $bucket"
  empty_bucket "$bucket"
  aws s3api delete-bucket --bucket "$bucket"
  local snapshot
  for snapshot in $(aws rds describe-db-snapshots --db-instance-identifier "$database" \
      --snapshot-type manual --query 'DBSnapshots[].DBSnapshotIdentifier' --output text); do
    say "deleting database snapshot $snapshot"
    aws rds delete-db-snapshot --db-snapshot-identifier "$snapshot" >/dev/null
  done
  aws logs delete-log-group --log-group-name "/aws/rds/instance/$database/postgresql" 2>/dev/null || true
  say "nothing of $STACK is left"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  up) up "$@" ;;
  scale)
    [[ "${1:-}" =~ ^[0-9]+$ ]] || die "scale needs a number of instances"
    stack_exists || die "no stack $STACK in $REGION; start with 'up'"
    cfn_deploy "InstanceCount=$1"
    if [ "$1" != "0" ]; then wait_healthy; smoke; fi
    ;;
  release) release ;;
  rollout) rollout; wait_healthy ;;
  smoke) smoke ;;
  down) down "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac

"""Secrets read from files, the way Docker and Kubernetes hand them to a container.

`JWT_SECRET_FILE=/run/secrets/jwt` stands for `JWT_SECRET` set to that file's content
(without its final newline), so a secret need not sit in the environment, where
`docker inspect` and crash reports show it. Read by `Settings.from_env` only.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["SECRET_FILE_VARIABLES", "SecretFileError", "read_secret_files"]


class SecretFileError(ValueError):
    """A `<VAR>_FILE` cannot be used; the message names it."""


# Secrets that may come from a file instead (`JWT_SECRET_FILE=/run/secrets/jwt`), the way
# Docker and Kubernetes mount them: the file's content, without its final newline.
SECRET_FILE_VARIABLES = (
    "JWT_SECRET",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "HF_TOKEN",
    "KAGGLE_KEY",
    "REGISTRY_ADMIN_PASSWORD",
)
_MAX_SECRET_FILE_BYTES = 64 << 10


def read_secret_files(env: Mapping[str, str]) -> Mapping[str, str]:
    """`env` with each `<VAR>_FILE` replaced by the content of the file it names."""
    resolved = dict(env)
    for variable in SECRET_FILE_VARIABLES:
        path = env.get(f"{variable}_FILE", "").strip()
        if not path:
            continue
        if env.get(variable, "").strip():
            raise SecretFileError(f"{variable} and {variable}_FILE are both set: keep one of them")
        try:
            with open(path, "rb") as fh:
                data = fh.read(_MAX_SECRET_FILE_BYTES + 1)
        except OSError as exc:
            raise SecretFileError(f"{variable}_FILE: cannot read {path}: {exc.strerror}") from exc
        if len(data) > _MAX_SECRET_FILE_BYTES:
            raise SecretFileError(f"{variable}_FILE: {path} is larger than a secret can be")
        try:
            value = data.decode().strip()
        except UnicodeDecodeError as exc:
            raise SecretFileError(f"{variable}_FILE: {path} is not UTF-8 text") from exc
        if not value:
            raise SecretFileError(f"{variable}_FILE: {path} is empty")
        resolved[variable] = value
    return resolved

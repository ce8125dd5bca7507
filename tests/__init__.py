"""The registry's tests.

Environment the libraries read at import time is set here, before `tests.conftest`
imports the registry (and with it `huggingface_hub` and boto3).
"""

import os

for _key, _value in {
    # The fake Hub speaks the plain HTTP download protocol, not Xet storage.
    "HF_HUB_DISABLE_XET": "1",
    # moto's S3 accepts any credentials; these keep boto3 from looking for real ones.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(_key, _value)

"""Local fakes of the registry's upstreams (Hugging Face Hub, GitHub, plain file hosts).

They speak the real protocols (checked against the real ``huggingface_hub`` client in
``tests/integration/test_fake_upstream.py``) so the registry can be tested without the internet.
"""

from .catalog import Catalog, default_catalog
from .server import FakeUpstream

__all__ = ["Catalog", "FakeUpstream", "default_catalog"]

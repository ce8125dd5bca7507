"""Confinement for code the registry runs but did not write: card examples, monitor programs."""

from registry.sandbox.bwrap import BadJailFile
from registry.sandbox.jail import Jail, JailConfig, JailResult, JailUnavailable

__all__ = ["BadJailFile", "Jail", "JailConfig", "JailResult", "JailUnavailable"]

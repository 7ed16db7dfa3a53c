"""The benchmarks' CPU record tells apart two CPUs sold under one name (benchmarks/cpu_model.py)."""

import sys

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from cpu_model import cpu_model  # noqa: E402


def test_cpu_model_tells_apart_two_cpus_of_one_name():
    """Zen 1 and Zen 3 both call themselves "AMD EPYC"; family and model tell them apart."""
    zen1 = ("vendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n"
            "stepping\t: 2\nprocessor\t: 1\nvendor_id\t: other\n")
    zen3 = zen1.replace(": 23", ": 25").replace("stepping\t: 2", "stepping\t: 1")
    assert cpu_model(zen1) == "AuthenticAMD family 23 model 1 stepping 2"
    assert cpu_model(zen3) == "AuthenticAMD family 25 model 1 stepping 1" != cpu_model(zen1)
    assert cpu_model("processor\t: 0\n") == "unknown"
    assert cpu_model() != ""

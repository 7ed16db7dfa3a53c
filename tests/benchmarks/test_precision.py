"""The precision benchmark's table says which kinds compute the training step bit for bit
alike (benchmarks/precision.py): equal digests after as many steps, and nothing else."""

import sys

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from precision import load_records, same_bits, table  # noqa: E402

MACHINE = {"cpu": "AMD EPYC", "cpu_capability": "AVX2", "torch_threads": 2, "cpu_bf16": "none"}


def record(name, fp32_digest, bf16_digest="b" * 16, steps=5):
    return {"name": name, "fp32": 0.3, "bf16": 8.7, "auto": "fp32", "steps": steps,
            "fp32_digest": fp32_digest, "bf16_digest": bf16_digest, "machine": MACHINE}


def test_same_bits_pairs_equal_digests_after_as_many_steps():
    records = [record("zen1", "a" * 16), record("zen3", "a" * 16), record("amx", "c" * 16),
               record("zen3-long", "a" * 16, steps=10),
               {k: v for k, v in record("old", "").items() if not k.endswith("_digest")}]
    assert same_bits(records, "fp32") == ["zen3", "zen1", "-", "-", "not recorded"]
    assert same_bits(records, "bf16") == ["zen3, amx", "zen1, amx", "zen1, zen3", "-",
                                          "not recorded"]


def test_the_table_names_each_record_and_its_twins():
    text = table([record("zen1", "a" * 16), record("zen3", "a" * 16, "d" * 16)])
    rows = [line for line in text.splitlines() if line.startswith("| zen")]
    assert rows[0].startswith("| zen1 | AMD EPYC") and rows[0].endswith("| fp32: zen3; bf16: - |")
    assert rows[1].startswith("| zen3 |") and rows[1].endswith("| fp32: zen1; bf16: - |")


def test_the_committed_records_load_with_their_names():
    records = load_records(ROOT / "benchmarks" / "results" / "precision")
    assert {"amx", "zen3"} <= {r["name"] for r in records}
    assert len(table(records).splitlines()) == len(records) + 4

"""The verdict command on hand-made results: each verdict, the interval, clear errors."""

import json
import subprocess
import sys

import pytest
import yaml

from evosynth.publish.verdict import (confidence_interval, judge, load_claims, parse_claims,
                              verdict_summary, verdicts)

from support import ROOT

A = {"arm": "toy/darwin/inherit", "generation": "gen4"}
B = {"arm": "toy/dense-control/inherit", "generation": "gen4"}


def _claim(**fields):
    row = {"id": "c", "source": "ours", "claim": "a keeps up with b", "metric": "f",
           "a": A, "b": B, "test": "at_least", "threshold": -0.03, "seeds": 3, **fields}
    return parse_claims({"claims": [row]})[0]


def _results(a, b):
    rows = {f"toy/darwin/inherit/seed{k}/gen4": {"f": v} for k, v in enumerate(a)}
    rows.update({f"toy/dense-control/inherit/seed{k}/gen4": {"f": v} for k, v in enumerate(b)})
    rows["toy/darwin/inherit/seed0/gen3"] = {"f": 0.0}       # another generation: not read
    return rows


def test_reproduced_when_the_whole_interval_clears_the_threshold():
    verdict = judge(_claim(), _results([0.80, 0.81, 0.79], [0.80, 0.80, 0.80]))
    assert verdict.verdict == "reproduced" and verdict.seeds == [0, 1, 2]
    assert verdict.differences == pytest.approx([0.0, 0.01, -0.01])
    assert verdict.mean == pytest.approx(0.0) and verdict.ci[0] >= -0.03


def test_not_reproduced_when_the_lower_bound_is_below_the_margin():
    # mean -0.01 is inside the margin, but three seeds this spread cannot show it
    verdict = judge(_claim(), _results([0.74, 0.82, 0.81], [0.80, 0.80, 0.80]))
    assert verdict.mean == pytest.approx(-0.01) and verdict.ci[0] < -0.03
    assert verdict.verdict == "not reproduced"
    far = judge(_claim(), _results([0.67, 0.66, 0.68], [0.80, 0.80, 0.80]))
    assert far.verdict == "not reproduced" and far.ci[1] < -0.03


def test_at_most_reads_the_upper_bound():
    claim = _claim(test="at_most", threshold=0.0, b=None)
    assert judge(claim, _results([-0.02, -0.03, -0.025], [])).verdict == "reproduced"
    assert judge(claim, _results([-0.02, 0.03, -0.025], [])).verdict == "not reproduced"


def test_untested_with_too_few_seeds_or_by_declaration():
    short = judge(_claim(seeds=5), _results([0.8, 0.8, 0.8, 0.8], [0.8, 0.8, 0.8]))
    assert short.verdict == "untested" and short.seeds == [0, 1, 2]
    assert "3 of the 5 seeds" in short.reason and short.ci is None
    missing = judge(_claim(), _results([0.8, 0.8, 0.8], []))
    assert missing.verdict == "untested" and missing.seeds == []
    declared = parse_claims({"claims": [{"id": "sota", "source": "paper", "claim": "SOTA",
                                         "untested": "no benchmark offline"}]})[0]
    assert judge(declared, {}).verdict == "untested"


def test_the_interval_is_students_t():
    low, high = confidence_interval([1.0, 2.0, 3.0])
    # mean 2, sd 1, t(0.975, 2) = 4.302653
    assert (low, high) == pytest.approx((2 - 4.302653 / 3 ** 0.5, 2 + 4.302653 / 3 ** 0.5))


@pytest.mark.parametrize("change, message", [
    ({"test": "about"}, r"claim 'c'\.test must be one of \['at_least', 'at_most'\]"),
    ({"threshold": "small"}, r"claim 'c'\.threshold must be a finite number"),
    ({"seeds": 1}, r"claim 'c'\.seeds must be an integer >= 2"),
    ({"a": {"arm": "toy/darwin", "generation": "gen4"}}, r"claim 'c'\.a\.arm must be"),
    ({"b": {"arm": "toy/dense-control/inherit", "generation": "4"}},
     r"claim 'c'\.b\.generation must be 'gen<k>'"),
    ({"metric": None}, r"claim 'c'\.metric is missing"),
    ({"colour": "red"}, r"unknown field\(s\) \['colour'\]"),
])
def test_bad_claims_get_a_clear_error(change, message):
    with pytest.raises(ValueError, match=message):
        _claim(**change)


def test_the_committed_claims_parse_and_every_claim_is_judged(tmp_path):
    claims = load_claims(ROOT / "claims.yaml")
    assert len({(c.id, c.recipe) for c in claims}) == len(claims) >= 7
    results = json.loads((ROOT / "results" / "beyond.json").read_text())
    out = subprocess.run([sys.executable, "-m", "evosynth", "verdict", "--claims",
                          str(ROOT / "claims.yaml"), "--results",
                          str(ROOT / "results" / "beyond.json"), "--json",
                          str(tmp_path / "v.json"), "--table", str(tmp_path / "v.md"),
                          "--summary", str(tmp_path / "s.md"), "--records", str(ROOT)],
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads((tmp_path / "v.json").read_text())
    assert [r["id"] for r in rows] == [c.id for c in claims]
    assert out == (tmp_path / "v.md").read_text() and out.count("\n") == len(claims) + 2
    assert all(judge(c, results).verdict == r["verdict"] for c, r in zip(claims, rows))
    # the committed table (what the book shows) is this command's output on the committed results
    stale = ("is stale: run python -m evosynth verdict --json results/verdict.json --table "
             "results/verdict.md --summary results/verdict_summary.md")
    assert (ROOT / "results" / "verdict.md").read_text() == out, "results/verdict.md " + stale
    assert (ROOT / "results" / "verdict_summary.md").read_text() == \
        (tmp_path / "s.md").read_text(), "results/verdict_summary.md " + stale
    # the paper's claims of the main experiment are judged under both recipes
    recipes = {}
    for claim in claims:
        recipes.setdefault(claim.id, set()).add(claim.recipe)
    for claim in claims:
        if claim.recipe in ("best-effort", "first") and claim.untested is None:
            assert recipes[claim.id] == {"best-effort", "first"}, claim.id


def test_a_missing_claims_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="claims file .*nowhere.yaml not found"):
        load_claims(tmp_path / "nowhere.yaml")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"claim": []}))
    with pytest.raises(ValueError, match="bad.yaml: expected a mapping with a list 'claims'"):
        load_claims(tmp_path / "bad.yaml")


def test_a_claim_has_one_row_per_recipe_and_names_a_known_recipe():
    row = {"id": "c", "source": "paper", "claim": "x", "metric": "m", "test": "at_least",
           "threshold": 0.0, "seeds": 2, "a": {"arm": "t/m/i", "generation": "gen4"}}
    claims = parse_claims({"claims": [{**row, "recipe": "best-effort"}, {**row, "recipe": "first"}]})
    assert [(c.id, c.recipe) for c in claims] == [("c", "best-effort"), ("c", "first")]
    assert parse_claims({"claims": [row]})[0].recipe == "first"     # the default
    with pytest.raises(ValueError, match=r"claim 'c': the id is used twice for the recipe 'first'"):
        parse_claims({"claims": [row, {**row, "recipe": "first"}]})
    with pytest.raises(ValueError, match=r"claim 'c'\.recipe must be one of \['best-effort', "
                                         r"'first', 'study'\], got 'tuned'"):
        parse_claims({"claims": [{**row, "recipe": "tuned"}]})


def test_the_summary_puts_both_recipes_side_by_side_with_the_validation_difference(tmp_path):
    """One line per claim: the deciding recipe's verdict, then the first recipe's; numbers in
    three decimals (the reduction in one), the validation difference from the records."""
    arm = {"arm": "saliency-default/darwin/inherit", "generation": "gen4"}
    anc = {"arm": "saliency-default/darwin/inherit", "generation": "gen0"}
    best = {"arm": "saliency-best/darwin/inherit", "generation": "gen4"}
    row = {"id": "keeps", "name": "within 0.03", "source": "paper", "claim": "x",
           "metric": "f_beta_adaptive", "test": "at_least", "threshold": -0.03, "seeds": 2}
    claims = parse_claims({"claims": [
        {**row, "recipe": "best-effort", "a": best, "b": {**best, "generation": "gen0"}},
        {**row, "recipe": "first", "a": arm, "b": anc},
        {"id": "msra", "name": "MSRA-B", "source": "paper", "claim": "y", "untested": "offline",
         "recipe": "best-effort"}]})
    results = {f"saliency-default/darwin/inherit/seed{k}/gen{g}": {"f_beta_adaptive": v}
               for k, (g0, g4) in enumerate([(0.9, 0.7), (0.88, 0.72)])
               for g, v in (("0", g0), ("4", g4))}
    for k, (g0, g4) in enumerate([(0.8, 0.7), (0.8, 0.6)]):   # validation, in the records
        for gen, value in (("gen0", g0), ("gen4", g4)):
            folder = tmp_path / "results" / (f"seeds/seed{k}/{gen}" if k else gen)
            folder.mkdir(parents=True)
            (folder / "summary.json").write_text(json.dumps({"val": {"f_beta_adaptive": value}}))
    rows = verdicts(claims, results, records=tmp_path)
    first = rows[1]
    assert first.val_seeds == [0, 1] and first.val_mean == pytest.approx(-0.15)
    assert rows[0].verdict == "untested" and rows[0].val_mean is None
    lines = verdict_summary(rows, claims).splitlines()
    assert lines[0] == ("| claim | whose | verdict (best-effort recipe) | first recipe: "
                        "12-epoch offspring |")
    assert lines[2].startswith("| within 0.03 | paper | **untested** (0 of 2 seeds) | "
                               "**not reproduced** -0.180 [")
    assert lines[2].endswith("], val -0.150 (2 seeds) |")
    assert lines[3] == "| MSRA-B | paper | **untested** (no benchmark offline) | — |"
    assert len(lines) == 4

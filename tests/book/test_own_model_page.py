"""The code on the book's "Use it on your own model" page runs as printed."""

import re

from support import ROOT

PAGE = ROOT / "book" / "own_model.md"


def test_the_pages_example_runs_and_thins_every_generation(capsys):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert len(blocks) == 1, "the page should hold exactly one example"
    exec(compile(blocks[0], str(PAGE), "exec"), {"__name__": "own_model_page"})
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"generation {g}" for g in (1, 2, 3, 4)]
    alive = [int(re.search(r": ([\d,]+) of", line).group(1).replace(",", "")) for line in lines]
    assert all(a > b for a, b in zip(alive, alive[1:])), alive
    total = int(re.search(r"of ([\d,]+) synapses", lines[0]).group(1).replace(",", ""))
    assert total == 28 * 28 * 300 + 300 * 100 + 100 * 10
    assert alive[-1] < total / 10

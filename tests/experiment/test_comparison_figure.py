"""The headline comparison's figure draws what the table holds: one line per arm through the
mean over seeds, one point per seed, the evolved lineage's reduction at each generation."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evosynth.experiment.comparison_figure import ARMS, arms_by_generation


def table() -> pd.DataFrame:
    rows = []
    for seed in (0, 1, 2):
        for k in range(5):
            rows.append({"method": "darwin/inherit", "seed": seed, "generation": f"gen{k}",
                         "reduction": 2.5 ** k, "f_beta_adaptive": 0.9 - 0.05 * k + 0.01 * seed})
            rows.append({"method": "dense-control/inherit", "seed": seed, "generation": f"gen{k}",
                         "reduction": 1.0, "f_beta_adaptive": 0.9 + 0.002 * k})
        if seed < 2:   # the small dense networks: fewer seeds, generation 4 only
            rows.append({"method": "small-dense/newborn", "seed": seed, "generation": "gen4",
                         "reduction": 40.0, "f_beta_adaptive": 0.85 + 0.01 * seed})
    rows.append({"method": "darwin/newborn", "seed": 0, "generation": "gen1",   # not an arm drawn
                 "reduction": 2.5, "f_beta_adaptive": 0.1})
    return pd.DataFrame(rows)


def test_one_line_per_arm_through_the_mean_over_seeds():
    fig = arms_by_generation(table())
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert len(lines) == len(ARMS)
    evolved = next(line for label, line in lines.items() if label.startswith(ARMS["darwin/inherit"]))
    np.testing.assert_allclose(evolved.get_xdata(), range(5))
    np.testing.assert_allclose(evolved.get_ydata(), [0.91 - 0.05 * k for k in range(5)])
    small = next(line for label, line in lines.items() if label.startswith(ARMS["small-dense/newborn"]))
    np.testing.assert_allclose(small.get_xdata(), [4])
    np.testing.assert_allclose(small.get_ydata(), [0.855])
    assert "(2 seeds)" in small.get_label() and "(3 seeds)" in evolved.get_label()
    points = sum(len(c.get_offsets()) for c in ax.collections)
    assert points == 3 * 5 * 2 + 2     # every seed of every drawn arm, the other arm left out
    assert all(t.get_text() != "0.1" for t in ax.texts)
    assert [t.get_text() for t in ax.texts] == ["1.0×", "2.5×", "6.2×", "16×", "39×"]


def test_an_arm_without_rows_is_left_out():
    fig = arms_by_generation(table().query("method != 'small-dense/newborn'"))
    assert len(fig.axes[0].get_lines()) == len(ARMS) - 1


def test_a_table_without_the_metric_is_a_clear_error():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['mae'\]"):
        arms_by_generation(table(), metric="mae")

"""Stage ``evaluate``: every generation of the paper's lineage on the test split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...method.atomic import atomic_write, write_csv, write_json
from ...method.checkpoints import load_checkpoint, load_network
from ..config import Params
from ...method.data import SaliencySet
from ...method.genetics import LayerReport, Masks, synapse_report, synaptic_parameters, \
    synaptic_probabilities
from ...method.metrics import SaliencyScores
from ..paths import Paths
from ...method.training import evaluate as score, predict, select_device
from ..cli import Command, main, show


@dataclass
class Evaluation:
    """Test-split scores of every generation, and what the book draws of its synapses."""

    scores: dict[str, SaliencyScores]
    synapses: dict[str, int]
    metrics: dict[str, dict[str, float]]
    masks: dict[str, Masks]
    layers: dict[str, list[LayerReport]]
    weights: dict[str, np.ndarray]
    probabilities: dict[str, np.ndarray]
    #: P(s|w) of every synapse of each generation, per layer: what its offspring was drawn from.
    heredity: dict[str, dict[str, torch.Tensor]]


def evaluate(params: Params, paths: Paths = Paths()) -> Evaluation:
    """Every generation on the test split: synapses, reduction, F-beta, MAE, PR curves."""
    names = ["gen0", *params.generation.generations]
    test = SaliencySet.load(paths.split("test"))
    dataset = test.tensors()
    n_examples = min(params.evaluate.n_examples, len(test))
    device = str(select_device(params.ancestor.train.device))
    scores, synapses, metrics, maps = {}, {}, {}, {}
    masks, layers, weights, probabilities, heredity = {}, {}, {}, {}, {}
    for name in names:
        state = load_checkpoint(paths.network(name))
        network = load_network(state, params.ancestor.model.to_config())
        scores[name] = score(network, dataset, params.evaluate.batch_size, device)
        masks[name] = state["masks"]
        synapses[name] = masks[name].count()
        layers[name] = synapse_report(masks[name])
        alive = masks[name]
        weights[name] = torch.cat([w.detach().cpu()[alive[n]].abs()
                                   for n, w in synaptic_parameters(network)]).numpy()
        # P(s|w) of this generation's synapses: the heredity its offspring would be drawn from.
        p = heredity[name] = synaptic_probabilities(network, alive, params.generation.normalization)
        probabilities[name] = torch.cat([p[n][alive[n]] for n in p]).numpy()
        maps[name] = predict(network, torch.utils.data.Subset(dataset, range(n_examples)),
                             device=device).numpy()
    for name in names:
        metrics[name] = {"synapses": synapses[name],
                         "reduction": synapses["gen0"] / max(synapses[name], 1),
                         **scores[name].summary()}
    write_json(paths.metrics, metrics)
    write_csv(paths.synapses, [{"generation": n, "synapses": synapses[n],
                                "reduction": metrics[n]["reduction"],
                                "f_beta_adaptive": metrics[n]["f_beta_adaptive"],
                                "f_beta_max": metrics[n]["f_beta_max"]} for n in names])
    write_csv(paths.layer_survival, [
        {"generation": n, "layer": r.name.removesuffix(".weight"), "synapses": r.synapses,
         "synapses_alive": r.synapses_alive, "density": r.density,
         "neurons": r.neurons, "neurons_alive": r.neurons_alive}
        for n in names for r in layers[n]])
    for n in names:   # one file per generation: one line each in `dvc plots`
        write_csv(paths.pr_curve(n), [
            {"threshold": t, "precision": float(p), "recall": float(r), "f_beta": float(f)}
            for t, p, r, f in zip(scores[n].thresholds, scores[n].precision, scores[n].recall,
                                  scores[n].f_beta_curve)])

    def _save_examples(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, images=test.images[:n_examples], masks=test.masks[:n_examples],
                                **{f"map_{n}": m for n, m in maps.items()})
    atomic_write(paths.examples, _save_examples)
    return Evaluation(scores, synapses, metrics, masks, layers, weights, probabilities, heredity)


def load_examples(paths: Paths = Paths()) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The example images, their ground truth and every generation's saliency maps, as saved
    by :func:`evaluate`: ``(images, masks, {generation: maps})``."""
    with np.load(paths.examples, allow_pickle=False) as z:
        maps = {name.removeprefix("map_"): z[name] for name in z.files if name.startswith("map_")}
        return z["images"], z["masks"], maps


def training_records(params: Params, paths: Paths = Paths()) -> dict[str, dict]:
    """Every generation's training record (its ``summary.json``), by generation."""
    records = {}
    for name in ["gen0", *params.generation.generations]:
        summary = paths.summary(name)
        if not summary.is_file():
            raise FileNotFoundError(f"{summary}: summary not found (run `dvc repro`)")
        records[name] = json.loads(summary.read_text())
    return records


def training_histories(params: Params, paths: Paths = Paths()) -> dict[str, list[dict]]:
    """Every generation's per-epoch training record (``history`` of its summary.json)."""
    return {name: record.get("history", [])
            for name, record in training_records(params, paths).items()}


# -- the command line: `python -m evosynth evaluate`, or this module run as a program --

def _command(params, args):
    show(evaluate(params).metrics)


COMMAND = Command("evaluate", "stage evaluate: every generation on the test split",
                  "Score gen0..genN on the test split: results/metrics.json, results/plots/ and "
                  "the examples the book draws.", _command, group=0, order=3)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))

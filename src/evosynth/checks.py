"""``python -m evosynth check``: parameters and data set validated before any work."""

from __future__ import annotations

import os
from pathlib import Path

from .config import load_params
from .data import DataError, load_folder
from .genetics import Masks
from .models import SaliencyNet
from .raw import FASHION_FILES


def check_setup(params_file: str | os.PathLike[str] = "params.yaml") -> str:
    """Validate the parameters and the configured data set; returns a short summary.

    Raises:
        ParamsError: a parameter is unknown, of the wrong type or out of range.
        DataError: the configured data set is missing or unreadable (the file is named).
    """
    params = load_params(params_file)
    p = params.prepare
    if p.dataset == "fashion-composite":
        raw = Path(p.raw)
        missing = [str(raw / "fashion-mnist" / f) for f in FASHION_FILES
                   if not (raw / "fashion-mnist" / f).is_file()]
        if missing:
            raise DataError(f"{missing[0]}: raw data missing (prepare.raw = {p.raw!r}); run "
                            "`python -m evosynth fetch-data` or bash scripts/setup.sh")
        if not any((raw / "backgrounds").glob("*")):
            raise DataError(f"{raw / 'backgrounds'}: no background photographs")
        data = f"fashion-composite from {raw} ({p.n_train}/{p.n_val}/{p.n_test} images)"
    elif p.dataset == "folder":
        f = p.folder
        sizes = {s: len(load_folder(f.root, 16, getattr(f, f"{s}_split"), f.image_dir,
                                    f.mask_dir)) for s in ("train", "val", "test")}
        data = f"folder {f.root} ({sizes['train']}/{sizes['val']}/{sizes['test']} images)"
    else:
        data = f"shapes ({p.n_train}/{p.n_val}/{p.n_test} images)"
    synapses = Masks.ones_like(SaliencyNet(params.ancestor.model.to_config())).count()
    lineage = params.generation.lineage
    return "\n".join([
        f"{params_file}: ok",
        f"  data set:    {data}, {p.image_size}x{p.image_size}",
        f"  ancestor:    {synapses:,} synapses",
        f"  generations: {len(lineage)}: " + "; ".join(
            f"{name} {spec.environment.describe()}" for name, spec in lineage.items()),
        f"  offspring:   {params.generation.init} init, {params.generation.normalization} Z",
    ])

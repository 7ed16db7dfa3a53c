"""The parameters file (evosynth.experiment.config): every section validated, errors naming the key."""

import copy

import pytest
import yaml

from evosynth.experiment.config import ParamsError, load_params, parse_params

from support import ROOT, tiny_params

DEFAULT = yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.mark.parametrize("profile", ["params.yaml", "profiles/smoke.yaml"])
def test_shipped_parameter_files_are_valid(profile):
    params = load_params(ROOT / profile)
    assert params.generation.generations == ["gen1", "gen2", "gen3", "gen4"]


def _set(data, dotted, value):
    node = data
    *path, last = dotted.split(".")
    for key in path:
        node = node[key]
    node[last] = value


@pytest.mark.parametrize("key,value,message", [
    ("prepare.image_sise", 64, r"prepare\.image_sise = 64: unknown key"),
    ("prepare.image_size", "64", r"prepare\.image_size = '64': Input should be a valid integer"),
    ("prepare.n_train", 0, r"prepare\.n_train = 0: Input should be greater than or equal to 1"),
    ("prepare.dataset", "msra", r"prepare\.dataset = 'msra'"),
    ("ancestor.train.lr", -1.0, r"ancestor\.train\.lr = -1\.0"),
    ("ancestor.train.epochs", 2.5, r"ancestor\.train\.epochs = 2\.5"),
    ("generation.init", "clone", r"generation\.init = 'clone'"),
    ("generation.lineage.gen2.environment", {"kind": "constant", "factor": 1.5},
     r"generation\.lineage\.gen2\.environment\.factor = 1\.5: Input should be less than or equal to 1"),
    ("generation.lineage.gen2.environment", {"kind": "constant", "factor": 0},
     r"factor = 0: Input should be greater than 0"),
    ("generation.lineage.gen3.parent", "gen1", r"lineage\.gen3\.parent must be 'gen2'"),
    ("generation.lineage", {}, r"needs at least 1 generation"),
    ("generation.lineage.gen4.epochs", 0, r"lineage\.gen4\.epochs = 0: Input should be greater"),
    ("prepare.folder.root", None, None),
])
def test_bad_parameters_name_the_key(key, value, message):
    data = copy.deepcopy(DEFAULT)
    _set(data, key, value)
    if message is None:
        parse_params(data)  # a valid change
        return
    with pytest.raises(ParamsError, match=message):
        parse_params(data)


def test_a_generation_can_train_longer_than_the_others():
    data = copy.deepcopy(DEFAULT)
    data["generation"]["lineage"]["gen4"]["epochs"] = 30
    data["generation"]["lineage"]["gen2"].pop("epochs", None)
    g = parse_params(data).generation
    assert g.train_for("gen4").epochs == 30
    assert g.train_for("gen2").epochs == g.train.epochs
    assert g.train_for("gen4").lr == g.train.lr  # only the epochs change


def test_folder_dataset_needs_a_root():
    data = copy.deepcopy(DEFAULT)
    data["prepare"]["dataset"] = "folder"
    with pytest.raises(ParamsError, match="folder.root"):
        parse_params(data)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("prepare: [1, 2\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(ParamsError, match="mapping of sections"):
        load_params(tmp_path / "list.yaml")


def test_image_size_must_fit_the_network():
    data = tiny_params(image_size=20)
    data["ancestor"]["model"]["widths"] = [4, 8, 16]   # patch 1: sides divisible by 8
    with pytest.raises(ParamsError, match=r"prepare\.image_size = 20 must be divisible by .* = 8"):
        parse_params(data)
    data["ancestor"]["model"]["widths"] = [4, 8]       # divisible by 4
    assert parse_params(data).prepare.image_size == 20


# -- the structured lineage -------------------------------------------------------------------
def _with(section, **changes):
    data = copy.deepcopy(DEFAULT)
    data[section] = {**data.get(section, data["generation"]), **changes}
    return data


def test_structured_parameters_are_validated_with_the_key_named():
    params = parse_params(_with("generation", mode="structured", population=3))
    assert params.generation.mode == "structured" and params.generation.population == 3
    assert parse_params(copy.deepcopy(DEFAULT)).generation.mode == "unstructured"
    with pytest.raises(ParamsError, match=r"generation\.mode = 'filters'"):
        parse_params(_with("generation", mode="filters"))
    with pytest.raises(ParamsError, match=r"generation\.population = 0"):
        parse_params(_with("generation", population=0))
    with pytest.raises(ParamsError, match=r"structured.*rewind"):
        parse_params(_with("structured", mode="structured", init="rewind"))
    with pytest.raises(ParamsError, match=r"structured\.modee.*unknown key"):
        parse_params(_with("structured", modee="structured"))


# -- the study and the sweep -----------------------------------------------------------------
@pytest.mark.parametrize("change,message", [
    (lambda s: s.update(methods=["darwin/inherit", "pruning/inherit"]), r"study\.methods\.1"),
    (lambda s: s.update(methods=["magnitude/inherit"]), r"budgets from darwin/inherit"),
    (lambda s: s.update(seeds=[0, 0]), r"seeds must be distinct"),
    (lambda s: s.update(seeds=[]), r"study\.seeds"),
    (lambda s: s["tasks"].update({"Fashion MNIST": s["tasks"]["fashion-lenet5"]}),
     r"task name 'Fashion MNIST'"),
    (lambda s: s["tasks"]["fashion-lenet5"].update(model=s["tasks"]["saliency"]["model"]),
     r"the lenet5 network takes none"),
    (lambda s: s["tasks"]["saliency"]["model"].update(widths=[16, 32, 64, 128, 256]),
     r"study\.tasks\.saliency\.model\.patch"),
])
def test_bad_study_parameters_name_the_key(change, message):
    data = copy.deepcopy(DEFAULT)
    change(data["study"])
    with pytest.raises(ParamsError, match=message):
        parse_params(data)


def test_the_study_and_sweep_are_optional_but_a_sweep_needs_its_task():
    data = copy.deepcopy(DEFAULT)
    del data["study"]
    with pytest.raises(ParamsError, match=r"sweep\.task = 'fashion-lenet5' must be a task of "
                                          r"study\.tasks \(none: no study section\)"):
        parse_params(data)
    del data["sweep"]
    assert parse_params(data).study is None and parse_params(data).sweep is None
    data = copy.deepcopy(DEFAULT)
    data["sweep"]["task"] = "mnist"
    with pytest.raises(ParamsError, match=r"sweep\.task = 'mnist' must be a task of study\.tasks"):
        parse_params(data)
    data["sweep"] = {"task": "fashion-lenet5", "factor": 1.5}
    with pytest.raises(ParamsError, match=r"sweep\.factor = 1\.5"):
        parse_params(data)


def test_a_replicate_shifts_every_seed_as_the_study_does():
    data = tiny_params()
    data["control"] = {"selection": "dense", "init": "inherit", "train": data["generation"]["train"],
                       "lineage": {"gen1": {"parent": "gen0", "seed": 1}}}
    data["replicate"] = {"seeds": [1, 2]}
    params = parse_params(data)
    assert params.for_seed(0) == params
    two = params.for_seed(2)
    assert two.ancestor.init_seed == params.ancestor.init_seed + 2
    assert two.ancestor.train.seed == params.ancestor.train.seed + 2
    assert two.generation.train.seed == params.generation.train.seed + 2
    assert two.control.train.seed == params.control.train.seed + 2
    assert two.generation.lineage["gen1"].seed == 2000 + params.generation.lineage["gen1"].seed
    assert two.generation.lineage["gen1"].seed == 2001
    assert two.ancestor.model == params.ancestor.model and two.prepare == params.prepare
    assert params.replicate_seed(2) == 2
    with pytest.raises(ParamsError, match=r"seed 5 is not in replicate.seeds \(1, 2\)"):
        params.replicate_seed(5)


@pytest.mark.parametrize("seeds,message", [([0], "greater than or equal to 1"),
                                           ([1, 1], "seeds must be distinct"),
                                           ([], "at least 1 item")])
def test_bad_replicate_seeds_name_the_key(seeds, message):
    data = tiny_params()
    data["replicate"] = {"seeds": seeds}
    with pytest.raises(ParamsError, match=rf"replicate[.:].*{message}"):
        parse_params(data)


def test_newborn_seeds_need_an_ancestor_and_small_dense_a_lineage():
    data = tiny_params()
    data["replicate"] = {"seeds": [1, 2], "newborn_seeds": [3]}
    with pytest.raises(ParamsError, match=r"newborn_seeds \[3\] have no ancestor"):
        parse_params(data)
    data["replicate"] = {"seeds": [1, 2], "newborn_seeds": [2]}
    data["small_dense"] = {"seeds": [0, 5], "generations": ["gen1"]}
    with pytest.raises(ParamsError, match=r"small_dense.seeds \[5\] have no default lineage"):
        parse_params(data)
    data["small_dense"] = {"seeds": [0, 1], "generations": ["gen9"]}
    with pytest.raises(ParamsError, match=r"small_dense.generations \['gen9'\] are not"):
        parse_params(data)
    data["small_dense"] = {"seeds": [0, 1], "generations": ["gen1"]}
    params = parse_params(data)
    assert params.seeded(0) is params and params.seeded(2) == params.for_seed(2)


@pytest.mark.parametrize("curve,message", [({"budgets": [12], "tolerance": 0.005}, "at least 2"),
                                           ({"budgets": [24, 12], "tolerance": 0.005},
                                            "strictly increasing"),
                                           ({"budgets": [12, 24], "tolerance": -0.1},
                                            "greater than or equal to 0")])
def test_a_bad_learning_curve_names_the_key(curve, message):
    data = tiny_params()
    data["learning_curve"] = curve
    with pytest.raises(ParamsError, match=rf"learning_curve.*{message}"):
        parse_params(data)


def _with_best_effort(**best):
    data = tiny_params()
    lineage = data["generation"]["lineage"]
    data["control"] = {"selection": "dense", "init": "inherit", "train": data["generation"]["train"],
                       "lineage": {g: {"parent": s["parent"], "seed": s["seed"]}
                                   for g, s in lineage.items()}}
    data["newborn"] = {**copy.deepcopy(data["generation"]), "init": "newborn"}
    data["generation"]["lineage"]["gen1"]["epochs"] = 7     # a generation's own epochs
    data["best_effort"] = {"ancestor_epochs": 9, "inherit_epochs": 5, "newborn_epochs": 8,
                           "seeds": [0, 2], "newborn_seeds": [0], "small_dense_seeds": [2],
                           **best}
    return data


def test_the_best_effort_recipe_trains_each_arm_its_own_epochs_and_shifts_the_seeds():
    params = parse_params(_with_best_effort())
    assert params.for_recipe("first", 0) is params
    two = params.for_recipe("best-effort", 2)
    assert two.ancestor.train.epochs == 9
    assert two.generation.train_for("gen1").epochs == 5       # no generation keeps its own
    assert {two.generation.train_for(g).epochs for g in two.generation.generations} == {5}
    assert {two.control.train_for(g).epochs for g in two.control.generations} == {5}
    assert {two.newborn.train_for(g).epochs for g in two.newborn.generations} == {8}
    assert two.ancestor.init_seed == params.ancestor.init_seed + 2     # as a replicate seed
    assert two.generation.lineage["gen1"].seed == 2000 + params.generation.lineage["gen1"].seed
    # everything but the epochs is the section's
    assert two.generation.train.model_copy(update={"epochs": 0, "seed": 0}) == \
        params.generation.train.model_copy(update={"epochs": 0, "seed": 0})
    zero = params.for_recipe("best-effort", 0, "newborn")
    assert zero.newborn.train.seed == params.newborn.train.seed and zero.newborn.train.epochs == 8
    with pytest.raises(ParamsError, match=r"seed 1 is not in best_effort.seeds \(0, 2\)"):
        params.for_recipe("best-effort", 1)
    with pytest.raises(ParamsError, match=r"seed 2 is not in best_effort.newborn_seeds \(0\)"):
        params.for_recipe("best-effort", 2, "newborn")
    with pytest.raises(ParamsError, match=r"recipe must be one of \['first', 'best-effort'\]"):
        params.for_recipe("best", 0)
    undecided = parse_params(_with_best_effort(inherit_epochs=None, newborn_epochs=None))
    assert undecided.for_recipe("best-effort", 2).ancestor.train.epochs == 9    # the ancestor
    assert undecided.for_recipe("best-effort", 2).generation.train_for("gen1").epochs == 7
    with pytest.raises(ParamsError, match=r"best_effort.inherit_epochs is not set: the "
                                          r"offspring curves choose it"):
        undecided.for_recipe("best-effort", 2, "control")
    with pytest.raises(ParamsError, match=r"best_effort.newborn_epochs is not set"):
        undecided.for_recipe("best-effort", 0, "newborn")
    without = {k: v for k, v in tiny_params().items() if k != "best_effort"}
    with pytest.raises(ParamsError, match="no best_effort section"):
        parse_params(without).for_recipe("best-effort", 0)


@pytest.mark.parametrize("change,message", [
    ({"newborn_seeds": [1]}, r"newborn_seeds \[1\] have no ancestor"),
    ({"small_dense_seeds": [0, 3]}, r"small_dense_seeds \[3\] have no ancestor"),
    ({"seeds": [0, 0]}, "seeds must be distinct"),
    ({"inherit_epochs": 0}, "inherit_epochs.*greater than or equal to 1"),
    ({"seeds": []}, "at least 1 item")])
def test_a_bad_best_effort_section_names_the_key(change, message):
    with pytest.raises(ParamsError, match=rf"best_effort.*{message}"):
        parse_params(_with_best_effort(**change))


# -- each field written once ----------------------------------------------------------------

def _sections():
    import inspect

    from evosynth.experiment import config
    return [c for _, c in inspect.getmembers(config, inspect.isclass)
            if issubclass(c, config._Section) and c.__module__ == config.__name__
            and not c.__name__.startswith("_")]


def _own_fields(section) -> set[str]:
    """The fields a section's class body declares itself (not those it inherits)."""
    return set(vars(section).get("__annotations__", {}))


def test_a_mirrored_section_declares_none_of_its_dataclasses_fields():
    """A section built by ``_mirror`` takes its fields and defaults from the library's config
    dataclass: it writes none of them again (a default would then live in two places)."""
    import dataclasses

    from evosynth.experiment import config
    mirrored = [s for s in _sections() if issubclass(s, config._Mirror)]
    assert {s.__name__ for s in mirrored} >= {"TrainParams", "ModelParams", "CompositeParams"}
    for section in mirrored:
        fields = {f.name for f in dataclasses.fields(section.config_class)}
        assert _own_fields(section) & fields == set(), section.__name__
        assert set(section.model_fields) <= fields, section.__name__


def test_no_two_sections_write_the_same_fields_by_hand():
    """Hand-written sections restate no config dataclass of the ground floor, nor each other."""
    import dataclasses

    from evosynth import hparams
    from evosynth.experiment import config
    by_hand = [s for s in _sections() if not issubclass(s, config._Mirror)]
    sets = [frozenset(_own_fields(s)) for s in by_hand]
    assert len(set(sets)) == len(sets), [s.__name__ for s in by_hand]
    for dataclass in (hparams.TrainConfig, hparams.SaliencyNetConfig, hparams.CompositeConfig):
        fields = {f.name for f in dataclasses.fields(dataclass)}
        for section in by_hand:
            shared = _own_fields(section) & fields
            assert len(shared) <= 2, (section.__name__, dataclass.__name__, sorted(shared))


def test_a_training_error_still_names_the_parameter():
    data = copy.deepcopy(DEFAULT)
    data["generation"]["train"]["optimizer"] = "adagrad"
    with pytest.raises(ParamsError, match=r"generation\.train\.optimizer = 'adagrad'"):
        parse_params(data)
    data = copy.deepcopy(DEFAULT)
    data["ancestor"]["train"]["seed"] = -1
    with pytest.raises(ParamsError, match=r"ancestor\.train\.seed = -1"):
        parse_params(data)

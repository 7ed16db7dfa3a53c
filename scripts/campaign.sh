#!/usr/bin/env bash
# The campaign of claims.yaml, stage by stage, most informative first: seed 0 (the default
# pipeline, then its dense control, newborn lineage, small dense network at generation 4's
# size and structured lineage), then seeds 1 and 2 (all arms), then seeds 3 and 4 (default
# lineage and control), then the small dense networks at generations 1-3's sizes; after each
# group, the scores and the merge. Each stage is its own `dvc repro --single-item`, so a run
# stopped anywhere resumes where it stopped (a stage already up to date does nothing), and
# every finished stage can be committed on its own (its outputs and dvc.lock entries).
#
# The best-effort recipe (params.yaml best_effort, every seed under models/best-effort/) has the
# same groups, named best<k> (k one of best_effort.seeds: its ancestor, newborn lineage, default
# lineage, dense control, small dense network, as params.yaml lists them) and best-sizes; its
# offspring stages need their epochs set (best_effort.inherit_epochs, newborn_epochs: the
# offspring curves choose them). Each of its networks is scored on the test split right after
# it is trained (best-effort-test-score@..., committed with it: its scores travel in git), and
# each group ends with the merge of every network's scores (best-effort-test-score-summary).
# A network that a training still to run starts from can travel in git: parents/, a DVC remote
# in the repository, is checked out before the first stage (where this machine's cache lacks
# it); with --commit --carry, each commit adds the parents trained so far (`python -m evosynth
# parents`), so that a lineage goes on in the next session on any machine of its kind without
# training its parents again. That costs the repository what the network compresses to in
# git: an ancestor about 37 MB (network.pt and rewind.pt), an offspring less the sparser it is
# (parents/README.md has the measures): carry only a lineage that one session cannot finish.
#
#   bash scripts/campaign.sh            # the first recipe: everything still to run
#   bash scripts/campaign.sh seed0      # one group: seed0 | seed1 | seed2 | seed3 | seed4 | sizes
#   bash scripts/campaign.sh --commit best0 best1   # best-effort groups, each stage committed
#                                       # as it finishes (its outputs and its lock entry)
#   bash scripts/campaign.sh --list best0           # the stages a group runs, in order
#   bash scripts/campaign.sh --commit --new best3   # only the stages never run (below)
#   bash scripts/campaign.sh --list --new best3     # which those are
#   bash scripts/campaign.sh --commit --new --networks 1 best4   # one network, then stop
#   bash scripts/campaign.sh --commit --carry --new best4   # its parents committed to parents/
#   bash scripts/campaign.sh --new beyond/dvc.yaml:best-effort-generation@control-seed3-gen2
#                                       # one stage (a group of one)
#
# --new runs only the stages that never ran (no dvc.lock entry; a scoring stage: no archived
# scores either), each with `dvc repro STAGE` instead of --single-item. A parent in neither this
# machine's cache nor parents/ is trained again first, one network at a time (each its own
# unit: counted by --networks, committed to parents/ with --commit --carry). On the seed's kind
# that gives the committed networks bit for bit; after each stage `python -m evosynth
# campaign-todo --restore HEAD` checks that (the script stops, committing nothing, where a
# network differs) and puts the parent's committed records (wall-clock times) back. Without
# --new, a group's committed stages whose networks are not in this cache are trained again too
# (an hour of a seed's default lineage, say, before its dense control can start).
#
# To stop between two stages (a session about to end, say): `touch .campaign-stop`. The stage
# running goes on to its end (and its commit, with --commit), and so does the scoring of the
# network it trains (a best-effort network's test-score stage, seconds) and the merge of the
# scores; the next training stage does not start, the file is removed, and the same command
# later goes on from there. `--networks N` stops the same way once N networks have trained
# (`--networks 1`: exactly one network, with its scores and their merge: one session's unit).
#
# Every seed's arms train on one machine kind, its ancestor's: before each offspring or small
# dense stage, `python -m evosynth seed-kind` refuses a machine of another kind (it names both);
# --any-kind (first) skips that check.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/dvc ] && export PATH="$PWD/.venv/bin:$PATH"
B=beyond/dvc.yaml
STOP=.campaign-stop

COMMIT=0 CARRY=0 LIST=0 ANY_KIND=0 NEW=0 NETWORKS=
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    --any-kind) ANY_KIND=1 ;;
    --commit) COMMIT=1 ;;
    --carry) CARRY=1 ;;
    --list) LIST=1 ;;
    --new) NEW=1 ;;
    --networks) NETWORKS=${2:-}; shift || true
      [[ $NETWORKS =~ ^[1-9][0-9]*$ ]] || {
        echo "--networks needs a positive whole number (how many networks to train), got '$NETWORKS'" >&2
        exit 2; } ;;
    -*) echo "unknown option $1 (--any-kind, --commit, --carry, --list, --new, --networks N)" >&2
        exit 2 ;;
    *) break ;;
  esac
  shift
done

lineage() {  # lineage NAME SEED: the offspring stages of one lineage and seed
  local name=$1 seed=$2 g
  for g in 1 2 3 4; do
    if [ "$seed" = 0 ]; then echo "$B:generation@$name-gen$g"; else echo "$B:generation@$name-seed$seed-gen$g"; fi
  done
}

best() {  # best NAME SEED: the best-effort offspring stages of one lineage and seed
  local g
  for g in 1 2 3 4; do echo "$B:best-effort-generation@$1-seed$2-gen$g"; done
}

in_best() {  # in_best LIST SEED: is SEED in params.yaml's best_effort.LIST?
  python -c "import sys, yaml; sys.exit($2 not in yaml.safe_load(open('params.yaml'))['best_effort']['$1'])"
}

commit() {  # commit STAGE: the stage's lock entry and git-tracked outputs (--carry: and the
  [ $CARRY = 0 ] || python -m evosynth parents --push      # parents), one commit
  git add beyond/dvc.lock dvc.lock results models parents 2>/dev/null || true
  git diff --cached --quiet && return 0
  local kind
  kind=$(python -c "from evosynth.experiment.provenance import describe_kind, machine_summary as m; print(describe_kind(m()))")
  git commit -q -m "Campaign: $1 ($kind)"
}

group() {
  case $1 in
    seed0) echo dvc.yaml; lineage control 0; lineage newborn 0; echo "$B:small-dense@seed0-gen4"
           lineage structured 0
           for l in control newborn structured; do echo "$B:lineage-metrics@$l"; done ;;
    seed1|seed2) local k=${1#seed}
           echo "$B:ancestor-seed@$k"; lineage default "$k"; lineage control "$k"
           lineage newborn "$k"; echo "$B:small-dense@seed$k-gen4" ;;
    seed3|seed4) local k=${1#seed}
           echo "$B:ancestor-seed@$k"; lineage default "$k"; lineage control "$k" ;;
    sizes) for k in 0 1 2; do for g in 1 2 3; do echo "$B:small-dense@seed$k-gen$g"; done; done ;;
    # best<k>: the arms params.yaml's best_effort gives seed k, the newborn lineage (whose
    # rows still wait for seeds) right after the ancestor
    best[0-9]|best[0-9][0-9]) local k=${1#best}
           in_best seeds "$k" || {
             echo "unknown group $1 (seed $k is not in params.yaml's best_effort.seeds)" >&2
             exit 2; }
           echo "$B:best-effort-ancestor@$k"
           in_best newborn_seeds "$k" && best newborn "$k"
           best default "$k"; best control "$k"
           in_best small_dense_seeds "$k" && echo "$B:best-effort-small-dense@seed$k-gen4"
           return 0 ;;
    best-sizes) for k in 0 1 2; do for g in 1 2 3; do
                  echo "$B:best-effort-small-dense@seed$k-gen$g"; done; done ;;
    *dvc.yaml:*) echo "$1" ;;                # one stage, named as DVC names it
    *) echo "unknown group $1 (seed0..seed4, sizes, best<k> for a k of best_effort.seeds," \
            "best-sizes, or a stage" \
            "such as $B:best-effort-generation@control-seed3-gen2)" >&2; exit 2 ;;
  esac
}

scored() {  # scored STAGE: STAGE, then (best-effort) the stage that scores the network it trains
  echo "$1"
  local name=${1#"$B:"}
  case $name in
    best-effort-ancestor@*) echo "$B:best-effort-test-score@ancestor-seed${name#*@}" ;;
    best-effort-generation@*) echo "$B:best-effort-test-score@${name#*@}" ;;
    best-effort-small-dense@*) echo "$B:best-effort-test-score@small-dense-${name#*@}" ;;
  esac
}

stages_of() {  # stages_of GROUP: its stages in order, each best-effort network then its scores
  local stage                                 # (--new: those never run)
  local all
  all=$(group "$1" | while read -r stage; do scored "$stage"; done) || return
  if [ $NEW = 1 ]; then
    [ -z "$all" ] || python -m evosynth campaign-todo $all
  else
    echo "$all"
  fi
}

groups=("$@"); [ ${#groups[@]} -gt 0 ] || groups=(seed0 seed1 seed2 seed3 seed4 sizes)
if [ $LIST = 1 ]; then
  for name in "${groups[@]}"; do stages=$(stages_of "$name"); [ -z "$stages" ] || echo "$stages"; done
  exit 0
fi
# the committed parents this machine lacks (a new machine: all of them), from parents/
[ ! -d parents ] || python -m evosynth parents --pull
STOPPED=0 TRAINED=0
for name in "${groups[@]}"; do
  stages=$(stages_of "$name") ran=0
  for stage in $stages; do
    units=$stage                              # --new: the parents still missing, then the stage
    [ $NEW = 0 ] || [ "$stage" = dvc.yaml ] \
      || units="$(python -m evosynth parents --missing "$stage") $stage"
    for unit in $units; do
      # a network's scores belong with it: only a training stage waits for the next command
      if [[ $unit != *:best-effort-test-score@* ]]; then
        why=
        if [ -e "$STOP" ]; then rm -f "$STOP"; why="$STOP was there"
        elif [ -n "$NETWORKS" ] && [ "$TRAINED" -ge "$NETWORKS" ]; then
          why="$NETWORKS networks trained, as --networks asked"
        fi
        if [ -n "$why" ]; then
          echo "== $(date -u +%H:%M:%S) stopped before $unit ($why; the same command goes on from here)"
          STOPPED=1
          break 2
        fi
        TRAINED=$((TRAINED + 1))
      fi
      if [ "$unit" = "$stage" ]; then echo "== $(date -u +%H:%M:%S) $stage"
      else echo "== $(date -u +%H:%M:%S) $unit (a parent of $stage in no cache here nor parents/)"; fi
      [ $ANY_KIND = 1 ] || [ "$unit" = dvc.yaml ] || python -m evosynth seed-kind "$unit"
      if [ "$unit" = dvc.yaml ]; then dvc repro
      elif [ $NEW = 1 ]; then
        dvc repro "$unit"
        python -m evosynth campaign-todo --restore HEAD
      else dvc repro --single-item "$unit"; fi
      [ $COMMIT = 1 ] && commit "$unit"
    done
    ran=1
  done
  if [ $STOPPED = 1 ] && [ $ran = 0 ]; then exit 0              # nothing of this group ran
  elif [[ $name == best* || $name == *:best-effort-* ]]; then
    dvc repro --single-item "$B:best-effort-test-score-summary"
    [ $COMMIT = 1 ] && commit "$B:best-effort-test-score-summary"
  elif [[ $name != *dvc.yaml:* ]] && [ -d models/seeds ] && [ -d models/small-dense ]; then
    dvc repro --single-item "$B:campaign-metrics"
  fi
  [ $STOPPED = 0 ] || exit 0
done
echo "== $(date -u +%H:%M:%S) done: python -m evosynth verdict --table results/verdict.md after dvc repro $B:beyond"

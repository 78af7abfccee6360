#!/usr/bin/env bash
# Build (or reuse) the venv of one supported stack, install mmseg_ext into it
# the way a user would, check that the install changed none of the stack's
# pinned packages, then run the whole test suite there.
#
#   .ci/stack.sh a|b|c|d        (see docs/compatibility.md for the matrix)
#
# Env: STACKS_DIR (default .stacks) holds the venvs; a venv that already has
# its stack is reused (stack a's full mmcv build takes ~40 min on 2 cores).
# PYTEST_ARGS (default "tests -q -ra") is passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${1:?usage: .ci/stack.sh a|b|c|d}
STACKS_DIR=${STACKS_DIR:-.stacks}
PYTHON=${PYTHON:-python3}
VENV="$STACKS_DIR/venv-$STACK"
PY="$VENV/bin/python"
# The registry caps torch below the newest release on some machines
# (/etc/xdg/pip); the stacks name exact versions, so the cap is lifted here.
export PIP_CONSTRAINT=/dev/null
PIP="$PY -m pip install -q"

case "$STACK" in
  a) TORCH="torch==2.1.2"; NUMPY="numpy==1.26.4"; MMCV=full ;;
  b) TORCH="torch==2.1.2"; NUMPY="numpy==1.26.4"; MMCV=lite ;;
  c) TORCH="torch==2.13.0"; NUMPY="numpy"; MMCV=lite ;;
  d) TORCH="torch==2.15.0"; NUMPY="numpy"; MMCV=lite ;;
  *) echo "unknown stack '$STACK' (expected a, b, c or d)" >&2; exit 2 ;;
esac

versions() {
  "$PY" - <<'PY'
from importlib import metadata
for name in ('torch', 'numpy', 'mmcv', 'mmcv-lite', 'opencv-python',
             'opencv-python-headless'):
    try:
        print(f'{name}=={metadata.version(name)}')
    except metadata.PackageNotFoundError:
        print(f'{name} absent')
PY
}

mkdir -p "$STACKS_DIR"
if [ ! -x "$PY" ] || ! "$PY" -c "import torch" 2>/dev/null; then
  "$PYTHON" -m venv "$VENV"
  if [ "$MMCV" = full ]; then
    $PIP --upgrade "pip>=23" "setuptools<70" wheel ninja
  else
    $PIP --upgrade "pip>=23" "setuptools<82" wheel
  fi
  $PIP "$TORCH" ${NUMPY:+"$NUMPY"}
  if [ "$MMCV" = full ]; then
    # Full mmcv with its CPU ops, built from source against this torch.
    # numpy is named again: mmcv's own opencv-python requirement would
    # otherwise pull opencv 5 and, with it, numpy 2 under torch 2.1.
    MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
      $PIP --no-build-isolation mmcv==2.1.0 ${NUMPY:+"$NUMPY"}
  fi
fi
"$PY" -c "import torch, numpy; torch.from_numpy(numpy.zeros(2))"
if [ "$MMCV" = full ]; then "$PY" -c "from mmcv import _ext"; fi

versions > "$VENV/before.txt"
# The user's command: install into the prepared environment.
$PIP -e ".[tests]"
versions > "$VENV/after.txt"
echo "== stack $STACK: $(tr '\n' ' ' < "$VENV/after.txt")"
# torch, numpy and a full mmcv must be exactly as prepared.
for name in torch numpy mmcv; do
  before=$(grep "^$name[= ]" "$VENV/before.txt" || true)
  after=$(grep "^$name[= ]" "$VENV/after.txt" || true)
  if [ "$before" != "$after" ]; then
    echo "INSTALL CHANGED THE STACK: $before -> $after" >&2
    exit 1
  fi
done
"$PY" -c "import torch, numpy; torch.from_numpy(numpy.zeros(2))"

set +e
"$PY" -m pytest ${PYTEST_ARGS:-tests -q -ra} -p no:cacheprovider \
  2>&1 | tee "$VENV/pytest.log"
rc=${PIPESTATUS[0]}
set -e
echo "== stack $STACK result: $(tail -n 1 "$VENV/pytest.log")"
exit "$rc"

#!/usr/bin/env bash
# The GPU check, in one go on a machine with CUDA (under 5 minutes):
#   1. stops at once, saying so, when PyTorch sees no GPU;
#   2. installs the Python packages the cloaking tests need that are missing (never torch: the machine's
#      CUDA build stays; never the project itself: it runs from this folder). Offline, point
#      GPU_CHECK_WHEELS at a folder of wheels;
#   3. runs the cloaking tests on cuda (CloakSettings' device "auto" is cuda wherever there is a GPU);
#   4. runs bench/bench_cloaking.py on cuda for 200 IMM photos in 0.3.1 high, when the IMM photos are here;
#   5. times 200 photos in 0.3.1 high on cuda itself (IMM photos, or copies of the bundled ones), the
#      figure the goal is about: at most 10 s on one H100/H200-class card.
# Run from anywhere: bash bench/gpu_check.sh   (PYTHON=python3.12 to choose the interpreter)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" QT_QPA_PLATFORM=offscreen PIP_BREAK_SYSTEM_PACKAGES=1
IMM_DIR=${IMM_DIR:-../shared/datasets/imm_face_db}
BATCHES=${GPU_CHECK_BATCHES:-"8 64"}
status=0
say() { printf '\n=== %s\n' "$*"; }

say "1. CUDA"
if ! "$PY" -c 'import torch; assert torch.cuda.is_available(), "PyTorch sees no usable GPU"; print("torch", torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name(0))'; then
    echo "FAILED: no CUDA here (see above); this check is for a machine with an NVIDIA GPU and a CUDA build of PyTorch." >&2
    exit 2
fi

say "2. packages"
missing=$("$PY" - <<'EOF'
import importlib.util
needed = {"numpy": "numpy", "PIL": "pillow", "dlib": "dlib-bin", "face_recognition_models": "face_recognition_models",
          "keyring": "keyring", "matplotlib": "matplotlib", "scipy": "scipy", "pytest": "pytest"}
print(" ".join(pip for module, pip in needed.items() if importlib.util.find_spec(module) is None))
EOF
)
if [ -n "$missing" ]; then
    echo "installing: $missing"
    wheels=()
    [ -n "${GPU_CHECK_WHEELS:-}" ] && wheels=(--no-index --find-links "$GPU_CHECK_WHEELS")
    if ! timeout 120 "$PY" -m pip install -q "${wheels[@]}" $missing; then
        echo "FAILED: could not install $missing (no internet? set GPU_CHECK_WHEELS to a folder of wheels)." >&2
        exit 3
    fi
else
    echo "all there"
fi

say "3. cloaking tests on cuda"
"$PY" -c 'from core.cloaking.engine import resolve_device; d = resolve_device("auto"); print("the tests cloak on", d); assert d.type == "cuda"' || exit 4
timeout 150 "$PY" -m pytest -q -p no:cacheprovider tests/core/cloaking/test_cloaking.py tests/core/cloaking/test_estimate.py || { echo "FAILED: cloaking tests on cuda" >&2; status=1; }

say "4. bench/bench_cloaking.py on cuda"
if [ -d "$IMM_DIR" ]; then
    timeout 120 "$PY" bench/bench_cloaking.py --device cuda --skip-strength --high-photos 200 --min-photos 0 || { echo "FAILED: the bench (exit $?)" >&2; status=1; }
else
    echo "skipped: the IMM photos are not at $IMM_DIR (set IMM_DIR); step 5 uses copies of the bundled photos"
fi

say "5. 200 photos in 0.3.1 high on cuda (goal: at most 10 s)"
IMM_DIR="$IMM_DIR" BATCHES="$BATCHES" timeout 150 "$PY" - <<'EOF' || { echo "FAILED: the 200-photo timing" >&2; status=1; }
import os, shutil, tempfile, time
from pathlib import Path

import torch

from core.cloaking.engine import CloakSettings, cloak_photos, load_extractor
from core.cloaking.targets import embed_pool
from core.datasets import open_dataset
from core.jobs import Job

imm = Path(os.environ["IMM_DIR"])
scratch = Path(tempfile.mkdtemp(prefix="gpu-check-"))
if imm.is_dir():
    dataset = open_dataset(imm, check_images=False)
    photos = sorted(p.path for p in dataset.photos)[:200]
    person_of = {p.path: p.person for p in dataset.photos}
    where = f"IMM photos from {imm}"
else:  # the bundled 640x480 IMM photos, copied under new names up to 200
    dataset = open_dataset(Path("resources/sample"), check_images=False)
    sources = sorted(p.path for p in dataset.photos) + sorted(Path("tests/fixtures/imm").glob("*.jpg"))
    photos, person_of = [], {}
    for i in range(200):
        source = sources[i % len(sources)]
        copy = scratch / "photos" / f"{source.stem[:2]}-{i:03d}{source.suffix}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, copy)
        photos.append(copy)
        person_of[copy] = source.stem[:2]
    where = f"copies of {len(sources)} bundled IMM photos"
pool = {person: [p.path for p in ps] for person, ps in dataset.people().items()}
device = torch.device("cuda")
started = time.perf_counter()
cache = scratch / "cache"
embed_pool(pool, [load_extractor("dlib", device)], ["dlib"], device, cache)
print(f"{len(photos)} {where}; target pool of {sum(map(len, pool.values()))} photos embedded once in {time.perf_counter() - started:.1f} s")
warm = CloakSettings(mode="custom", custom={"steps": 2}, device="cuda", cache_dir=scratch / "warm")
shutil.copytree(cache, warm.cache_dir)  # the pool's embedding
cloak_photos(photos[:1], scratch / "warm-out", warm, pool=pool, person_of=person_of)  # CUDA start-up, out of the figure

for batch in map(int, os.environ["BATCHES"].split()):
    marks = {}
    job = Job(lambda p: marks.setdefault(p.stage, []).append(time.perf_counter()))
    settings = CloakSettings(version="0.3", mode="high", device="cuda", batch_size=batch, cache_dir=scratch / f"cache-{batch}")
    shutil.copytree(cache, settings.cache_dir, dirs_exist_ok=True)  # the pool's embedding, not the cloaks
    torch.cuda.synchronize()
    started = time.perf_counter()
    reports = cloak_photos(photos, scratch / f"out-{batch}", settings, job, pool=pool, person_of=person_of)
    torch.cuda.synchronize()
    total = time.perf_counter() - started
    finding = marks["Finding faces"][-1] - marks["Finding faces"][0] if "Finding faces" in marks else 0.0
    cloaking = marks["Cloaking"][-1] - marks["Cloaking"][0] if "Cloaking" in marks else 0.0
    problems = [r for r in reports if r.problem]
    print(f"0.3.1 high, batch {batch:3d}: {len(reports) - len(problems)} of {len(photos)} photos in {total:.1f} s "
          f"({total / len(photos):.3f} s a photo; finding faces {finding:.1f} s, optimising and writing {cloaking:.1f} s); "
          f"goal: at most 10 s" + (f"; problems: {problems[0].problem} ({len(problems)})" if problems else ""))
shutil.rmtree(scratch, ignore_errors=True)
EOF

say "done"
[ "$status" -eq 0 ] && echo "GPU check passed." || echo "GPU check: something FAILED (see above)."
exit "$status"

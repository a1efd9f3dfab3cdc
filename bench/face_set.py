#!/usr/bin/env python3
"""Builds the labelled face set for the default-crop benchmark (issue 12, item 1).

Face boxes are known by construction, never from a detector: real face photographs are pasted
(feathered edges) at chosen positions and scales on the corpus photos, cut to wide (4:3, 16:9)
and tall (3:4, 9:16) frames, and the pasted face's box is written down.

Faces, all from packages with a licence, available offline:
* scikit-image (PyPI, BSD-3): `skimage/data/lfw_subset.npy`, 100 grey 25x25 face crops of
  different people from Labeled Faces in the Wild (the whole crop is the face box), and
  `skimage/data/astronaut.png` (NASA portrait of Eileen Collins, public domain; its face box
  was labelled by hand below).
* face_recognition 1.3.0 (PyPI sdist, MIT): `tests/test_images/obama.jpg` and `biden.jpg`
  (official White House portraits, public domain; face boxes labelled by hand below).

Usage (venv outside the repository):
    python3 -m venv ~/.cache/face-venv && ~/.cache/face-venv/bin/pip install numpy pillow
    pip download --no-deps -d ~/.cache/face-pkgs scikit-image
    pip download --no-deps --no-binary :all: -d ~/.cache/face-pkgs face_recognition==1.3.0
    ~/.cache/face-venv/bin/python bench/face_set.py --out ~/.cache/face-set
Writes OUT/*.jpg and OUT/labels.json: [{"file", "width", "height", "faces": [[x, y, w, h]],
"person"}], boxes in pixels of the written (upright) image.
"""

import argparse
import io
import json
import random
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT.parent / "shared/corpus/photos"

# Hand-labelled face boxes (x0, y0, x1, y1: hairline to chin, cheek to cheek) and the
# head-and-shoulders region pasted around them, in the portraits' own pixels.
PORTRAITS = {
    "astronaut": {"face": (165, 68, 258, 170), "paste": (110, 10, 320, 240)},
    "obama": {"face": (355, 80, 640, 410), "paste": (250, 0, 760, 540)},
    "biden": {"face": (390, 200, 700, 565), "paste": (280, 120, 760, 680)},
}


def load_faces(pkgs: Path):
    """[(person, RGB image, face box in it)]: the LFW crops, then the hand-labelled portraits."""
    wheel = next(pkgs.glob("scikit_image-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        lfw = np.load(io.BytesIO(z.read("skimage/data/lfw_subset.npy")))
        astronaut = Image.open(io.BytesIO(z.read("skimage/data/astronaut.png"))).convert("RGB")
    with tarfile.open(next(pkgs.glob("face_recognition-*.tar.gz"))) as t:
        def member(name):
            m = next(m for m in t.getmembers() if m.name.endswith("tests/test_images/" + name))
            return Image.open(io.BytesIO(t.extractfile(m).read())).convert("RGB")
        portraits = {"astronaut": astronaut, "obama": member("obama.jpg"),
                     "biden": member("biden.jpg")}
    faces = []
    # The first 100 entries are faces; the rest of the file are non-faces.
    for i in range(100):
        grey = Image.fromarray((lfw[i] * 255).round().astype("uint8"), "L").convert("RGB")
        faces.append((f"lfw{i:03d}", grey, (0, 0, 25, 25)))
    for name, im in portraits.items():
        p = PORTRAITS[name]
        crop = im.crop(p["paste"])
        fx0, fy0, fx1, fy1 = p["face"]
        px, py = p["paste"][:2]
        faces.append((name, crop, (fx0 - px, fy0 - py, fx1 - px, fy1 - py)))
    return faces


def feathered_mask(w, h, tight):
    """An ellipse for a tight face crop, a rounded rectangle for a head-and-shoulders one."""
    m = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(m)
    if tight:
        d.ellipse((0, 0, w - 1, h - 1), fill=255)
    else:
        r = min(w, h) // 6
        d.rounded_rectangle((0, 0, w - 1, h - 1), radius=r, fill=255)
    return m.filter(ImageFilter.GaussianBlur(max(1, min(w, h) // 30)))


def frame(photo: Image.Image, aspect: float, long_side: int, rng: random.Random):
    """A random crop of `photo` with width/height = aspect, scaled to `long_side`."""
    W, H = photo.size
    if W / H > aspect:
        h = H
        w = int(round(H * aspect))
    else:
        w = W
        h = int(round(W / aspect))
    x = rng.randint(0, W - w)
    y = rng.randint(0, H - h)
    im = photo.crop((x, y, x + w, y + h))
    scale = long_side / max(w, h)
    return im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)


def paste(bg: Image.Image, face, share: float, along: float, across: float):
    """Pastes `face` with its face box `share` of the short side tall, its centre at fraction
    `along` of the long side and `across` of the short side; returns the face box."""
    person, im, (fx0, fy0, fx1, fy1) = face
    W, H = bg.size
    short = min(W, H)
    box_h = share * short
    scale = box_h / (fy1 - fy0)
    pw, ph = max(1, round(im.width * scale)), max(1, round(im.height * scale))
    patch = im.resize((pw, ph), Image.BICUBIC)
    # Face box in the patch.
    bx0, by0 = fx0 * scale, fy0 * scale
    bw, bh = (fx1 - fx0) * scale, (fy1 - fy0) * scale
    wide = W > H
    long_ = max(W, H)
    c_along = along * long_
    c_across = across * short
    cx, cy = (c_along, c_across) if wide else (c_across, c_along)
    # Keep the whole face box inside the photo.
    cx = min(max(cx, bw / 2 + 1), W - bw / 2 - 1)
    cy = min(max(cy, bh / 2 + 1), H - bh / 2 - 1)
    left = round(cx - bw / 2 - bx0)
    top = round(cy - bh / 2 - by0)
    tight = person.startswith("lfw")
    bg.paste(patch, (left, top), feathered_mask(pw, ph, tight))
    x0, y0 = left + bx0, top + by0
    x0c, y0c = max(0.0, x0), max(0.0, y0)
    x1c, y1c = min(W, x0 + bw), min(H, y0 + bh)
    return [round(x0c, 1), round(y0c, 1), round(x1c - x0c, 1), round(y1c - y0c, 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pkgs", type=Path, default=Path.home() / ".cache/face-pkgs")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    faces = load_faces(args.pkgs)
    lfw = [f for f in faces if f[0].startswith("lfw")]
    portraits = [f for f in faces if not f[0].startswith("lfw")]
    photos = [Image.open(p).convert("RGB") for p in sorted(PHOTOS.glob("*.jpg"))
              if not p.name.startswith("friends")]  # friends has real, unlabelled faces
    args.out.mkdir(parents=True, exist_ok=True)
    labels = []
    for i in range(args.count):
        tall = i % 2 == 1
        aspect = rng.choice([4 / 3, 16 / 9, 3 / 2])
        if tall:
            aspect = 1 / aspect
        bg = frame(photos[i % len(photos)], aspect, rng.choice([1600, 2048, 3000]), rng)
        # Every fourth photo a portrait, the others LFW faces, each person once.
        face = portraits[(i // 4) % len(portraits)] if i % 4 == 0 else lfw[i]
        share = rng.uniform(0.18, 0.4) if face in portraits else rng.uniform(0.12, 0.3)
        along = rng.uniform(0.1, 0.9)
        across = rng.uniform(0.3, 0.7)
        boxes = [paste(bg, face, share, along, across)]
        people = [face[0]]
        if i % 5 == 2:
            # A second, smaller face near the first: both should be held.
            other = lfw[50 + i]
            delta = rng.choice([-1, 1]) * rng.uniform(0.12, 0.2)
            boxes.append(paste(bg, other, share * 0.8, min(0.95, max(0.05, along + delta)),
                               across))
            people.append(other[0])
        name = f"face-{i:02d}-{'tall' if tall else 'wide'}.jpg"
        bg.save(args.out / name, quality=90)
        labels.append({"file": name, "width": bg.width, "height": bg.height,
                       "faces": boxes, "person": people})
    (args.out / "labels.json").write_text(json.dumps(labels, indent=1))
    print(f"{len(labels)} photos, {len({p for l in labels for p in l['person']})} people "
          f"-> {args.out}")


if __name__ == "__main__":
    main()

"""Draw the application icon (resources/icons/: PNGs, .ico, .icns) with Pillow.

Run: .venv/bin/python packaging/make_icon.py — the PNGs are committed; this script is
how they were made, so a designer's icon can replace them without guesswork.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
RED = (200, 16, 46)  # the red of the Polish flag
PAPER = (255, 255, 255)
INK = (40, 40, 40)


def draw(size: int) -> Image.Image:
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((16 * s, 16 * s, 240 * s, 240 * s), radius=36 * s, fill=RED)
    # A sheet of paper with a folded corner and text lines: an invoice.
    sheet = [(72, 44), (160, 44), (196, 80), (196, 212), (72, 212)]
    d.polygon([(x * s, y * s) for x, y in sheet], fill=PAPER)
    d.polygon([(160 * s, 44 * s), (160 * s, 80 * s), (196 * s, 80 * s)], fill=(230, 230, 230))
    for i, width in enumerate((96, 76, 96, 56)):
        y = (104 + i * 22) * s
        d.rounded_rectangle((88 * s, y, (88 + width) * s, y + 9 * s), radius=4 * s, fill=INK)
    # A QR-like corner mark: the invoice carries KOD I.
    d.rectangle((150 * s, 172 * s, 182 * s, 204 * s), outline=INK, width=max(1, round(5 * s)))
    d.rectangle((161 * s, 183 * s, 171 * s, 193 * s), fill=INK)
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (16, 32, 48, 64, 128, 256):
        draw(size).save(OUT / f"ksef-desktop-{size}.png", optimize=True)
    draw(256).save(OUT / "ksef-desktop.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    # macOS (the .app's icon, packaging/ksef-desktop.spec): Pillow writes every size of
    # the .icns, 16 to 1024 px, from the largest drawing.
    draw(1024).save(OUT / "ksef-desktop.icns")


if __name__ == "__main__":
    main()

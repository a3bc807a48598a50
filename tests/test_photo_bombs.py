"""Decompression bombs: a small file that would decode to hundreds of megabytes is refused
from its header, before any pixel is decoded; big phone photos are decoded at a reduced
scale; at most a few images are worked on at once."""

from __future__ import annotations

import asyncio
import io
import struct
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from handlers import photos
from storage.core.models import Photo, PhotoStatus
from tests.support.api import Api, form, jpeg
from tests.support.wishes import app_bot, services

ROOT = Path(__file__).resolve().parent.parent
BOMB_SIDE = 7000  # 49 megapixels: 196 MB decoded as RGBA, 147 MB as RGB


@pytest.fixture
async def pbot(make_bot, tmp_path):
    return await app_bot(make_bot, tmp_path)


def png_bomb(width: int = BOMB_SIDE, height: int = BOMB_SIDE) -> bytes:
    """An RGB PNG of black pixels, written scanline by scanline (never held decoded here)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)  # filter byte + pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


_MEASURE = textwrap.dedent("""
    import asyncio, sys
    from handlers import photos

    def kib(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])

    content = open(sys.argv[1], "rb").read()
    copies = int(sys.argv[2])
    base = kib("VmRSS")

    async def one():
        try:
            await photos.checked_image(content)
        except photos.BadImage:
            return "refused"
        return "accepted"

    async def main():
        return await asyncio.gather(*(one() for _ in range(copies)))

    outcomes = asyncio.run(main())
    print(",".join(sorted(set(outcomes))), (kib("VmHWM") - base) // 1024)
""")


def _peak_mb(path: Path, copies: int) -> tuple[str, int]:
    """(outcomes, MB of peak RSS over the process's own baseline) of checking ``copies`` of
    the file at once, in a fresh process (so nothing else in the test run counts)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(copies)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    outcome, mb = done.stdout.split()
    return outcome, int(mb)


def test_a_png_bomb_is_refused_before_it_is_decoded(tmp_path):
    bomb = png_bomb()
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    outcome, one = _peak_mb(path, 1)
    outcome8, eight = _peak_mb(path, 8)
    print(f"\n{BOMB_SIDE}x{BOMB_SIDE} PNG of {len(bomb) // 1024} KB: checking it took "
          f"{one} MB over baseline; 8 at once {eight} MB")
    assert outcome == outcome8 == "refused"
    assert one < 150 and eight < 150


def test_a_huge_jpeg_is_checked_within_the_budget(tmp_path):
    path = tmp_path / "huge.jpg"
    subprocess.run([sys.executable, "-c", "import sys; from PIL import Image; Image.new("
                    f"'RGB', ({BOMB_SIDE}, {BOMB_SIDE}), (120, 30, 200)).save(sys.argv[1])",
                    str(path)], check=True, timeout=120)
    outcome, one = _peak_mb(path, 1)
    outcome8, eight = _peak_mb(path, 8)
    print(f"\n{BOMB_SIDE}x{BOMB_SIDE} JPEG of {path.stat().st_size // 1024} KB: "
          f"{one} MB over baseline; 8 at once {eight} MB")
    assert outcome == outcome8 == "accepted"  # decoded at half the size
    assert one < 150 and eight < 150 * photos.IMAGE_WORKERS


def test_the_header_is_enough_to_refuse(monkeypatch):
    loads = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loads.append(self) or None)
    with pytest.raises(photos.ImageTooLarge):
        photos.clean_image(png_bomb(6000, 6000))
    assert loads == []


def test_a_photo_over_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100 - 1)
    with pytest.raises(photos.ImageTooLarge):
        photos.clean_image(jpeg((100, 100)))


def test_a_big_jpeg_is_decoded_and_kept_at_a_reduced_scale(monkeypatch):
    monkeypatch.setattr(photos, "DECODE_PIXELS", 200 * 150)
    data, mime, _ = photos.clean_image(jpeg((800, 600)))
    assert mime == "image/jpeg"
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (200, 150)  # 1/4: the largest DCT scale within the budget


def test_a_big_png_is_refused_not_decoded(monkeypatch):
    monkeypatch.setattr(photos, "DECODE_PIXELS", 200 * 150)
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (1, 2, 3)).save(out, "PNG")
    with pytest.raises(photos.ImageTooLarge):
        photos.clean_image(out.getvalue())


async def test_at_most_a_few_images_are_worked_on_at_once(monkeypatch):
    busy, peak, lock = [0], [0], threading.Lock()

    def slow(content: bytes) -> tuple[bytes, str, str]:
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        time.sleep(0.05)
        with lock:
            busy[0] -= 1
        return content, "image/jpeg", "jpg"

    monkeypatch.setattr(photos, "clean_image", slow)
    await asyncio.gather(*(photos.checked_image(b"x") for _ in range(8)))
    assert peak[0] == photos.IMAGE_WORKERS


async def test_a_bomb_uploaded_through_the_api_is_a_413(pbot):
    alice = await Api(pbot.client, pbot.sandbox).login("o-alice")
    status, body = await alice.post("/photos", data=form({}, [png_bomb()], field="file",
                                                         content_type="image/png"))
    assert status == 413, body
    assert body["error"]["code"] == "image_too_large"
    assert "像素" in body["error"]["message"]
    assert await Photo.all().count() == 0


async def test_a_bomb_sent_in_chat_fails_with_its_reason(pbot, sandbox):
    media_id = sandbox.state.add_media(png_bomb(), "image/png")
    photo = await photos.attach(media_id, "report", "A1", "o-res")
    assert (await photos.fetch_due(services(pbot).photos)).failed == 1
    photo = await Photo.get(id=photo.id)
    assert photo.status is PhotoStatus.FAILED and "pixels" in photo.last_error

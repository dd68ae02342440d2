"""Which image a duplicates group keeps: an original name over a copy's, then a shorter path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lightplug import Instance

from dedup_images import jpeg_bytes, photo
from lightplug_dedup.names import looks_like_copy
from lightplug_dedup.report import keep_priority


@pytest.mark.parametrize("name", ["copy_beach.jpg", "Copy of beach.jpg", "copy-of-beach.png", "beach copy.jpg",
                                  "beach_copy.jpg", "beach - Copy.jpg", "beach copy 2.jpg", "beach copy (3).jpg",
                                  "beach (1).jpg", "beach(2).jpeg", "BEACH_COPY.JPG"])
def test_copy_names(name):
    assert looks_like_copy(f"/photos/{name}")


@pytest.mark.parametrize("name", ["beach.jpg", "photo_001.jpg", "copyright.jpg", "beach_2019.jpg", "IMG_1234 (edited).jpg",
                                  "copycat.png", "beach1.jpg"])
def test_original_names(name):
    assert not looks_like_copy(f"/photos/{name}")


def _instance(instance_id: int, path: str, width: int = 320, height: int = 240) -> Instance:
    return Instance(id=instance_id, folder_id=1, name=Path(path).name, extension=".jpg", sha1=f"{instance_id:040x}",
                    url=path, width=width, height=height)


def test_priority_prefers_pixels_then_an_original_name_then_a_shorter_path():
    # files that do not exist all have size 0: equal, so the name and the path decide
    images = [_instance(1, "/x/copy_of_a.jpg"), _instance(2, "/x/deep/er/a.jpg"), _instance(3, "/x/a.jpg"),
              _instance(4, "/x/a (1).jpg", 640, 480)]
    rank = keep_priority(images).tolist()
    assert sorted(range(4), key=lambda k: -rank[k]) == [3, 2, 1, 0]  # pixels first, then name, then path


def test_the_keeper_of_exact_copies_is_the_original(tmp_path, project, imported, run, names):
    """Copies named like copies are imported first (lower ids): the original still wins, and among
    originals the shortest path."""
    folder = tmp_path / "photos"
    (folder / "sub" / "deeper").mkdir(parents=True)
    data = jpeg_bytes(photo(7))
    for name in ("beach (1).jpg", "beach copy.jpg", "Copy of beach.jpg", "copy_beach.jpg", "beach.jpg",
                 "sub/deeper/beach.jpg"):
        (folder / name).write_bytes(data)
    shutil.copyfile(folder / "beach.jpg", folder / "zz_copy.jpg")
    (folder / "other.jpg").write_bytes(jpeg_bytes(photo(8)))
    imported(project, folder)
    ids = names(project)
    out = run(project, "find_duplicates")
    [group] = out["groups"]
    keeper = group["ids"][0]
    assert group["paths"][0] == str(folder / "beach.jpg"), group["paths"]
    assert min(ids) != keeper and ids[keeper] == "beach"  # not simply the first imported
    assert out["value"]["groups"][0]["keep"] == keeper

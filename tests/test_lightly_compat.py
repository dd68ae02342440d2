"""LightlyStudio-style operator packages (entry-point group ``lightly_studio.plugins``), pip-installed
into a fresh environment and run through the installed ``lightplug`` on generated photos; what they
wrote is read back through LightlyStudio's resolver calls and lightplug's listings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lightly_style"
OPS = ["lightstyle_detect", "lightstyle_segment", "lightstyle_caption", "lightstyle_tags", "lightstyle_demo_image",
       "lightstyle_demo_annotation", "lightstyle_broken_start", "lightstyle_demo_root", "lightstyle_kitti",
       "lightstyle_zero_shot"]


def _wheelhouse(tmp: Path) -> Path:
    given = os.environ.get("LIGHTPLUG_WHEELHOUSE")
    if given and Path(given).is_dir():
        return Path(given)
    house = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", house, "setuptools>=68", "wheel",
                    "typer", "rich", "pluggy", "sqlite-utils>=4.2", "pillow", "numpy", "pydantic",
                    "labelformat"], check=True)
    return house


@pytest.fixture(scope="module")
def lightly_env(tmp_path_factory) -> Path:
    """The bin/ of a new venv with lightplug and the lightly-style test operators (pip-installed)."""
    import venv

    tmp = tmp_path_factory.mktemp("lightly-venv")
    venv.create(tmp / "v", with_pip=True)
    pip = [str(tmp / "v" / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
           "--find-links", str(_wheelhouse(tmp))]
    subprocess.run([*pip, str(REPO), str(FIXTURE)], check=True)
    return tmp / "v" / "bin"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    from lightplug.sample import make_sample

    path = tmp_path_factory.mktemp("photos")
    make_sample(path, count=6)
    return path


@pytest.fixture
def ls(lightly_env, tmp_path, photos):
    """``ls(*args, env=..., code=0)``: the installed ``lightplug -C proj ARGS``; JSON parsed with --json."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
    base.update(LIGHTPLUG_CACHE_DIR=str(tmp_path / "cache"), LIGHTPLUG_PLUGINS=",".join(OPS))
    project = tmp_path / "proj"

    def run(*args, env=None, code=0):
        done = subprocess.run([str(lightly_env / "lightplug"), "-C", str(project), *map(str, args)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**base, **(env or {})},
                              timeout=300)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return json.loads(done.stdout) if "--json" in args else done

    subprocess.run([str(lightly_env / "lightplug"), "init", str(project)], check=True, env=base, capture_output=True)
    run("import", photos)
    run.project = project
    run.python = lightly_env / "python"
    run.env = base
    return run


def read_back(ls, code: str):
    """Run ``code`` (with ``s``, a Session of the project) in the installed environment; its JSON."""
    script = ("import json, sys\nfrom lightplug import *\nfrom lightplug import api\n"
              "with api.open_project(sys.argv[1], plugins=False) as project:\n    s = Session(project)\n"
              + "".join(f"    {line}\n" for line in code.strip().splitlines()))
    done = subprocess.run([str(ls.python), "-c", script, str(ls.project)], capture_output=True, text=True,
                          env=ls.env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_entry_point_group_discovery_and_listing(ls):
    plugins = {p["name"]: p for p in ls("plugins", "list", "--json")}
    assert set(OPS) <= set(plugins) and plugins["lightstyle_detect"]["operators"] == ["Box Detection"]
    ops = {o["name"]: o for o in ls("ops", "list", "--json")}
    assert ops["Box Detection"]["scopes"] == ["image"] and ops["Demo ROOT"]["plugin"] == "lightstyle_demo_root"
    shown = ls("ops", "show", "Prompt Segmentation", "--json")
    table = shown["parameters"][0]
    assert table["type"] == "table" and table["required"] is True
    assert table["default"] == [{"prompt": "red", "label": "red_region", "threshold": 0.0}]
    ls("plugins", "disable", "lightstyle_detect")
    assert "Box Detection" not in {o["name"] for o in ls("ops", "list", "--json")}
    ls("plugins", "enable", "lightstyle_detect")


def test_detections_land_in_named_annotation_collections(ls):
    first = ls("run", "Box Detection", "--no-input", "--json")
    assert first["success"] and "annotations" in first["message"]
    assert first["parameters"]["annotation_source"] is None  # not given: the operator received ''
    ls("run", "Box Detection", "--annotation-source", "reviewed", "--ids", "1-2", "--no-input", "--json")
    listed = ls("annotations", "list", "--json")
    collections = {a["collection_id"] for a in listed}
    assert collections == {"default/boxes__colours.pt", "default/reviewed"}
    back = read_back(ls, """
root = collection_resolver.get_by_id(session=s, collection_id="default")
child = collection_resolver.get_by_name(session=s, name="reviewed", parent_collection_id="default")
got = annotation_resolver.get_all(session=s, filters=AnnotationsFilter(collection_ids=[child]))
print(json.dumps({"dataset": root.dataset_id, "child": child, "n": got.total_count,
                  "samples": sorted({a.parent_sample_id for a in got.annotations}),
                  "root": collection_resolver.get_root_collection(session=s, collection_id=child).collection_id}))
""")
    assert back["dataset"] == "default" and back["child"] == "default/reviewed" and back["root"] == "default"
    assert back["n"] == sum(a["collection_id"] == "default/reviewed" for a in listed) > 0
    assert set(back["samples"]) <= {1, 2}


def test_table_parameter_and_masks_read_back(ls, tmp_path):
    import numpy as np
    from PIL import Image

    red = ls("run", "Prompt Segmentation", "--prompts", '[{"prompt": "red"}]', "--json")
    assert red["parameters"]["prompts"] == [{"prompt": "red", "label": "", "threshold": 0.0}]
    rows = tmp_path / "prompts.csv"
    rows.write_text("prompt,label,threshold\nblue,sky,0.0\n")
    from_csv = ls("run", "Prompt Segmentation", "--prompts", rows, "--collection-name", "csv", "--json")
    assert from_csv["parameters"]["prompts"] == [{"prompt": "blue", "label": "sky", "threshold": 0.0}]
    bad = ls("run", "Prompt Segmentation", "--prompts", '[{"prompt": "red", "colour": 1}]', code=2)
    assert "unknown columns ['colour']" in bad.stderr
    assert "Row 0, cell 'threshold' (float)" in ls("run", "Prompt Segmentation", "--prompts",
                                                    '[{"prompt": "red", "threshold": "x"}]', code=2).stderr
    back = read_back(ls, """
got = annotation_resolver.get_all(session=s, filters=AnnotationsFilter(annotation_types=[AnnotationType.SEGMENTATION_MASK]))
paths = {x.sample_id: x.file_path_abs for x in image_resolver.get_all_by_collection_id(session=s, collection_id="default").samples}
print(json.dumps([[a.annotation_label_name, paths[a.parent_sample_id], a.segmentation_details.segmentation_mask,
                   a.collection_id] for a in got.annotations]))
""")
    assert {label for label, *_ in back} == {"red", "sky"}
    for label, path, mask_rle, collection in back:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.int16)
        c = 0 if label == "red" else 2
        o = [i for i in range(3) if i != c]
        expected = (rgb[..., c] > rgb[..., o[0]] + 20) & (rgb[..., c] > rgb[..., o[1]] + 20)
        runs = np.array(mask_rle)
        assert runs.sum() == expected.size and runs[1::2].sum() == expected.sum()
        assert collection == ("default/csv" if label == "sky" else "default/segments_auto_label")
    coco = read_back(ls, """
from lightplug.db.lightly_store import coco_export
print(json.dumps(coco_export(project.db, collection="default/csv")))
""")
    sky = [m for label, _, m, _ in back if label == "sky"]
    masks = [a["segmentation"] for a in coco["annotations"]]
    assert len(masks) == len(sky) > 0 and {c["name"] for c in coco["categories"]} == {"sky"}
    for rle, row_wise in zip(masks, sky):  # same pixels, counted column by column
        assert sum(rle["counts"]) == sum(row_wise) and sum(rle["counts"][1::2]) == sum(row_wise[1::2])


def test_captions_and_secret_parameter(ls):
    assert ls("run", "Local Captioning", "--no-input", "--json", code=1)["message"] == "No API key."
    from_env = ls("run", "Local Captioning", "--no-input", "--ids", "1-2", "--json",
                  env={"LIGHTPLUG_SECRET_API_KEY": "sk-local-test"})
    assert from_env["message"] == "Captioned 2 image(s)."
    given = ls("run", "Local Captioning", "--api-key", "sk-local-test", "--ids", "3", "--no-input", "--json")
    assert given["success"] and given["parameters"]["api_key"] == "***"
    history = ls("runs", "list", "--json")
    assert "sk-local-test" not in json.dumps(history) and "sk-local-test" not in ls("runs", "list").stdout
    back = read_back(ls, """
caps = caption_resolver.get_all_by_parent_sample_ids(session=s, parent_sample_ids=[1, 2, 3, 4])
print(json.dumps([[c.parent_sample_id, c.text, c.collection_id] for c in caps]))
""")
    assert [c[0] for c in back] == [1, 2, 3] and all(c[1].startswith("Describe: a mostly ") for c in back)
    crashed = ls("run", "Local Captioning", "--api-key", "sk-local-test", "--ids", "4", "--crash-after-storing",
                 "--no-input", "--json", code=1)
    assert crashed["status"] == "error" and "crashed after storing captions" in json.dumps(crashed)
    assert read_back(ls, "print(json.dumps(len(caption_resolver.get_all(session=s))))") == len(back)  # reverted
    assert {c[2] for c in back} == {"default/caption"}


def test_tags_and_metadata_written_and_read(ls):
    result = ls("run", "Brightness Tags", "--threshold", "0", "--ids", "1-4", "--json")
    assert result["message"] == "tagged 4 of 4; now 4"
    assert any(t["value"] == "bright" and t["count"] == 4 for t in ls("tags", "list", "--json"))
    back = read_back(ls, """
tag = tag_resolver.get_by_name(session=s, tag_name="bright")
ids = tag_resolver.get_sample_ids_by_tag_id(session=s, tag_id=tag.tag_id)
tagged = image_resolver.get_all_by_collection_id(session=s, collection_id="default",
    filters=ImageFilter(sample_filter=SampleFilter(tag_ids=[tag.tag_id])))
print(json.dumps({"ids": ids, "filtered": [x.sample_id for x in tagged.samples],
                  "meta": metadata_resolver.get_value_for_sample(session=s, sample_id=1, key="brightness"),
                  "none": metadata_resolver.get_value_for_sample(session=s, sample_id=5, key="brightness")}))
""")
    assert back["ids"] == back["filtered"] == [1, 2, 3, 4]
    assert isinstance(back["meta"], float) and back["none"] is None
    ls("undo")
    assert not any(t["value"] == "bright" and t["count"] for t in ls("tags", "list", "--json"))


def test_scopes_receive_the_selection(ls):
    total = len(ls("images", "list", "--json"))
    assert ls("run", "Demo ROOT", "--json")["message"] == f"ROOT executed on default (type=image, n={total})."
    assert ls("run", "Demo ROOT", "--ids", "1-3", "--json")["message"].endswith("n=3).")
    assert ls("run", "Demo IMAGE", "--ids", "2", "--json")["message"] == "IMAGE executed (n=1)."
    assert ls("run", "Demo IMAGE", "--json")["message"] == f"IMAGE executed (n={total})."
    ls("run", "Box Detection", "--ids", "1", "--no-input", "--json")
    listed = ls("annotations", "list", "--json")
    every = ",".join(str(a["id"]) for a in listed)
    assert ls("run", "Demo ANNOTATION", "--json")["message"] == f"ANNOTATION executed in default (n={len(listed)}; {every})."


def test_annotation_scope_selects_annotations(ls):
    ls("run", "Box Detection", "--ids", "1-3", "--no-input", "--json")
    ls("run", "Box Detection", "--annotation-source", "second", "--ids", "4", "--no-input", "--json")
    listed = ls("annotations", "list", "--json")
    first = [a for a in listed if a["collection_id"] == "default/boxes__colours.pt"]
    second = [a for a in listed if a["collection_id"] == "default/second"]
    assert first and second
    # chosen by id: the view is their collection, narrowed to them
    pick = [first[0]["id"], first[-1]["id"]]
    shown = ls("run", "Demo ANNOTATION", "--annotation-ids", ",".join(map(str, pick)), "--json")
    assert shown["message"] == f"ANNOTATION executed in default/boxes__colours.pt (n={len(set(pick))}; " \
                               f"{','.join(map(str, sorted(set(pick))))})."
    assert shown["scope"] == "annotation" and shown["selection"]["annotation_ids"] == pick
    # a whole named collection
    whole = ls("run", "Demo ANNOTATION", "--annotation-collection", "second", "--json")["message"]
    assert whole == f"ANNOTATION executed in default/second (n={len(second)}; {','.join(str(a['id']) for a in second)})."
    # images selected: the annotations on them
    on_4 = ls("run", "Demo ANNOTATION", "--ids", "4", "--json")["message"]
    assert on_4.endswith(f"(n={len(second)}; {','.join(str(a['id']) for a in second)}).")
    # clear errors, exit 2, nothing recorded
    runs_before = len(ls("runs", "list", "--json"))
    assert "no annotation with id 99999" in ls("run", "Demo ANNOTATION", "--annotation-ids", "99999", code=2).stderr
    err = ls("run", "Demo ANNOTATION", "--annotation-collection", "nope", code=2).stderr
    assert "no annotation collection 'nope'" in err and "second" in err
    assert "no such option" in ls("run", "Demo IMAGE", "--annotation-ids", "1", code=2).stderr.lower()
    assert len(ls("runs", "list", "--json")) == runs_before
    from lightplug import api
    with api.open_project(ls.project, plugins=False) as project:
        from lightplug.selection import resolve
        selection = resolve(project.db, annotation_ids=[first[0]["id"]])
    assert selection.instance_ids is None and selection.by_annotation


def test_kitti_export_through_labelformat(ls, tmp_path):
    ls("run", "Box Detection", "--ids", "1-4", "--no-input", "--json")
    out = tmp_path / "kitti"
    result = ls("run", "Export KITTI", "--output-folder", out, "--ids", "1-4", "--json")
    assert result["success"] and result["message"] == f"Exported 4 samples to KITTI format: {out}"
    files = sorted(out.rglob("*.txt"))
    assert len(files) == 4
    boxes = [a for a in ls("annotations", "list", "--json") if a["sample_id"] in {1, 2, 3, 4}]
    lines = [(f, line.split()) for f in files for line in f.read_text().splitlines()]
    assert len(lines) == len(boxes) > 0
    for f, parts in lines:
        label, x1, y1, x2, y2 = parts[0], *map(float, parts[4:8])
        match = [a for a in boxes if a["label"] == label and abs(a["x"] - x1) < 0.01 and abs(a["y"] - y1) < 0.01
                 and abs(a["x"] + a["width"] - x2) < 0.01 and abs(a["y"] + a["height"] - y2) < 0.01]
        assert match and Path(match[0]["path"]).stem == f.stem


def test_zero_shot_classification_with_a_registered_embedding_model(ls, tmp_path):
    from PIL import Image

    colours = tmp_path / "colours"
    colours.mkdir()
    for name, rgb in (("red", (220, 20, 30)), ("green", (20, 200, 40)), ("blue", (30, 40, 210))):
        Image.new("RGB", (48, 32), rgb).save(colours / f"{name}.png")
    ls("import", colours)
    ids = {Path(i["path"]).stem: i["id"] for i in ls("images", "list", "--json") if "colours" in i["path"]}
    prompts = '[{"prompt": "a red thing", "label": "red"}, {"prompt": "green", "label": ""}, {"prompt": "blue"}]'
    result = ls("run", "Zero-Shot Classification", "--prompts", prompts, "--ids", ",".join(map(str, ids.values())),
                "--json")
    assert result["message"] == "Classified 3 samples into 3 labels.", result
    got = {Path(a["path"]).stem: a["label"] for a in ls("annotations", "list", "--json")
           if a["collection_id"] == "default/zero_shot"}
    assert got == {"red": "red", "green": "green", "blue": "blue"}
    types = [t for t in ls("status", "--json")["vector_types"] if t["source"] == "lightly_studio"]
    assert len(types) == 1 and types[0]["params"]["model"] == "mean-colour"
    too_few = ls("run", "Zero-Shot Classification", "--prompts", '[{"prompt": "red"}]', "--json", code=1)
    assert too_few["message"] == "Please provide at least two prompts."


def test_lifecycle_startup_failure_and_shutdown(ls, tmp_path):
    broken = ls("run", "Broken Start", "--json", code=1)
    assert broken["status"] == "failure"
    assert broken["message"] == ("operator 'Broken Start' failed to start (status: error): "
                                 "RuntimeError: model weights not found")
    marker = tmp_path / "stopped.txt"
    ok = ls("run", "Box Detection", "--ids", "1", "--no-input", "--json", env={"LIGHTSTYLE_SHUTDOWN_MARKER": str(marker)})
    assert ok["success"]  # execute() fails unless startup() loaded the model first
    assert marker.read_text() == "Box Detection stopped\n"


# -- in-process: parameters and resolver strictness (script-registered operators, the real Typer app)
def _run_script_operator(project, op, *args):
    from typer.testing import CliRunner

    from lightplug import operator_registry
    from lightplug.cli import app
    from lightplug.host import get_host, reset_host

    reset_host()
    try:
        operator_registry.register(op)
        get_host()
        return CliRunner().invoke(app, ["-C", str(project), "run", op.name, *args])
    finally:
        reset_host()


def test_parameters_follow_lightly_studio(project):
    from dataclasses import dataclass

    from lightplug import (BaseOperator, BoolParameter, FloatParameter, IntParameter, OperatorResult,
                           OperatorScope, StringParameter, TableParameter)

    assert StringParameter(name="s").required is True and StringParameter(name="s").param_type == "str"
    with pytest.raises(TypeError, match="Expected value of type 'float'"):
        FloatParameter(name="f", default=1)
    with pytest.raises(TypeError, match="Invalid cell 'n' in row 0"):
        TableParameter(name="t", columns=[IntParameter(name="n")], default=[{"n": "1"}])
    with pytest.raises(ValueError, match="at least one column"):
        TableParameter(name="t", columns=[])

    @dataclass
    class Echo(BaseOperator):
        name: str = "echo_params"

        @property
        def parameters(self):
            return [BoolParameter(name="flag"), StringParameter(name="note", required=False),
                    TableParameter(name="rows", required=False, columns=[StringParameter(name="a")]),
                    IntParameter(name="n", required=False), StringParameter(name="who")]

        @property
        def supported_scopes(self):
            return [OperatorScope.ROOT]

        def execute(self, *, session, context, parameters):
            return OperatorResult(success=True, message=json.dumps(parameters))

    missing = _run_script_operator(project, Echo(), "--no-input")
    assert missing.exit_code == 2 and "--who" in missing.output
    ok = _run_script_operator(project, Echo(), "--who", "Ada", "--no-input", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(json.loads(ok.stdout)["message"]) == {"flag": False, "note": "", "rows": [], "n": None,
                                                             "who": "Ada"}


def test_unsupported_filter_is_an_error_not_ignored(project):
    from dataclasses import dataclass

    from lightplug import BaseOperator, ImageFilter, OperatorResult, SampleFilter, image_resolver

    @dataclass
    class Strict(BaseOperator):
        name: str = "strict"

        def execute(self, *, session, context, parameters):
            flt = ImageFilter(sample_filter=SampleFilter(metadata_filters=["brightness > 3"]))
            n = image_resolver.get_all_by_collection_id(session=session, collection_id=context.collection_id,
                                                        filters=flt).total_count
            return OperatorResult(success=True, message=str(n))

    result = _run_script_operator(project, Strict(), "--json")
    assert result.exit_code == 1
    assert "SampleFilter.metadata_filters is not supported by lightplug" in json.loads(result.stdout)["message"]


GREETING = '''
from dataclasses import dataclass
from lightplug import BaseOperator, OperatorResult
from lightplug import OperatorScope
from lightplug import StringParameter


@dataclass
class GreetingOperator(BaseOperator):
    name: str = "GreetingOperator"
    description: str = "This operator greet you"

    @property
    def parameters(self):
        return [StringParameter(name="name", required=True, default="beautiful and smart person",
                                description="your name")]

    @property
    def supported_scopes(self) -> list[OperatorScope]:
        return [OperatorScope.ROOT]

    def execute(self, *, session, context, parameters):
        return OperatorResult(success=True, message=f"Hello {parameters.get('name', '')}!")
'''

# LightlyStudio's guide registration script, only its import lines changed
MAIN = '''
import lightplug as ls
from lightplug import operator_registry
from lightplug import download_example_dataset
from greeting_operator import GreetingOperator
dataset_path = download_example_dataset(download_dir="dataset_examples")
dataset = ls.ImageDataset.create()
dataset.add_images_from_path(path=f"{dataset_path}/coco_subset_128_images/images")

operator_registry.register(GreetingOperator())
ls.start_gui()
'''

DATASET_API = '''
import json
import lightplug as ls
dataset = ls.ImageDataset.load()
for sample in dataset:
    sample.metadata["half_width"] = sample.width // 2
    if sample.file_name.endswith(".png"):
        sample.add_tag("png")
first = dataset.get_sample(1)
first.add_caption("a caption")
first.tags = first.tags | {"first"}
print(json.dumps({"n": len(dataset), "tags": sorted(first.tags), "meta": first.metadata["half_width"],
                  "width": first.width, "captions": first.captions,
                  "png": sorted(s.sample_id for s in dataset if "png" in s.tags)}))
'''


def test_guide_registration_script_and_dataset_api(tmp_path):
    (tmp_path / "greeting_operator.py").write_text(GREETING)
    (tmp_path / "main.py").write_text(MAIN)
    (tmp_path / "dataset_api.py").write_text(DATASET_API)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
    env.update(LIGHTPLUG_CACHE_DIR=str(tmp_path / "cache"), LIGHTPLUG_PLUGINS="")

    def python(*args):
        return subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, env=env,
                              timeout=300, stdin=subprocess.DEVNULL)

    hello = python("main.py", "run", "GreetingOperator", "--name", "Ada")
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout.strip() == "Hello Ada!"
    assert "generated example photos" in hello.stderr and (tmp_path / ".lightplug" / "project.db").is_file()
    again = python("main.py", "run", "GreetingOperator", "--no-input", "--json")
    assert json.loads(again.stdout)["message"] == "Hello beautiful and smart person!"
    assert "imported 0 new image(s)" in again.stderr  # the same files are not imported twice
    used = python("dataset_api.py")
    assert used.returncode == 0, used.stderr
    got = json.loads(used.stdout)
    images = sorted((tmp_path / "dataset_examples" / "coco_subset_128_images" / "images").rglob("*.png"))
    assert got["n"] > len(images) > 0 and got["meta"] == got["width"] // 2 and got["captions"] == ["a caption"]
    assert "first" in got["tags"] and len(got["png"]) == len(images)


def test_table_rows_and_secret_prompted_on_a_terminal(lightly_env, tmp_path, photos):
    import pexpect_like as pt

    project = tmp_path / "proj"
    subprocess.run([str(lightly_env / "lightplug"), "init", str(project)], check=True, capture_output=True)
    subprocess.run([str(lightly_env / "lightplug"), "-C", str(project), "import", str(photos)], check=True,
                   capture_output=True)
    argv = [str(lightly_env / "lightplug"), "-C", str(project), "run", "Prompt Segmentation", "--ids", "1-2",
            "--no-bounding-boxes-only", "--collection-name", "typed", "--json", "--interactive"]  # it has a default
    with pt.Terminal(argv) as term:
        term.expect("row 1 prompt")
        term.send("green\r")
        term.expect("row 1 label")
        term.send("leaf\r")
        term.expect("row 1 threshold")
        term.send("\r")
        term.expect("row 2 prompt")
        term.send("\r")
        out = term.read_all()
    assert '"prompt": "green"' in out and '"label": "leaf"' in out and '"threshold": 0.0' in out
    argv = [str(lightly_env / "lightplug"), "-C", str(project), "run", "Local Captioning", "--ids", "1",
            "--prompt", "Say", "--max-concurrency", "1"]
    with pt.Terminal(argv) as term:
        term.expect("environment variable.): ")  # the final space comes from getpass, once echo is off
        term.send("sk-local-test\r")  # crash_after_storing has a default: not asked
        out = term.read_all()
    assert "Captioned 1 image(s)." in out and "sk-local-test" not in out

"""DbCommit writing on a real project database: negative ids, references, cycles, inverses."""

from __future__ import annotations

import numpy as np
import pytest

from lightplug import DbCommit, ImageProperty, InstanceProperty, PropertyMode, PropertyType, Vector
from lightplug.db.commits import CommitError
from lightplug.project import Project, init_project


@pytest.fixture
def api(tmp_path, sample_dir):
    from lightplug.importer import collect_files, import_files

    root, _ = init_project(tmp_path)
    project = Project(root)
    import_files(project, collect_files([sample_dir]))
    yield project.interface(), project
    project.close()


def test_negative_ids_are_rewritten_everywhere(api):
    iface, project = api
    run = project.run
    instances = run(iface.get_instances())
    group = iface.create_property_group("g")
    prop = iface.create_property("labels", "multi_tags", "id")  # enum string values accepted
    prop.property_group_id = group.id
    parent = iface.create_tag(prop.id, "animal")
    child = iface.create_tag(prop.id, "cat", parent_ids=[parent.id])
    score = iface.create_property("score", PropertyType.number, PropertyMode.sha1)
    commit = DbCommit(property_groups=[group], properties=[prop, score], tags=[child, parent],
                      instance_values=[InstanceProperty(prop.id, instances[0].id, [child.id])],
                      image_values=[ImageProperty(score.id, instances[0].sha1, 0.5)])
    run(iface.do(commit))
    assert prop.id > 0 and child.id > 0 and child.parents == [parent.id]
    (stored_prop,) = run(iface.get_properties([prop.id]))
    assert stored_prop.type is PropertyType.multi_tags and stored_prop.property_group_id == group.id
    values = run(iface.get_instance_property_values(property_ids=[prop.id]))
    assert values[0].value == [child.id]
    either = run(iface.get_tags(ids=[parent.id], property_ids=[prop.id]))
    assert {t.id for t in either} == {parent.id, child.id}
    assert run(iface.get_image_property_values(sha1s=[instances[0].sha1]))[0].value == 0.5
    # undo removes all of it, redo restores the same ids
    assert run(iface.undo())
    assert run(iface.get_tags()) == [] and run(iface.get_properties()) == []
    assert run(iface.redo())
    assert {t.id for t in run(iface.get_tags())} == {parent.id, child.id}


def test_tag_cycles_and_dangling_references_are_refused(api):
    iface, project = api
    prop = iface.create_property("t", PropertyType.tag)
    a = iface.create_tag(prop.id, "a")
    project.run(iface.do(DbCommit(properties=[prop], tags=[a])))
    b = iface.create_tag(prop.id, "b", parent_ids=[a.id])
    project.run(iface.do(DbCommit(tags=[b])))
    a.parents = [b.id]
    with pytest.raises(CommitError, match="cycle"):
        project.run(iface.do(DbCommit(tags=[a])))
    assert project.run(iface.get_tags(ids=[a.id]))[0].parents == []  # rolled back
    with pytest.raises(CommitError):
        project.run(iface.do(DbCommit(tags=[iface.create_tag(-999, "x")])))


def test_deleting_a_tag_removes_it_from_values_and_undo_restores(api):
    iface, project = api
    inst = project.run(iface.get_instances())[0]
    prop = iface.create_property("t", PropertyType.multi_tags)
    a, b = iface.create_tag(prop.id, "a"), iface.create_tag(prop.id, "b")
    project.run(iface.do(DbCommit(properties=[prop], tags=[a, b],
                                  instance_values=[InstanceProperty(prop.id, inst.id, [a.id, b.id])])))
    project.run(iface.do(DbCommit(empty_tags=[a.id])))
    assert project.run(iface.get_instance_property_values(instance_ids=[inst.id]))[0].value == [b.id]
    project.run(iface.undo())
    assert project.run(iface.get_instance_property_values(instance_ids=[inst.id]))[0].value == [a.id, b.id]


def test_vectors_read_back_one_dimensional(api):
    iface, project = api
    sha1 = project.run(iface.get_instances())[0].sha1
    vt = project.run(iface.add_vector_type(iface.create_vector_type({"k": 1})))
    project.run(iface.add_vector(Vector(vt.id, sha1, np.array(7, dtype="float32"))))
    project.run(iface.add_vectors([Vector(vt.id, sha1, np.arange(5))]))  # replaces
    (vec,) = project.run(iface.get_vectors(vt.id))
    assert vec.data.dtype == np.float32 and vec.data.tolist() == [0, 1, 2, 3, 4]
    assert project.run(iface.vector_exist(vt.id, sha1)) and not project.run(iface.vector_exist(vt.id, "0" * 40))
    assert [t.id for t in project.run(iface.get_vector_types(source="script"))] == [vt.id]


def test_apply_commit_creates_folders_and_instances(api, tmp_path):
    from lightplug import Folder
    from lightplug.sample import photo

    iface, project = api
    path = tmp_path / "extra" / "x.jpg"
    path.parent.mkdir()
    photo(5).save(path)
    folder = Folder(project.next_temp_id(), str(path.parent), "extra")
    inst = iface.create_instance(folder.id, "x.jpg", "jpg", "f" * 40, str(path), 320, 240, "0" * 16)
    project.run(iface.apply_commit(DbCommit(folders=[folder], instances=[inst])))
    assert inst.folder_id == folder.id > 0 and inst.id > 0
    assert str(path.parent) in {f.path for f in project.run(iface.get_folders())}
    assert project.run(iface.get_instances(sha1s=["f" * 40]))[0].url == str(path)
    assert project.run(iface.undo()) is False  # apply_commit is not undoable
    project.run(iface.do(DbCommit(empty_instances=[inst.id])))
    assert project.run(iface.get_instances(ids=[inst.id])) == []
    project.run(iface.undo())
    assert project.run(iface.get_instances(ids=[inst.id]))[0].name == "x.jpg"


def test_image_infos_are_readable(api, sample_dir):
    iface, project = api
    infos = project.run(iface.get_images())
    one = project.run(iface.get_images([infos[0].sha1]))
    assert one == [infos[0]] and one[0].file_size > 0 and one[0].format in {"JPEG", "PNG"}


def test_instance_rows_read_as_tuples_keep_the_field_order() -> None:
    """``rows.instances_from`` builds ``Instance`` positionally from ``INSTANCE_COLUMNS``."""
    import dataclasses

    from lightplug.db import rows
    from lightplug.models import Instance

    columns = [c.strip() for c in rows.INSTANCE_COLUMNS.split(",")]
    assert columns == [f.name for f in dataclasses.fields(Instance)]
    row = (7, 2, "a%25b.jpg", ".jpg", "f" * 40, "/x/a%25b.jpg", None, 480, None)
    assert rows.instances_from([row]) == [rows.instance(dict(zip(columns, row)))]

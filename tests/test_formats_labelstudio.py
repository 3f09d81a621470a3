"""Label Studio JSON tasks: the shape its importer takes (annotations per annotator, our
suggestions as predictions), the round trip, a Label Studio export without our fields, and bad
input that names the task and result."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from annotator.cli import cli
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue
from annotator.exchange.formats.labelstudio import (
    export_labelstudio,
    import_labelstudio,
    read_labelstudio,
)
from annotator.exchange.formats.records import stored_articles
from annotator.exchange.suggest import suggest_documents
from annotator.store.models import Document, Label
from tests.helpers import TEXT, add_small_article, fresh_engine, labelled_with_evidence


def _tasks(engine: Engine) -> list[dict[str, Any]]:
    out = io.BytesIO()
    export_labelstudio(engine, out)
    parsed: list[dict[str, Any]] = orjson.loads(out.getvalue())
    return parsed


def _store_labels(engine: Engine) -> dict[tuple[str, int, str], LabelValue]:
    return {
        (item.article.id, index, annotator): value
        for item in stored_articles(engine)
        for annotator, labels in item.labels.items()
        for index, value in labels.items()
    }


def test_a_task_per_article_with_one_annotation_per_annotator() -> None:
    [task] = _tasks(labelled_with_evidence())
    assert task["data"]["text"] == TEXT
    assert task["data"]["sources"] == [{"value": "alpha", "html": "Alpha"}, {"value": "beta", "html": "Beta"}]
    assert [a["annotator"] for a in task["annotations"]] == ["ana", "ben"]
    ana = task["annotations"][0]["result"]
    content = [r for r in ana if r["type"] == "labels"]
    assert [(r["id"], r["value"]["labels"], r["value"]["text"]) for r in content] == [
        ("s0", ["Content"], "Alpha said one thing."),
        ("s0-cue", ["Cue"], "said"),
        ("s0-source", ["Source"], "Alpha"),
        ("s1", ["Content"], "Beta said another."),
    ]
    relations = [(r["from_id"], r["to_id"], r["labels"]) for r in ana if r["type"] == "relation"]
    assert relations == [("s0-cue", "s0", ["Cue"]), ("s0-source", "s0", ["Attribution"])]
    choices = {(r["id"], r["from_name"]): r["value"]["choices"] for r in ana if r["type"] == "choices"}
    assert choices == {("s0", "source"): ["alpha"], ("s0", "confidence"): ["5"], ("s1", "source"): ["other"],
                       ("s1", "confidence"): ["2"]}  # fmt: skip
    ben = task["annotations"][1]["result"]
    assert [r["value"]["labels"] for r in ben if r["type"] == "labels"] == [
        ["Unlabelled"],
        ["Content"],
        ["Unlabelled"],
    ]


def test_every_result_names_control_and_object_of_the_label_config() -> None:
    from annotator.exchange.formats.labelstudio import LABEL_CONFIG

    [task] = _tasks(labelled_with_evidence())
    for result in task["annotations"][0]["result"]:
        if result["type"] == "relation":
            continue
        assert f'name="{result["from_name"]}"' in LABEL_CONFIG
        assert result["to_name"] == "text"
        for label_value in result["value"].get("labels", []):
            assert f'value="{label_value}"' in LABEL_CONFIG


def test_unlabelled_articles_are_tasks_with_predictions_only() -> None:
    engine = labelled_with_evidence()
    add_small_article(engine, "fresh")
    suggest_documents(engine)
    tasks = _tasks(engine)
    assert [t["data"]["document_id"] for t in tasks] == ["doc", "fresh"]
    assert tasks[1]["annotations"] == [] and tasks[1]["predictions"]
    out = io.BytesIO()
    export_labelstudio(engine, out, annotators=["ana"])  # their labels only
    assert [t["data"]["document_id"] for t in orjson.loads(out.getvalue())] == ["doc"]


def test_suggestions_become_predictions() -> None:
    engine = labelled_with_evidence()
    suggest_documents(engine)
    [task] = _tasks(engine)
    [prediction] = task["predictions"]
    assert 0 <= prediction["score"] <= 1 and prediction["model_version"]
    assert all(r["from_name"] != "fields" for r in prediction["result"] if r["type"] != "relation")


def test_export_import_export_is_lossless(tmp_path: Path) -> None:
    engine = labelled_with_evidence()
    path = tmp_path / "tasks.json"
    path.write_bytes(orjson.dumps(_tasks(engine)))
    again = fresh_engine()
    report = import_labelstudio(again, path)
    assert report.documents_created == ["doc"]
    assert _store_labels(again) == _store_labels(engine)
    first, second = _tasks(engine)[0], _tasks(again)[0]
    assert first["annotations"] == second["annotations"]


def _label_studio_export() -> list[dict[str, Any]]:
    """What Label Studio's own JSON export of a task annotated in it looks like: ids, user ids,
    no ``fields`` text area."""
    return [
        {
            "id": 17,
            "data": {"text": TEXT},
            "annotations": [
                {
                    "id": 3,
                    "completed_by": 7,
                    "was_cancelled": False,
                    "result": [
                        {"id": "aB1", "type": "labels", "from_name": "label", "to_name": "text",
                         "value": {"start": 0, "end": 5, "text": "Alpha", "labels": ["Source"]}},
                        {"id": "aB2", "type": "labels", "from_name": "label", "to_name": "text",
                         "value": {"start": 11, "end": 20, "text": "one thing", "labels": ["Content"]}},
                        {"type": "relation", "from_id": "aB1", "to_id": "aB2", "direction": "right",
                         "labels": ["Attribution"]},
                        {"id": "aB2", "type": "choices", "from_name": "confidence", "to_name": "text",
                         "value": {"start": 11, "end": 20, "text": "one thing", "choices": ["4"]}},
                    ],
                },
                {"id": 4, "completed_by": 8, "was_cancelled": True, "result": []},
            ],
        }
    ]  # fmt: skip


def test_a_label_studio_export_imports_by_the_span_rule(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(_label_studio_export()))
    engine = fresh_engine()
    report = import_labelstudio(engine, path)
    assert report.documents_created == ["label-studio-17"]
    assert report.users_created == ["label-studio-7"]  # the cancelled annotation is no label
    labels = _store_labels(engine)
    assert labels[("label-studio-17", 0, "label-studio-7")].source_other == "Alpha"
    assert labels[("label-studio-17", 1, "label-studio-7")] == LabelValue(False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t[0]["annotations"][0]["result"][0]["value"].update(labels=["Speaker"]),
            r"field '\[0\]\.annotations\[0\]\.result\[0\]\.value\.labels': unknown labels \['Speaker'\]",
        ),
        (
            lambda t: t[0]["annotations"][0]["result"][1]["value"].update(end=999),
            r"field '\[0\]\.annotations\[0\]\.result\[1\]\.value': start 11, end 999",
        ),
        (
            lambda t: t[0]["annotations"][0]["result"][1]["value"].update(text="two things"),
            r"result\[1\]\.value\.text': text 'two things' differs",
        ),
        (
            lambda t: t[0]["annotations"][0]["result"][2].update(from_id="gone"),
            r"result\[2\]': relation from 'gone', which is not a region",
        ),
        (lambda t: t[0]["annotations"][0]["result"][3]["value"].update(choices=["9"]), r"confidence 9"),
        (lambda t: t[0]["data"].pop("text"), r"field '\[0\]\.data\.text': missing"),
    ],
)
def test_bad_task_names_where_and_changes_nothing(tmp_path: Path, change: Any, expected: str) -> None:
    tasks = _label_studio_export()
    change(tasks)
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(tasks))
    engine = fresh_engine()
    with pytest.raises(InputError, match=expected) as error:
        import_labelstudio(engine, path)
    assert str(error.value).startswith(str(path))
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 0
        assert session.exec(select(func.count()).select_from(Label)).one() == 0


def test_tasks_are_read_one_at_a_time(tmp_path: Path) -> None:
    """The list streams: the first task is converted before the parser reaches a broken second
    one (a whole-file parse would fail first), and the broken task is named by its index."""
    first = orjson.dumps(_label_studio_export()[0])
    path = tmp_path / "broken.json"
    path.write_bytes(b"[" + first + b', {"data": {"text": "A"' + b" oops}]")
    engine = fresh_engine()
    tasks = read_labelstudio(engine, path)
    item, new = next(tasks)
    assert (item.article.id, new) == ("label-studio-17", True)
    with pytest.raises(InputError, match=r"field '\[1\]': not valid JSON after 1 tasks"):
        next(tasks)
    with pytest.raises(InputError, match=r"not valid JSON after 1 tasks"):
        import_labelstudio(engine, path)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "expected a JSON list"), (b"  []", "the list is empty"), (b"42", "expected a JSON list")],
)
def test_not_a_list_of_tasks(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "tasks.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected):
        import_labelstudio(fresh_engine(), path)


def test_one_task_object_imports(tmp_path: Path) -> None:
    path = tmp_path / "task.json"
    path.write_bytes(orjson.dumps(_label_studio_export()[0]))
    engine = fresh_engine()
    assert import_labelstudio(engine, path).documents_created == ["label-studio-17"]


def test_tasks_without_annotations_store_nothing(tmp_path: Path) -> None:
    tasks = _label_studio_export()
    tasks[0]["annotations"] = []
    path = tmp_path / "unlabelled.json"
    path.write_bytes(orjson.dumps(tasks))
    engine = fresh_engine()
    with pytest.raises(InputError, match="no labels in the file"):
        import_labelstudio(engine, path)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 0


def test_cli_round_trip(tmp_path: Path) -> None:
    db, other = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    runner = CliRunner()
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(_label_studio_export()))
    result = runner.invoke(cli, ["--db", db, "import-labels", "--format", "labelstudio", str(path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "tasks.json"
    result = runner.invoke(cli, ["--db", db, "export", "--format", "labelstudio", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 labelstudio tasks" in result.output
    result = runner.invoke(cli, ["--db", other, "import-labels", "--format", "labelstudio", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 records: 3 new" in result.output


def test_label_studio_sdk_accepts_config_annotations_and_predictions() -> None:
    """Label Studio's own validation (the SDK's LabelInterface, which its server runs on imported
    predictions); skipped where the SDK is not installed (it is not a project dependency)."""
    sdk = pytest.importorskip("label_studio_sdk.label_interface")
    from annotator.exchange.formats.labelstudio import LABEL_CONFIG

    interface = sdk.LabelInterface(LABEL_CONFIG)
    interface.validate()
    engine = labelled_with_evidence()
    suggest_documents(engine)
    [task] = _tasks(engine)
    for item in task["annotations"] + task["predictions"]:
        assert interface._validate_object(item, return_errors=True) == []

"""README and docs/ against the project: the layout, the links, the API table."""

import re
from pathlib import Path

from app.core.config import PROJECT_DIR
from app.main import app

# Every file under these folders is named in the layout.
CHECKED = ("app", "alembic", "bench", "scripts", "docs", ".ci")
# Named as a folder, not file by file: a migration is added with every schema change.
FOLDERS_ONLY = ("alembic/versions/",)
# Made by running things, not part of the project: the benchmark's databases.
NOT_OURS = ("bench/data/",)


def layout_paths(readme: str) -> list[str]:
    """The paths in the Layout section's code block: one entry a line, its name first,
    two spaces of indent per folder level, folder names ending in '/'."""
    section = readme.split("\n## Layout\n", 1)[1]
    block = re.search(r"```\n(.*?)\n```", section, re.DOTALL)
    assert block, "README's Layout section has no ``` block"
    folders: list[str] = []
    paths = []
    for line in block[1].splitlines():
        depth, odd = divmod(len(line) - len(line.lstrip(" ")), 2)
        assert not odd and depth <= len(folders), f"Layout: misindented line {line!r}"
        del folders[depth:]
        name = line.split()[0]
        paths.append("".join(folders) + name)
        if name.endswith("/"):
            folders.append(name)
    return paths


def project_files() -> set[str]:
    """The files under CHECKED, as paths from the project directory."""
    found = set()
    for root in CHECKED:
        for path in (PROJECT_DIR / root).rglob("*"):
            relative = path.relative_to(PROJECT_DIR).as_posix()
            if (
                path.is_dir()
                or "__pycache__" in path.parts
                or relative.startswith(FOLDERS_ONLY + NOT_OURS)
                # An empty __init__.py only marks a package; one with code is named.
                or (path.name == "__init__.py" and not path.read_text().strip())
            ):
                continue
            found.add(relative)
    return found


def test_the_parser_reads_nesting_and_folders() -> None:
    readme = (
        "# x\n\n## Layout\n\n```\na/\n  b.py   what b does\n  c/\n    d.py\n  e.py\nf.sh\n```\n"
    )

    assert layout_paths(readme) == ["a/", "a/b.py", "a/c/", "a/c/d.py", "a/e.py", "f.sh"]


def test_the_layout_names_every_file_and_each_once() -> None:
    named = layout_paths((PROJECT_DIR / "README.md").read_text())

    assert sorted(project_files() - set(named)) == []
    assert len(named) == len(set(named)), "a path is named twice"
    assert set(FOLDERS_ONLY) <= set(named)


def test_everything_the_layout_names_exists() -> None:
    named = layout_paths((PROJECT_DIR / "README.md").read_text())

    assert [path for path in named if not (PROJECT_DIR / path).exists()] == []
    assert [path for path in named if path.endswith("/") != (PROJECT_DIR / path).is_dir()] == []


def test_project_files_finds_files_at_any_depth() -> None:
    assert {"app/main.py", "app/api/v1/recipes.py", "bench/lua/requests.lua"} <= project_files()
    assert "app/api/__init__.py" not in project_files()
    assert not any(Path(path).parent.as_posix() == "alembic/versions" for path in project_files())


DOCUMENTS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_links_between_the_documents_resolve() -> None:
    broken = []
    for document in DOCUMENTS:
        for target in LINK.findall(document.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            file, _, anchor = target.partition("#")
            path = (document.parent / file).resolve() if file else document
            if not path.exists() or (anchor and anchor not in anchors(path.read_text())):
                broken.append(f"{document.relative_to(PROJECT_DIR)}: {target}")

    assert broken == []


ID = re.compile(r"\{\w+_id\}")  # the table says {id} for {recipe_id} and {user_id}


def documented_operations(readme: str) -> set[str]:
    """`METHOD /path` from the first column of the API table, paths as the app has them."""
    section = readme.split("\n## The API at a glance\n", 1)[1].split("\n## ", 1)[0]
    operations = set()
    for row in re.findall(r"^\| (`[A-Z]+ .+?) \|", section, re.MULTILINE):
        for method, path in re.findall(r"`([A-Z]+) (/[^?`]*)", row):
            prefix = "" if path.startswith("/health") else "/api/v1"
            operations.add(f"{method} {prefix}{path}")
    return operations


def test_the_api_table_lists_every_operation_and_no_other() -> None:
    in_app = {
        f"{method.upper()} {ID.sub('{id}', path)}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }

    assert documented_operations((PROJECT_DIR / "README.md").read_text()) == in_app

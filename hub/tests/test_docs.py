from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_setting_the_settings_module_reads() -> None:
    # The project's settings module and the settings each channel app contributes (conf.py).
    sources = [ROOT / "hub" / "settings.py", *sorted(ROOT.glob("channels_*/conf.py"))]
    settings_source = "\n".join(path.read_text() for path in sources)
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))

    assert names, "no settings found: has the settings module changed shape?"
    assert sorted(names - documented) == []


def test_the_readme_opens_with_the_two_setup_commands() -> None:
    head = (ROOT / "README.md").read_text().split("##")[0]
    assert "make run" in head and "make test" in head
